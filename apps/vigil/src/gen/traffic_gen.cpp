#include "gen/traffic_gen.hpp"

#include <array>
#include <queue>
#include <vector>

#include "gen/payloads.hpp"
#include "gen/random.hpp"

namespace vigil {
namespace {

enum class actor_kind { browser, api, crawler, attack, not_found_burst, failed_logins, flood };

struct actor {
  actor_kind kind;
  std::string client;
  std::string agent;
  std::string category;  // attack category
  std::string page;      // browser: current page (referer for assets)
  int remaining = 0;     // lines left
  int assets = 0;        // browser: assets left for the current page
  double interval = 1;   // mean seconds between lines (episodes, api, crawler)
};

struct event {
  double time;
  std::uint64_t order;
  std::size_t actor;  // index into actors; SIZE_MAX for the spawner
  bool operator>(const event& other) const {
    return time != other.time ? time > other.time : order > other.order;
  }
};

// Expected lines per actor of each kind (used to turn line shares into spawn probabilities).
constexpr std::array<double, 7> mean_lines{12, 40, 60, 2.5, 70, 45, 900};

std::string random_ipv4(seeded_random& rng) {
  return std::to_string(rng.between(1, 223)) + "." + std::to_string(rng.below(256)) + "." +
         std::to_string(rng.below(256)) + "." + std::to_string(rng.between(1, 254));
}

}  // namespace

struct traffic_generator::state {
  explicit state(const gen_options& o) : options(o), rng(o.seed) {
    const double benign = std::max(0.0, 1.0 - o.attack_share - o.behaviour_share);
    const std::array<double, 7> shares{benign * 0.62, benign * 0.23, benign * 0.15, o.attack_share,
                                       o.behaviour_share * 0.25, o.behaviour_share * 0.25, o.behaviour_share * 0.50};
    double lines_per_spawn = 0;
    double total = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      spawn_weights.push_back(shares[i] / mean_lines[i]);
      total += spawn_weights.back();
    }
    for (std::size_t i = 0; i < shares.size(); ++i) lines_per_spawn += spawn_weights[i] / total * mean_lines[i];
    spawn_interval = lines_per_spawn / std::max(o.rate, 1e-3);
    for (int i = 0; i < 400; ++i) returning.push_back(random_ipv4(rng));
    queue.push({0.0, order++, SIZE_MAX});
  }

