#include "listener.hpp"

#include <stdexcept>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace lifespan::http::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Connections being turned away (503, then closed) beyond max_connections; past this, closed at once.
constexpr int max_turning_away = 64;
constexpr auto accept_retry = std::chrono::milliseconds(50);

}  // namespace

listener::listener(server_state& s, io_pool& pool)
    : s_(s), pool_(pool), acceptor_(ioc_), retry_(ioc_) {}

listener::~listener() {
  close();
  join();
}

tcp::endpoint listener::open(const std::string& address, int port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error(fmt::format("'{}' is not an IP address", address));
  const tcp::endpoint wanted{ip, static_cast<unsigned short>(port)};
  const auto fail = [&](const char* what) {
    return std::runtime_error(fmt::format("cannot {} {}:{}: {}", what, address, port, ec.message()));
  };
  if (acceptor_.open(wanted.protocol(), ec)) throw fail("open a socket for");
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec)) throw fail("set SO_REUSEADDR on");
  if (acceptor_.bind(wanted, ec)) throw fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) throw fail("listen on");
  const auto bound = acceptor_.local_endpoint(ec);
  if (ec) throw fail("read the bound address of");
  return bound;
}

void listener::start() {
  accept();
  thread_ = std::thread([this] {
    try {
      ioc_.run();  // returns once the acceptor is closed: nothing else keeps this context busy
    } catch (const std::exception& e) {
      s_.log->error("{}: accepting thread: {}", s_.name, e.what());
    }
  });
}

void listener::close() {
  asio::post(ioc_, [this] {
    if (!acceptor_.is_open()) return;
    // Connections the kernel has already completed wait in the backlog; closing the listener would
    // reset them, and with them any request already sent. Take them first: they are served like the
    // rest (a request they send is answered with `Connection: close`).
    boost::system::error_code ec;
    acceptor_.non_blocking(true, ec);
    while (!ec) {
      strand_socket socket(pool_.make_strand());
      acceptor_.accept(socket, ec);
      if (!ec) admit(std::move(socket));
    }
    acceptor_.close(ec);
    retry_.cancel();
  });
}

void listener::join() {
  if (thread_.joinable()) thread_.join();
}

void listener::accept() {
  acceptor_.async_accept(pool_.make_strand(), [this](boost::system::error_code ec, strand_socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void listener::on_accept(boost::system::error_code ec, strand_socket socket) {
  if (!ec) admit(std::move(socket));  // even when close() ran meanwhile: it was accepted
  if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors, most likely: log once a second and retry shortly instead of spinning.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_error_log_ > std::chrono::seconds(1)) {
      s_.log->warn("{}: accept failed: {}; retrying", s_.name, ec.message());
      last_error_log_ = now;
    }
    retry_.expires_after(accept_retry);
    retry_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) accept();
    });
    return;
  }
  accept();
}

void listener::admit(strand_socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const int serving = s_.serving.load();
  if (serving < s_.options.max_connections) {
    pool_.adopt(std::move(socket), connection_slot(s_, true), false);
  } else if (s_.open.load() - serving < max_turning_away) {
    pool_.adopt(std::move(socket), connection_slot(s_, false), true);
  }  // else: a flood; the socket closes as it goes out of scope
}

}  // namespace lifespan::http::detail
