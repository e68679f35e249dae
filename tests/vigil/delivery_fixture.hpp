#pragma once
// What the delivery tests share: alerts with known keys, a recording sink whose destination can be
// taken down or made to reject one alert (fault injection; the outbox, relay and database are real),
// its component, and polling with a generous deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "delivery/sink_component.hpp"
#include "service_fixture.hpp"

namespace vigil::test {

inline service::alert numbered_alert(int i) {
  service::alert a;
  a.key = fmt::format("9:9:0:00aa:{}:rule", i);
  a.time = 1'700'000'000 + i;
  a.client = fmt::format("10.9.{}.{}", (i >> 8) & 255, i & 255);
  a.method = "GET";
  a.path = fmt::format("/q?{}", i);
  a.status = 200;
  a.user_agent = "curl/8";
  a.rule_ids = {"r1"};
  a.categories = {"sqli"};
  a.level = severity::high;
  a.mode = "rules";
  a.kind = "rule";
  a.file = "/var/log/access.log";
  a.offset = static_cast<std::uint64_t>(i) * 100;
  return a;
}
inline std::vector<service::alert> numbered_alerts(int from, int to) {
  std::vector<service::alert> out;
  for (int i = from; i < to; ++i) out.push_back(numbered_alert(i));
  return out;
}
inline std::vector<std::string> numbered_keys(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(numbered_alert(i).key);
  return out;
}

class delivery_component;

// What the recording sinks saw, shared with the test.
struct recorder {
  std::mutex mutex;
  std::vector<std::string> keys;  // every alert key delivered, in delivery order
  std::atomic<bool> down{false};
  std::string reject;             // this key is rejected as malformed
  std::atomic<int> calls{0};
  std::atomic<delivery_component*> component{nullptr};

  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return keys;
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return keys.size();
  }
};

class recording_sink : public delivery::alert_sink {
 public:
  recording_sink(std::shared_ptr<recorder> r, std::string name) : rec_(std::move(r)), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::string describe() const override { return "the test destination " + name_; }
  delivery::delivery_result deliver(std::span<const delivery::alert> batch, std::stop_token) override {
    ++rec_->calls;
    if (rec_->down) return delivery::delivery_result::failed(0, "the test destination is down");
    std::lock_guard lock(rec_->mutex);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].key == rec_->reject) return delivery::delivery_result::rejected(i, "malformed for the test");
      rec_->keys.push_back(batch[i].key);
    }
    return delivery::delivery_result::all(batch.size());
  }
  std::string probe(std::stop_token) override { return rec_->down ? "the test destination does not answer" : ""; }

 private:
  std::shared_ptr<recorder> rec_;
  std::string name_;
};

// Registered as "testsink" (section testsink: enabled plus the relay's keys), sink name "test".
class delivery_component : public delivery::sink_component {
 public:
  struct options {
    bool enabled = true;
    delivery::relay_options relay;
  };
  static options read_options(lifespan::config::section& s) {
    options o;
    o.enabled = s.get<bool>("enabled", o.enabled);
    o.relay = delivery::relay_options::read(s);
    return o;
  }
  delivery_component(options o, std::shared_ptr<recorder> r)
      : sink_component(o.enabled, "test", o.relay), rec_(std::move(r)) {}
  void start(lifespan::context& ctx) override {
    sink_component::start(ctx);
    rec_->component = this;
  }
  void stop(lifespan::time_point deadline) override {
    rec_->component = nullptr;
    sink_component::stop(deadline);
  }

 protected:
  std::unique_ptr<delivery::alert_sink> make_sink() override { return std::make_unique<recording_sink>(rec_, "test"); }

 private:
  std::shared_ptr<recorder> rec_;
};

inline std::vector<std::string> fast_relay(const std::string& section) {
  return {section + ".poll_interval=20ms", section + ".retry_initial=20ms", section + ".retry_max=200ms",
          section + ".probe_interval=50ms", section + ".health_interval=50ms"};
}

inline const lifespan::component_status* find_component(const lifespan::service_status& st, const std::string& name) {
  for (const auto& c : st.components)
    if (c.name == name) return &c;
  return nullptr;
}
// The component's health and reason as the runtime last recorded them.
inline std::pair<lifespan::health_status, std::string> health_of(lifespan::service& svc, const std::string& name) {
  const auto st = svc.status();
  const auto* c = find_component(st, name);
  if (!c) return {lifespan::health_status::failed, "no component " + name};
  return {c->health, c->reason};
}

// The body of GET `target` from the service on loopback `port` (empty when it cannot connect).
inline std::string http_get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

// The keys of the (up to 1,000) alerts stored, in store order.
inline std::vector<std::string> stored_keys(service::alert_store& store) {
  service::alert_query q;
  q.limit = 1000;
  auto page = store.query(q);
  std::vector<std::string> keys;
  for (auto it = page.alerts.rbegin(); it != page.alerts.rend(); ++it) keys.push_back(it->key);
  return keys;
}

inline bool all_distinct(const std::vector<std::string>& keys) {
  return std::set<std::string>(keys.begin(), keys.end()).size() == keys.size();
}

}  // namespace vigil::test
