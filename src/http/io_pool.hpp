#pragma once
// The I/O threads: N threads running ONE shared io_context (concurrency hint N). A connection's socket
// and timer live on a strand of it, so a connection's handlers never run concurrently, yet any free
// thread runs them: a thread that is preempted or busy in a slow handler holds up only the connection
// it is serving, never the others (with one event loop per thread it held up every connection pinned
// to it).
//
// The heartbeat behind /livez and the systemd watchdog: a timer on the shared context stamps it every
// heartbeat_interval. The timer's handler runs on whichever thread is free, so the stamp says "the pool
// still runs handlers within the interval"; it goes stale only when every I/O thread is stuck (or the
// process is starved), which is when no connection is being served any more. One slow handler, or one
// stuck thread, stalls nothing but its own connection and does not fail /livez.
//
// Thread-safety: adopt(), close_idle(), give_up_all() and halt() may be called from any thread. The set
// of open connections is guarded by a mutex; a connection is reached from outside its strand only
// through a shared_ptr locked from its weak_ptr, and only to post to its strand.
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "state.hpp"

namespace lifespan::http::detail {

class connection;
using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using strand_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, strand>;
using strand_timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                       boost::asio::wait_traits<std::chrono::steady_clock>, strand>;

class io_pool {
 public:
  io_pool(server_state& s, std::size_t threads);
  ~io_pool();  // halt() and join()
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  void start();  // the threads, and the heartbeat
  // A new strand: the executor an accepted socket (and then its connection's timer) is bound to.
  strand make_strand();

  // A socket accepted on a strand from make_strand(): served, or (over the limit) answered 503 and closed.
  void adopt(strand_socket socket, connection_slot slot, bool turn_away);
  void close_idle();  // drain: connections waiting for a request are closed; the others finish theirs
  void give_up_all(); // drain deadline: 503 for requests being handled, close what is being read
  void halt();        // stop(): end the threads' loop; what is still open closes when the pool is destroyed
  void join();

  server_state& state;

  void leave(connection* c);  // from connection's destructor

 private:
  template <class F>
  void for_each_connection(F f);  // f(shared_ptr<connection>) for each one still alive
  void enter(const std::shared_ptr<connection>& c);
  void beat();

  const std::size_t threads_;
  // Before the context: destroying the context destroys the handlers still queued, and with them the
  // connections they hold, which leave the set.
  std::mutex mutex_;
  std::unordered_map<connection*, std::weak_ptr<connection>> connections_;  // guarded by mutex_
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer beat_timer_;  // touched by beat() only, whose handlers run one after another
  std::vector<std::thread> pool_;
};

}  // namespace lifespan::http::detail
