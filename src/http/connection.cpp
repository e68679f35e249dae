#include "connection.hpp"

#include <array>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <fmt/format.h>

#include "dispatch.hpp"
#include "request_limits.hpp"

namespace lifespan::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::size_t read_chunk = 4096;
constexpr auto linger_time = std::chrono::seconds(1);
// After a deadline's cancel, how soon to cancel again while the phase has not ended (see on_timer).
constexpr auto cancel_again_after = std::chrono::milliseconds(50);
const std::string continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

connection::connection(io_pool& pool, strand_socket socket, connection_slot slot)
    : pool_(pool), s_(pool.state), socket_(std::move(socket)), timer_(socket_.get_executor()),
      buffer_(read_buffer_limit(s_.options)), budget_(static_cast<std::size_t>(s_.options.max_header_bytes)),
      slot_(std::move(slot)), accepted_(clock::now()) {
  chunk_header_ = [this](std::uint64_t, beast::string_view extensions, error_code& ec) {
    if (!budget_.spend(extensions.size())) ec = bhttp::error::header_limit;
  };
  s_.metrics->connections.fetch_add(1, std::memory_order_relaxed);
}

connection::~connection() {
  if (stream_) stream_->end();
  end_request();
  s_.metrics->connections.fetch_sub(1, std::memory_order_relaxed);
  pool_.leave(this);
}

void connection::begin_request(std::size_t slot, unsigned status) {
  if (!in_flight_) s_.metrics->in_flight.fetch_add(1, std::memory_order_relaxed);
  in_flight_ = true;
  metric_slot_ = slot;
  metric_status_ = status;
}

// A response that could not be written still counts, with its status: the server did answer it.
void connection::end_request() {
  if (!in_flight_) return;
  in_flight_ = false;
  s_.metrics->in_flight.fetch_sub(1, std::memory_order_relaxed);
  s_.metrics->record(metric_slot_, metric_status_, clock::now() - handled_at_);
}

void connection::serve() { read_request(); }

void connection::turn_away() { write_raw(s_.turn_away_response, false); }

void connection::close_if_idle() {
  // Cancel rather than close: a read that has already taken the first bytes of a request (its
  // completion queued behind us) is not cancelled by this, and that request is then answered.
  if (phase_ == phase::streaming) {  // streams never hold a drain up: end after what is queued
    stream_->end();
    return pump_stream();
  }
  if (phase_ != phase::idle) return;
  if (request_waiting()) return;  // a request has arrived: the pending read takes it, and it is answered
  error_code ignored;
  socket_.cancel(ignored);
}

// Bytes the client sent that nobody has read yet (in our buffer or the kernel's): a request has begun.
bool connection::request_waiting() {
  error_code ec;
  return buffer_.size() > 0 || socket_.available(ec) > 0;
}

void connection::close() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  if (stream_) stream_->end();
  if (call_) std::exchange(call_, nullptr)->stop.request_stop();  // nobody is left to answer
  ++timer_generation_;
  waiting_ = false;
  timer_.cancel();
  error_code ignored;
  socket_.close(ignored);  // pending operations complete with operation_aborted and let go of us
}

// One wait pending at most, for the earliest deadline set since it was armed: a later deadline (the
// common case: each phase's deadline lies beyond the previous one's) only moves deadline_, and the wait
// re-arms itself when it wakes early. Re-arming (a cancelled wait, one more handler) happens only when
// a deadline comes closer, as the header deadline does after a long idle wait.
void connection::arm(clock::time_point deadline) {
  if (phase_ == phase::closed) return;  // a pending wait would keep a closed connection alive
  timed_out_ = false;
  deadline_ = deadline;
  if (!waiting_ || deadline < timer_.expiry()) wait_until(deadline);
}

void connection::disarm() { deadline_ = clock::time_point::max(); }  // a pending wait finds nothing due

void connection::wait_until(clock::time_point t) {
  waiting_ = true;
  timer_.expires_at(t);  // a wait already pending completes with operation_aborted, and is ignored
  timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](error_code ec) {
    self->on_timer(ec, generation);
  });
}

void connection::on_timer(error_code ec, std::uint64_t generation) {
  if (generation != timer_generation_) return;  // superseded by a wait for an earlier deadline
  waiting_ = false;
  if (ec || phase_ == phase::closed || deadline_ == clock::time_point::max()) return;
  if (clock::now() < deadline_) return wait_until(deadline_);  // the deadline moved later meanwhile
  if (phase_ == phase::handling) return on_deadline();  // no socket operation to cancel: answer 503
  timed_out_ = true;
  error_code ignored;
  socket_.cancel(ignored);
  // A completion already queued escapes the cancel, and the composed read or write it belongs to goes
  // on with its next operation, which nothing would cancel: look again shortly. The phase's end
  // (408, close) sets a later deadline or none, which this wait then finds.
  wait_until(clock::now() + cancel_again_after);
}

