// The loopback webhook receiver (see receiver.hpp): Asio coroutines over Beast's HTTP/1.1 parser.
#include "receiver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace lifespan::http_client::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct receiver::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  plan answer;
  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::vector<received> log;
  std::size_t accepted = 0;

  asio::awaitable<void> session(tcp::socket socket, std::size_t number) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [read_error, read_bytes] = co_await http::async_read(socket, buffer, req, tuple_awaitable);
      (void)read_bytes;
      if (read_error) co_return;
      received r{std::string(req.method_string()), std::string(req.target()), req.body(),
                 std::string(req[http::field::content_type]), std::string(req[http::field::user_agent]), number,
                 std::chrono::steady_clock::now(), std::string(req[http::field::authorization])};
      std::size_t index = 0;
      {
        std::lock_guard lock(mutex);
        index = log.size();
        log.push_back(r);
      }
      arrived.notify_all();
      const reply plan_for = answer(r, index);
      if (plan_for.what == reply::action::close) {
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        co_return;
      }
      if (plan_for.what == reply::action::hang || plan_for.delay.count() > 0) {
        asio::steady_timer timer(io, plan_for.what == reply::action::hang ? std::chrono::milliseconds(60'000)
                                                                          : plan_for.delay);
        co_await timer.async_wait(tuple_awaitable);
        if (plan_for.what == reply::action::hang) co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(plan_for.status), req.version()};
      res.set(http::field::content_type, "text/plain");
      for (const auto& [name, value] : plan_for.headers) res.set(name, value);
      res.body() = plan_for.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [write_error, written] = co_await http::async_write(socket, res, tuple_awaitable);
      (void)written;
      if (write_error || !req.keep_alive()) co_return;
      if (plan_for.close_after) {  // what a server's idle keep-alive timeout does
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        co_return;
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(tuple_awaitable);
      if (error) co_return;
      std::size_t number = 0;
      {
        std::lock_guard lock(mutex);
        number = ++accepted;
      }
      asio::co_spawn(io, session(std::move(socket), number), asio::detached);
    }
  }
};

receiver::receiver(plan p) : impl_(std::make_shared<impl>()) {
  impl_->answer = std::move(p);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  thread_ = std::thread([state = impl_] { state->io.run(); });
}

receiver::~receiver() {
  impl_->io.stop();
  thread_.join();
}

std::string receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::size_t receiver::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

std::vector<received> receiver::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

bool receiver::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->arrived.wait_for(lock, timeout, [&] { return impl_->log.size() >= n; });
}

}  // namespace lifespan::http_client::testing
