#pragma once
// Parses access-log lines in one configured format: nginx "combined" (the default), any nginx
// log_format string, or "json" (one JSON object per line, keys named like nginx variables:
// remote_addr, time_local or time_iso8601 or msec, request or request_method + request_uri,
// status, body_bytes_sent, http_referer, http_user_agent, request_time, host).
//
// Lines that do not parse (wrong shape, non-numeric status, longer than max_line, invalid JSON)
// are counted and sampled in malformed(), and parse() returns false; nothing throws for any input.
// Records from nginx formats view the line itself; records from JSON view this parser's storage
// (valid until the next parse()). Not thread-safe: use one parser per thread.
#include <cstddef>
#include <string>
#include <string_view>

#include "parse/log_format.hpp"
#include "parse/malformed_log.hpp"
#include "parse/record.hpp"

namespace vigil {

struct parser_options {
  std::string format = "combined";  // "combined", "json", or an nginx log_format string
  std::size_t max_line = 64 * 1024;  // longer lines are malformed (nginx's request line is bounded too)
  std::size_t sample_capacity = 16;
};

class line_parser {
 public:
  // Throws std::invalid_argument when the format string does not compile.
  explicit line_parser(const parser_options& options = {});

  bool parse(std::string_view line, log_record& out);

  std::uint64_t parsed() const { return parsed_; }
  const malformed_log& malformed() const { return malformed_; }
  bool json() const { return json_; }

 private:
  bool parse_json(std::string_view line, log_record& out, const char*& reason);

  bool json_ = false;
  log_format format_;
  std::size_t max_line_;
  std::uint64_t parsed_ = 0;
  malformed_log malformed_;
  // Storage that JSON records view into (one string per text field).
  std::string addr_, time_, request_, method_, target_, protocol_, referer_, agent_, host_, forwarded_, realip_, real_ip_;
};

}  // namespace vigil
