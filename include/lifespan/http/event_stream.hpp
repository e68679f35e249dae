#pragma once
// Server-sent events (text/event-stream): a response that stays open and carries the events the
// application sends, from any thread, for as long as the client listens.
//
//   routes.get("/api/alerts/stream", [&feed](lifespan::http::request& req) {
//     auto stream = lifespan::http::event_stream::open();
//     feed.subscribe(stream, req.header("last-event-id"));  // keeps the stream, sends from its thread
//     return lifespan::http::response::events(stream);
//   });
//
// Lifetime: shared by the producer and the connection. The stream ends when the producer calls
// close() (what is queued is still written, then the connection closes), when the client goes away,
// when a write does not complete within the server's write_timeout, or when the server begins to
// drain (streams never hold a shutdown up: they are cut at the start of drain, after what is queued).
// From then on send() returns false, and the producer should let go of it. A client that reads too
// slowly is cut off once more than `max_buffered` bytes wait unsent, rather than holding memory
// without bound.
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lifespan::http {

namespace detail {
class connection;
}

class event_stream {
 public:
  static std::shared_ptr<event_stream> open(std::size_t max_buffered = 1 << 20);

  // Any thread. One event: `data` may span lines (each becomes a data: line); `id` becomes the
  // client's Last-Event-ID when it reconnects. False once the stream has ended.
  bool send(std::string_view event, std::string_view data, std::string_view id = {});
  // A comment line (": text"), ignored by clients: keeps idle streams alive through proxies.
  bool comment(std::string_view text);
  void close();
  bool ended() const;

  explicit event_stream(std::size_t max_buffered) : max_buffered_(max_buffered) {}

 private:
  friend class detail::connection;
  bool append(std::string&& bytes);
  // Connection side: `wake` is called (from the producer's thread, under the stream's lock) when bytes
  // are queued after a take() emptied the queue; it must only post. take() returns the queued bytes
  // and whether the stream has ended. Once end() returns, `wake` is not running and never runs again.
  void attach(std::function<void()> wake);
  std::string take(bool& ended);
  void end();
  void wake_connection();  // mutex_ held

  mutable std::mutex mutex_;
  std::string queued_;
  std::function<void()> wake_;
  bool wake_pending_ = false;
  bool ended_ = false;    // no more sends: closed, cut off, or the client went away
  std::size_t max_buffered_;
};

}  // namespace lifespan::http
