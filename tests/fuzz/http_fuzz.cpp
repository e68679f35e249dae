// Fuzz target: raw bytes from a client through the real HTTP server, in process: a lifespan service
// runs http::server (Beast's parser, the request limits, the framing checks, guards, routing and the
// handlers) on 127.0.0.1, and each input is one TCP connection's bytes, so pipelining, chunked bodies,
// trailers, Expect: 100-continue and every refusal go through src/http/connection.cpp unchanged.
//
// Each input: connect, send the bytes while reading what comes back, shut our side, and read until the
// server closes. The server has answered (or closed) by then, so a crash it hits is reported on this
// input. Checked: the server closes within a deadline (no hang), what it sends starts as an HTTP
// response, and no handler sees an exception other than http::error (which would be answered 500:
// request::json() throwing a nlohmann exception, say). Limits are set small so
// the fuzzer reaches them: 1 KiB of header (and trailer and chunk extensions), 4 KiB of body.
//
// Lifetime: the service, its harness and the server are created on the first input and never
// destroyed (the process ends at -max_total_time); the server has one I/O thread.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "lifespan/http/server.hpp"
#include "lifespan/metrics/registry.hpp"
#include "lifespan/testing/harness.hpp"

namespace {

using namespace lifespan;

// A handler whose exceptions other than http::error (the client's fault, answered 4xx) stop the run:
// such an exception would be answered 500, a server bug for any client input.
http::handler checked(http::handler h) {
  return [h = std::move(h)](http::request& req) {
    try {
      return h(req);
    } catch (const http::error&) {
      throw;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "http_fuzz: a handler failed with %s (answered 500)\n", e.what());
      std::abort();
    }
  };
}

http::router routes() {
  http::router r;
  r.post("/echo", checked([](http::request& req) { return http::response::json(req.json()); }));
  r.get("/items/{id}", checked([](http::request& req) {
    nlohmann::json j{{"id", req.param("id")}, {"limit", req.query("limit").value_or("")}};
    if (auto trace = req.header("X-Trace")) j["trace"] = std::string(*trace);
    return http::response::json(j);
  }));
  r.put("/items/{id}", checked([](http::request& req) {
    auto j = req.json();
    return http::response::json({{"id", req.param("id")}, {"mode", req.query("mode").value_or("")}, {"body", j}},
                                http::status::created);
  }));
  r.post("/private/upload", checked([](http::request& req) {
    return http::response::text(std::to_string(req.body().size()));
  }));
  // A guard that refuses before the body is read (connection.cpp's screen()).
  r.guard_routes(http::under("/private/"), [](const http::request& req) -> std::optional<http::response> {
    if (req.header("Authorization") == std::optional<std::string_view>("Bearer fuzz")) return std::nullopt;
    return http::response::error(http::status::unauthorized, "unauthorized", "send Authorization: Bearer fuzz");
  });
  return r;
}

struct served {
  service svc{"fuzz", [] {
                service_options o;
                o.own_signals = false;
                o.read_environment = false;
                o.install_logger = false;
                return o;
              }()};
  std::atomic<http::server*> instance{nullptr};
  std::unique_ptr<testing::harness> h;
  std::uint16_t port = 0;

  served() {
    spdlog::set_level(spdlog::level::off);  // a 400 per input would be most of the run's time
    http::server::options o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.max_header_bytes = 1024;
    o.max_body_bytes = 4096;
    o.header_timeout = std::chrono::seconds(3);
    o.body_timeout = std::chrono::seconds(3);
    auto shared = std::make_shared<const http::router>(routes());
    metrics::install(svc);
    svc.add_factory<http::server>("http", [this, shared, o] {
      auto s = std::make_unique<http::server>(o, svc, shared);
      instance.store(s.get());
      return s;
    });
    h = std::make_unique<testing::harness>(svc);
    h->start();
    if (!h->wait_for_event(event_kind::component_up, "http")) {
      std::fputs("http_fuzz: the server did not come up\n", stderr);
      std::abort();
    }
    port = instance.load()->port();
  }
};

served& server() {
  static served* s = new served;  // never destroyed: see the top of this file
  return *s;
}

// One connection carrying `bytes`; returns what the server sent before closing.
std::string exchange(std::uint16_t port, std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  // From a different loopback address each time (127.0.0.2 to 127.0.255.255): we shut our side first,
  // so each input leaves one connection in TIME_WAIT for a minute, and from one address they would use
  // up the ephemeral ports (connect: EADDRNOTAVAIL) within a few minutes.
  static std::uint32_t next_source = 0;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(0x7f000002u + (next_source++ % 0xfffd));
  const int no_port = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &no_port, sizeof no_port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
    std::perror("http_fuzz: bind");
    std::abort();
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's SIGALRM (the -timeout check) can interrupt connect(); the connection then completes
  // on its own, and poll() says when.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int error = errno;
    if (error == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      while (::poll(&p, 1, 5000) < 0 && errno == EINTR) {
      }
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
    if (error != 0) {
      std::fprintf(stderr, "http_fuzz: connect: %s\n", std::strerror(error));
      std::abort();
    }
  }
  std::string received;
  std::size_t sent = 0;
  bool writing = !bytes.empty();
  if (!writing) ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  for (;;) {
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::fputs("http_fuzz: the server neither answered nor closed within 8 s\n", stderr);
      std::abort();
    }
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0) continue;
    if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) writing = false;  // the server closed on us
      if (sent == bytes.size()) writing = false;
      if (!writing) ::shutdown(fd, SHUT_WR);
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      char buffer[16384];
      const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;  // closed (or reset)
      if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return received;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto answer = exchange(server().port, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0) {
    std::fprintf(stderr, "http_fuzz: the server sent something other than a response: %.80s\n", answer.c_str());
    std::abort();
  }
  return 0;
}
