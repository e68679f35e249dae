#pragma once
// One alert as the service stores and serves it. `key` identifies the line that raised it (file
// identity plus byte offset, see source.hpp) and the kind of alert, so processing the same line twice
// (a replay after a crash) yields the same key and the store keeps one row.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/rule.hpp"

namespace vigil::service {

struct alert {
  std::int64_t seq = 0;          // assigned by the store (cursor for pagination); 0 before storing
  std::string key;               // "<source key>:<offset>:<kind>", unique
  std::int64_t time = 0;         // the log line's own time, epoch seconds (0 when unparsable)
  std::string client;             // behind trusted proxies, the real client (parse/client_address.hpp)
  std::string proxy;              // the proxy the request came through; empty when none
  std::string country;           // empty without GeoIP
  std::string method;
  std::string path;              // request target as logged
  int status = 0;
  std::string user_agent;
  std::vector<std::string> rule_ids;
  std::vector<std::string> categories;  // of the rules, or the behaviour kind, or "model"
  std::optional<double> model_score;    // set in hybrid mode
  std::optional<int> anomaly_score;     // CRS's inbound anomaly score, when CRS flagged the line
  std::string crs;                      // what CRS found, as JSON (crs::crs_result::json()); empty otherwise
  severity level = severity::none;
  std::string mode;              // "rules" or "hybrid"
  std::string kind;              // "rule", "model", or a behaviour kind ("not_found_burst", ...)
  std::string file;              // path of the log file
  std::uint64_t offset = 0;      // byte offset of the line in that file
};

// Filters for alert_store::query. Results are newest first (by seq); `before` is the cursor returned
// as next_cursor by the previous page.
struct alert_query {
  std::optional<std::int64_t> since;   // time >= since
  std::optional<std::int64_t> until;   // time < until
  std::optional<severity> min_severity;
  std::optional<std::string> category;
  std::optional<std::string> client;
  std::optional<std::string> rule;     // one rule id among the alert's (vigil's or CRS's: "942100")
  std::optional<std::int64_t> before;  // seq < before
  int limit = 100;                     // clamped to 1..1000
};

struct alert_page {
  std::vector<alert> alerts;
  std::optional<std::int64_t> next_cursor;  // absent on the last page
};

}  // namespace vigil::service
