// submit -> callback latency of the pooled HTTP client (lifespan/http_client) against a loopback
// Boost.Beast receiver (tests/http_client/receiver.cpp), next to the peer: libcurl's easy interface on
// one reused handle (blocking curl_easy_perform, its own kept-alive connection), the floor for any
// client built on libcurl. The difference is the price of the pool: the hand-off to the client's
// thread, curl's multi interface, the callback.
//
//   build/release/bench/http_client_roundtrip --benchmark_min_time=2 --benchmark_repetitions=5
//
// BM_client_roundtrip: one request at a time (fetch().get()); BM_client_window/16: 16 requests kept
// in flight (throughput per request); BM_curl_easy_roundtrip: the peer, one at a time.
#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "http_client/receiver.hpp"
#include "lifespan/http_client/client.hpp"
#include "lifespan/testing/harness.hpp"

namespace {

using namespace lifespan::http_client;
using lifespan::http_client::testing::receiver;
using lifespan::http_client::testing::reply;

class grab final : public lifespan::component {
 public:
  explicit grab(client** out) : out_(out) {}
  void start(lifespan::context& ctx) override { *out_ = &ctx.get<client>(); }

 private:
  client** out_;
};

struct running {
  running() : svc("bench", quiet()) {
    svc.add<client>("http_client");
    svc.add_factory<grab>("grab", [this] { return std::make_unique<grab>(&c); }).depends_on<client>();
    h.start();
    if (!h.wait_for_state(lifespan::service_state::running)) throw std::runtime_error("service did not start");
  }
  static lifespan::service_options quiet() {
    lifespan::service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    o.config_overrides = {"http_client.max_host_connections=16"};
    return o;
  }
  lifespan::service svc;
  lifespan::testing::harness h{svc};
  client* c = nullptr;
};

receiver& hook() {
  static receiver r([](const auto&, std::size_t) { return reply::ok(); });
  return r;
}

const std::string body = R"({"alert":{"id":1,"severity":"high","category":"sqli","client":"203.0.113.9"}})";

void BM_client_roundtrip(benchmark::State& state) {
  running rc;
  const auto url = hook().url("/alerts");
  for (auto _ : state) {
    auto r = rc.c->fetch(request::post(url, body)).get();
    if (!r.ok()) state.SkipWithError(r.error.c_str());
  }
  state.counters["connections"] = static_cast<double>(rc.c->stats().connections_opened);
}
BENCHMARK(BM_client_roundtrip)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_client_window(benchmark::State& state) {
  running rc;
  const auto url = hook().url("/alerts");
  const auto window = static_cast<int>(state.range(0));
  std::mutex mutex;
  std::condition_variable changed;
  int outstanding = 0;
  std::atomic<bool> failed{false};
  auto done = [&](response r) {
    if (!r.ok()) failed = true;
    std::lock_guard lock(mutex);
    --outstanding;
    changed.notify_one();
  };
  for (auto _ : state) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return outstanding < window; });
      ++outstanding;
    }
    if (rc.c->submit(request::post(url, body), done) != submit_status::accepted) state.SkipWithError("rejected");
  }
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return outstanding == 0; });
  if (failed) state.SkipWithError("a request failed");
  state.counters["connections"] = static_cast<double>(rc.c->stats().connections_opened);
}
BENCHMARK(BM_client_window)->Arg(1)->Arg(4)->Arg(16)->UseRealTime()->Unit(benchmark::kMicrosecond);

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

void BM_curl_easy_roundtrip(benchmark::State& state) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* easy = curl_easy_init();
  const auto url = hook().url("/alerts");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
  for (auto _ : state) {
    if (curl_easy_perform(easy) != CURLE_OK) state.SkipWithError("curl_easy_perform failed");
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
}
BENCHMARK(BM_curl_easy_roundtrip)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
