#pragma once
// The listening socket, on a thread of its own: accepting never waits behind busy I/O threads, and
// drain() can close the listener at once even when every I/O thread is occupied by a handler.
// Each accepted socket gets a strand of the I/O pool's shared context. Beyond
// max_connections a connection is still accepted, but only to be answered 503 and closed; beyond that
// again (a flood), it is closed at once. Closing the listener first accepts what the kernel has
// already queued, so that no connection it completed is reset.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io_pool.hpp"

namespace lifespan::http::detail {

class listener {
 public:
  listener(server_state& s, io_pool& pool);
  ~listener();  // close() and join()
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  // Binds and listens, synchronously; throws std::runtime_error naming the address and the cause.
  boost::asio::ip::tcp::endpoint open(const std::string& address, int port);
  void start();  // the accepting thread
  void close();  // any thread: stop accepting (the thread then ends)
  void join();

 private:
  void accept();
  void on_accept(boost::system::error_code ec, strand_socket socket);
  void admit(strand_socket socket);

  server_state& s_;
  io_pool& pool_;
  boost::asio::io_context ioc_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::chrono::steady_clock::time_point last_error_log_{};
  std::thread thread_;
};

}  // namespace lifespan::http::detail
