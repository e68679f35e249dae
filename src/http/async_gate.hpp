#pragma once
// Where the answers of asynchronous handlers (lifespan/http/responder.hpp) go: a responder can outlive
// its request, its connection and the server (it waits in an outbound call's callback), so it holds
// none of them, only its entry here. While the server runs, deliver() hands the answer to the entry's
// delivery, which posts it to the connection's strand; close() (server stop, before the I/O threads and
// their io_contexts go) drops every pending delivery, and each later deliver() does nothing.
//
// Thread-safety: every member may be called from any thread. A delivery runs under the gate's lock,
// so close() cannot return while one is posting to an io_context it is about to let go of.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include <spdlog/logger.h>

#include "lifespan/http/message.hpp"

namespace lifespan::http::detail {

class async_gate {
 public:
  using delivery = std::function<void(http::response)>;

  std::uint64_t enter(delivery d);
  // Hands `r` to the delivery of `entry` and forgets it; false when it was handed an answer before
  // or the gate is closed.
  bool deliver(std::uint64_t entry, http::response r);
  // Drops the delivery of `entry` unused (its request was answered without it).
  void forget(std::uint64_t entry);
  void close();
  std::size_t pending() const;

 private:
  mutable std::mutex mutex_;
  bool closed_ = false;                                  // guarded by mutex_
  std::uint64_t next_ = 0;                               // guarded by mutex_
  std::unordered_map<std::uint64_t, delivery> entries_;  // guarded by mutex_
};

// What every copy of one request's responder shares.
struct responder_state {
  responder_state(std::shared_ptr<async_gate> g, std::uint64_t e, std::stop_token s, std::shared_ptr<spdlog::logger> l,
                  std::string w)
      : gate(std::move(g)), entry(e), stop(std::move(s)), log(std::move(l)), what(std::move(w)) {}
  ~responder_state();  // unanswered: 500, logged unless the request was cancelled

  const std::shared_ptr<async_gate> gate;
  const std::uint64_t entry;
  const std::stop_token stop;
  const std::shared_ptr<spdlog::logger> log;
  const std::string what;  // "http: GET /quote", for the log
  std::atomic<bool> answered{false};
};

}  // namespace lifespan::http::detail
