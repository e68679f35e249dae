#include "service/pipeline.hpp"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <optional>

#include "lifespan/metrics/registry.hpp"
#include "parse/client_address.hpp"
#include "rules/analyze.hpp"
#include "service/alert_store.hpp"
#include "service/rules_component.hpp"

namespace vigil::service {

// A line's data kept for the scoring stage (hybrid mode only).
struct candidate {
  feature_vector features;
  std::int64_t alert_index = -1;  // the line's rule alert in the batch, or -1
  alert prototype;                // filled only when alert_index < 0
};

struct pipeline::analyzed_batch {
  position_mark mark;
  std::vector<alert> alerts;
  std::vector<candidate> candidates;
  std::uint64_t lines = 0;
  std::chrono::steady_clock::time_point read_at;
};

struct pipeline::metrics {
  explicit metrics(prometheus::Registry& r)
      : depth(prometheus::BuildGauge().Name("vigil_pipeline_queue_depth").Help("Batches waiting in each pipeline queue").Register(r)),
        lines(prometheus::BuildCounter().Name("vigil_pipeline_lines_total").Help("Lines through each pipeline stage").Register(r)),
        alerts(prometheus::BuildCounter().Name("vigil_alerts_stored_total").Help("New alerts stored").Register(r)),
        malformed(prometheus::BuildCounter().Name("vigil_lines_malformed_total").Help("Lines that did not parse").Register(r)),
        errors(prometheus::BuildCounter().Name("vigil_store_errors_total").Help("Failed alert store transactions (retried)").Register(r)),
        latency(prometheus::BuildHistogram().Name("vigil_alert_latency_seconds").Help("From a batch read to its alerts stored").Register(r)),
        raw_depth(depth.Add({{"queue", "raw"}})),
        analyzed_depth(depth.Add({{"queue", "analyzed"}})),
        scored_depth(depth.Add({{"queue", "scored"}})),
        read(lines.Add({{"stage", "read"}})),
        analyzed(lines.Add({{"stage", "analyzed"}})),
        stored(lines.Add({{"stage", "stored"}})),
        alerts_new(alerts.Add({})),
        malformed_lines(malformed.Add({})),
        store_errors(errors.Add({})),
        commit_latency(latency.Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                               0.1, 0.25, 0.5, 1, 2.5, 5})) {}
  prometheus::Family<prometheus::Gauge>& depth;
  prometheus::Family<prometheus::Counter>& lines;
  prometheus::Family<prometheus::Counter>& alerts;
  prometheus::Family<prometheus::Counter>& malformed;
  prometheus::Family<prometheus::Counter>& errors;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge &raw_depth, &analyzed_depth, &scored_depth;
  prometheus::Counter &read, &analyzed, &stored, &alerts_new, &malformed_lines, &store_errors;
  prometheus::Histogram& commit_latency;
};

// Alert text goes to databases (PostgreSQL rejects invalid UTF-8 and NUL) and to JSON: bytes that are
// not valid UTF-8, and control characters, become \xHH, so a hostile line cannot make a write fail
// forever (which would stall the pipeline) nor an API answer fail.
namespace {
std::string utf8_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto escape = [&](unsigned char c) { out += fmt::format("\\x{:02x}", c); };
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c == 0x7f) {
      escape(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = n > 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);  // overlong, beyond U+10FFFF
    }
    if (!ok) {
      escape(c);
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}
}  // namespace

