#pragma once
// A deliberately small HTTP/1.1 client on a raw TCP socket, so tests control every byte: half headers,
// malformed requests, pipelining, slow senders. Every wait is a poll() bounded by a deadline, so a
// broken server fails the test instead of hanging it.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lifespan::test {

struct reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_case_name) const {
    auto it = headers.find(lower_case_name);
    return it == headers.end() ? std::string{} : it->second;
  }
  bool has(const std::string& lower_case_name) const { return headers.count(lower_case_name) != 0; }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

class client {
 public:
  explicit client(std::uint16_t port);  // connects to 127.0.0.1:port; throws std::runtime_error when refused
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(std::string_view bytes);  // throws when the connection is gone
  // The next complete response, or nullopt when the connection closed or the timeout passed first.
  std::optional<reply> read(std::chrono::milliseconds timeout = std::chrono::seconds(10), bool head = false);
  // Sends a request and reads its response; throws when there is none.
  reply request(std::string_view method, std::string_view target, std::string_view body = {},
                std::string_view extra_headers = {});
  reply get(std::string_view target) { return request("GET", target); }
  // True when the server closes the connection (end of stream or reset) within `timeout`; whatever it
  // sends before that is appended to received().
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& received() const noexcept { return buffer_; }
  // Reads until received() contains `text` (true), or the connection closes or the timeout passes.
  bool receive_until(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  enum class fill { data, closed, timeout };
  fill fill_some(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection (closed afterwards).
reply fetch(std::uint16_t port, std::string_view target, std::string_view method = "GET");
// True when nothing listens on the port any more (connect is refused).
bool refused(std::uint16_t port);

}  // namespace lifespan::test
