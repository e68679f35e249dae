#pragma once
// The part of a component's runtime record that any thread may read without a lock.
// The runtime stores `typed` before it publishes a usable state (release), so a reader that sees a
// usable state (acquire) also sees the pointer. One atomic load decides whether a component is usable.
#include <atomic>

#include "lifespan/core/state.hpp"

namespace lifespan::detail {

struct slot {
  std::atomic<component_state> state{component_state::registered};
  std::atomic<health_status> health{health_status::ok};
  std::atomic<void*> typed{nullptr};  // the instance as the registered type T*, while one exists

  bool usable() const noexcept { return is_usable(state.load(std::memory_order_acquire)); }
};

// Identity of a C++ type within the process: the address of a per-type tag.
template <class T> inline constexpr char type_tag = 0;
template <class T> constexpr const void* type_key_of() noexcept { return &type_tag<T>; }

}  // namespace lifespan::detail
