#pragma once
// An nginx log_format string compiled into a field extractor. Compilation splits the format into
// literals and variables ($name or ${name}); extraction walks the line once, finding each literal
// that follows a variable, so values are string_views into the line (zero copy). nginx escapes
// '"', '\' and control bytes in logged values as \xHH, so a quoted value never contains its
// closing quote; the last variable of a format is anchored at the end of the line, which keeps
// an unescaped quote in a user agent from shifting the fields.
//
// A compiled format is immutable and may be shared by any number of threads.
#include <string>
#include <string_view>
#include <vector>

#include "parse/record.hpp"

namespace vigil {

enum class log_variable {
  remote_addr, remote_user, time_local, time_iso8601, msec, request, request_method, request_uri,
  server_protocol, status, body_bytes_sent, bytes_sent, http_referer, http_user_agent,
  request_time, host, http_x_forwarded_for, realip_remote_addr, http_x_real_ip, other
};

class log_format {
 public:
  // The nginx default: '$remote_addr - $remote_user [$time_local] "$request" $status
  // $body_bytes_sent "$http_referer" "$http_user_agent"'.
  static constexpr std::string_view combined_spec =
      R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent")";

  // Throws std::invalid_argument naming the problem (no variables, two variables with nothing
  // between them, an unterminated ${...}).
  static log_format compile(std::string_view spec);

  // Fills `out` from `line`; false (with `reason` set to a static string) when the line does not
  // have the format's shape or a numeric field is not a number.
  bool extract(std::string_view line, log_record& out, const char*& reason) const;

  const std::string& spec() const { return spec_; }

 private:
  struct step {
    log_variable variable;
    std::string following;  // literal after the variable; empty only for the last one
  };
  std::string spec_;
  std::string prefix_;
  std::vector<step> steps_;
};

}  // namespace vigil
