#pragma once
// A fixed set of SOCI sessions handed out one caller at a time. SOCI's own connection_pool is not used:
// in Debian's SOCI 4.0.3 its try_lease(timeout) builds an unnormalised timespec and throws
// "Synchronization error" for some timeouts.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace soci {
class session;
}

namespace lifespan::data {

class session_pool {
 public:
  explicit session_pool(std::size_t size);
  ~session_pool();
  std::size_t size() const noexcept { return sessions_.size(); }
  soci::session& at(std::size_t position) { return *sessions_[position]; }
  // A free position within `timeout`, or nullopt.
  std::optional<std::size_t> try_lease(std::chrono::milliseconds timeout);
  void give_back(std::size_t position);

 private:
  std::vector<std::unique_ptr<soci::session>> sessions_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::size_t> free_;
};

}  // namespace lifespan::data
