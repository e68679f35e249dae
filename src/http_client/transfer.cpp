// The easy-handle side of one request: options per attempt, and the callbacks that collect the
// response (see transfer.hpp).
#include "transfer.hpp"

#include <algorithm>
#include <cctype>

#include "policy.hpp"

namespace lifespan::http_client::detail {
namespace {

long milliseconds(duration d) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<long>(std::max<std::int64_t>(ms, 1));
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const auto n = size * count;
  if (t.body.size() + n > t.body_limit) {
    t.body_overflow = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  t.body.append(data, n);
  return n;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t.headers.clear();  // a new response (after 100 Continue, say): only the last one counts
    return line.size();
  }
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    t.headers.emplace_back(std::move(name), trim(line.substr(colon + 1)));
  }
  return line.size();
}

}  // namespace

transfer::transfer(request r, client::callback d, std::string shown, const client::options& o)
    : req(std::move(r)),
      done(std::move(d)),
      shown_url(std::move(shown)),
      max_attempts(std::max(1, req.max_attempts.value_or(o.max_attempts))),
      body_limit(o.max_response_bytes) {}

transfer::~transfer() {
  if (easy) curl_easy_cleanup(easy);
  if (request_headers) curl_slist_free_all(request_headers);
}

std::string transfer::prepare(const client::options& o) {
  body.clear();
  headers.clear();
  body_overflow = false;
  status = 0;
  error_buffer[0] = '\0';
  if (easy) return {};  // same options for every attempt; curl rewinds POSTFIELDS by itself
  easy = curl_easy_init();
  if (!easy) return "curl_easy_init failed (out of memory)";
  for (const auto& [name, value] : req.headers)
    request_headers = curl_slist_append(request_headers, (name + ": " + value).c_str());
  request_headers = curl_slist_append(request_headers, "Expect:");  // no 100-continue round trip

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_PRIVATE, static_cast<void*>(this));
  set(CURLOPT_URL, req.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(req.connect_timeout.value_or(o.connect_timeout)));
  set(CURLOPT_TIMEOUT_MS, milliseconds(req.timeout.value_or(o.timeout)));
  set(CURLOPT_USERAGENT, o.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, request_headers);
  set(CURLOPT_ERRORBUFFER, error_buffer.data());
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(this));
  if (!o.ca_file.empty()) set(CURLOPT_CAINFO, o.ca_file.c_str());
  const bool has_body = !req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (req.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    set(CURLOPT_POSTFIELDS, req.body.c_str());
    if (req.method != "POST") set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (rc != CURLE_OK) return std::string("curl refused an option: ") + curl_easy_strerror(rc);
  return {};
}

bool transfer::connected() const {
  curl_off_t pretransfer = 0;  // microseconds until the request could be sent; 0 when it never could
  return curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK && pretransfer > 0;
}

transfer::attempt_result transfer::finish_attempt(CURLcode code) {
  attempt_result r;
  r.code = code;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &r.new_connections);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
    r.retry_after = std::chrono::seconds(retry_after);
  status = r.status;
  if (body_overflow) {
    r.cause = "response body larger than max_response_bytes (" + std::to_string(body_limit) + ")";
  } else if (code == CURLE_OPERATION_TIMEDOUT && !connected()) {
    // curl's own text is misleading here ("Failed to resolve host ... with timeout"): the attempt
    // either never got a connection slot or the host never accepted the connection.
    curl_off_t spent = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &spent);
    r.cause = "timed out after " + describe(std::chrono::microseconds(spent)) +
              " without a connection (the host did not accept one within connect_timeout, or every one of "
              "max_host_connections to it stayed busy)";
  } else if (code != CURLE_OK) {
    r.cause = error_buffer[0] != '\0' ? std::string(error_buffer.data()) : std::string(curl_easy_strerror(code));
  }
  return r;
}

}  // namespace lifespan::http_client::detail
