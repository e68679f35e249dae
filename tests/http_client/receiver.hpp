#pragma once
// A webhook receiver on loopback for the client tests: a real Boost.Beast server on its own thread
// that answers each request as the test's plan says (respond, respond late, hang, close), counts the
// TCP connections it accepted, and records every request so a test can wait for them.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lifespan::http_client::testing {

struct received {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;
  std::string user_agent;
  std::size_t connection = 0;  // 1-based number of the connection it came on
  std::chrono::steady_clock::time_point at;
  std::string authorization;   // the Authorization header, if any
};

struct reply {
  enum class action { respond, hang, close } what = action::respond;
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // respond after this long (the connection stays open)
  bool close_after = false;            // close the connection after answering, without saying so first

  static reply ok(std::string body = "ok") { return {action::respond, 200, std::move(body)}; }
  static reply status_only(int status) { return {action::respond, status, "status " + std::to_string(status)}; }
  static reply hang() { return {action::hang}; }
  static reply close() { return {action::close}; }
};

class receiver {
 public:
  // `plan` is called on the receiver's thread with the request and its 0-based index.
  using plan = std::function<reply(const received&, std::size_t index)>;
  explicit receiver(plan p);
  ~receiver();  // stops the server: hung requests see their connection closed
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;

  std::string url(const std::string& path = "/hook") const;
  unsigned short port() const noexcept { return port_; }
  std::size_t connections() const;
  std::vector<received> requests() const;
  // Waits (real time) until at least `n` requests arrived; false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace lifespan::http_client::testing