namespace {

// pipeline.behaviour_windows: {not_found: {threshold, window}, failed_logins: {threshold, window,
// paths, statuses}, flood: {threshold, window}}; windows are durations of whole seconds.
void read_windows(lifespan::config::section s, behaviour_options& w) {
  if (!s.exists()) return;
  auto detector = [&s](const char* name, std::uint32_t& threshold, std::int64_t& window) {
    auto d = s.child(name);
    if (!d.exists()) return;
    const auto t = d.get<std::int64_t>("threshold", threshold);
    if (t < 1 || t > 1'000'000'000) d.report("threshold", "must be between 1 and 1000000000", "events per window");
    else threshold = static_cast<std::uint32_t>(t);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                             d.get<lifespan::duration>("window", std::chrono::seconds(window)))
                             .count();
    if (seconds < 1) d.report("window", "must be at least 1s", "for example 60s or 5m");
    else window = seconds;
  };
  detector("not_found", w.not_found_threshold, w.not_found_window);
  detector("failed_logins", w.failed_login_threshold, w.failed_login_window);
  detector("flood", w.flood_threshold, w.flood_window);
  if (auto f = s.child("failed_logins"); f.exists()) {
    w.auth_paths = f.get<std::vector<std::string>>("paths", w.auth_paths);
    if (auto statuses = f.find<std::vector<std::string>>("statuses")) {
      w.failed_login_statuses.clear();
      for (const auto& text : *statuses) {
        int status = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), status);
        if (ec != std::errc() || end != text.data() + text.size() || status < 100 || status > 599)
          f.report("statuses", "'" + text + "' is not an HTTP status", "for example [401, 403]");
        else w.failed_login_statuses.push_back(status);
      }
    }
  }
}

}  // namespace

pipeline::options pipeline::read_options(lifespan::config::section& s) {
  options o;
  o.parser.format = s.get<std::string>("format", o.parser.format);
  try {
    line_parser probe(o.parser);
  } catch (const std::exception& e) {
    s.report("format", e.what(), "use combined, json, or an nginx log_format string");
  }
  o.parser.max_line = static_cast<std::size_t>(s.get<std::int64_t>("max_line", static_cast<std::int64_t>(o.parser.max_line)));
  o.behaviour = s.get<bool>("behaviour", o.behaviour);
  const auto clients = s.get<std::int64_t>("behaviour_max_clients", static_cast<std::int64_t>(o.windows.max_clients));
  if (clients < 1 || clients > 100'000'000)
    s.report("behaviour_max_clients", "must be between 1 and 100000000",
             "100000 (about 20 MB); the least recently seen client is forgotten beyond it");
  else o.windows.max_clients = static_cast<std::size_t>(clients);
  read_windows(s.child("behaviour_windows"), o.windows);
  const auto capacity = s.get<std::int64_t>("queue_capacity", static_cast<std::int64_t>(o.queue_capacity));
  if (capacity < 1 || capacity > 100000) s.report("queue_capacity", "must be between 1 and 100000", "64 suits most hosts");
  else o.queue_capacity = static_cast<std::size_t>(capacity);
  const auto commit = s.get<std::int64_t>("max_commit_lines", static_cast<std::int64_t>(o.max_commit_lines));
  if (commit < 1) s.report("max_commit_lines", "must be at least 1", "20000 keeps transactions short");
  else o.max_commit_lines = static_cast<std::size_t>(commit);
  o.trusted_proxies = s.get<std::vector<std::string>>("trusted_proxies", o.trusted_proxies);
  try {
    address_set check(o.trusted_proxies);
  } catch (const std::exception& e) {
    s.report("trusted_proxies", e.what(), "list CIDRs, e.g. [10.0.0.0/8, 2001:db8::/32]");
  }
  o.retry_initial = s.get<lifespan::duration>("retry_initial", o.retry_initial);
  o.retry_max = s.get<lifespan::duration>("retry_max", o.retry_max);
  o.commit_delay = s.get<lifespan::duration>("commit_delay", o.commit_delay);
  return o;
}

pipeline::pipeline(options o, lifespan::service* svc) : options_(std::move(o)), svc_(svc) {}

pipeline::~pipeline() { stop({}); }

void pipeline::start(lifespan::context& ctx) {
  rules_ = &ctx.get<rules_component>();
  store_ = &ctx.get<alert_store>();
  if (svc_) metrics_ = std::make_unique<metrics>(lifespan::metrics::of(*svc_).families());
  raw_ = std::make_unique<bounded_queue<raw_batch>>(options_.queue_capacity);
  analyzed_ = std::make_unique<bounded_queue<analyzed_batch>>(options_.queue_capacity);
  scored_ = std::make_unique<bounded_queue<analyzed_batch>>(options_.queue_capacity);
  store_thread_ = std::thread([this] { store_loop(); });
  score_thread_ = std::thread([this] { score_loop(); });
  analyze_thread_ = std::thread([this] { analyze_loop(); });
}

