#pragma once
// A webhook receiver for the vigil delivery tests: the http_client tests' real Boost.Beast receiver on
// loopback (tests/http_client/receiver.hpp) answering as the test switches it (accept, fail with 503,
// hang, reject), recording the keys of the alerts it accepted.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client/receiver.hpp"

namespace vigil::test {

using lifespan::http_client::testing::received;
using lifespan::http_client::testing::receiver;
using lifespan::http_client::testing::reply;

// What the receiver does with the next POST, switched by the test.
enum class mode { accept, fail_503, hang, reject_poison, reject_all };

// A receiver whose answers follow `behaviour`; it records the keys of the alerts it answered 2xx.
struct hook {
  std::atomic<mode> behaviour{mode::accept};
  std::mutex mutex;
  std::vector<std::string> accepted;  // keys answered 2xx, in arrival order
  std::vector<std::string> seen;      // distinct keys ever received, in first-seen order
  std::string poison;                 // reject_poison: the 5th alert ever seen
  std::vector<bool> arrays;           // per accepted POST: was the body an array
  receiver r{[this](const received& req, std::size_t) { return answer(req); }};

  static std::vector<std::string> keys_in(const nlohmann::json& body) {
    std::vector<std::string> out;
    if (body.is_array())
      for (const auto& a : body) out.push_back(a.at("key").get<std::string>());
    else
      out.push_back(body.at("key").get<std::string>());
    return out;
  }
  reply answer(const received& req) {
    const auto m = behaviour.load();
    if (m == mode::fail_503) return reply::status_only(503);
    if (m == mode::hang) return reply::hang();
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return reply::status_only(422);
    const auto keys = keys_in(body);
    std::lock_guard lock(mutex);
    for (const auto& k : keys)
      if (std::find(seen.begin(), seen.end(), k) == seen.end()) seen.push_back(k);
    if (m == mode::reject_all) return reply::status_only(400);
    if (m == mode::reject_poison) {
      if (poison.empty() && seen.size() >= 5) poison = seen[4];
      if (std::find(keys.begin(), keys.end(), poison) != keys.end()) return reply::status_only(400);
    }
    accepted.insert(accepted.end(), keys.begin(), keys.end());
    arrays.push_back(body.is_array());
    return reply::ok();
  }
  std::vector<std::string> accepted_keys() {
    std::lock_guard lock(mutex);
    return accepted;
  }
};

}  // namespace vigil::test