// --- reading ---

void connection::read_request() {
  if (phase_ == phase::closed) return;
  if (buffer_.size() > 0) return read_header(clock::now());  // pipelined: the next request is already here
  if (s_.draining.load() && !request_waiting()) return close();  // nothing in progress, so nothing to finish
  phase_ = phase::idle;
  arm(first_ ? accepted_ + s_.options.header_timeout : clock::now() + s_.options.idle_timeout);
  socket_.async_read_some(buffer_.prepare(read_chunk), [self = shared_from_this()](error_code ec, std::size_t n) {
    self->on_first_bytes(ec, n);
  });
}

void connection::on_first_bytes(error_code ec, std::size_t n) {
  // close_if_idle() cancelled the read, yet a request's bytes arrived meanwhile: they are answered.
  if (ec == boost::asio::error::operation_aborted && !timed_out_ && phase_ != phase::closed && request_waiting())
    return read_request();
  if (ec) return close();  // idle timeout, the client closed, or the server is closing it
  buffer_.commit(n);
  read_header(first_ ? accepted_ : clock::now());
}

void connection::read_header(clock::time_point started) {
  phase_ = phase::reading_header;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(s_.options.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(s_.options.max_body_bytes));
  parser_->on_chunk_header(chunk_header_);
  screened_ = false;
  arm(started + s_.options.header_timeout);
  // Most often the bytes already read hold the whole header: parse them here, as the asynchronous read
  // would, without the extra trip through the executor that it takes when it needs no I/O.
  if (buffer_.size() > 0) {
    error_code ec;
    buffer_.consume(parser_->put(buffer_.data(), ec));
    if (ec != bhttp::error::need_more) return on_header(ec);
  }
  bhttp::async_read_header(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_header(ec);
  });
}

// Before any body byte is read: the framing is checked, and the route's guards run, so that neither a
// smuggled request nor a refused client's body is ever read.
void connection::on_header(error_code ec) {
  if (ec) return on_read_error(ec);
  const auto& req = parser_->get();
  budget_.header_done(req);
  if (auto refusal = check_framing(req)) return refuse(std::move(*refusal), s_.metrics->unmatched_slot());
  if (parser_->is_done()) return handle();
  std::size_t slot = 0;
  if (auto refusal = screen(s_, req, slot)) return refuse(std::move(*refusal), slot);
  screened_ = true;
  if (beast::iequals(req[bhttp::field::expect], "100-continue")) return write_raw(continue_100, true);
  read_body();
}

void connection::read_body() {
  phase_ = phase::reading_body;
  arm(clock::now() + s_.options.body_timeout);
  bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) { self->on_body(ec); });
}

void connection::on_body(error_code ec) {
  if (!ec && !budget_.trailer_fits(parser_->get())) ec = bhttp::error::header_limit;
  if (ec) return on_read_error(ec);
  handle();
}

void connection::on_read_error(error_code ec) {
  if (phase_ == phase::closed) return;
  handled_at_ = clock::now();
  auto answer = read_error_response(s_.options, ec, phase_ == phase::reading_header, timed_out_);
  if (!answer) return close();
  respond(std::move(*answer), 11, false, false);
}

// A request refused before its body is read: answered, then the connection closes (the unread body
// cannot be told from a next request).
void connection::refuse(http::response r, std::size_t slot) {
  handled_at_ = clock::now();
  begin_request(slot, static_cast<unsigned>(r.status));
  const auto version = parser_->get().version();
  parser_.reset();
  respond(std::move(r), version, false, false);
}

// --- answering (handle() and what follows it until respond(): connection_handling.cpp) ---

void connection::respond(http::response r, unsigned version, bool keep_alive, bool head) {
  if (!in_flight_) begin_request(s_.metrics->unmatched_slot(), static_cast<unsigned>(r.status));  // a read error's answer
  try {
    res_ = {};
    res_.version(version);
    res_.result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    for (const auto& h : r.headers) res_.insert(h.name, h.value);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    if (head) {  // the headers a GET would have, without the body
      const auto length = res_.body().size();
      res_.body().clear();
      res_.content_length(length);
    }
  } catch (const std::exception& e) {  // a header the handler set that Beast rejects, say
    s_.log->error("{}: cannot send a response: {}", s_.name, e.what());
    res_ = {bhttp::status::internal_server_error, version};
    res_.set(bhttp::field::content_type, "application/json");
    res_.body() = R"({"error":"internal error","reason":"the response could not be serialised"})";
    keep_alive = false;
    res_.keep_alive(false);
    res_.prepare_payload();
  }
  phase_ = phase::writing;
  arm(clock::now() + s_.options.write_timeout);
  // Beast serialises the header; the body (a string with its Content-Length set above) follows as is,
  // both in one gathered write: one completion, where http::async_write takes a few layers.
  header_out_.clear();
  bhttp::response_serializer<bhttp::string_body> sr(res_);
  sr.split(true);
  error_code ec;
  while (!ec && !sr.is_header_done())
    sr.next(ec, [&](error_code&, const auto& buffers) {
      for (const auto b : beast::buffers_range_ref(buffers)) header_out_.append(static_cast<const char*>(b.data()), b.size());
      sr.consume(beast::buffer_bytes(buffers));
    });
  if (ec) {  // not expected of a string body's header: nothing has been sent, so just close
    s_.log->error("{}: cannot serialise a response header: {}", s_.name, ec.message());
    return close();
  }
  const std::array<asio::const_buffer, 2> out{asio::buffer(header_out_), asio::buffer(res_.body())};
  asio::async_write(socket_, out, [self = shared_from_this(), keep_alive](error_code ec2, std::size_t) {
    self->on_write(ec2, keep_alive);
  });
}

