// The dashboard in a real headless browser (Debian's chromium): vigil serves it with demo traffic
// flowing, the page renders every component and live alerts, a filter given in the address narrows
// the alerts, and a screenshot is kept as a test artifact (build/<preset>/artifacts/dashboard.png).
// The second test drives the live page through the DevTools protocol (cdp_client.hpp) with an API
// token configured: components arrive over the status stream, alerts over the alert stream, filters
// chosen in the form narrow the table, a click opens an alert's detail, a click on a top client in
// the stats panel filters by it (artifacts/dashboard_live.png).
#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "cdp_client.hpp"
#include "service_fixture.hpp"
#include "vigil_process.hpp"

namespace vigil::test {
namespace {

using namespace std::chrono_literals;

// Starts vigil with demo traffic (and `extra` overrides); its HTTP address, once it listens and its
// store holds at least three critical alerts.
std::string start_demo(const temp_dir& dir, std::unique_ptr<vigil_process>& vigil, std::vector<std::string> extra = {}) {
  const auto log = dir / "access.log";
  std::vector<std::string> sets = {"demo.enabled=true", "demo.path=" + log.string(), "demo.rate=200", "demo.attack_share=0.3"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  vigil = std::make_unique<vigil_process>(serve_args(dir, log, sets), dir / "vigil.out");
  std::string address;
  for (const auto until = std::chrono::steady_clock::now() + 60s; address.empty() && std::chrono::steady_clock::now() < until;) {
    std::ifstream in(dir / "http.address");
    in >> address;
    if (address.empty()) std::this_thread::sleep_for(20ms);
  }
  if (address.empty()) return address;
  const auto critical = [&] {
    return sqlite_reader(dir / "vigil.db").number("SELECT count(*) FROM vigil_alerts WHERE severity = 4", 0);
  };
  for (const auto until = std::chrono::steady_clock::now() + 60s; critical() < 3 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(50ms);
  return critical() >= 3 ? address : std::string{};
}

// Runs a command line through the shell; its standard output.
std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// The page's DOM after its scripts ran (virtual time lets the first polls and the stream complete).
std::string rendered(const std::string& url, const std::string& extra = {}) {
  return run("timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
             "--virtual-time-budget=5000 " + extra + " '" + url + "' 2>/dev/null");
}

TEST(VigilDashboard, ShowsComponentsAndLiveAlertsAndFiltersInARealBrowser) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto address_file = dir / "http.address";
  vigil_process vigil(serve_args(dir, log, {"demo.enabled=true", "demo.path=" + log.string(), "demo.rate=200",
                                             "demo.attack_share=0.3"}),
                      dir / "vigil.out");
  std::string address;
  for (const auto until = std::chrono::steady_clock::now() + 60s; address.empty() && std::chrono::steady_clock::now() < until;) {
    std::ifstream in(address_file);
    in >> address;
    if (address.empty()) std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(address.empty()) << "vigil did not listen";
  // Demo traffic flows into the store (polled: another process writes it).
  const auto db = dir / "vigil.db";
  const auto critical = [&] {
    return sqlite_reader(db).number("SELECT count(*) FROM vigil_alerts WHERE severity = 4", 0);
  };
  for (const auto until = std::chrono::steady_clock::now() + 60s; critical() < 3 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(50ms);
  ASSERT_GE(critical(), 3) << "no critical alerts from the demo traffic";

  // ?live=poll: a headless renderer's virtual time only runs while no request is pending, and the
  // live stream is a request that never ends; the stream itself is tested in tests/http.
  const std::string base = "http://" + address + "/ui?live=poll";
  const auto page = rendered(base, "--dump-dom");
  ASSERT_NE(page.find("<h1>vigil</h1>"), std::string::npos) << "the page did not load:\n" << page.substr(0, 2000);
  for (const char* component : {"db", "rules", "alerts", "pipeline", "tailer", "http"})
    EXPECT_NE(page.find(std::string("data-component=\"") + component + "\""), std::string::npos) << component << " missing";
  EXPECT_NE(page.find("class=\"state-up\""), std::string::npos) << "components show their state";
  const std::regex row(R"(<tr data-key=)");
  EXPECT_GE(std::distance(std::sregex_iterator(page.begin(), page.end(), row), std::sregex_iterator()), 3) << "alerts listed";

  // A filter in the address: only critical alerts remain.
  const auto filtered = rendered(base + "&severity=critical", "--dump-dom");
  const std::regex severity(R"x(<span class="sev-([a-z]+)">)x");
  int rows = 0;
  for (auto it = std::sregex_iterator(filtered.begin(), filtered.end(), severity); it != std::sregex_iterator(); ++it, ++rows)
    EXPECT_EQ((*it)[1], "critical");
  EXPECT_GE(rows, 3) << "the filtered view lists the critical alerts";

  const auto shot = std::filesystem::path(VIGIL_ARTIFACT_DIR) / "dashboard.png";
  std::filesystem::create_directories(shot.parent_path());
  std::filesystem::remove(shot);
  rendered(base, "--window-size=1400,1000 --screenshot=" + shot.string());
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 20000u) << "a real picture, not an empty page";
}

TEST(VigilDashboard, LiveInAHeadlessBrowserWithATokenFiltersChosenInTheFormAndAnAlertsDetail) {
  temp_dir dir;
  const std::string token = "dashboard-token-0123456789";
  std::unique_ptr<vigil_process> vigil;
  const auto address = start_demo(dir, vigil, {"auth.token=" + token});
  ASSERT_FALSE(address.empty()) << "vigil did not listen or store critical alerts";
  cdp_browser browser(dir / "browser");
  browser.navigate("http://" + address + "/ui?token=" + token);

  // The token moved from the address bar to this tab's sessionStorage.
  ASSERT_TRUE(browser.wait_until("document.querySelector('h1') && document.querySelector('h1').textContent === 'vigil'"))
      << browser.log();
  EXPECT_TRUE(browser.wait_until("!location.search.includes('token')", 10s)) << "the token stays in the address bar";
  EXPECT_EQ(browser.evaluate("sessionStorage.getItem('vigil.token')"), token);

  // Components arrive through /api/status/stream, each with its state.
  ASSERT_TRUE(browser.wait_until(
      "['db', 'rules', 'alerts', 'pipeline', 'tailer', 'http', 'auth', 'status_feed'].every("
      "n => document.querySelector(`#components tr[data-component=\"${n}\"] td.state-up`))"))
      << browser.evaluate("document.querySelector('#components').outerHTML");
  EXPECT_TRUE(browser.wait_until("document.querySelector('#mode').textContent === 'mode: rules'"));

  // Alerts: the first page, then live ones through /api/alerts/stream (rows marked fresh).
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr').length >= 3"))
      << browser.evaluate("document.querySelector('#alert-count').textContent");
  ASSERT_TRUE(browser.wait_until("document.querySelector('#connection').textContent === 'live'"));
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr.fresh').length >= 3"))
      << "no live alerts arrived";

  // Severity: choose "critical" in the form; only critical alerts remain, and so do new ones.
  browser.evaluate("(() => { const s = document.querySelector('#filters select[name=severity]'); s.focus();"
                   " s.value = 'critical'; s.dispatchEvent(new Event('input', {bubbles: true})); })()");
  const std::string only_critical =
      "[...document.querySelectorAll('#alerts tbody tr')].every(r => r.querySelector('td span').className === 'sev-critical')";
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr').length >= 3 && "
                                 "document.querySelectorAll('#alerts tbody span.sev-critical').length >= 3 && " + only_critical))
      << browser.evaluate("document.querySelector('#alerts tbody').innerText");
  const auto fresh = browser.evaluate("document.querySelectorAll('#alerts tbody tr.fresh').length").get<int>();
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr.fresh').length > " + std::to_string(fresh)))
      << "no live critical alert arrived under the filter";
  EXPECT_TRUE(browser.evaluate(only_critical).get<bool>()) << browser.evaluate("document.querySelector('#alerts tbody').innerText");

  // Category: typed into the form, the first row's first category; every row then has it.
  const auto category = browser.evaluate("document.querySelector('#alerts tbody tr td:nth-child(3)').textContent.split(', ')[0]")
                            .get<std::string>();
  ASSERT_FALSE(category.empty());
  browser.evaluate("(() => { const c = document.querySelector('#filters input[name=category]'); c.focus(); c.value = " +
                   nlohmann::json(category).dump() + "; c.dispatchEvent(new Event('input', {bubbles: true})); })()");
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr').length >= 1 && " + only_critical +
                                 " && [...document.querySelectorAll('#alerts tbody tr td:nth-child(3)')].every("
                                 "td => td.textContent.split(', ').includes(" + nlohmann::json(category).dump() + "))"))
      << browser.evaluate("document.querySelector('#alerts tbody').innerText");

