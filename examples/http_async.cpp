// An asynchronous handler: GET /quote calls a slow upstream through the pooled http_client component and
// answers when the upstream does, holding no thread while it waits. A thousand quotes can wait at once on
// two I/O threads and the default handler pool; a blocking handler would hold a handler thread each.
// The upstream here is this service's own GET /upstream?ms=N (a handler that takes N ms), so the
// example runs alone (`quotes.upstream` names another one):
//   build/release/examples/example_http_async --set http.port=8080
//   curl -i 'localhost:8080/quote?ms=300'     # 200 after 300 ms, relaying the upstream's answer
//   curl -i 'localhost:8080/quote?ms=3000'    # 504: the upstream took longer than the 1 s budget
//   kill -TERM <pid>                          # a quote still waiting is answered before the exit
#include <lifespan/http/server.hpp>
#include <lifespan/http_client/client.hpp>

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <string>

namespace http = lifespan::http;
namespace http_client = lifespan::http_client;
using namespace std::chrono_literals;

// Where quotes come from: section `quotes: {upstream: http://host:port}`.
struct quote_source : lifespan::component {
  struct options {
    std::string upstream = "http://127.0.0.1:8080";
  };
  static options read_options(lifespan::config::section& s) { return {s.get<std::string>("upstream", options{}.upstream)}; }
  explicit quote_source(options o) : upstream(std::move(o.upstream)) {}
  void start(lifespan::context&) override {}
  const std::string upstream;
};

// ?ms=N, 0 to 60000 (100 when absent); anything else is the client's error: 400 with the reason.
int milliseconds(const http::request& req) {
  const auto text = req.query("ms").value_or("100");
  int ms = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0 || ms > 60000)
    throw http::error(http::status::bad_request, "bad ms", "ms must be a whole number from 0 to 60000, got '" + text + "'");
  return ms;
}

int main(int argc, char** argv) {
  lifespan::service svc{"quotes"};
  svc.add<http_client::client>("http_client", &svc);
  svc.add<quote_source>("quotes");

  http::router routes;
  // The slow upstream: a blocking handler, so it runs on a handler thread and waits on its stop token.
  routes.get("/upstream", [](http::request& req) {
    const int ms = milliseconds(req);
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, req.stop_token(), std::chrono::milliseconds(ms), [] { return false; });
    return http::response::json({{"price", 42.0}, {"took_ms", ms}});
  });

  // The asynchronous handler starts the call and returns; the client's callback answers.
  routes.get_async("/quote", [](http::request& req, http::responder answer) {
    const auto budget = 1s;
    auto call = http_client::request::get(req.get<quote_source>("quotes").upstream + "/upstream?ms=" +
                                          std::to_string(milliseconds(req)));
    call.timeout = budget;
    call.max_attempts = 1;
    auto& client = req.get<http_client::client>("http_client");
    const auto submitted = client.submit(std::move(call), [answer, budget](http_client::response r) {
      if (r.ok())
        answer.send(http::response::text(r.body, http::status::ok, "application/json"));
      else if (r.elapsed >= budget)
        answer.send(http::upstream_timeout("the upstream did not answer within 1 s").to_response());  // 504
      else
        answer.send(http::response::error(http::status::service_unavailable, "upstream failed", r.error));
    });
    if (submitted != http_client::submit_status::accepted)
      throw http::error(http::status::service_unavailable, "upstream busy", std::string(http_client::to_string(submitted)));
  }).needs<http_client::client>("http_client").needs<quote_source>("quotes");

  http::add_server(svc, std::move(routes));
  return svc.main(argc, argv);
}
