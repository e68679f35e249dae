#include "delivery/redis_delivery.hpp"

#include "lifespan/config/duration.hpp"

namespace vigil::delivery {

redis_delivery::options redis_delivery::read_options(lifespan::config::section& s) {
  options o;
  o.enabled = s.get<bool>("enabled", o.enabled);
  auto& r = o.redis;
  r.endpoint.host = s.get<std::string>("host", r.endpoint.host);
  r.endpoint.port = s.get<int>("port", r.endpoint.port);
  if (r.endpoint.port < 1 || r.endpoint.port > 65535) s.report("port", "must be from 1 to 65535", "6379 is Redis's own");
  r.endpoint.db = s.get<int>("db", r.endpoint.db);
  if (r.endpoint.db < 0) s.report("db", "must not be negative", "0 is the default database");
  if (auto url = s.find<std::string>("url"); url && !url->empty()) {
    try {
      r.endpoint = redis_endpoint::parse(*url);
    } catch (const std::exception& e) {
      s.report("url", e.what(), "redis://:PASSWORD@HOST:6379/0 (the message never repeats the password)");
    }
  }
  r.stream = s.get<std::string>("stream", r.stream);
  if (r.stream.empty()) s.report("stream", "must not be empty", "for example vigil:alerts");
  r.maxlen = s.get<std::int64_t>("maxlen", r.maxlen);
  if (r.maxlen < 1) s.report("maxlen", "must be at least 1 entry", "for example 100000");
  for (auto [key, value] : {std::pair{"connect_timeout", &r.connect_timeout}, std::pair{"command_timeout", &r.command_timeout}}) {
    *value = s.get<lifespan::duration>(key, *value);
    if (*value <= lifespan::duration::zero())
      s.report(key, "must be a positive duration", "for example " + lifespan::config::format_duration(std::chrono::seconds(2)));
  }
  o.relay = relay_options::read(s);
  return o;
}

}  // namespace vigil::delivery
