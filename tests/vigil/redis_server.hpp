#pragma once
// A throwaway redis-server (Debian's /usr/bin/redis-server) for the delivery tests: no persistence,
// loopback only, on a free port that it keeps across stop()/start() (so a test can take Redis away
// and bring it back where the service expects it), plus a small hiredis client to read streams back.
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/spawned_process.hpp"

namespace vigil::test {

inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One connection; every call returns nullopt/empty when Redis does not answer.
class redis_client {
 public:
  explicit redis_client(int port, std::string password = {}) {
    timeval tv{1, 0};
    ctx_ = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx_ && !ctx_->err) redisSetTimeout(ctx_, timeval{5, 0});
    if (ctx_ && !ctx_->err && !password.empty()) command({"AUTH", password});
  }
  ~redis_client() {
    if (ctx_) redisFree(ctx_);
  }
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;
  bool connected() const { return ctx_ && !ctx_->err; }

  struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  using reply = std::unique_ptr<redisReply, reply_deleter>;
  reply command(const std::vector<std::string>& args) {
    if (!connected()) return nullptr;
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    return reply(static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
  }
  std::optional<long long> xlen(const std::string& stream) {
    auto r = command({"XLEN", stream});
    if (!r || r->type != REDIS_REPLY_INTEGER) return std::nullopt;
    return r->integer;
  }
  // Every entry of `stream` as (key field, alert field), oldest first.
  std::vector<std::pair<std::string, std::string>> entries(const std::string& stream) {
    std::vector<std::pair<std::string, std::string>> out;
    auto r = command({"XRANGE", stream, "-", "+"});
    if (!r || r->type != REDIS_REPLY_ARRAY) return out;
    for (std::size_t i = 0; i < r->elements; ++i) {
      const auto* fields = r->element[i]->element[1];
      std::string key, alert;
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
        const std::string name(fields->element[f]->str, fields->element[f]->len);
        const std::string value(fields->element[f + 1]->str, fields->element[f + 1]->len);
        if (name == "key") key = value;
        if (name == "alert") alert = value;
      }
      out.emplace_back(key, alert);
    }
    return out;
  }

 private:
  redisContext* ctx_ = nullptr;
};

class redis_server {
 public:
  explicit redis_server(const std::filesystem::path& dir, std::vector<std::string> extra = {})
      : dir_(dir), port_(free_loopback_port()), extra_(std::move(extra)) {
    start();
  }
  ~redis_server() { stop(); }

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  // Starts (again, on the same port) and waits until it answers PING.
  void start() {
    std::vector<std::string> args = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", dir_.string()};
    args.insert(args.end(), extra_.begin(), extra_.end());
    process_ = std::make_unique<lifespan::test::spawned_process>(
        args, lifespan::test::spawned_process::inherited_environment(), dir_ / "redis.log", true);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      redis_client c(port_, password());
      if (auto r = c.command({"PING"}); r && r->type == REDIS_REPLY_STATUS) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling for readiness, not synchronising
    }
    throw std::runtime_error("redis-server did not answer PING within 20 s:\n" + process_->output());
  }
  void stop() {
    if (!process_) return;
    process_->signal(SIGCONT);  // a paused server cannot act on SIGTERM
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(20));
    process_.reset();
  }
  void pause() { process_->signal(SIGSTOP); }
  void resume() { process_->signal(SIGCONT); }
  std::string log() const { return process_ ? process_->output() : std::string(); }

 private:
  std::string password() const {
    for (std::size_t i = 0; i + 1 < extra_.size(); ++i)
      if (extra_[i] == "--requirepass") return extra_[i + 1];
    return {};
  }
  std::filesystem::path dir_;
  int port_;
  std::vector<std::string> extra_;
  std::unique_ptr<lifespan::test::spawned_process> process_;
};

}  // namespace vigil::test