  void spawn(double now) {
    actor a;
    a.kind = static_cast<actor_kind>(rng.weighted(spawn_weights));
    switch (a.kind) {
      case actor_kind::browser:
        a.client = rng.chance(0.3) ? rng.pick(returning) : random_ipv4(rng);
        a.agent = rng.pick(browser_agents());
        a.remaining = static_cast<int>(rng.between(1, 8));  // pages
        break;
      case actor_kind::api:
        a.client = rng.chance(0.05) ? "2001:db8:" + std::to_string(rng.below(9999)) + "::" + std::to_string(rng.between(1, 999))
                                    : random_ipv4(rng);
        a.agent = rng.pick(tool_agents());
        a.remaining = static_cast<int>(rng.between(10, 70));
        a.interval = static_cast<double>(rng.between(3, 30));
        break;
      case actor_kind::crawler:
        a.client = "66.249." + std::to_string(rng.between(64, 95)) + "." + std::to_string(rng.between(1, 254));
        a.agent = rng.pick(crawler_agents());
        a.remaining = static_cast<int>(rng.between(20, 100));
        a.interval = static_cast<double>(rng.between(2, 12));
        break;
      case actor_kind::attack:
        a.client = random_ipv4(rng);
        a.category = std::string(rng.pick(attack_categories()));
        a.agent = rng.chance(0.5) ? rng.pick(tool_agents()) : rng.pick(browser_agents());
        a.remaining = static_cast<int>(rng.between(1, 4));
        a.interval = 3;
        break;
      case actor_kind::not_found_burst:
        a.client = random_ipv4(rng);
        a.agent = rng.chance(0.5) ? rng.pick(browser_agents()) : "Go-http-client/1.1";
        a.remaining = static_cast<int>(rng.between(40, 100));
        a.interval = 0.1 + rng.unit() * 0.5;
        break;
      case actor_kind::failed_logins:
        a.client = random_ipv4(rng);
        a.agent = rng.chance(0.5) ? rng.pick(browser_agents()) : rng.pick(tool_agents());
        a.remaining = static_cast<int>(rng.between(25, 65));
        a.interval = 0.5 + rng.unit() * 2.0;
        break;
      case actor_kind::flood:
        a.client = random_ipv4(rng);
        a.agent = rng.chance(0.5) ? rng.pick(tool_agents()) : rng.pick(browser_agents());
        a.remaining = static_cast<int>(rng.between(700, 1100));
        a.interval = 1.0 / static_cast<double>(rng.between(20, 40));
        break;
    }
    std::size_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
      actors[slot] = std::move(a);
    } else {
      slot = actors.size();
      actors.push_back(std::move(a));
    }
    queue.push({now + rng.unit() * 0.5, order++, slot});
  }

  // Produces the actor's next request; returns the delay until its following one (< 0: done).
  double step(actor& a, gen_request& r, std::string& label) {
    label = "benign";
    switch (a.kind) {
      case actor_kind::browser:
        if (a.assets > 0) {
          --a.assets;
          r = benign_asset(rng, a.page);
          if (a.assets == 0 && a.remaining == 0) return -1;
          return a.assets > 0 ? 0.02 + rng.unit() * 0.3 : rng.exponential(12);
        }
        r = benign_page(rng, a.page);
        a.page = "https://shop.example.com" + r.target;
        --a.remaining;
        a.assets = r.method == "GET" && r.status == 200 ? static_cast<int>(rng.between(0, 4)) : 0;
        if (a.assets > 0) return 0.05 + rng.unit() * 0.3;
        return a.remaining > 0 ? rng.exponential(12) : -1;
      case actor_kind::api:
        r = benign_api(rng);
        break;
      case actor_kind::crawler:
        r = crawler_request(rng);
        break;
      case actor_kind::attack:
        r = attack_request(a.category, rng);
        label = a.category;
        break;
      case actor_kind::not_found_burst: {
        static const std::vector<std::string_view> shapes{"/", "/admin/", "/old/", "/test/", "/new/", "/wp/", "/v2/"};
        r.target = std::string(rng.pick(shapes)) + random_word(rng) + std::to_string(rng.below(100)) +
                   (rng.chance(0.4) ? ".php" : rng.chance(0.5) ? ".html" : "/");
        r.status = rng.chance(0.92) ? 404 : 200;
        r.bytes = 153;
        label = "not_found_burst";
        break;
      }
      case actor_kind::failed_logins:
        r.method = "POST";
        r.target = rng.chance(0.6) ? "/login" : rng.chance(0.5) ? "/wp-login.php" : "/api/login";
        r.status = rng.chance(0.95) ? 401 : 403;
        r.bytes = rng.between(100, 600);
        r.referer = "https://shop.example.com/login";
        label = "failed_logins";
        break;
      case actor_kind::flood:
        r.target = rng.chance(0.7) ? "/" : "/api/v1/items?page=1&limit=20";
        r.status = rng.chance(0.9) ? 200 : 503;
        r.bytes = rng.between(100, 20000);
        label = "flood";
        break;
    }
    --a.remaining;
    return a.remaining > 0 ? rng.exponential(a.interval) : -1;
  }

  gen_options options;
  seeded_random rng;
  std::vector<double> spawn_weights;
  double spawn_interval = 1;
  std::vector<std::string> returning;
  std::vector<actor> actors;
  std::vector<std::size_t> free_slots;
  std::priority_queue<event, std::vector<event>, std::greater<event>> queue;
  std::uint64_t order = 0;
  std::uint64_t produced = 0;
};

traffic_generator::traffic_generator(const gen_options& options) : state_(std::make_unique<state>(options)) {}
traffic_generator::~traffic_generator() = default;

bool traffic_generator::next(gen_line& out) {
  auto& s = *state_;
  if (s.produced >= s.options.lines) return false;
  for (;;) {
    const event e = s.queue.top();
    s.queue.pop();
    if (e.actor == SIZE_MAX) {
      s.spawn(e.time);
      s.queue.push({e.time + s.rng.exponential(s.spawn_interval), s.order++, SIZE_MAX});
      continue;
    }
    auto& a = s.actors[e.actor];
    gen_request r;
    const double delay = s.step(a, r, out.label);
    const std::int64_t epoch = s.options.start_epoch + static_cast<std::int64_t>(e.time);
    const std::string& agent = r.agent.empty() ? a.agent : r.agent;
    out.text.clear();
    out.text += a.client;
    out.text += " - - [";
    out.text += format_time_local(epoch);
    out.text += "] \"";
    out.text += nginx_escape(r.raw.empty() ? r.method + " " + r.target + " HTTP/1.1" : r.raw);
    out.text += "\" ";
    out.text += std::to_string(r.status);
    out.text += ' ';
    out.text += std::to_string(r.bytes);
    out.text += " \"";
    out.text += r.referer.empty() ? std::string("-") : nginx_escape(r.referer);
    out.text += "\" \"";
    out.text += agent.empty() ? std::string("-") : nginx_escape(agent);
    out.text += '"';
    out.client = a.client;
    out.epoch = epoch;
    if (delay >= 0) {
      s.queue.push({e.time + delay, s.order++, e.actor});
    } else {
      s.free_slots.push_back(e.actor);
    }
    ++s.produced;
    return true;
  }
}

std::string format_time_local(std::int64_t epoch) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Howard Hinnant's civil_from_days.
  std::int64_t days = epoch / 86400;
  std::int64_t secs = epoch % 86400;
  if (secs < 0) secs += 86400, --days;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%02u/%s/%04lld:%02lld:%02lld:%02lld +0000", d, months[m - 1],
                static_cast<long long>(y), static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buffer;
}

std::string nginx_escape(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace vigil
