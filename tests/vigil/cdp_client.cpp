#include "cdp_client.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "common/spawned_process.hpp"

namespace vigil::test {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

struct cdp_browser::impl {
  browser_engine engine = browser_engine::chromium;
  std::string context;  // firefox: the BiDi browsing context of the page
  std::filesystem::path profile, log_file;
  std::unique_ptr<lifespan::test::spawned_process> process;
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  int next_id = 1;
  std::string session;

  // The next message, or nullopt at the deadline (the read is then cancelled: the socket is done).
  std::optional<nlohmann::json> read(steady::time_point deadline) {
    boost::beast::flat_buffer buffer;
    bool done = false;
    boost::system::error_code error;
    ws.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
      done = true;
      error = ec;
    });
    io.restart();
    while (!done && steady::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
    if (!done) {
      boost::system::error_code ignored;
      ws.next_layer().cancel(ignored);
      io.restart();
      io.run_for(std::chrono::seconds(1));
      return std::nullopt;
    }
    if (error) throw std::runtime_error("devtools websocket: " + error.message());
    return nlohmann::json::parse(boost::beast::buffers_to_string(buffer.data()));
  }

  // Sends a command (to the page session unless `browser_level`) and reads until its answer; events
  // in between are dropped.
  nlohmann::json command(const std::string& method, const nlohmann::json& params, std::chrono::seconds timeout,
                         bool browser_level = false) {
    const int id = next_id++;
    nlohmann::json message{{"id", id}, {"method", method}, {"params", params}};
    if (!browser_level && !session.empty()) message["sessionId"] = session;
    ws.write(asio::buffer(message.dump()));
    const auto deadline = steady::now() + timeout;
    for (;;) {
      auto reply = read(deadline);
      if (!reply) throw std::runtime_error("devtools: no answer to " + method + " within the timeout");
      if (!reply->contains("id") || (*reply)["id"] != id) continue;
      if (reply->contains("error")) throw std::runtime_error("devtools: " + method + ": " + reply->dump());
      return (*reply)["result"];
    }
  }
};

