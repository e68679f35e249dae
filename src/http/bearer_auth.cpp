// Bearer tokens: read (inline or from a file) and reduced to SHA-256 digests at configuration time,
// loaded into the shared token set by start(), checked by the guards in constant time.
#include "lifespan/http/bearer_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "lifespan/http/message.hpp"

namespace lifespan::http {

namespace detail {

struct token_set {
  std::string realm;
  mutable std::mutex mutex;
  std::shared_ptr<const bearer_auth::options> loaded;  // null until the component started

  std::shared_ptr<const bearer_auth::options> current() const {
    std::lock_guard lock(mutex);
    return loaded;
  }
};

}  // namespace detail

namespace {

constexpr std::size_t digest_size = 32;

std::string sha256(std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), out, &size, EVP_sha256(), nullptr) != 1 || size != digest_size)
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  return {reinterpret_cast<const char*>(out), size};
}

// Equal-length digests, so the comparison's time depends on neither token's content nor length.
bool same(const std::string& presented_digest, const std::string& expected_digest) {
  return expected_digest.size() == digest_size && presented_digest.size() == digest_size &&
         CRYPTO_memcmp(presented_digest.data(), expected_digest.data(), digest_size) == 0;
}

std::string trimmed(std::string text) {
  const auto end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = text.find_first_not_of(" \t");
  return begin == std::string::npos ? std::string{} : text.substr(begin);
}

// One token from `key` or `key_file` (never both); its digest, or empty when neither is set. The
// token itself never appears in an error.
std::string read_token(config::section& s, const std::string& key) {
  const auto inline_token = s.find<std::string>(key);
  const auto file = s.find<std::string>(key + "_file");
  if (inline_token && file) {
    s.report(key, fmt::format("is given twice, inline and as {}_file", key), "keep one of the two");
    return {};
  }
  std::string token;
  if (inline_token) {
    token = trimmed(*inline_token);
    if (token.empty()) s.report(key, "is empty", "remove the key to leave these endpoints open, or give a token");
  } else if (file) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      s.report(key + "_file", fmt::format("cannot read '{}'", *file), "give a readable file holding the token");
      return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    token = trimmed(text.str());
    if (token.empty()) s.report(key + "_file", fmt::format("'{}' is empty", *file), "write the token into it");
  }
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    s.report(inline_token ? key : key + "_file", "the token contains whitespace", "a bearer token is one word");
  return token.empty() ? std::string{} : sha256(token);
}

// The presented token: `Authorization: Bearer <token>` (scheme case-insensitive), else, where
// allowed, ?access_token=.
std::optional<std::string> presented(const request& req, bool query_parameter) {
  if (auto h = req.header("authorization")) {
    std::string_view v = *h;
    constexpr std::string_view scheme = "bearer ";
    if (v.size() > scheme.size()) {
      bool match = true;
      for (std::size_t i = 0; i < scheme.size(); ++i)
        match = match && static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))) == scheme[i];
      if (match) return trimmed(std::string(v.substr(scheme.size())));
    }
    return std::nullopt;  // another scheme: no fallback to the query, the client meant this header
  }
  if (query_parameter) return req.query("access_token");
  return std::nullopt;
}

response unauthorized(const std::string& realm) {
  auto r = response::error(status::unauthorized, "unauthorized", "this endpoint requires a valid bearer token");
  r.set("WWW-Authenticate", fmt::format("Bearer realm=\"{}\"", realm));
  return r;
}

response not_loaded() {
  auto r = response::error(status::service_unavailable, "unavailable", "authentication is starting");
  r.set("Retry-After", "1");
  return r;
}

}  // namespace

bearer_auth::options bearer_auth::read_options(config::section& section) {
  options o;
  o.api_digest = read_token(section, "token");
  o.probes_digest = read_token(section, "probes_token");
  return o;
}

bearer_auth::bearer_auth(options o, std::shared_ptr<detail::token_set> tokens)
    : options_(std::move(o)), tokens_(std::move(tokens)) {}

void bearer_auth::start(context& ctx) {
  spdlog::info("{}: the API {}; probes and /metrics {}", ctx.name(),
               options_.api_digest.empty() ? "is open (no auth.token)" : "requires a bearer token",
               options_.probes_digest.empty() ? "are open" : "require a bearer token");
  auto loaded = std::make_shared<const options>(options_);
  std::lock_guard lock(tokens_->mutex);
  tokens_->loaded = std::move(loaded);
}

guard bearer_guards::api(bool query_parameter) const {
  return [tokens = tokens_, query_parameter](const request& req) -> std::optional<response> {
    const auto current = tokens->current();
    if (!current) return not_loaded();
    if (current->api_digest.empty()) return std::nullopt;
    const auto token = presented(req, query_parameter);
    if (token && !token->empty() && same(sha256(*token), current->api_digest)) return std::nullopt;
    return unauthorized(tokens->realm);
  };
}

guard bearer_guards::probes() const {
  return [tokens = tokens_](const request& req) -> std::optional<response> {
    const auto current = tokens->current();
    if (!current) return not_loaded();
    if (current->probes_digest.empty()) return std::nullopt;
    const auto token = presented(req, false);
    if (token && !token->empty()) {
      const auto digest = sha256(*token);
      // Both comparisons always run: which token matched does not show in the time either.
      const bool probes = same(digest, current->probes_digest);
      const bool api = !current->api_digest.empty() && same(digest, current->api_digest);
      if (probes || api) return std::nullopt;
    }
    return unauthorized(tokens->realm);
  };
}

bearer_guards add_bearer_auth(service& svc, std::string name) {
  auto tokens = std::make_shared<detail::token_set>();
  tokens->realm = svc.name();
  svc.add<bearer_auth>(std::move(name), tokens).critical();
  return bearer_guards(std::move(tokens));
}

}  // namespace lifespan::http
