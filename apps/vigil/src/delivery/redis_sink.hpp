#pragma once
// The Redis sink: each alert appended to a Redis stream, so consumers read with consumer groups
// (XREADGROUP) and the stream stays bounded:
//
//   XADD <stream> MAXLEN ~ <maxlen> * key <alert key> alert <alert JSON as served by /api/alerts>
//
// A batch is pipelined (all commands written, then every reply read). The first error reply or
// connection failure ends the batch: what was confirmed before it counts as delivered, the rest is
// retried by the relay (so an alert may be appended twice if the connection breaks after Redis
// executed a command but before its reply was read: at-least-once; consumers de-duplicate on `key`).
//
// Connection: opened lazily (deliver or probe), kept, dropped on any error and reopened on the next
// call; connect_timeout bounds connecting, command_timeout every read and write, so a hung server
// holds the relay at most that long. AUTH (with the URL's user and password) and SELECT (its /db)
// follow every connect. The password is used only in AUTH: messages name host:port/db, never the URL.
//
// Threading: the relay's thread only (see sink.hpp); not thread-safe by itself.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/sink.hpp"
#include "lifespan/core/clock.hpp"

struct redisContext;

namespace vigil::delivery {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user, password;  // empty: no AUTH
  int db = 0;

  // redis://[[user]:password@]host[:port][/db] (percent-encoding decoded). Throws std::invalid_argument
  // with a message that names the cause and the fix but never the password.
  static redis_endpoint parse(std::string_view url);
  std::string describe() const;  // "host:port/db"
};

class redis_sink : public alert_sink {
 public:
  struct options {
    redis_endpoint endpoint;
    std::string stream = "vigil:alerts";
    std::int64_t maxlen = 100000;  // approximate (MAXLEN ~): Redis trims whole nodes
    lifespan::duration connect_timeout = std::chrono::seconds(2);
    lifespan::duration command_timeout = std::chrono::seconds(5);
  };
  explicit redis_sink(options o) : options_(std::move(o)) {}
  ~redis_sink() override;
  redis_sink(const redis_sink&) = delete;
  redis_sink& operator=(const redis_sink&) = delete;

  std::string name() const override { return "redis"; }
  std::string describe() const override;
  delivery_result deliver(std::span<const alert> batch, std::stop_token stop) override;
  std::string probe(std::stop_token stop) override;  // PING

 private:
  std::string connect();  // empty on success, else why not (the context is then closed)
  void disconnect();
  std::string context_error(const char* doing) const;

  options options_;
  redisContext* ctx_ = nullptr;
};

}  // namespace vigil::delivery
