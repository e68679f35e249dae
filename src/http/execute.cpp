#include "execute.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "async_gate.hpp"
#include "handler_pool.hpp"

namespace lifespan::http::detail {

namespace {

// The handler starts here; its responder's answer reaches `done` on the strand through the gate, which
// keeps the connection (in `done`) and the call only until the answer, or until the server stops.
void start_async(server_state& s, std::shared_ptr<call> c, strand on, completion done) {
  const auto entry = s.async->enter([&s, on = std::move(on), done = std::move(done)](http::response r) mutable {
    boost::asio::post(on, [done = std::move(done), r = with_retry_after(s, std::move(r))]() mutable { done(std::move(r)); });
  });
  http::responder answer(std::make_shared<responder_state>(
      s.async, entry, c->stop.get_token(), s.log, fmt::format("{}: {} {}", s.name, to_string(c->x.method), c->route->pattern())));
  start_async_handler(s, *c, answer);
}

}  // namespace

started execute(server_state& s, std::shared_ptr<call> c, strand on, completion done) {
  switch (c->route->execution()) {
    case execution::inline_:
      done(run_handler(s, *c));
      return started::done;
    case execution::async:
      start_async(s, std::move(c), std::move(on), std::move(done));
      return started::queued;
    case execution::pool:
      break;
  }
  // `done` (which holds the connection) travels on with the response, so the job keeps only the call.
  handler_pool::job job = [&s, c = std::move(c), on = std::move(on), done = std::move(done)]() mutable {
    if (c->stop.stop_requested()) return;
    auto r = run_handler(s, *c);
    boost::asio::post(on, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  return s.handlers->submit(job) ? started::queued : started::queue_full;
}

}  // namespace lifespan::http::detail
