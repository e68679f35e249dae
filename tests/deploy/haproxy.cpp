#include "haproxy.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "http/client.hpp"

namespace lifespan::test {

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("free_port: cannot bind a loopback socket");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

namespace {

std::string generate_config(std::uint16_t port, std::uint16_t stats_port, const std::vector<std::uint16_t>& backends,
                            const haproxy::options& o) {
  std::ostringstream c;
  c << "global\n"
       "  maxconn 512\n"
       "defaults\n"
       "  mode http\n"
       "  timeout connect 2s\n"
       "  timeout client 30s\n"
       "  timeout server 30s\n"
       "  timeout http-keep-alive 30s\n"
       "  retries 0\n"  // no hidden second chances: see haproxy.hpp
       "frontend web\n"
       "  bind 127.0.0.1:"
    << port
    << "\n"
       "  default_backend replicas\n"
       "frontend stats\n"
       "  bind 127.0.0.1:"
    << stats_port
    << "\n"
       "  stats enable\n"
       "  stats uri /stats\n"
       "backend replicas\n"
       "  balance roundrobin\n"
       "  option httpchk GET /readyz\n"
       "  http-check expect status 200\n"
       "  default-server check inter "
    << o.inter.count() << "ms fastinter " << o.inter.count() << "ms downinter " << o.inter.count() << "ms fall " << o.fall
    << " rise " << o.rise << "\n";
  for (std::size_t i = 0; i < backends.size(); ++i) c << "  server r" << i << " 127.0.0.1:" << backends[i] << "\n";
  return c.str();
}

}  // namespace

haproxy::haproxy(const std::vector<std::uint16_t>& backend_ports, options o) {
  if (::access("/usr/sbin/haproxy", X_OK) != 0)
    throw std::runtime_error("/usr/sbin/haproxy is missing: the deployment tests need Debian's haproxy (bash scripts/setup.sh)");
  port_ = free_port();
  stats_port_ = free_port();
  config_ = generate_config(port_, stats_port_, backend_ports, o);
  const auto path = write_temp_file("haproxy-" + std::to_string(port_) + ".cfg", config_);
  process_ = std::make_unique<process>(std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", path});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    try {
      stats();
      return;
    } catch (const std::exception&) {
    }
    if (process_->wait(std::chrono::milliseconds(5)))
      throw std::runtime_error("haproxy exited at startup: " + process_->err() + "\nconfig:\n" + config_);
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("haproxy did not listen: " + process_->err());
  }
}

haproxy::~haproxy() {
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(10));
}

std::string haproxy::output() {
  process_->wait_for_log("\x01", std::chrono::milliseconds(1));  // pumps whatever is buffered
  return process_->out() + process_->err();
}

std::map<std::string, server_stats> haproxy::stats() const {
  client c(stats_port_);
  c.send("GET /stats;csv HTTP/1.0\r\n\r\n");  // HTTP/1.0: a plain body ending at close, never chunked
  if (!c.closed_by_server(std::chrono::seconds(10))) throw std::runtime_error("haproxy stats did not answer");
  std::istringstream in(c.received());
  std::map<std::string, server_stats> result;
  for (std::string line; std::getline(in, line);) {
    // # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,...
    if (line.rfind("replicas,", 0) != 0) continue;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string v; std::getline(fields, v, ',');) f.push_back(v);
    if (f.size() < 18 || f[1] == "BACKEND") continue;
    const auto number = [](const std::string& s) { return s.empty() ? 0L : std::stol(s); };
    result[f[1]] = {f[17], number(f[7]), number(f[13]), number(f[14]), number(f[15]), number(f[16])};
  }
  if (result.empty()) throw std::runtime_error("haproxy stats: no backend rows in\n" + c.received());
  return result;
}

bool haproxy::await_status(const std::string& name, const std::string& status, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      const auto s = stats();
      if (auto it = s.find(name); it != s.end() && it->second.status == status) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace lifespan::test