void connection::on_write(error_code ec, bool keep_alive) {
  end_request();
  if (ec) return close();  // the client went away, or did not read within write_timeout
  res_ = {};               // an idle connection keeps no response body
  first_ = false;
  if (!keep_alive) return linger();
  read_request();  // while draining: the next request if its bytes are here (answer() kept it alive), else close
}

void connection::write_raw(const std::string& bytes, bool then_read_body) {
  phase_ = phase::writing;
  arm(clock::now() + s_.options.write_timeout);
  asio::async_write(socket_, asio::buffer(bytes), [self = shared_from_this(), then_read_body](error_code ec, std::size_t) {
    if (ec) return self->close();
    if (then_read_body) return self->read_body();
    self->linger();
  });
}

// --- event streams ---

void connection::start_stream(http::response r, unsigned version, bool head) {
  stream_ = std::move(r.stream);
  phase_ = phase::streaming;
  buffer_.clear();  // a client pipelining behind a stream gets no answer: the stream ends the connection
  std::string header = fmt::format("HTTP/1.{} 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                                   "Connection: close\r\nX-Accel-Buffering: no\r\n",
                                   version == 10 ? 0 : 1);
  for (const auto& h : r.headers) header += fmt::format("{}: {}\r\n", h.name, h.value);
  header += "\r\n";
  if (head) stream_->end();
  // The header goes out as the first write; the producer's wake-ups post to this connection's thread.
  stream_out_ = std::move(header);
  stream_writing_ = true;
  arm(clock::now() + s_.options.write_timeout);
  asio::async_write(socket_, asio::buffer(stream_out_), [self = shared_from_this()](error_code ec, std::size_t) {
    self->stream_writing_ = false;
    if (ec) return self->close();
    self->disarm();
    std::weak_ptr<connection> weak = self;
    self->stream_->attach([weak, executor = self->socket_.get_executor()] {
      asio::post(executor, [weak] {
        if (auto c = weak.lock()) c->pump_stream();
      });
    });
    self->watch_client();
    self->pump_stream();
  });
}

void connection::pump_stream() {
  if (phase_ != phase::streaming || stream_writing_) return;
  bool ended = false;
  stream_out_ = stream_->take(ended);
  if (stream_out_.empty()) {
    if (ended) end_stream();
    return;
  }
  stream_writing_ = true;
  arm(clock::now() + s_.options.write_timeout);  // a client that stops reading is cut off
  asio::async_write(socket_, asio::buffer(stream_out_), [self = shared_from_this()](error_code ec, std::size_t) {
    self->stream_writing_ = false;
    if (ec) return self->close();
    self->disarm();
    self->pump_stream();
  });
}

// A client of an event stream sends nothing more; a read that completes tells it went away.
void connection::watch_client() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(read_chunk), [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec) return self->close();
    if (self->phase_ == phase::streaming) self->watch_client();
  });
}

// Everything queued is written: the exchange is complete. The read watching the client is still
// pending, so a lingering close here only shuts our side and bounds the wait for the client's end.
void connection::end_stream() {
  phase_ = phase::closing;
  end_request();
  slot_.release();
  error_code ignored;
  socket_.shutdown(strand_socket::shutdown_send, ignored);
  arm(clock::now() + linger_time);
}

// --- closing ---

void connection::linger() {
  phase_ = phase::closing;
  slot_.release();  // everything owed is written: drain() and max_connections stop counting this one
  error_code ignored;
  socket_.shutdown(strand_socket::shutdown_send, ignored);
  buffer_.clear();
  arm(clock::now() + linger_time);
  socket_.async_read_some(buffer_.prepare(read_chunk), [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_linger(ec);
  });
}

void connection::on_linger(error_code ec) {
  if (ec) return close();  // end of stream (the client read everything and closed), or linger_time passed
  socket_.async_read_some(buffer_.prepare(read_chunk), [self = shared_from_this()](error_code ec2, std::size_t) {
    self->on_linger(ec2);
  });
}

}  // namespace lifespan::http::detail
