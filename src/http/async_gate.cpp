#include "async_gate.hpp"

#include "lifespan/http/responder.hpp"

namespace lifespan::http {

bool responder::send(response r) const {
  if (state_->answered.exchange(true)) return false;
  if (state_->stop.stop_requested()) {  // given up on: the connection has answered it 503 itself
    state_->gate->forget(state_->entry);
    return false;
  }
  return state_->gate->deliver(state_->entry, std::move(r));
}

std::stop_token responder::stop_token() const noexcept { return state_->stop; }

bool responder::answered() const noexcept { return state_->answered.load(); }

namespace detail {

std::uint64_t async_gate::enter(delivery d) {
  std::lock_guard lock(mutex_);
  const auto entry = next_++;
  if (!closed_) entries_.emplace(entry, std::move(d));
  return entry;
}

bool async_gate::deliver(std::uint64_t entry, http::response r) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(entry);
  if (found == entries_.end()) return false;
  auto d = std::move(found->second);
  entries_.erase(found);
  d(std::move(r));
  return true;
}

void async_gate::forget(std::uint64_t entry) {
  delivery dropped;
  std::lock_guard lock(mutex_);
  if (auto found = entries_.find(entry); found != entries_.end()) {
    dropped = std::move(found->second);
    entries_.erase(found);
  }
}

void async_gate::close() {
  std::unordered_map<std::uint64_t, delivery> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(entries_);
  }
  // Destroyed here, outside the lock: a delivery may hold the last reference to its connection.
}

std::size_t async_gate::pending() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

responder_state::~responder_state() {
  if (answered.exchange(true)) return;
  if (stop.stop_requested()) {  // given up on, and answered 503 already
    gate->forget(entry);
    return;
  }
  if (gate->deliver(entry, response::error(status::internal_server_error, "internal error",
                                           "the handler dropped the request unanswered")))
    log->error("{}: the asynchronous handler dropped its responder without answering", what);
}

}  // namespace detail
}  // namespace lifespan::http
