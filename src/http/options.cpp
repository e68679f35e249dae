// The server's configuration section: read, validated, and every problem reported with its key.
#include <limits>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "lifespan/config/duration.hpp"
#include "lifespan/http/server.hpp"

namespace lifespan::http {
namespace {

void positive(config::section& s, std::string_view key, const duration& d) {
  if (d <= duration::zero()) s.report(key, fmt::format("must be positive, got {}", config::format_duration(d)));
}

template <class Int>
void in_range(config::section& s, std::string_view key, Int value, Int low, Int high, std::string_view hint = {}) {
  if (value < low || value > high)
    s.report(key, fmt::format("must be between {} and {}, got {}", low, high, value), std::string(hint));
}

}  // namespace

server::options server::read_options(config::section& s) {
  options o;
  o.address = s.get<std::string>("address", o.address);
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(o.address, ec);
  if (ec) s.report("address", fmt::format("'{}' is not an IP address", o.address), "use 0.0.0.0 (every interface), 127.0.0.1 or ::");
  o.port = s.get<int>("port", o.port);
  in_range(s, "port", o.port, 0, 65535, "0 picks a free port");
  o.address_file = s.get<std::string>("address_file", o.address_file);
  o.threads = s.get<int>("threads", o.threads);
  in_range(s, "threads", o.threads, 0, 1024, "0 means one per core");
  o.handler_threads = s.get<int>("handler_threads", o.handler_threads);
  in_range(s, "handler_threads", o.handler_threads, 1, 4096, "route handlers that block need one thread each while they wait");
  o.handler_queue = s.get<int>("handler_queue", o.handler_queue);
  in_range(s, "handler_queue", o.handler_queue, 0, 1 << 20, "0 refuses a request at once when every handler thread is busy");
  o.max_connections = s.get<int>("max_connections", o.max_connections);
  in_range(s, "max_connections", o.max_connections, 1, std::numeric_limits<int>::max());
  o.max_header_bytes = s.get<std::int64_t>("max_header_bytes", o.max_header_bytes);
  in_range<std::int64_t>(s, "max_header_bytes", o.max_header_bytes, 256, std::numeric_limits<std::uint32_t>::max());
  o.max_body_bytes = s.get<std::int64_t>("max_body_bytes", o.max_body_bytes);
  in_range<std::int64_t>(s, "max_body_bytes", o.max_body_bytes, 0, std::numeric_limits<std::int64_t>::max());
  o.max_json_depth = s.get<int>("max_json_depth", o.max_json_depth);
  in_range(s, "max_json_depth", o.max_json_depth, 1, 1000, "deeper values risk a stack overflow when they are copied or written");
  for (auto [key, value] : {std::pair<std::string_view, duration*>{"header_timeout", &o.header_timeout},
                            {"body_timeout", &o.body_timeout},
                            {"idle_timeout", &o.idle_timeout},
                            {"write_timeout", &o.write_timeout},
                            {"request_timeout", &o.request_timeout},
                            {"heartbeat_interval", &o.heartbeat_interval},
                            {"stall_threshold", &o.stall_threshold}}) {
    *value = s.get<config::duration>(key, *value);
    positive(s, key, *value);
  }
  o.retry_after = s.get<config::duration>("retry_after", o.retry_after);
  if (o.retry_after < duration::zero()) s.report("retry_after", "must not be negative");
  if (o.stall_threshold <= o.heartbeat_interval)
    s.report("stall_threshold",
             fmt::format("must exceed heartbeat_interval ({}), or /livez fails between two beats",
                         config::format_duration(o.heartbeat_interval)),
             "a few heartbeat intervals at least");
  o.ready_when_degraded = s.get<bool>("ready_when_degraded", o.ready_when_degraded);
  return o;
}

}  // namespace lifespan::http
