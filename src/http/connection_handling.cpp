// A connection from a complete request to its response: dispatch on the strand, the handler started
// where its route says (execute.hpp), the request's deadline, the drain deadline, and the choice of
// keep-alive. Everything here runs on the connection's strand (connection.hpp).
#include <fmt/format.h>

#include "connection.hpp"
#include "execute.hpp"
#include "lifespan/config/duration.hpp"

namespace lifespan::http::detail {

namespace {

http::response unavailable_503(const server_state& s, std::string_view error, std::string reason) {
  auto r = response::error(status::service_unavailable, error, reason);
  r.set("Retry-After", s.retry_after);
  return r;
}

}  // namespace

void connection::handle() {
  phase_ = phase::handling;
  disarm();
  handled_at_ = clock::now();
  begin_request(s_.metrics->unmatched_slot(), 0);  // in flight until its response is written
  auto message = parser_->release();
  parser_.reset();
  version_ = message.version();
  wants_keep_alive_ = message.keep_alive();
  head_ = message.method() == bhttp::verb::head;
  std::size_t slot = 0;
  auto routed = dispatch(s_, std::move(message), slot, screened_);
  metric_slot_ = slot;
  if (routed.answer) return answer(std::move(*routed.answer));
  call_ = std::move(routed.pending);
  if (call_->route->execution() != execution::inline_) arm(handled_at_ + call_->timeout);
  const auto how = execute(s_, call_, executor(), [self = shared_from_this(), c = call_](http::response r) {
    self->on_handled(c, std::move(r));
  });
  if (how != started::queue_full) return;
  call_.reset();
  s_.metrics->reject(rejection::queue_full);
  answer(unavailable_503(s_, "overloaded",
                         fmt::format("every handler thread (handler_threads: {}) is busy and the handler queue "
                                     "(handler_queue: {}) is full; retry later",
                                     s_.options.handler_threads, s_.options.handler_queue)));
}

// The handler's response, on the strand. It is late when the request was answered meanwhile (its
// deadline or the drain deadline): then it is discarded, and only the handler thread was held.
void connection::on_handled(const std::shared_ptr<call>& c, http::response r) {
  if (c != call_ || phase_ != phase::handling) return;
  call_.reset();
  if (r.status == status::gateway_timeout) s_.metrics->reject(rejection::timeout);
  answer(std::move(r));
}

void connection::on_deadline() {
  auto c = std::exchange(call_, nullptr);
  if (!c) return;
  c->stop.request_stop();
  s_.metrics->reject(rejection::timeout);
  answer(unavailable_503(s_, "timeout",
                         fmt::format("{} {} was not answered within {} (the route's timeout, else the server's "
                                     "request_timeout); its handler was asked to stop",
                                     to_string(c->x.method), c->route->pattern(), config::format_duration(c->timeout))));
}

void connection::give_up() {
  switch (phase_) {
    case phase::handling: {
      auto c = std::exchange(call_, nullptr);
      if (c) c->stop.request_stop();  // the server's cancel did so already; a queued job now never starts
      s_.metrics->reject(rejection::shutdown);
      wants_keep_alive_ = false;
      return answer(unavailable_503(s_, "shutting down",
                                    "the server's drain deadline (shutdown.drain_timeout) passed before this request "
                                    "was answered; retry against another instance"));
    }
    case phase::idle:
    case phase::reading_header:
    case phase::reading_body:
      return close();  // nothing complete to answer: a request still arriving is cut off
    default:
      return;  // writing or closing: bounded by write_timeout and linger_time; stop() ends the rest
  }
}

// Keep-alive ends with the drain, except while more request bytes wait: those requests were sent before
// the connection was closed, so they are read and answered too, the last one with `Connection: close`.
void connection::answer(http::response r) {
  metric_status_ = static_cast<unsigned>(r.status);
  const bool keep_alive = wants_keep_alive_ && (!s_.draining.load() || request_waiting());
  if (r.stream) return start_stream(std::move(r), version_, head_);
  respond(std::move(r), version_, keep_alive, head_);
}

}  // namespace lifespan::http::detail