  // A click on a row opens its detail, read back from /api/alerts/{id}.
  browser.click("#alerts tbody tr");
  ASSERT_TRUE(browser.wait_until("!document.querySelector('#alert-detail').hidden && "
                                 "document.querySelector('#detail-body').textContent.includes('\"severity\": \"critical\"')"))
      << browser.evaluate("document.querySelector('#alert-detail').outerHTML");
  const auto detail = nlohmann::json::parse(browser.evaluate("document.querySelector('#detail-body').textContent").get<std::string>());
  EXPECT_TRUE(detail["id"].is_number()) << detail.dump();
  EXPECT_NE(std::find(detail["categories"].begin(), detail["categories"].end(), category), detail["categories"].end());

  // The form's "clear" button, then a click on the top client in the stats panel: its alerts only.
  browser.click("#filters button[type=reset]");
  ASSERT_TRUE(browser.wait_until("document.querySelector('#filters select[name=severity]').value === '' && "
                                 "document.querySelector('#filters input[name=category]').value === ''"));

  // Rule id: the first row's first rule (vigil's or CRS's) typed into the form; every row then has it.
  const auto rule = browser.evaluate("document.querySelector('#alerts tbody tr td:nth-child(8)').textContent"
                                     ".split(' (')[0].split(', ')[0]").get<std::string>();
  ASSERT_FALSE(rule.empty());
  browser.evaluate("(() => { const c = document.querySelector('#filters input[name=rule]'); c.focus(); c.value = " +
                   nlohmann::json(rule).dump() + "; c.dispatchEvent(new Event('input', {bubbles: true})); })()");
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr').length >= 1 && "
                                 "[...document.querySelectorAll('#alerts tbody tr td:nth-child(8)')].every("
                                 "td => td.textContent.split(' (')[0].split(', ').includes(" + nlohmann::json(rule).dump() + "))"))
      << rule << ": " << browser.evaluate("document.querySelector('#alerts tbody').innerText");
  browser.click("#filters button[type=reset]");
  ASSERT_TRUE(browser.wait_until("document.querySelector('#filters input[name=rule]').value === ''"));

  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#stats-clients tbody tr').length >= 1 && "
                                 "Number(document.querySelector('#stats-total').textContent) >= 3"))
      << browser.evaluate("document.querySelector('#stats-panel').innerText");
  const auto client = browser.evaluate("document.querySelector('#stats-clients tbody tr').dataset.value").get<std::string>();
  browser.click("#stats-clients tbody tr");
  const std::string only_client = "[...document.querySelectorAll('#alerts tbody tr td:nth-child(4)')].every(td => td.textContent === " +
                                  nlohmann::json(client).dump() + ")";
  ASSERT_TRUE(browser.wait_until("document.querySelector('#filters input[name=client]').value === " + nlohmann::json(client).dump() +
                                 " && document.querySelectorAll('#alerts tbody tr').length >= 1 && " + only_client))
      << client << ": " << browser.evaluate("document.querySelector('#alerts tbody').innerText");

  const auto shot = std::filesystem::path(VIGIL_ARTIFACT_DIR) / "dashboard_live.png";
  std::filesystem::create_directories(shot.parent_path());
  std::filesystem::remove(shot);
  browser.evaluate("window.scrollTo(0, 0)");
  browser.screenshot(shot);
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 20000u) << "a real picture, not an empty page";
}

