#include "io_loop.hpp"

#include <boost/asio/post.hpp>

#include "connection.hpp"

namespace lifespan::http::detail {

namespace asio = boost::asio;

io_loop::io_loop(server_state& s, std::size_t i)
    : state(s), index(i), work_(asio::make_work_guard(ioc_)), beat_timer_(ioc_) {}

io_loop::~io_loop() {
  halt();
  join();
}

void io_loop::start() {
  beat();
  thread_ = std::thread([this] {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {  // handlers catch their own errors; this is a last resort
        state.log->error("{}: I/O thread {}: {}", state.name, index, e.what());
      }
    }
  });
}

void io_loop::beat() {
  state.beats->beat(index);
  beat_timer_.expires_after(state.options.heartbeat_interval);
  beat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !state.stopping.load(std::memory_order_relaxed)) beat();
  });
}

void io_loop::adopt(asio::ip::tcp::socket socket, connection_slot slot, bool turn_away) {
  asio::post(ioc_, [this, socket = std::move(socket), slot = std::move(slot), turn_away]() mutable {
    if (state.stopping.load()) return;  // the socket and the slot are released here
    auto c = std::make_shared<connection>(*this, std::move(socket), std::move(slot));
    if (turn_away)
      c->turn_away();
    else
      c->serve();
  });
}

void io_loop::close_idle() {
  asio::post(ioc_, [this] {
    // close_if_idle() may destroy nothing synchronously (handlers hold the connections), but copy anyway
    // so that the set may change under us.
    const std::vector<connection*> all(connections.begin(), connections.end());
    for (auto* c : all) c->close_if_idle();
  });
}

void io_loop::close_all() {
  asio::post(ioc_, [this] {
    const std::vector<connection*> all(connections.begin(), connections.end());
    for (auto* c : all) c->close();
  });
}

void io_loop::halt() {
  asio::post(ioc_, [this] {
    const std::vector<connection*> all(connections.begin(), connections.end());
    for (auto* c : all) c->close();
    beat_timer_.cancel();
    work_.reset();
    ioc_.stop();  // handlers still queued are destroyed with the context, releasing their connections
  });
}

void io_loop::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace lifespan::http::detail