void pipeline::stop(lifespan::time_point deadline) {
  if (!raw_) return;
  give_up_at_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  stopping_.store(true, std::memory_order_release);
  raw_->close();  // each stage closes the next queue once its input is exhausted
  if (analyze_thread_.joinable()) analyze_thread_.join();
  if (score_thread_.joinable()) score_thread_.join();
  if (store_thread_.joinable()) store_thread_.join();
  committed_.notify_all();
}

bool pipeline::submit(raw_batch batch, std::stop_token stop) {
  if (!raw_) return false;
  const auto lines = static_cast<std::uint64_t>(std::count(batch.text.begin(), batch.text.end(), '\n'));
  if (!raw_->push(std::move(batch), stop)) return false;
  lines_read_.fetch_add(lines, std::memory_order_relaxed);
  if (metrics_) {
    metrics_->read.Increment(static_cast<double>(lines));
    metrics_->raw_depth.Set(static_cast<double>(raw_->depth()));
  }
  return true;
}

void pipeline::set_scorer(std::shared_ptr<scorer> s) { scorer_.store(std::move(s)); }

std::string pipeline::mode() const {
  const auto s = scorer_.load();
  return s && s->available() ? "hybrid" : "rules";
}

void pipeline::analyze_loop() {
  line_parser parser(options_.parser);
  engine_matcher matcher(rules_->engine());
  behaviour_tracker tracker(options_.windows);
  log_record record;
  analysis result;
  std::vector<behaviour_alert> behaviour;
  std::uint64_t malformed_seen = 0;
  std::shared_ptr<const crs::crs_rules> crs_rules;
  std::optional<crs::crs_detector> crs;
  const address_set trusted(options_.trusted_proxies);
  while (auto batch = raw_->pop()) {
    if (metrics_) metrics_->raw_depth.Set(static_cast<double>(raw_->depth()));
    matcher.refresh();  // between batches: a line is matched against exactly one rule set
    const auto allowed = rules_->allowed_clients();  // rules.allow_clients: never alerted on
    if (auto now = rules_->crs(); now != crs_rules) {  // the same for CRS
      crs_rules = std::move(now);
      crs.reset();
      if (crs_rules) crs.emplace(crs_rules);
    }
    matcher.set_crs_in_force(crs.has_value());  // `fallback` rules only without CRS
    const auto& rules = matcher.matcher().rules();
    const auto model = scorer_.load();
    const bool hybrid = model && model->available();
    const std::string mode = hybrid ? "hybrid" : "rules";
    analyzed_batch out;
    out.mark = {batch->file, batch->end, batch->retire};
    out.read_at = batch->read_at;
    const std::string_view text = batch->text;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      auto line = text.substr(pos, nl - pos);
      const std::uint64_t offset = batch->begin + pos;
      pos = nl + 1;
      ++out.lines;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || !parser.parse(line, record)) continue;
      const auto who = resolve_client(record, trusted);
      record.remote_addr = who.client;  // the rules, the windows and GeoIP see the real client
      if (allowed && allowed->contains(record.remote_addr)) continue;
      analyze(record, matcher.matcher(), result);
      const crs::crs_result* crs_verdict = crs ? &crs->detect(record) : nullptr;
      const crs::crs_result* crs_found = crs_verdict && crs_verdict->flagged ? crs_verdict : nullptr;
      const std::string line_key = batch->file->key + ":" + std::to_string(offset);
      auto make = [&](std::string kind) {
        alert a;
        a.key = line_key + ":" + kind;
        a.kind = std::move(kind);
        a.time = record.epoch;
        a.client = utf8_text(record.remote_addr);
        a.proxy = utf8_text(who.proxy);
        a.method = utf8_text(record.method);
        a.path = utf8_text(record.target);
        a.status = record.status;
        a.user_agent = utf8_text(record.user_agent);
        a.mode = mode;
        a.file = batch->file->path;
        a.offset = offset;
        return a;
      };
      std::int64_t rule_alert = -1;
      if (result.flagged() || crs_found) {
        alert a = make("rule");
        a.level = result.level;
        auto add_category = [&a](const std::string& category) {
          if (std::find(a.categories.begin(), a.categories.end(), category) == a.categories.end())
            a.categories.push_back(category);
        };
        for (auto h : result.hits) {
          a.rule_ids.push_back(rules.rules()[h].id);
          add_category(rules.categories()[rules.category_index(h)]);
        }
        if (crs_found) {
          a.level = std::max(a.level, crs_found->level);
          for (const auto& f : crs_found->findings) a.rule_ids.push_back(std::to_string(f.id));
          add_category(crs_found->category);
          a.anomaly_score = crs_found->score;
          a.crs = crs_found->json();
        }
        rule_alert = static_cast<std::int64_t>(out.alerts.size());
        out.alerts.push_back(std::move(a));
      }
      if (options_.behaviour) {
        behaviour.clear();
        tracker.observe(record.remote_addr, record.epoch, record.status,
                        record.target.substr(0, record.target.find('?')), behaviour);
        for (const auto& b : behaviour) {
          alert a = make(std::string(behaviour_name(b.kind)));
          a.client = utf8_text(b.client);
          a.level = severity::medium;
          a.categories = {a.kind};
          out.alerts.push_back(std::move(a));
        }
      }
      if (hybrid) {
        candidate c;
        c.features = extract_features(record, result, rules, crs_verdict);
        c.alert_index = rule_alert;
        if (rule_alert < 0) c.prototype = make("model");
        out.candidates.push_back(std::move(c));
      }
    }
    behaviour_tracked_.store(tracker.tracked(), std::memory_order_relaxed);
    behaviour_evicted_.store(tracker.evicted(), std::memory_order_relaxed);
    const auto bad = parser.malformed().count() - malformed_seen;
    malformed_seen = parser.malformed().count();
    malformed_.fetch_add(bad, std::memory_order_relaxed);
    lines_analyzed_.fetch_add(out.lines, std::memory_order_relaxed);
    if (metrics_) {
      metrics_->malformed_lines.Increment(static_cast<double>(bad));
      metrics_->analyzed.Increment(static_cast<double>(out.lines));
    }
    analyzed_->push(std::move(out));  // blocks while full; never closed before this loop ends
    if (metrics_) metrics_->analyzed_depth.Set(static_cast<double>(analyzed_->depth()));
  }
  analyzed_->close();
}

