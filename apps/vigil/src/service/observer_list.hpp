#pragma once
// Callbacks notified together, each added and removed on its own (the alert store's "new alerts
// committed" observers: every delivery relay wakes on them).
//
//   auto sub = list.add([this](std::size_t n) { wake(); });   // from any thread
//   list.notify(3);                                           // calls every callback added
//   sub.reset();                                              // from here on, never called again
//
// Lifetime: once a subscription is reset or destroyed, its callback is neither running nor called
// again (reset() waits for a notification in progress), so the callback's owner may then go away. A
// subscription may outlive its list (its reset() then does nothing).
// Thread-safety: add(), notify() and reset() from any thread. Callbacks run on the notifying thread,
// one after another, under the list's lock: they must be quick and must not add or reset
// subscriptions of the same list (that would deadlock).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace vigil::service {

template <class... Args>
class observer_list {
  struct state {
    std::mutex mutex;  // held while the callbacks run, and to add or remove one
    std::map<std::uint64_t, std::function<void(Args...)>> callbacks;
    std::uint64_t next = 0;
  };

 public:
  class subscription {
   public:
    subscription() = default;
    subscription(subscription&& o) noexcept : state_(std::move(o.state_)), id_(o.id_) {}
    subscription& operator=(subscription&& o) noexcept {
      if (this != &o) {
        reset();
        state_ = std::move(o.state_);
        id_ = o.id_;
      }
      return *this;
    }
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }

    void reset() {
      if (auto s = std::exchange(state_, {}).lock()) {
        std::lock_guard lock(s->mutex);  // waits for a notification in progress
        s->callbacks.erase(id_);
      }
    }

   private:
    friend class observer_list;
    subscription(std::weak_ptr<state> s, std::uint64_t id) : state_(std::move(s)), id_(id) {}
    std::weak_ptr<state> state_;
    std::uint64_t id_ = 0;
  };

  [[nodiscard]] subscription add(std::function<void(Args...)> callback) {
    std::lock_guard lock(state_->mutex);
    const auto id = state_->next++;
    state_->callbacks.emplace(id, std::move(callback));
    return subscription(state_, id);
  }

  void notify(Args... args) {
    std::lock_guard lock(state_->mutex);
    for (auto& [id, callback] : state_->callbacks) {
      try {
        callback(args...);
      } catch (...) {
        // Notifications report what already happened (a committed write): a failing callback must
        // neither undo it nor keep the others from hearing of it.
      }
    }
  }

 private:
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace vigil::service
