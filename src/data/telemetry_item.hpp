#pragma once
// One event inside the telemetry store: the caller's event plus its idempotent key (origin, seq).
// `origin` is random per store instance; `seq` is unique within it, so a replay of the same event
// (spool after a crash, a commit whose acknowledgement was lost) is recognised by the database.
#include <cstdint>
#include <string>

namespace lifespan::data {

struct telemetry_item {
  std::int64_t origin = 0;
  std::int64_t seq = 0;
  std::int64_t at_us = 0;
  std::string kind;
  std::string payload;
  std::uint32_t segment = 0;  // durable mode: the spool segment holding this event (0: none)
};

}  // namespace lifespan::data
