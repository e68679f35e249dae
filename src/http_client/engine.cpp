// The engine loop: admit submitted requests, drive curl, retry or call back (see engine.hpp).
#include "engine.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "policy.hpp"

namespace lifespan::http_client {

using detail::clock_type;

client::engine::engine(client::options o) : options(std::move(o)) {}

client::engine::~engine() {
  stop(clock_type::time_point{});
  if (multi_) curl_multi_cleanup(multi_);
}

void client::engine::start(std::string component_name) {
  {
    std::lock_guard lock(mutex_);
    name = std::move(component_name);
  }
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);  // once per process
  if (global != CURLE_OK)
    throw std::runtime_error(fmt::format("{}: curl_global_init failed: {}", name, curl_easy_strerror(global)));
  multi_ = curl_multi_init();
  if (!multi_) throw std::runtime_error(name + ": curl_multi_init failed (out of memory)");
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options.max_connections));
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_host_connections));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_connections));
  thread_ = std::thread([this] { run(); });  // if this throws, nothing was accepted
  std::lock_guard lock(mutex_);
  accepting_ = !stop_requested_;  // a stop() racing with start() wins
}

submit_status client::engine::submit(request r, client::callback done, std::string* why) {
  std::string problem;
  std::optional<std::string> shown;
  if (r.method.empty() || r.url.empty())
    problem = r.url.empty() ? "request without a URL" : "request without a method";
  else if (shown = detail::display_url(r.url, problem); !shown)
    problem = r.method + " refused: " + problem;
  else if (auto bad = detail::header_problem(r); !bad.empty()) {
    problem = r.method + " " + *shown + " refused: " + bad;
    shown.reset();
  }
  std::unique_lock lock(mutex_);
  auto reject = [&](submit_status s, std::string reason) {
    count.rejected.fetch_add(1, std::memory_order_relaxed);
    if (why) *why = name + ": " + reason;
    return s;
  };
  if (!shown) return reject(submit_status::invalid, std::move(problem));
  if (!accepting_)
    return reject(stop_requested_ ? submit_status::stopping : submit_status::not_running,
                  fmt::format("{} {} refused: client {}", r.method, *shown,
                              stop_requested_ ? "stopping" : "not running"));
  if (count.held.load(std::memory_order_relaxed) >= options.queue_capacity)
    return reject(submit_status::queue_full,
                  fmt::format("{} {} refused: {} requests already held (queue_capacity); the endpoints are slower "
                              "than the submissions",
                              r.method, *shown, options.queue_capacity));
  count.held.fetch_add(1, std::memory_order_relaxed);
  count.submitted.fetch_add(1, std::memory_order_relaxed);
  incoming_.push_back(std::make_unique<detail::transfer>(std::move(r), std::move(done), std::move(*shown), options));
  lock.unlock();
  curl_multi_wakeup(multi_);
  return submit_status::accepted;
}

void client::engine::stop(clock_type::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    // Transfers still running are failed a little before the deadline (a tenth of the budget, at most
    // 200 ms), so that the callbacks have run and stop() has returned by then: the runtime counts a
    // stop that returns at its deadline as overrun.
    const auto now = clock_type::now();
    const auto budget = std::max(deadline - now, duration::zero());
    const auto give_up = deadline - std::min<duration>(budget / 10, std::chrono::milliseconds(200));
    if (stop_requested_) {
      deadline_ = std::min(deadline_, give_up);  // a second stop may only hurry the first
    } else {
      stop_requested_ = true;
      deadline_ = give_up;
    }
    accepting_ = false;
  }
  if (multi_) curl_multi_wakeup(multi_);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

struct stats client::engine::snapshot() const {
  struct stats s;
  s.submitted = count.submitted.load(std::memory_order_relaxed);
  s.rejected = count.rejected.load(std::memory_order_relaxed);
  s.completed = count.completed.load(std::memory_order_relaxed);
  s.failed = count.failed.load(std::memory_order_relaxed);
  s.retried = count.retried.load(std::memory_order_relaxed);
  s.budget_exhausted = count.budget_exhausted.load(std::memory_order_relaxed);
  s.connections_opened = count.connections_opened.load(std::memory_order_relaxed);
  s.connections_reused = count.connections_reused.load(std::memory_order_relaxed);
  s.callback_errors = count.callback_errors.load(std::memory_order_relaxed);
  s.in_flight = count.in_flight.load(std::memory_order_relaxed);
  s.held = count.held.load(std::memory_order_relaxed);
  return s;
}

void client::engine::run() {
  bool stop_requested = false;
  clock_type::time_point deadline{};
  for (;;) {
    admit_incoming(stop_requested, deadline);
    if (stop_requested) {
      // No retry starts once stopping: the ones waiting end now with what their last attempt got.
      while (!waiting_.empty()) {
        auto t = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        const auto status = t->status;
        auto why = fmt::format("client stopping: retry cancelled; attempt {} got {}", t->attempts, t->last_cause);
        finish(std::move(t), outcome::stopping, status, std::move(why));
      }
      if (active_.empty()) return;
      if (clock_type::now() >= deadline) {
        abandon_all("client stopping: abandoned in flight at the stop deadline");
        return;
      }
    }
    const auto now = clock_type::now();
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      auto t = std::move(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      count.retried.fetch_add(1, std::memory_order_relaxed);
      begin_attempt(std::move(t));
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left))
      if (message->msg == CURLMSG_DONE) on_done(message->easy_handle, message->data.result, stop_requested);
    curl_multi_poll(multi_, nullptr, 0, poll_timeout_ms(stop_requested, deadline), nullptr);
  }
}

