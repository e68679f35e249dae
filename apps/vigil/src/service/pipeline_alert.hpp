#pragma once
// How the pipeline turns a parsed line into an alert's common fields (key, time, client, request,
// file and offset), for the detect workers (rule and model alerts) and the windows stage (behaviour
// alerts) alike, so an alert of either kind describes its line the same way.
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/record.hpp"
#include "service/alert.hpp"
#include "service/source.hpp"

namespace vigil::service {

// Alert text goes to databases (PostgreSQL rejects invalid UTF-8 and NUL) and to JSON: bytes that are
// not valid UTF-8, and control characters, become \xHH, so a hostile line cannot make a write fail
// forever (which would stall the pipeline) nor an API answer fail.
std::string utf8_text(std::string_view in);

// An alert of `kind` for the line at `offset` of `file`. `record.remote_addr` is the resolved client,
// `proxy` the trusted proxy it came through (empty when none); `mode` is "rules" or "hybrid". The key
// "<file key>:<offset>:<kind>" makes a replayed line's alert the same row.
alert line_alert(std::string kind, const log_record& record, std::string_view proxy, const source& file,
                 std::uint64_t offset, const std::string& mode);

}  // namespace vigil::service
