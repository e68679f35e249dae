#pragma once
// A nullable handle to an optional dependency. It re-checks the component's state on every access,
// so it turns non-null when the component comes up later and null again while it is stopped.
// Lifetime: the handle refers to the runtime's record, valid as long as the `service` object lives;
// a raw T* taken from it is valid only while the component stays usable (do not keep it across calls).
#include "lifespan/core/detail/slot.hpp"

namespace lifespan {

template <class T>
class handle {
 public:
  handle() = default;
  explicit handle(const detail::slot* s) noexcept : slot_(s) {}

  // The instance, or nullptr when the dependency is absent or not usable right now. One atomic load.
  T* get() const noexcept {
    if (slot_ == nullptr || !slot_->usable()) return nullptr;
    return static_cast<T*>(slot_->typed.load(std::memory_order_relaxed));
  }
  explicit operator bool() const noexcept { return get() != nullptr; }
  T* operator->() const noexcept { return get(); }

 private:
  const detail::slot* slot_ = nullptr;
};

}  // namespace lifespan
