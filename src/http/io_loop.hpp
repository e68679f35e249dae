#pragma once
// One I/O thread with its own event loop. Connections are handed to a loop when accepted and live on it
// until closed, so a connection's state is only ever touched by its loop's thread (no strands, no locks).
// The loop also beats the heartbeat that /livez reads.
//
// Any thread may call adopt(), close_idle(), close_all() and halt(): they post to the loop.
#include <cstddef>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "state.hpp"

namespace lifespan::http::detail {

class connection;

class io_loop {
 public:
  io_loop(server_state& s, std::size_t index);
  ~io_loop();  // joins the thread (halt() first)
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  void start();  // the thread, and the heartbeat
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

  // A socket accepted on this loop's executor: served, or (over the limit) answered 503 and closed.
  void adopt(boost::asio::ip::tcp::socket socket, connection_slot slot, bool turn_away);
  void close_idle();  // drain: connections waiting for a request are closed; the others finish theirs
  void close_all();   // drain deadline
  void halt();        // stop(): close everything and end the thread's loop
  void join();

  server_state& state;
  const std::size_t index;
  std::unordered_set<connection*> connections;  // loop thread only; outlives the context's handlers

 private:
  void beat();
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer beat_timer_;
  std::thread thread_;
};

}  // namespace lifespan::http::detail