namespace {

// Waits for the port the browser chose: `read` returns it (empty while the file is not there yet).
std::string await_port(const std::function<std::string()>& read, std::chrono::seconds timeout) {
  for (const auto until = steady::now() + timeout; steady::now() < until;) {
    if (auto port = read(); !port.empty()) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

}  // namespace

void cdp_browser::start_firefox(const std::filesystem::path& dir, std::chrono::seconds timeout) {
  impl_->profile = dir / "firefox-profile";
  impl_->log_file = dir / "firefox.log";
  std::filesystem::create_directories(impl_->profile);
  impl_->process = std::make_unique<lifespan::test::spawned_process>(
      std::vector<std::string>{"/usr/bin/firefox-esr", "--headless", "--no-remote", "--profile", impl_->profile.string(),
                               "--remote-debugging-port=0", "--window-size=1400,1000", "about:blank"},
      lifespan::test::spawned_process::inherited_environment(), impl_->log_file, false);
  const auto port = await_port([&] {
    std::ifstream in(impl_->profile / "WebDriverBiDiServer.json");
    if (!in) return std::string();
    try {
      return std::to_string(nlohmann::json::parse(in).at("ws_port").get<int>());
    } catch (const std::exception&) {
      return std::string();  // still being written
    }
  }, timeout);
  if (port.empty()) throw std::runtime_error("firefox wrote no WebDriverBiDiServer.json; its log:\n" + log());
  tcp::resolver resolver(impl_->io);
  asio::connect(impl_->ws.next_layer(), resolver.resolve("127.0.0.1", port));
  impl_->ws.handshake("127.0.0.1:" + port, "/session");
  impl_->ws.text(true);
  impl_->command("session.new", {{"capabilities", nlohmann::json::object()}}, timeout);
  const auto tree = impl_->command("browsingContext.getTree", nlohmann::json::object(), timeout);
  impl_->context = tree.at("contexts").at(0).at("context").get<std::string>();
}

cdp_browser::cdp_browser(const std::filesystem::path& dir, std::chrono::seconds timeout, browser_engine engine)
    : impl_(std::make_unique<impl>()) {
  impl_->engine = engine;
  if (engine == browser_engine::firefox) {
    start_firefox(dir, timeout);
    return;
  }
  impl_->profile = dir / "chromium-profile";
  impl_->log_file = dir / "chromium.log";
  std::filesystem::create_directories(impl_->profile);
  impl_->process = std::make_unique<lifespan::test::spawned_process>(
      std::vector<std::string>{"/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                               "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                               "--disable-extensions", "--disable-background-networking", "--mute-audio",
                               "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                               "--user-data-dir=" + impl_->profile.string(), "--window-size=1400,1000", "about:blank"},
      lifespan::test::spawned_process::inherited_environment(), impl_->log_file, false);

  // DevToolsActivePort: the port on the first line, the browser target's path on the second.
  std::string path;
  const auto port = await_port([&] {
    std::string p;
    std::ifstream in(impl_->profile / "DevToolsActivePort");
    return in >> p >> path ? p : std::string();
  }, timeout);
  if (port.empty()) throw std::runtime_error("chromium wrote no DevToolsActivePort; its log:\n" + log());
  tcp::resolver resolver(impl_->io);
  asio::connect(impl_->ws.next_layer(), resolver.resolve("127.0.0.1", port));
  impl_->ws.handshake("127.0.0.1:" + port, path);
  impl_->ws.text(true);

  const auto target = impl_->command("Target.createTarget", {{"url", "about:blank"}}, timeout, true);
  const auto attached = impl_->command("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}}, timeout, true);
  impl_->session = attached["sessionId"].get<std::string>();
  call("Page.enable");
  call("Runtime.enable");
}

cdp_browser::~cdp_browser() {
  try {
    if (impl_->engine == browser_engine::firefox)
      impl_->command("browser.close", nlohmann::json::object(), std::chrono::seconds(10));
    else
      impl_->command("Browser.close", nlohmann::json::object(), std::chrono::seconds(10), true);
  } catch (const std::exception&) {
    // the connection drops as the browser exits, or the browser is stuck: the wait below decides
  }
  if (impl_->process) impl_->process->wait(std::chrono::seconds(15));
}

nlohmann::json cdp_browser::call(const std::string& method, const nlohmann::json& params, std::chrono::seconds timeout) {
  return impl_->command(method, params, timeout);
}

nlohmann::json cdp_browser::evaluate(const std::string& expression) {
  if (impl_->engine == browser_engine::firefox) {  // the value comes back through JSON.stringify
    const auto r = call("script.evaluate", {{"expression", "(async () => JSON.stringify(await (" + expression + ")))()"},
                                            {"target", {{"context", impl_->context}}},
                                            {"awaitPromise", true}});
    if (r.value("type", "") != "success")
      throw std::runtime_error("the page's script threw: " + r.dump() + "\nfor: " + expression);
    const auto& v = r.at("result");
    return v.value("type", "") == "string" ? nlohmann::json::parse(v.at("value").get<std::string>()) : nlohmann::json();
  }
  const auto r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (r.contains("exceptionDetails"))
    throw std::runtime_error("the page's script threw: " + r["exceptionDetails"].dump() + "\nfor: " + expression);
  return r["result"].value("value", nlohmann::json());
}

bool cdp_browser::wait_until(const std::string& condition, std::chrono::seconds timeout) {
  for (const auto until = steady::now() + timeout; steady::now() < until;) {
    const auto v = evaluate("Boolean(" + condition + ")");
    if (v.is_boolean() && v.get<bool>()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

void cdp_browser::navigate(const std::string& url) {
  if (impl_->engine == browser_engine::firefox) {
    call("browsingContext.navigate", {{"context", impl_->context}, {"url", url}, {"wait", "complete"}});
    return;
  }
  const auto r = call("Page.navigate", {{"url", url}});
  if (r.contains("errorText") && !r["errorText"].get<std::string>().empty())
    throw std::runtime_error("navigating to " + url + ": " + r["errorText"].get<std::string>());
}

void cdp_browser::click(const std::string& selector) {
  if (impl_->engine == browser_engine::firefox) {
    if (!evaluate("(() => { const e = document.querySelector(" + nlohmann::json(selector).dump() +
                  "); if (e) e.click(); return !!e; })()").get<bool>())
      throw std::runtime_error("click: nothing matches " + selector);
    return;
  }
  // A real mouse click lands where the element was measured: the page may move it before the press
  // (a panel above re-rendered), so measure until the element is what is under its own centre.
  nlohmann::json box;
  for (int attempt = 0; attempt < 50; ++attempt) {
    box = evaluate("(() => { const e = document.querySelector(" + nlohmann::json(selector).dump() +
                   "); if (!e) return null; e.scrollIntoView({block: 'center'});"
                   " const r = e.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;"
                   " return {x, y, hit: e.contains(document.elementFromPoint(x, y))}; })()");
    if (box.is_null() || box["hit"].get<bool>()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the page is re-rendering: poll again
  }
  if (box.is_null()) throw std::runtime_error("click: nothing matches " + selector);
  for (const char* type : {"mousePressed", "mouseReleased"})
    call("Input.dispatchMouseEvent",
         {{"type", type}, {"x", box["x"]}, {"y", box["y"]}, {"button", "left"}, {"clickCount", 1}});
}

void cdp_browser::screenshot(const std::filesystem::path& file) {
  const auto data = impl_->engine == browser_engine::firefox
                        ? call("browsingContext.captureScreenshot", {{"context", impl_->context}})["data"].get<std::string>()
                        : call("Page.captureScreenshot", {{"format", "png"}})["data"].get<std::string>();
  std::string png(data.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(png.data()), reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  if (n < 0) throw std::runtime_error("the screenshot is not base64");
  std::size_t padding = 0;
  for (auto it = data.rbegin(); it != data.rend() && *it == '='; ++it) ++padding;
  png.resize(static_cast<std::size_t>(n) - padding);
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(png.data(), static_cast<std::streamsize>(png.size()));
}

std::string cdp_browser::log() const {
  std::ifstream in(impl_->log_file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace vigil::test
