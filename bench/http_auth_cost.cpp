// The per-request cost of a bearer-token guard (lifespan/http/bearer_auth.hpp): the header read, a
// SHA-256 of the presented token and CRYPTO_memcmp against the configured digest, for the right
// token, a wrong one and none; the peer is the plain comparison a naive check would do (std::string
// ==, which leaks the length and the first differing byte through its time).
//
//   build/release/bench/http_auth_cost --benchmark_min_time=0.2 --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <boost/url/parse.hpp>

#include "http/exchange.hpp"
#include "lifespan/http/bearer_auth.hpp"
#include "lifespan/testing/harness.hpp"

namespace {

const std::string token = "bench-token-0123456789abcdef0123456789";

// The guard, once its component has loaded the token (a service run in the background).
struct loaded_guard {
  loaded_guard() : svc("bench", quiet()) {
    guards = std::make_unique<lifespan::http::bearer_guards>(lifespan::http::add_bearer_auth(svc));
    h = std::make_unique<lifespan::testing::harness>(svc);
    h->start();
    if (!h->wait_for_event(lifespan::event_kind::component_up, "auth")) throw std::runtime_error("auth did not start");
    api = guards->api();
  }
  static lifespan::service_options quiet() {
    lifespan::service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    o.config_overrides = {"auth.token=" + token};
    return o;
  }
  lifespan::service svc;
  std::unique_ptr<lifespan::http::bearer_guards> guards;
  std::unique_ptr<lifespan::testing::harness> h;
  lifespan::http::guard api;
};

loaded_guard& shared() {
  static loaded_guard g;
  return g;
}

void run(benchmark::State& state, const std::optional<std::string>& authorization, bool expect_pass) {
  auto& g = shared();
  lifespan::http::detail::beast_request raw;
  raw.target("/api/alerts");
  if (authorization) raw.set("Authorization", *authorization);
  lifespan::http::detail::exchange x;
  x.raw = &raw;
  x.url = boost::urls::parse_origin_form("/api/alerts").value();
  const lifespan::http::request req(x);
  for (auto _ : state) {
    auto refusal = g.api(req);
    if (refusal.has_value() == expect_pass) state.SkipWithError("the guard decided otherwise");
    benchmark::DoNotOptimize(refusal);
  }
}

void BM_guard_right_token(benchmark::State& state) { run(state, "Bearer " + token, true); }
void BM_guard_wrong_token(benchmark::State& state) { run(state, "Bearer " + std::string(token.size(), 'x'), false); }
void BM_guard_missing_token(benchmark::State& state) { run(state, std::nullopt, false); }
BENCHMARK(BM_guard_right_token);
BENCHMARK(BM_guard_wrong_token);
BENCHMARK(BM_guard_missing_token);

// The peer: the presented token compared as a string (early exit on the first differing byte).
void BM_peer_string_compare(benchmark::State& state) {
  const std::string expected = token;
  std::string presented = token;
  for (auto _ : state) {
    benchmark::DoNotOptimize(presented);
    benchmark::DoNotOptimize(presented == expected);
  }
}
BENCHMARK(BM_peer_string_compare);

}  // namespace

BENCHMARK_MAIN();
