// The dashboard in a real headless browser (Debian's chromium): vigil serves it with demo traffic
// flowing, the page renders every component and live alerts, a filter given in the address narrows
// the alerts, and a screenshot is kept as a test artifact (build/<preset>/artifacts/dashboard.png).
#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "service_fixture.hpp"
#include "vigil_process.hpp"

namespace vigil::test {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace vigil::test
