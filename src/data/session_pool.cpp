#include "session_pool.hpp"

#include <soci/soci.h>

namespace lifespan::data {

session_pool::session_pool(std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    sessions_.push_back(std::make_unique<soci::session>());
    free_.push_back(size - 1 - i);
  }
}

session_pool::~session_pool() = default;

std::optional<std::size_t> session_pool::try_lease(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, timeout, [&] { return !free_.empty(); })) return std::nullopt;
  const std::size_t position = free_.back();
  free_.pop_back();
  return position;
}

void session_pool::give_back(std::size_t position) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(position);
  }
  freed_.notify_one();
}

}  // namespace lifespan::data
