#include "scan/scanner.hpp"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "parse/client_address.hpp"
#include "rules/analyze.hpp"
#include "scan/chunk_reader.hpp"

namespace vigil {
namespace {

// What the ordered consumer needs from each parsed line.
struct line_fact {
  std::uint64_t index;  // line number within the chunk (0-based)
  std::uint32_t client_offset, client_size;
  std::uint32_t path_offset, path_size;
  std::int64_t epoch;
  int status;
};

struct rule_alert {
  std::uint64_t index;
  std::string body;  // JSON members after "file" and "line"
};

struct chunk_result {
  std::uint64_t lines = 0;
  std::string arena;  // client and path bytes of facts
  std::vector<line_fact> facts;
  std::vector<rule_alert> alerts;
  std::vector<std::uint64_t> rule_counts;      // hits per rule
  std::vector<std::uint64_t> category_counts;  // lines per category
  std::map<std::string, std::uint64_t> crs_rule_counts;      // hits per CRS rule id
  std::map<std::string, std::uint64_t> crs_category_counts;  // lines per CRS category vigil's rules did not name
  std::uint64_t crs_alerts = 0;
};

struct chunk_job {
  std::string text;
  std::promise<std::unique_ptr<chunk_result>> done;
};

std::string json_text(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class worker_state {
 public:
  worker_state(const rule_engine& engine, const scan_options& options)
      : parser_(options.parser), matcher_(engine), trusted_(options.trusted_proxies) {
    if (options.crs) crs_.emplace(options.crs);
    matcher_.set_crs_in_force(crs_.has_value());  // `fallback` rules only without CRS
  }

  std::unique_ptr<chunk_result> run(std::string_view text, bool facts) {
    auto result = std::make_unique<chunk_result>();
    auto& rules = matcher_.matcher().rules();
    result->rule_counts.assign(rules.rules().size(), 0);
    result->category_counts.assign(rules.categories().size(), 0);
    std::size_t pos = 0;
    std::uint64_t index = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      const auto line = text.substr(pos, nl - pos);
      pos = nl + 1;
      const auto here = index++;
      if (line.empty() || (line.size() == 1 && line[0] == '\r')) continue;
      ++result->lines;
      if (!parser_.parse(line, record_)) continue;
      const auto who = resolve_client(record_, trusted_);
      record_.remote_addr = who.client;
      proxy_ = who.proxy;
      analyze(record_, matcher_.matcher(), analysis_);
      const crs::crs_result* crs = crs_ ? &crs_->detect(record_) : nullptr;
      if (crs && !crs->flagged) crs = nullptr;
      if (facts) add_fact(*result, here);
      if (analysis_.flagged() || crs) add_alert(*result, here, rules, crs);
    }
    result->lines = index;  // counted on the consumer side as text lines
    return result;
  }

  const malformed_log& malformed() const { return parser_.malformed(); }
  std::uint64_t parsed() const { return parser_.parsed(); }

 private:
  void add_fact(chunk_result& result, std::uint64_t index) {
    const auto path = record_.target.substr(0, record_.target.find('?'));
    line_fact f{index,
                static_cast<std::uint32_t>(result.arena.size()),
                static_cast<std::uint32_t>(record_.remote_addr.size()),
                0,
                static_cast<std::uint32_t>(path.size()),
                record_.epoch,
                record_.status};
    result.arena += record_.remote_addr;
    f.path_offset = static_cast<std::uint32_t>(result.arena.size());
    result.arena += path;
    result.facts.push_back(f);
  }

  void add_alert(chunk_result& result, std::uint64_t index, const rule_set& rules, const crs::crs_result* crs) {
    std::string body;
    body.reserve(256);
    body += "\"time\":" + json_text(record_.time);
    body += ",\"client\":" + json_text(record_.remote_addr);
    if (!proxy_.empty()) body += ",\"proxy\":" + json_text(proxy_);
    body += ",\"method\":" + json_text(record_.method);
    body += ",\"target\":" + json_text(record_.target);
    if (analysis_.target != record_.target) body += ",\"decoded_target\":" + json_text(analysis_.target);
    body += ",\"status\":" + std::to_string(record_.status);
    body += ",\"user_agent\":" + json_text(record_.user_agent);
    const severity level = crs ? std::max(analysis_.level, crs->level) : analysis_.level;
    body += ",\"severity\":\"" + std::string(severity_name(level)) + "\"";
    body += ",\"rules\":[";
    std::vector<std::size_t> categories;
    for (std::size_t i = 0; i < analysis_.hits.size(); ++i) {
      const auto h = analysis_.hits[i];
      ++result.rule_counts[h];
      body += (i ? ",\"" : "\"") + rules.rules()[h].id + "\"";
      const auto c = rules.category_index(h);
      if (std::find(categories.begin(), categories.end(), c) == categories.end()) categories.push_back(c);
    }
    body += "],\"categories\":[";
    for (std::size_t i = 0; i < categories.size(); ++i) ++result.category_counts[categories[i]];
    bool named = false;
    for (std::size_t i = 0; i < categories.size(); ++i) {
      body += (i ? ",\"" : "\"") + rules.categories()[categories[i]] + "\"";
      named = named || (crs && rules.categories()[categories[i]] == crs->category);
    }
    if (crs && !named) {
      body += (categories.empty() ? "\"" : ",\"") + crs->category + "\"";
      ++result.crs_category_counts[crs->category];
    }
    body += "]";
    if (crs) {
      ++result.crs_alerts;
      for (const auto& f : crs->findings) ++result.crs_rule_counts[std::to_string(f.id)];
      body += ",\"crs\":" + crs->json();
    }
    result.alerts.push_back({index, std::move(body)});
  }

  line_parser parser_;
  engine_matcher matcher_;
  std::optional<crs::crs_detector> crs_;
  address_set trusted_;
  std::string_view proxy_;  // of the line being analysed
  log_record record_;
  analysis analysis_;
};

// A fixed pool; jobs are taken in submission order.
class worker_pool {
 public:
  worker_pool(unsigned count, const rule_engine& engine, const scan_options& options, bool facts) : facts_(facts) {
    for (unsigned i = 0; i < count; ++i) states_.push_back(std::make_unique<worker_state>(engine, options));
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this, i] { loop(*states_[i]); });
  }
  ~worker_pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  std::future<std::unique_ptr<chunk_result>> submit(std::string text) {
    auto job = std::make_unique<chunk_job>();
    job->text = std::move(text);
    auto future = job->done.get_future();
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return future;
  }

