#pragma once
// Test-only: Debian's headless chromium driven through the Chrome DevTools Protocol. The browser
// starts with --remote-debugging-port=0 and a fresh profile; the port it chose is read from the
// DevToolsActivePort file it writes there; one Boost.Beast websocket carries JSON messages to the
// browser target, and a page is attached with a flattened session (Target.attachToTarget), so every
// page command carries that sessionId.
//
// Every wait is bounded (a broken page fails the test, never hangs it); await page conditions with
// wait_until(), which polls Runtime.evaluate, instead of sleeping. One thread only.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace vigil::test {

// Firefox (Debian's firefox-esr) has no CDP: it is driven through WebDriver BiDi, which uses the same
// {"id", "method", "params"} envelope on its websocket (port from WebDriverBiDiServer.json in the
// profile, path /session). The same member functions map onto browsingContext.* and script.evaluate;
// click() there is the element's click() (a DOM click, not an input event).
enum class browser_engine { chromium, firefox };

class cdp_browser {
 public:
  // Starts the browser (profile and log under `dir`) and opens one blank page. Throws
  // std::runtime_error when the browser does not come up within `timeout`.
  explicit cdp_browser(const std::filesystem::path& dir, std::chrono::seconds timeout = std::chrono::seconds(60),
                       browser_engine engine = browser_engine::chromium);
  ~cdp_browser();  // Browser.close, then SIGKILL if it lingers
  cdp_browser(const cdp_browser&) = delete;
  cdp_browser& operator=(const cdp_browser&) = delete;

  // One command to the page's session; its "result". Throws on a protocol error or a timeout.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                      std::chrono::seconds timeout = std::chrono::seconds(30));
  // Runtime.evaluate (promises awaited, the value returned by value); throws when the script threw.
  nlohmann::json evaluate(const std::string& expression);
  // Polls `condition` (a JavaScript expression) every 200 ms until it is truthy; false at the timeout.
  bool wait_until(const std::string& condition, std::chrono::seconds timeout = std::chrono::seconds(60));
  void navigate(const std::string& url);
  // A real mouse click (Input.dispatchMouseEvent) in the middle of the first element matching `selector`.
  void click(const std::string& selector);
  // Page.captureScreenshot as a PNG file.
  void screenshot(const std::filesystem::path& file);
  std::string log() const;  // the browser's output, for failure messages

 private:
  void start_firefox(const std::filesystem::path& dir, std::chrono::seconds timeout);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vigil::test