void pipeline::score_loop() {
  std::vector<feature_vector> rows;
  std::vector<double> scores;
  while (auto batch = analyzed_->pop()) {
    if (metrics_) metrics_->analyzed_depth.Set(static_cast<double>(analyzed_->depth()));
    if (!batch->candidates.empty()) {
      auto model = scorer_.load();
      rows.clear();
      for (const auto& c : batch->candidates) rows.push_back(c.features);
      scores.clear();
      if (model && model->score(rows, scores) && scores.size() == rows.size()) {
        std::vector<bool> vetoed(batch->alerts.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          auto& c = batch->candidates[i];
          const double score = scores[i];
          if (c.alert_index >= 0) {
            const auto index = static_cast<std::size_t>(c.alert_index);
            auto& a = batch->alerts[index];
            a.model_score = score;
            const auto d = model->decide(a.level, score);
            if (d.alert) a.level = d.level;
            else vetoed[index] = true;  // a low or medium hit the model calls benign
          } else if (const auto d = model->decide(severity::none, score); d.alert) {
            c.prototype.model_score = score;
            c.prototype.level = d.level;
            c.prototype.categories = {"model"};
            batch->alerts.push_back(std::move(c.prototype));
          }
        }
        std::size_t kept = 0, vetoes = 0;
        for (std::size_t i = 0; i < batch->alerts.size(); ++i) {
          if (i < vetoed.size() && vetoed[i]) {
            ++vetoes;
            continue;
          }
          if (kept != i) batch->alerts[kept] = std::move(batch->alerts[i]);
          ++kept;
        }
        batch->alerts.resize(kept);
        alerts_vetoed_.fetch_add(vetoes, std::memory_order_relaxed);
      } else {
        for (auto& a : batch->alerts) a.mode = "rules";  // the model went away after the batch was analysed
      }
      batch->candidates.clear();
    }
    if (auto countries = countries_.load(); countries && !batch->alerts.empty()) {
      const std::string* client = nullptr;  // a client's alerts often come together: look it up once
      std::string country;
      for (auto& a : batch->alerts) {
        if (!client || *client != a.client) country = countries->country(a.client);
        client = &a.client;
        a.country = country;
      }
    }
    scored_->push(std::move(*batch));
    if (metrics_) metrics_->scored_depth.Set(static_cast<double>(scored_->depth()));
  }
  scored_->close();
}