  const std::vector<std::unique_ptr<worker_state>>& states() const { return states_; }

 private:
  void loop(worker_state& state) {
    for (;;) {
      std::unique_ptr<chunk_job> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      try {
        job->done.set_value(state.run(job->text, facts_));
      } catch (...) {
        job->done.set_exception(std::current_exception());
      }
    }
  }

  bool facts_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<chunk_job>> jobs_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<worker_state>> states_;
  std::vector<std::thread> threads_;
};

}  // namespace

scanner::scanner(const rule_engine& rules, scan_options options) : rules_(rules), options_(std::move(options)) {}

scan_summary scanner::scan(const std::vector<std::string>& paths, const alert_sink& sink) {
  scan_summary summary;
  const auto rules = rules_.current();
  behaviour_tracker tracker(options_.windows);
  std::vector<behaviour_alert> behaviour_alerts;
  std::vector<std::uint64_t> rule_counts(rules->rules().size(), 0);
  std::vector<std::uint64_t> category_counts(rules->categories().size(), 0);
  const unsigned threads = std::max(1u, options_.threads);
  worker_pool pool(threads, rules_, options_, options_.behaviour);

  for (const auto& path : paths) {
    std::FILE* stream = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!stream) {
      summary.errors.push_back("cannot open " + path + ": " + std::strerror(errno));
      continue;
    }
    const std::string file_json = json_text(path);
    chunk_reader reader(stream, options_.chunk_bytes, options_.parser.max_line);
    std::deque<std::future<std::unique_ptr<chunk_result>>> in_flight;
    std::uint64_t line_base = 0;
    auto consume = [&](std::unique_ptr<chunk_result> r) {
      for (std::size_t i = 0; i < r->rule_counts.size() && i < rule_counts.size(); ++i) rule_counts[i] += r->rule_counts[i];
      for (std::size_t i = 0; i < r->category_counts.size() && i < category_counts.size(); ++i)
        category_counts[i] += r->category_counts[i];
      summary.rule_alerts += r->alerts.size();
      summary.crs_alerts += r->crs_alerts;
      for (const auto& [id, n] : r->crs_rule_counts) summary.by_rule[id] += n;
      for (const auto& [c, n] : r->crs_category_counts) summary.by_category[c] += n;
      std::size_t next_alert = 0;
      auto emit_rule_alerts_until = [&](std::uint64_t index) {
        for (; next_alert < r->alerts.size() && r->alerts[next_alert].index <= index; ++next_alert) {
          if (!sink) continue;
          const auto& a = r->alerts[next_alert];
          sink("{\"type\":\"rule\",\"file\":" + file_json + ",\"line\":" + std::to_string(line_base + a.index + 1) +
               "," + a.body + "}");
        }
      };
      for (const auto& f : r->facts) {
        emit_rule_alerts_until(f.index);
        behaviour_alerts.clear();
        const std::string_view client(r->arena.data() + f.client_offset, f.client_size);
        const std::string_view target_path(r->arena.data() + f.path_offset, f.path_size);
        tracker.observe(client, f.epoch, f.status, target_path, behaviour_alerts);
        for (const auto& b : behaviour_alerts) {
          ++summary.behaviour_alerts;
          ++summary.by_behaviour[std::string(behaviour_name(b.kind))];
          if (sink)
            sink("{\"type\":\"behaviour\",\"file\":" + file_json + ",\"line\":" + std::to_string(line_base + f.index + 1) +
                 ",\"kind\":\"" + std::string(behaviour_name(b.kind)) + "\",\"client\":" + json_text(b.client) +
                 ",\"count\":" + std::to_string(b.count) + ",\"window_seconds\":" + std::to_string(b.window) + "}");
        }
      }
      emit_rule_alerts_until(UINT64_MAX);
      line_base += r->lines;
    };
    std::string chunk;
    while (reader.next(chunk)) {
      in_flight.push_back(pool.submit(std::move(chunk)));
      chunk = std::string();
      while (in_flight.size() >= 2 * threads) {
        consume(in_flight.front().get());
        in_flight.pop_front();
      }
    }
    while (!in_flight.empty()) {
      consume(in_flight.front().get());
      in_flight.pop_front();
    }
    if (reader.failed()) summary.errors.push_back("read error on " + path);
    summary.lines += line_base;
    if (stream != stdin) std::fclose(stream);
  }
  for (const auto& state : pool.states()) {
    summary.parsed += state->parsed();
    summary.malformed.merge(state->malformed());
  }
  for (std::size_t i = 0; i < rule_counts.size(); ++i) {
    if (rule_counts[i] == 0) continue;
    summary.by_rule[rules->rules()[i].id] += rule_counts[i];
  }
  for (std::size_t i = 0; i < category_counts.size(); ++i) {
    if (category_counts[i] > 0) summary.by_category[rules->categories()[i]] += category_counts[i];
  }
  summary.clients_evicted = tracker.evicted();
  return summary;
}

}  // namespace vigil
