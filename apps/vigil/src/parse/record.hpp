#pragma once
// One parsed access-log line. Every string_view points either into the line that was parsed or
// into storage owned by the line_parser that filled it; a record is valid until the next parse()
// call on that parser or until the line's buffer is released, whichever comes first.
#include <cstdint>
#include <string_view>

namespace vigil {

struct log_record {
  std::string_view remote_addr;
  std::string_view time;        // as logged ($time_local, $time_iso8601 or $msec)
  std::string_view request;     // the raw request line, nginx-escaped ("GET /a?b=1 HTTP/1.1")
  std::string_view method;      // split from request (or $request_method); empty if unparsable
  std::string_view target;      // split from request (or $request_uri); nginx-escaped, URL-encoded
  std::string_view protocol;    // "HTTP/1.1", empty for HTTP/0.9 or junk
  std::string_view referer;     // empty when logged as "-"
  std::string_view user_agent;  // empty when logged as "-"
  std::string_view host;
  std::string_view forwarded_for;       // $http_x_forwarded_for: "client, proxy1, proxy2"
  std::string_view realip_remote_addr;  // $realip_remote_addr: the proxy, when nginx's realip module ran
  std::string_view real_ip;             // $http_x_real_ip
  int status = 0;               // 0 when not in the format
  std::int64_t body_bytes = -1; // -1 when unknown
  double request_time = -1;     // seconds; -1 when unknown
  std::int64_t epoch = 0;       // seconds since 1970 UTC; 0 when the time is absent or unparsable
};

// Splits a raw request line into method, target and protocol (nginx logs junk such as TLS
// handshakes as the request; those leave method and target empty).
void split_request(std::string_view request, log_record& out);

// "10/Oct/2000:13:55:36 -0700" -> epoch seconds; false when malformed.
bool parse_time_local(std::string_view text, std::int64_t& epoch);
// "2000-10-10T13:55:36-07:00" (or Z) -> epoch seconds; false when malformed.
bool parse_time_iso8601(std::string_view text, std::int64_t& epoch);

}  // namespace vigil