void client::engine::admit_incoming(bool& stop_requested, clock_type::time_point& deadline) {
  std::vector<transfer_ptr> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(incoming_);
    stop_requested = stop_requested_;
    deadline = deadline_;
  }
  for (auto& t : batch) begin_attempt(std::move(t));
}

void client::engine::begin_attempt(transfer_ptr t) {
  if (auto problem = t->prepare(options); !problem.empty()) {
    finish(std::move(t), outcome::transport, 0, problem);
    return;
  }
  ++t->attempts;
  CURL* easy = t->easy;
  if (const auto rc = curl_multi_add_handle(multi_, easy); rc != CURLM_OK) {
    finish(std::move(t), outcome::transport, 0, std::string("curl_multi_add_handle failed: ") + curl_multi_strerror(rc));
    return;
  }
  active_.emplace(easy, std::move(t));
  count.in_flight.fetch_add(1, std::memory_order_relaxed);
}

void client::engine::on_done(CURL* easy, CURLcode code, bool stopping) {
  auto it = active_.find(easy);
  if (it == active_.end()) return;
  auto t = std::move(it->second);
  active_.erase(it);
  curl_multi_remove_handle(multi_, easy);
  count.in_flight.fetch_sub(1, std::memory_order_relaxed);

  const auto r = t->finish_attempt(code);
  if (r.new_connections > 0)
    count.connections_opened.fetch_add(static_cast<std::uint64_t>(r.new_connections), std::memory_order_relaxed);
  else if (code == CURLE_OK)
    count.connections_reused.fetch_add(1, std::memory_order_relaxed);

  const bool got_response = code == CURLE_OK && !t->body_overflow;
  if (got_response && r.status >= 200 && r.status < 300) {
    finish(std::move(t), outcome::ok, r.status, {});
    return;
  }
  const enum outcome final_outcome = got_response ? outcome::http_error : outcome::transport;
  const std::string cause = got_response ? fmt::format("HTTP {}", r.status) : r.cause;
  const bool worth_retrying = got_response ? detail::retryable_status(r.status)
                                           : (!t->body_overflow && detail::retryable(code));
  const auto tried = fmt::format("{} attempt{}", t->attempts, t->attempts == 1 ? "" : "s");
  if (!worth_retrying) {
    finish(std::move(t), final_outcome, r.status, fmt::format("{} (not retried) after {}", cause, tried));
    return;
  }
  if (stopping) {
    finish(std::move(t), final_outcome, r.status, fmt::format("{} after {}; not retried: client stopping", cause, tried));
    return;
  }
  if (t->attempts >= t->max_attempts) {
    finish(std::move(t), final_outcome, r.status, fmt::format("{} after {}", cause, tried));
    return;
  }
  if (!t->retrying) {
    if (!detail::budget_allows(retrying_, count.held.load(std::memory_order_relaxed), options.retry_budget_percent,
                               options.retry_budget_min)) {
      count.budget_exhausted.fetch_add(1, std::memory_order_relaxed);
      finish(std::move(t), final_outcome, r.status,
             fmt::format("{} after {}; retry budget exhausted ({} requests already retrying)", cause, tried, retrying_));
      return;
    }
    t->retrying = true;
    ++retrying_;
  }
  t->last_cause = cause;
  schedule_retry(std::move(t), r.retry_after);
}

void client::engine::schedule_retry(transfer_ptr t, duration retry_after) {
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  const auto wait = detail::backoff(t->attempts + 1, options.backoff_initial, options.backoff_max, unit, retry_after,
                                    options.retry_after_max);
  t->retry_at = clock_type::now() + wait;
  const auto due = t->retry_at;
  waiting_.emplace(due, std::move(t));
}

void client::engine::finish(transfer_ptr t, enum outcome o, long status, std::string error) {
  if (t->retrying) --retrying_;
  response r;
  r.outcome = o;
  r.status = status;
  r.body = std::move(t->body);
  r.headers = std::move(t->headers);
  r.attempts = t->attempts;
  r.elapsed = clock_type::now() - t->submitted;
  if (o != outcome::ok) r.error = fmt::format("{} {}: {}", t->req.method, t->shown_url, error);
  (o == outcome::ok ? count.completed : count.failed).fetch_add(1, std::memory_order_relaxed);
  count.held.fetch_sub(1, std::memory_order_relaxed);  // before the callback: it may submit again
  auto done = std::move(t->done);
  t.reset();  // the easy handle goes before user code runs
  if (!done) return;
  try {
    done(std::move(r));
  } catch (...) {
    count.callback_errors.fetch_add(1, std::memory_order_relaxed);
  }
}

void client::engine::abandon_all(const char* why) {
  std::vector<transfer_ptr> rest;
  for (auto& [easy, t] : active_) {
    curl_multi_remove_handle(multi_, easy);
    count.in_flight.fetch_sub(1, std::memory_order_relaxed);
    rest.push_back(std::move(t));
  }
  active_.clear();
  for (auto& t : rest) {
    const auto tried = fmt::format("attempt {}", t->attempts);
    finish(std::move(t), outcome::stopping, 0, fmt::format("{} ({})", why, tried));
  }
}

int client::engine::poll_timeout_ms(bool stop_requested, clock_type::time_point deadline) const {
  const auto now = clock_type::now();
  auto until = now + std::chrono::seconds(1);
  if (!waiting_.empty()) until = std::min(until, waiting_.begin()->first);
  if (stop_requested) until = std::min(until, deadline);
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
  return static_cast<int>(std::clamp<std::int64_t>(ms, 0, 1000));
}

}  // namespace lifespan::http_client
