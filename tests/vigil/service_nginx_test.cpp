// End to end with a real nginx (Debian's): nginx on a loopback port with its own prefix writes its
// access log; the service tails it. Attacks sent through nginx raise alerts, benign requests none.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <set>
#include <thread>

#include "service_fixture.hpp"

extern char** environ;

namespace vigil::test {
namespace {

const char* const nginx_binary = "/usr/sbin/nginx";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One request on its own connection; the status code, or 0 when nothing came back.
int get(int port, const std::string& target, const std::string& agent) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return 0;
  }
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: " + agent +
                              "\r\nConnection: close\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  if (response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

class nginx_process {
 public:
  nginx_process(const temp_dir& dir, int port) : prefix_(dir / "nginx") {
    std::filesystem::create_directories(prefix_ / "tmp");
    std::filesystem::create_directories(prefix_ / "logs");
    {
      std::ofstream conf(prefix_ / "nginx.conf");
      conf << "worker_processes 1;\n"
           << "pid " << (prefix_ / "nginx.pid").string() << ";\n"
           << "error_log " << (prefix_ / "logs/error.log").string() << ";\n"
           << "events { worker_connections 64; }\n"
           << "http {\n"
           << "  access_log " << access_log().string() << " combined;\n"
           << "  client_body_temp_path " << (prefix_ / "tmp/body").string() << ";\n"
           << "  proxy_temp_path " << (prefix_ / "tmp/proxy").string() << ";\n"
           << "  fastcgi_temp_path " << (prefix_ / "tmp/fastcgi").string() << ";\n"
           << "  uwsgi_temp_path " << (prefix_ / "tmp/uwsgi").string() << ";\n"
           << "  scgi_temp_path " << (prefix_ / "tmp/scgi").string() << ";\n"
           << "  server {\n"
           << "    listen 127.0.0.1:" << port << ";\n"
           << "    location / { return 200 \"ok\\n\"; }\n"
           << "  }\n"
           << "}\n";
    }
    std::vector<std::string> args = {nginx_binary, "-p", prefix_.string(), "-c", (prefix_ / "nginx.conf").string(),
                                     "-g", "daemon off;"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const auto out = (prefix_ / "stderr.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (::posix_spawn(&pid_, nginx_binary, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~nginx_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);  // graceful: workers finish and flush
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::filesystem::path access_log() const { return prefix_ / "logs/access.log"; }
  bool started() const { return pid_ > 0; }
  std::string errors() const {
    std::ifstream in(prefix_ / "stderr.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::filesystem::path prefix_;
  pid_t pid_ = -1;
};

TEST(vigil_serve_nginx, attacks_through_a_real_nginx_raise_alerts_and_benign_traffic_none) {
  if (!std::filesystem::exists(nginx_binary)) GTEST_SKIP() << "nginx is not installed (scripts/setup.sh installs it)";
  temp_dir dir;
  const int port = free_port();
  nginx_process nginx(dir, port);
  ASSERT_TRUE(nginx.started());
  const auto browser = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
  // nginx answers as soon as it listens; wait for that (an event we can observe: a 200).
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (get(port, "/", browser) != 200) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << nginx.errors();
    std::this_thread::sleep_for(20ms);
  }

  service_under_test s(dir, {nginx.access_log().string()});
  ASSERT_TRUE(s.up);
  const std::vector<std::string> benign = {"/", "/products/42", "/search?q=red+shoes", "/about?lang=en",
                                           "/static/app.js", "/api/cart?item=7&qty=2"};
  const std::vector<std::pair<std::string, std::string>> attacks = {
      {"/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E", browser},
      {"/item?id=1%27%20OR%20%271%27=%271", browser},
      {"/item?id=1%20UNION%20SELECT%20username,password%20FROM%20users--", browser},
      {"/download?file=../../../../etc/passwd", browser},
      {"/", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
  };
  int sent = 1;  // the readiness probe above
  for (int round = 0; round < 3; ++round) {
    for (const auto& target : benign) {
      ASSERT_EQ(get(port, target, browser), 200) << target;
      ++sent;
    }
    for (const auto& [target, agent] : attacks) {
      ASSERT_EQ(get(port, target, agent), 200) << target;
      ++sent;
    }
  }
  ASSERT_TRUE(s.wait_stored(static_cast<std::uint64_t>(sent), 60s)) << s.pipeline().stats().lines_stored << " of " << sent;
  service::alert_query all;
  all.limit = 1000;
  const auto page = s.alerts().query(all);
  EXPECT_EQ(page.alerts.size(), 3 * attacks.size());
  std::set<std::string> flagged;
  for (const auto& a : page.alerts) {
    flagged.insert(a.path + " " + a.user_agent);
    EXPECT_EQ(a.client, "127.0.0.1");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.mode, "rules");
    EXPECT_FALSE(a.rule_ids.empty());
  }
  for (const auto& [target, agent] : attacks) EXPECT_EQ(flagged.count(target + " " + agent), 1u) << target;
  EXPECT_EQ(s.pipeline().stats().malformed, 0u);
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
