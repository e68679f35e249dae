// Server-sent events: formatting and the hand-off between producers and the connection.
#include "lifespan/http/event_stream.hpp"

#include <utility>

namespace lifespan::http {
namespace {

// Every line of `text` prefixed with `field: ` (a lone \r or \r\n counts as a line break too).
void append_lines(std::string& out, std::string_view field, std::string_view text) {
  std::size_t begin = 0;
  for (;;) {
    const auto end = text.find_first_of("\r\n", begin);
    out.append(field).append(": ").append(text.substr(begin, end - begin)).push_back('\n');
    if (end == std::string_view::npos) return;
    begin = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
}

// Field values that must stay on one line (event names, ids).
std::string one_line(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

}  // namespace

std::shared_ptr<event_stream> event_stream::open(std::size_t max_buffered) {
  return std::make_shared<event_stream>(max_buffered);
}

bool event_stream::send(std::string_view event, std::string_view data, std::string_view id) {
  std::string bytes;
  bytes.reserve(data.size() + event.size() + id.size() + 24);
  if (!event.empty()) bytes.append("event: ").append(one_line(event)).push_back('\n');
  if (!id.empty()) bytes.append("id: ").append(one_line(id)).push_back('\n');
  append_lines(bytes, "data", data);
  bytes.push_back('\n');
  return append(std::move(bytes));
}

bool event_stream::comment(std::string_view text) {
  std::string bytes;
  append_lines(bytes, "", text);  // ": text"
  return append(std::move(bytes));
}

bool event_stream::append(std::string&& bytes) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  if (queued_.size() + bytes.size() > max_buffered_) {
    ended_ = true;  // a slow reader: cut off rather than buffer without bound
    queued_.clear();
  } else {
    queued_.append(bytes);
  }
  wake_connection();
  return !ended_;
}

void event_stream::close() {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  ended_ = true;
  wake_connection();
}

void event_stream::wake_connection() {
  // Under mutex_: end() cannot return while a wake-up is being posted, so the connection's executor
  // (and the server's I/O context behind it) is still there for it. Posting never runs the handler
  // here, so take() cannot be re-entered.
  if (wake_ && !wake_pending_) {
    wake_pending_ = true;
    wake_();
  }
}

bool event_stream::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

void event_stream::attach(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  if (!ended_) wake_ = std::move(wake);  // ended while its header was written: nothing will wake it
}

std::string event_stream::take(bool& ended) {
  std::lock_guard lock(mutex_);
  wake_pending_ = false;
  ended = ended_;
  return std::exchange(queued_, {});
}

void event_stream::end() {
  std::lock_guard lock(mutex_);
  ended_ = true;
  wake_ = nullptr;  // the connection is going away: nothing to wake
}

}  // namespace lifespan::http
