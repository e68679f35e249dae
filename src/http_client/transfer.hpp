#pragma once
// One accepted request inside the client: the request, its callback, and the curl easy handle that
// carries its attempts. Owned by the engine; touched only on the engine's thread after submit().
#include <array>
#include <chrono>
#include <cstddef>
#include <string>

#include <curl/curl.h>

#include "lifespan/http_client/client.hpp"

namespace lifespan::http_client::detail {

using clock_type = std::chrono::steady_clock;

struct transfer {
  transfer(request r, client::callback done, std::string shown_url, const client::options& o);
  ~transfer();
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;

  // Creates (first attempt) or rewinds the easy handle for the next attempt. Returns a message when
  // curl refuses an option (then the request is failed without an attempt).
  std::string prepare(const client::options& o);
  // What the last attempt got, read after curl reported it done.
  struct attempt_result {
    CURLcode code = CURLE_OK;
    long status = 0;
    long new_connections = 0;
    duration retry_after{};
    std::string cause;  // empty when a response arrived and the body fit
  };
  attempt_result finish_attempt(CURLcode code);
  bool connected() const;  // the last attempt got as far as sending its request

  request req;
  client::callback done;
  std::string shown_url;  // display_url(): no credentials, no query
  clock_type::time_point submitted = clock_type::now();
  clock_type::time_point retry_at{};
  int attempts = 0;
  int max_attempts = 1;
  bool retrying = false;  // counted by the retry budget
  std::string last_cause; // what the attempt before a pending retry got ("HTTP 503", "timed out ...")

  // The current attempt's response, filled by curl's callbacks on the engine thread.
  CURL* easy = nullptr;
  curl_slist* request_headers = nullptr;
  std::size_t body_limit = 0;
  bool body_overflow = false;
  long status = 0;
  std::string body;
  http_client::header_list headers;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

}  // namespace lifespan::http_client::detail
