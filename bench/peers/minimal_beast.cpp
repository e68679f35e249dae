// The comparison peer for bench/run-http: the smallest reasonable Boost.Beast server answering
// GET /livez with the same body as lifespan's, with keep-alive, on N threads sharing one io_context.
// No routing, no limits, no timeouts, no probes: what lifespan's server costs is measured against this.
//
//   minimal_beast PORT [THREADS]
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket s) : socket_(std::move(s)) {}
  void read() {
    req_ = {};
    bhttp::async_read(socket_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    res_ = {};
    res_.version(req_.version());
    res_.keep_alive(req_.keep_alive());
    if (req_.target() == "/livez") {
      res_.result(bhttp::status::ok);
      res_.set(bhttp::field::content_type, "application/json");
      res_.body() = R"({"status":"ok"})";
    } else {
      res_.result(bhttp::status::not_found);
    }
    res_.prepare_payload();
    bhttp::async_write(socket_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->res_.keep_alive()) return self->read();
      beast::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
    });
  }
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
};

void accept(tcp::acceptor& a) {
  a.async_accept([&a](beast::error_code ec, tcp::socket s) {
    if (!ec) std::make_shared<session>(std::move(s))->read();
    accept(a);
  });
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: minimal_beast PORT [THREADS]\n";
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  asio::io_context ioc{threads};
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  accept(acceptor);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
}
