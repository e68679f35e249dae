#pragma once
// The client's engine: one curl multi handle and the one thread that drives it.
//
// Ownership and threads: submit() (any thread) appends to `incoming` under `mutex` and wakes the
// multi handle; everything else (the multi handle, the transfers in flight and those waiting for a
// retry) belongs to the engine thread alone. Counters are atomics, read by stats() and the metrics
// collector from any thread. Callbacks run on the engine thread with no lock held.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "lifespan/http_client/client.hpp"
#include "transfer.hpp"

namespace lifespan::http_client {

struct client::engine {
  explicit engine(client::options o);
  ~engine();

  // Creates the multi handle and the thread; throws with curl's reason on failure. Once.
  void start(std::string component_name);
  submit_status submit(request r, client::callback done, std::string* why);
  void stop(detail::clock_type::time_point deadline);
  struct stats snapshot() const;

  const client::options options;
  std::string name = "http_client";  // written by start() under mutex_, before anything reads it elsewhere

  struct counters {
    std::atomic<std::uint64_t> submitted{0}, rejected{0}, completed{0}, failed{0}, retried{0},
        budget_exhausted{0}, connections_opened{0}, connections_reused{0}, callback_errors{0}, in_flight{0},
        held{0};
  } count;

 private:
  using transfer_ptr = std::unique_ptr<detail::transfer>;
  void run();
  void admit_incoming(bool& stop_requested, detail::clock_type::time_point& deadline);
  void begin_attempt(transfer_ptr t);
  void on_done(CURL* easy, CURLcode code, bool stopping);
  void schedule_retry(transfer_ptr t, duration retry_after);
  void finish(transfer_ptr t, enum outcome o, long status, std::string error);
  void abandon_all(const char* why);
  int poll_timeout_ms(bool stop_requested, detail::clock_type::time_point deadline) const;

  CURLM* multi_ = nullptr;
  std::thread thread_;

  std::mutex mutex_;
  std::vector<transfer_ptr> incoming_;  // guarded by mutex_
  bool accepting_ = false;              // guarded by mutex_
  bool stop_requested_ = false;         // guarded by mutex_
  detail::clock_type::time_point deadline_{};         // guarded by mutex_

  // Engine thread only.
  std::unordered_map<CURL*, transfer_ptr> active_;
  std::multimap<detail::clock_type::time_point, transfer_ptr> waiting_;  // retries by due time
  std::size_t retrying_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace lifespan::http_client
