#include "io_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "connection.hpp"

namespace lifespan::http::detail {

namespace asio = boost::asio;

io_pool::io_pool(server_state& s, std::size_t threads)
    : state(s), threads_(threads), ioc_(static_cast<int>(threads)), work_(asio::make_work_guard(ioc_)), beat_timer_(ioc_) {}

io_pool::~io_pool() {
  halt();
  join();
}

void io_pool::start() {
  beat();
  for (std::size_t i = 0; i < threads_; ++i) {
    pool_.emplace_back([this, i] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {  // handlers catch their own errors; this is a last resort
          state.log->error("{}: I/O thread {}: {}", state.name, i, e.what());
        }
      }
    });
  }
}

strand io_pool::make_strand() { return asio::make_strand(ioc_.get_executor()); }

// The timer's handlers are sequential (each arms the next), so beat_timer_ needs no strand.
void io_pool::beat() {
  state.beats->beat();
  beat_timer_.expires_after(state.options.heartbeat_interval);
  beat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !state.stopping.load(std::memory_order_relaxed)) beat();
  });
}

// After draining is set, a connection either entered before close_idle() looked (and is closed by it)
// or enters after, and then sees draining when it first reads (the mutex orders the two).
void io_pool::enter(const std::shared_ptr<connection>& c) {
  std::lock_guard lock(mutex_);
  connections_.emplace(c.get(), c);
}

void io_pool::leave(connection* c) {
  std::lock_guard lock(mutex_);
  connections_.erase(c);
}

template <class F>
void io_pool::for_each_connection(F f) {
  std::vector<std::shared_ptr<connection>> alive;
  {
    std::lock_guard lock(mutex_);
    alive.reserve(connections_.size());
    for (auto& [raw, weak] : connections_)
      if (auto p = weak.lock()) alive.push_back(std::move(p));  // fails for one being destroyed
  }
  for (auto& c : alive) f(std::move(c));  // outside the lock: a connection destroyed here leaves the set
}

void io_pool::adopt(strand_socket socket, connection_slot slot, bool turn_away) {
  auto executor = socket.get_executor();
  asio::post(executor, [this, socket = std::move(socket), slot = std::move(slot), turn_away]() mutable {
    if (state.stopping.load()) return;  // the socket and the slot are released here
    auto c = std::make_shared<connection>(*this, std::move(socket), std::move(slot));
    enter(c);
    if (turn_away)
      c->turn_away();
    else
      c->serve();
  });
}

void io_pool::close_idle() {
  for_each_connection([](std::shared_ptr<connection> c) {
    auto executor = c->executor();
    asio::post(executor, [c = std::move(c)] { c->close_if_idle(); });
  });
}

void io_pool::give_up_all() {
  for_each_connection([](std::shared_ptr<connection> c) {
    auto executor = c->executor();
    asio::post(executor, [c = std::move(c)] { c->give_up(); });
  });
}

// The threads return from run() as soon as their current handler does; the handlers still queued (and
// the pending operations) are destroyed with the context, and with them the connections they hold,
// whose destructors close their sockets and end their event streams.
void io_pool::halt() {
  work_.reset();
  ioc_.stop();
}

void io_pool::join() {
  for (auto& t : pool_)
    if (t.joinable()) t.join();
}

}  // namespace lifespan::http::detail