// The same page in Firefox (Debian's firefox-esr, through WebDriver BiDi): components and live alerts
// arrive, a severity chosen in the form leaves only matching alerts, a click opens an alert's detail.
TEST(VigilDashboard, WorksInFirefoxToo) {
  temp_dir dir;
  std::unique_ptr<vigil_process> vigil;
  const auto address = start_demo(dir, vigil);
  ASSERT_FALSE(address.empty()) << "vigil did not listen or store critical alerts";
  cdp_browser browser(dir / "firefox", std::chrono::seconds(90), browser_engine::firefox);
  browser.navigate("http://" + address + "/ui");

  ASSERT_TRUE(browser.wait_until(
      "['db', 'rules', 'alerts', 'pipeline', 'tailer', 'http'].every("
      "n => document.querySelector(`#components tr[data-component=\"${n}\"] td.state-up`))"))
      << browser.evaluate("document.querySelector('#components').outerHTML") << browser.log();
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr').length >= 3"));
  ASSERT_TRUE(browser.wait_until("document.querySelector('#connection').textContent === 'live'"));
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody tr.fresh').length >= 1"))
      << "no live alerts arrived";

  browser.evaluate("(() => { const s = document.querySelector('#filters select[name=severity]');"
                   " s.value = 'critical'; s.dispatchEvent(new Event('input', {bubbles: true})); })()");
  const std::string only_critical =
      "[...document.querySelectorAll('#alerts tbody tr')].every(r => r.querySelector('td span').className === 'sev-critical')";
  ASSERT_TRUE(browser.wait_until("document.querySelectorAll('#alerts tbody span.sev-critical').length >= 3 && " +
                                 only_critical))
      << browser.evaluate("document.querySelector('#alerts tbody').innerText");

  browser.click("#alerts tbody tr");
  ASSERT_TRUE(browser.wait_until("!document.querySelector('#alert-detail').hidden && "
                                 "document.querySelector('#detail-body').textContent.includes('\"severity\": \"critical\"')"))
      << browser.evaluate("document.querySelector('#alert-detail').outerHTML");

  const auto shot = std::filesystem::path(VIGIL_ARTIFACT_DIR) / "dashboard_firefox.png";
  std::filesystem::create_directories(shot.parent_path());
  std::filesystem::remove(shot);
  browser.screenshot(shot);
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 20000u) << "a real picture, not an empty page";
}

TEST(VigilDashboard, WithoutTheTokenThePageSaysItNeedsOne) {
  temp_dir dir;
  std::unique_ptr<vigil_process> vigil;
  const auto address = start_demo(dir, vigil, {"auth.token=dashboard-token-0123456789"});
  ASSERT_FALSE(address.empty());
  cdp_browser browser(dir / "browser");
  browser.navigate("http://" + address + "/ui");
  EXPECT_TRUE(browser.wait_until("document.querySelector('#connection') && "
                                 "document.querySelector('#connection').dataset.auth === 'refused'"))
      << browser.evaluate("document.body ? document.body.innerText : ''");
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('#alerts tbody tr').length"), 0);
}

}  // namespace
}  // namespace vigil::test
