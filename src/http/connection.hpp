#pragma once
// One HTTP/1.1 connection: read a request (header, then body) under the configured limits and timeouts,
// dispatch it, write the response, and either wait for the next request (keep-alive) or close.
//
//   idle ──first byte──► reading header ──► reading body ──► handling ──► writing ──► idle
//     │ idle_timeout        │ header_timeout    │ body_timeout   │ request_timeout │ write_timeout
//     ▼                     ▼ (408)             ▼ (408)          ▼ (503 timeout)   ▼ Connection: close
//   closed          431 / 413 / 400 / 501 ────────────────────────────────► lingering close
//
// Handling (connection_handling.cpp): dispatch.hpp routes the request on this strand; built-ins and
// refusals are answered at once, a route's handler is started by execute.hpp (inline, or on the handler
// pool, whose completion is posted back here). A full handler queue is answered 503 at once. The
// request's deadline is this connection's timer: when it fires first, the request's stop token is
// signalled and 503 is sent, and the handler's late response is discarded (the `call` it holds keeps
// what it reads alive). Requests are answered in order: the next one is read only after the response.
//
// Once the header is in and before any body byte is read, the framing is checked (request_limits.hpp:
// 400 or 501) and the route's guards run (dispatch.hpp's screen()); a refusal is answered at once and
// ends in a lingering close, the body unread. The read buffer is bounded, and the header, the chunk
// extensions and the trailer share one budget of max_header_bytes (431).
//
// A response that is an event stream (event_stream.hpp) leaves `dispatch` for `streaming` instead:
// the header, then whatever the producer queues, one write at a time (each under write_timeout),
// while a read watches for the client going away; when the stream ends, a lingering close.
//
// Every deadline is one timer per connection, re-armed per phase; when it fires the socket's operations
// are cancelled and the connection answers 408 (if a request had begun) or just closes.
//
// Drain: a connection with nothing to say (no unread byte, here or in the kernel) is closed at once;
// one with a request in progress, queued, already sent or pipelined behind another answers each of
// them, the last with `Connection: close` (a response says keep-alive while more request bytes wait),
// and closes. At the drain deadline (give_up()) the request being handled gets its stop token and a
// 503 with `Connection: close`; a request still being read is cut off. A lingering close (shut down
// our side, discard what the client still sends for a moment) makes sure the client reads the last
// response instead of a reset.
//
// Deadlines cost one timer wait per connection, not one per phase: a phase whose deadline lies beyond
// the pending wait's only records it, and the wait re-arms itself when it wakes early (arm()).
//
// Threading: the socket and the timer are bound to the connection's strand of the I/O pool's shared
// io_context (io_pool.hpp), so its handlers run on any I/O thread but one at a time, and every member
// function is called on that strand; the pool reaches a connection from outside only by posting to its
// strand (executor()). The object lives as long as one of its asynchronous operations holds it
// (shared_from_this).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "dispatch.hpp"
#include "io_pool.hpp"
#include "lifespan/http/event_stream.hpp"
#include "request_limits.hpp"

namespace lifespan::http::detail {

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(io_pool& pool, strand_socket socket, connection_slot slot);
  ~connection();

  void serve();
  void turn_away();  // over max_connections: 503 at once, then close
  void close_if_idle();
  void give_up();  // the drain deadline: 503 for the request being handled, close the rest
  void close();
  // The connection's strand: everything above is called on it.
  strand executor() { return socket_.get_executor(); }

 private:
  using clock = std::chrono::steady_clock;
  using error_code = boost::system::error_code;
  enum class phase : std::uint8_t { idle, reading_header, reading_body, handling, writing, streaming, closing, closed };

  void read_request();
  bool request_waiting();
  void on_first_bytes(error_code ec, std::size_t n);
  void read_header(clock::time_point started);
  void on_header(error_code ec);
  void read_body();
  void on_body(error_code ec);
  void on_read_error(error_code ec);
  void refuse(http::response r, std::size_t slot);
  void handle();
  void on_handled(const std::shared_ptr<call>& c, http::response r);
  void on_deadline();
  void answer(http::response r);  // the response to the request being handled
  void respond(http::response r, unsigned version, bool keep_alive, bool head);
  void on_write(error_code ec, bool keep_alive);
  void start_stream(http::response r, unsigned version, bool head);
  void pump_stream();
  void watch_client();
  void end_stream();
  void write_raw(const std::string& bytes, bool then_read_body);
  void linger();
  void on_linger(error_code ec);
  void arm(clock::time_point deadline);  // the deadline of the phase being entered
  void disarm();                         // no deadline (handling, an event stream waiting for events)
  void wait_until(clock::time_point t);
  void on_timer(error_code ec, std::uint64_t generation);

  io_pool& pool_;
  server_state& s_;
  strand_socket socket_;
  strand_timer timer_;
  boost::beast::flat_buffer buffer_;  // bounded: read_buffer_limit() (request_limits.hpp)
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  head_budget budget_;  // the request's header, chunk extensions and trailer (request_limits.hpp)
  // The parser's chunk-header callback, spending budget_; the parser holds it by reference.
  std::function<void(std::uint64_t, boost::beast::string_view, error_code&)> chunk_header_;
  bool screened_ = false;  // the request's guards already ran, before its body was read
  std::shared_ptr<call> call_;  // the request whose handler is under way (phase handling); null once answered
  unsigned version_ = 11;       // of the request being handled
  bool wants_keep_alive_ = false;
  bool head_ = false;
  beast_response res_;
  std::string header_out_;  // res_'s header, serialised, while it is written
  std::shared_ptr<event_stream> stream_;  // while streaming
  std::string stream_out_;                // the bytes being written
  bool stream_writing_ = false;
  connection_slot slot_;
  clock::time_point accepted_;
  phase phase_ = phase::idle;
  bool first_ = true;        // no request completed yet on this connection
  bool timed_out_ = false;   // the pending operation was cancelled by the deadline
  bool waiting_ = false;     // timer_ has a wait pending (for timer_.expiry())
  clock::time_point deadline_ = clock::time_point::max();
  std::uint64_t timer_generation_ = 0;  // of the wait that counts
  // The request being answered, for request_metrics: counted in flight from its complete header (or its
  // error) until its response is written or the connection closes.
  bool in_flight_ = false;
  std::size_t metric_slot_ = 0;
  unsigned metric_status_ = 0;
  clock::time_point handled_at_{};
  void begin_request(std::size_t slot, unsigned status);
  void end_request();
};

}  // namespace lifespan::http::detail