void pipeline::store_loop() {
  std::vector<analyzed_batch> pending;
  while (auto first = scored_->pop()) {
    pending.clear();
    std::size_t lines = first->lines;
    pending.push_back(std::move(*first));
    while (lines < options_.max_commit_lines) {
      auto more = scored_->try_pop();
      if (!more) break;
      lines += more->lines;
      pending.push_back(std::move(*more));
    }
    if (metrics_) metrics_->scored_depth.Set(static_cast<double>(scored_->depth()));
    commit(pending);
  }
}

void pipeline::commit(std::vector<analyzed_batch>& pending) {
  std::vector<alert> alerts;
  std::vector<position_mark> marks;
  std::uint64_t lines = 0;
  for (auto& b : pending) {
    lines += b.lines;
    marks.push_back(b.mark);
    for (auto& a : b.alerts) alerts.push_back(std::move(a));
  }
  if (options_.commit_delay > lifespan::duration::zero()) std::this_thread::sleep_for(options_.commit_delay);
  auto backoff = options_.retry_initial;
  std::size_t added = 0;
  for (;;) {
    try {
      added = store_->write(alerts, [&](soci::session& s) { save_positions(s, marks); });
      alerts_stored_.fetch_add(added, std::memory_order_relaxed);
      alerts_replayed_.fetch_add(alerts.size() - added, std::memory_order_relaxed);
      break;
    } catch (const std::exception& e) {
      store_errors_.fetch_add(1, std::memory_order_relaxed);
      if (metrics_) metrics_->store_errors.Increment();
      const bool give_up = stopping_.load(std::memory_order_acquire) &&
                           std::chrono::steady_clock::now().time_since_epoch().count() >=
                               give_up_at_.load(std::memory_order_relaxed);
      spdlog::error("pipeline: storing {} alerts and the positions of {} lines failed: {}; {}", alerts.size(), lines,
                    e.what(), give_up ? "giving up at the stop deadline (these lines are processed again on the next run)"
                                      : fmt::format("retrying in {} ms (reading is paused while the queues are full)",
                                                    std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count()));
      if (give_up) return;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (metrics_) {
    metrics_->stored.Increment(static_cast<double>(lines));
    for (const auto& b : pending) metrics_->commit_latency.Observe(std::chrono::duration<double>(now - b.read_at).count());
    metrics_->alerts_new.Increment(static_cast<double>(added));
  }
  {
    std::lock_guard lock(observer_mutex_);
    if (observer_) observer_(alerts, lines);
  }
  {
    std::lock_guard lock(commit_mutex_);
    lines_stored_.fetch_add(lines, std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
  }
  committed_.notify_all();
}

void pipeline::on_commit(commit_observer observer) {
  std::lock_guard lock(observer_mutex_);  // waits for a call of the previous observer in progress
  observer_ = std::move(observer);
}

pipeline_stats pipeline::stats() const {
  pipeline_stats s;
  s.lines_read = lines_read_.load();
  s.lines_analyzed = lines_analyzed_.load();
  s.alerts_vetoed = alerts_vetoed_.load();
  s.lines_stored = lines_stored_.load();
  s.malformed = malformed_.load();
  s.alerts_stored = alerts_stored_.load();
  s.alerts_replayed = alerts_replayed_.load();
  s.commits = commits_.load();
  s.store_errors = store_errors_.load();
  s.behaviour_clients = behaviour_tracked_.load();
  s.behaviour_evicted = behaviour_evicted_.load();
  if (raw_) {
    s.backpressure_waits = raw_->blocked();
    s.raw_depth = raw_->depth();
    s.analyzed_depth = analyzed_->depth();
    s.scored_depth = scored_->depth();
  }
  s.mode = mode();
  return s;
}

bool pipeline::wait_for(const std::function<bool(const pipeline_stats&)>& done, std::chrono::milliseconds timeout) {
  std::unique_lock lock(commit_mutex_);
  return committed_.wait_for(lock, timeout, [&] { return done(stats()); });
}

}  // namespace vigil::service
