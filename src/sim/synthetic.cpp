#include "lifespan/sim/synthetic.hpp"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "core/settings.hpp"

namespace lifespan::sim {
namespace {

duration read_duration(config::section& s, std::string_view key) {
  const auto d = s.get<config::duration>(key, config::duration{});
  if (d < config::duration::zero()) s.report(key, "must not be negative");
  return std::chrono::duration_cast<duration>(d);
}

// Waits for `d`, or until `cancel` fires; true when the full time passed.
bool wait_for(duration d, std::stop_token cancel) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return !cv.wait_for(lock, cancel, d, [] { return false; });
}

}  // namespace

behaviour read_behaviour(config::section& s) {
  behaviour b;
  const auto kind = s.get<std::string>("criticality", "critical");
  if (auto c = parse_criticality(kind)) {
    b.criticality = *c;
  } else {
    s.report("criticality", fmt::format("unknown criticality '{}'", kind), "one of critical, ready, background, lazy");
  }
  b.required = s.get<std::vector<std::string>>("requires", {});
  b.optional = s.get<std::vector<std::string>>("optional", {});
  b.start = read_duration(s, "start");
  b.stop = read_duration(s, "stop");
  b.fail = s.get<bool>("fail", false);
  b.fail_attempts = s.get<int>("fail_attempts", 0);
  b.hang = s.get<bool>("hang", false);
  b.hang_stop = s.get<bool>("hang_stop", false);
  b.flap = read_duration(s, "flap");
  return b;
}

std::shared_ptr<std::atomic<bool>> faults::add(const std::string& name) {
  auto& flag = flags_[name];
  if (!flag) flag = std::make_shared<std::atomic<bool>>(false);
  return flag;
}

bool faults::known(std::string_view name) const { return flags_.find(std::string(name)) != flags_.end(); }

bool faults::failed(std::string_view name) const {
  const auto it = flags_.find(std::string(name));
  return it != flags_.end() && it->second->load(std::memory_order_relaxed);
}

void faults::set(std::string_view name, bool failed) {
  if (const auto it = flags_.find(std::string(name)); it != flags_.end()) it->second->store(failed);
}

synthetic::synthetic(behaviour b, std::shared_ptr<std::atomic<int>> attempts, std::shared_ptr<std::atomic<bool>> fault)
    : behaviour_(std::move(b)), attempts_(std::move(attempts)), fault_(std::move(fault)), flap_ns_(behaviour_.flap.count()) {}

void synthetic::start(context& ctx) {
  const int attempt = ++*attempts_;
  if (behaviour_.hang) {
    wait_for(std::chrono::hours(24 * 365), ctx.stop_token());
    throw std::runtime_error("start cancelled while hanging");
  }
  if (!wait_for(behaviour_.start, ctx.stop_token())) throw std::runtime_error("start cancelled");
  if (behaviour_.fail) throw std::runtime_error("synthetic failure (fail: true)");
  if (attempt <= behaviour_.fail_attempts)
    throw std::runtime_error(fmt::format("synthetic failure {} of {} (fail_attempts)", attempt, behaviour_.fail_attempts));
  up_since_ = std::chrono::steady_clock::now();
}

void synthetic::stop(time_point) {
  if (behaviour_.hang_stop) {
    std::stop_source never;
    wait_for(std::chrono::hours(24 * 365), never.get_token());
  }
  if (behaviour_.stop > duration::zero()) std::this_thread::sleep_for(behaviour_.stop);
}

std::optional<health_report> synthetic::check_health(std::stop_token) {
  if (fault_ && fault_->load()) return health_report::failed("injected fault (POST /fail/<component>)");
  const auto period = duration(flap_ns_.load());
  if (period <= duration::zero()) return health_report::ok();
  const auto phase = (std::chrono::steady_clock::now() - up_since_) / period;
  return phase % 2 == 0 ? health_report::ok() : health_report::failed("synthetic flap");
}

bool synthetic::reload(config::section& section) {
  flap_ns_ = read_duration(section, "flap").count();
  return true;
}

void register_components(service& svc, const config::document& doc, faults* f, const std::vector<std::string>& skip) {
  config::error_list errors;  // reported again, with the rest, when the service validates the document
  for (const auto& name : doc.section_names()) {
    if (std::find(detail::runtime_sections.begin(), detail::runtime_sections.end(), name) != detail::runtime_sections.end())
      continue;
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    auto section = doc.get(name, errors);
    const behaviour b = read_behaviour(section);
    auto builder = svc.add<synthetic>(name, std::make_shared<std::atomic<int>>(0), f ? f->add(name) : nullptr);
    if (f) builder.health_every(std::chrono::milliseconds(250), std::chrono::seconds(1));
    builder.criticality(b.criticality);
    for (const auto& r : b.required) builder.depends_on(r);
    for (const auto& o : b.optional) builder.optional(o);
  }
}

}  // namespace lifespan::sim
