#include "delivery/redis_sink.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "service/live_feed.hpp"

namespace vigil::delivery {
namespace {

timeval to_timeval(lifespan::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

std::string percent_decode(std::string_view text, const char* what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size())
      throw std::invalid_argument(fmt::format("redis.url: a '%' in the {} is not followed by two hex digits", what));
    const auto hex = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      throw std::invalid_argument(fmt::format("redis.url: a '%' in the {} is not followed by two hex digits", what));
    };
    out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
    i += 2;
  }
  return out;
}

}  // namespace

redis_endpoint redis_endpoint::parse(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme)
    throw std::invalid_argument(
        "redis.url must start with redis:// (TLS, rediss://, is not supported), for example redis://:PASSWORD@host:6379/0");
  std::string_view rest = url.substr(scheme.size());
  redis_endpoint e;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    e.user = percent_decode(userinfo.substr(0, colon), "user name");
    if (colon != std::string_view::npos) e.password = percent_decode(userinfo.substr(colon + 1), "password");
  }
  std::string_view hostport = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const auto db = rest.substr(slash + 1);
    if (!db.empty()) {
      try {
        std::size_t used = 0;
        e.db = std::stoi(std::string(db), &used);
        if (used != db.size() || e.db < 0) throw std::invalid_argument("db");
      } catch (const std::exception&) {
        throw std::invalid_argument(fmt::format("redis.url: the database after '/' must be a number, got '{}'", db));
      }
    }
  }
  if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    const auto port = hostport.substr(colon + 1);
    hostport = hostport.substr(0, colon);
    try {
      std::size_t used = 0;
      e.port = std::stoi(std::string(port), &used);
      if (used != port.size() || e.port < 1 || e.port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
      throw std::invalid_argument(fmt::format("redis.url: the port must be a number from 1 to 65535, got '{}'", port));
    }
  }
  if (hostport.empty()) throw std::invalid_argument("redis.url names no host, for example redis://127.0.0.1:6379/0");
  e.host = std::string(hostport);
  return e;
}

std::string redis_endpoint::describe() const { return fmt::format("{}:{}/{}", host, port, db); }

redis_sink::~redis_sink() { disconnect(); }

std::string redis_sink::describe() const {
  return fmt::format("redis {} stream {}", options_.endpoint.describe(), options_.stream);
}

void redis_sink::disconnect() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

std::string redis_sink::context_error(const char* doing) const {
  return fmt::format("{} failed: {}", doing, ctx_ && ctx_->errstr[0] ? ctx_->errstr : "connection lost");
}

std::string redis_sink::connect() {
  if (ctx_) return {};
  const auto& e = options_.endpoint;
  ctx_ = redisConnectWithTimeout(e.host.c_str(), e.port, to_timeval(options_.connect_timeout));
  if (!ctx_) return "cannot connect: out of memory";
  if (ctx_->err) {
    auto why = fmt::format("cannot connect: {}", ctx_->errstr);
    disconnect();
    return why;
  }
  if (redisSetTimeout(ctx_, to_timeval(options_.command_timeout)) != REDIS_OK) {
    auto why = context_error("setting the command timeout");
    disconnect();
    return why;
  }
  const auto command = [&](std::vector<std::string> args, const char* what) -> std::string {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    reply_ptr r(static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!r) return context_error(what);
    if (r->type == REDIS_REPLY_ERROR) return fmt::format("{} was refused: {}", what, std::string(r->str, r->len));
    return {};
  };
  std::string why;
  if (!e.password.empty()) {
    why = e.user.empty() ? command({"AUTH", e.password}, "AUTH") : command({"AUTH", e.user, e.password}, "AUTH");
    if (!why.empty()) why += " (check the password in redis.url)";
  }
  if (why.empty() && e.db != 0) why = command({"SELECT", std::to_string(e.db)}, "SELECT");
  if (!why.empty()) disconnect();
  return why;
}

delivery_result redis_sink::deliver(std::span<const alert> batch, std::stop_token stop) {
  if (stop.stop_requested()) return delivery_result::failed(0, "stopping");
  if (auto why = connect(); !why.empty()) return delivery_result::failed(0, why);
  const std::string maxlen = std::to_string(options_.maxlen);
  for (const auto& a : batch) {
    const std::string json =
        service::alert_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const char* argv[] = {"XADD", options_.stream.c_str(), "MAXLEN", "~", maxlen.c_str(), "*",
                          "key",  a.key.c_str(),           "alert", json.c_str()};
    const std::size_t lens[] = {4, options_.stream.size(), 6, 1, maxlen.size(), 1, 3, a.key.size(), 5, json.size()};
    if (redisAppendCommandArgv(ctx_, 10, argv, lens) != REDIS_OK) {
      auto why = context_error("queueing XADD");
      disconnect();
      return delivery_result::failed(0, why);
    }
  }
  std::size_t done = 0;
  std::string error;
  for (; done < batch.size(); ++done) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw) {
      error = context_error("XADD");
      break;
    }
    reply_ptr r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR) {
      error = fmt::format("XADD to {} was refused: {}", options_.stream, std::string(r->str, r->len));
      break;
    }
  }
  if (done < batch.size()) {
    disconnect();  // replies still in flight would be read as the next batch's
    return delivery_result::failed(done, error);
  }
  return delivery_result::all(done);
}

std::string redis_sink::probe(std::stop_token) {
  if (auto why = connect(); !why.empty()) return why;
  reply_ptr r(static_cast<redisReply*>(redisCommand(ctx_, "PING")));
  std::string why;
  if (!r) why = context_error("PING");
  else if (r->type == REDIS_REPLY_ERROR) why = fmt::format("PING was refused: {}", std::string(r->str, r->len));
  if (!why.empty()) disconnect();
  return why;
}

}  // namespace vigil::delivery
