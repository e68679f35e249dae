#include "features/features.hpp"

#include "crs/detector.hpp"

#include <algorithm>
#include <cmath>

namespace vigil {

const std::array<std::string_view, feature_count> feature_names{
    "target_length",          // 0 bytes of the normalised target
    "path_length",            // 1 bytes before '?'
    "query_length",           // 2 bytes after '?'
    "query_params",           // 3 number of '&'-separated parameters
    "path_depth",             // 4 number of '/' in the path
    "target_entropy",         // 5 bits per byte of the normalised target
    "digit_ratio",            // 6 share of digits in the target
    "alpha_ratio",            // 7 share of letters
    "upper_ratio",            // 8 share of upper-case letters
    "special_ratio",          // 9 share of bytes that are neither alphanumeric nor '/', '.', '-', '_'
    "non_ascii",              // 10 bytes >= 0x80 or < 0x20 in the normalised target
    "raw_percent_escapes",    // 11 '%' in the target as logged
    "encoding_depth",         // 12 URL-decoding passes that changed the target
    "quote_count",            // 13 ' and "
    "angle_count",            // 14 < and >
    "paren_count",            // 15 ( and )
    "shell_meta_count",       // 16 ; | ` $
    "dot_dot_count",          // 17 occurrences of ".."
    "space_count",            // 18 spaces after decoding
    "agent_length",           // 19
    "agent_class",            // 20 agent_class code (0 empty .. 5 other)
    "referer_length",         // 21
    "has_referer",            // 22 0/1
    "method",                 // 23 method_code
    "protocol",               // 24 0 none, 1 HTTP/1.0, 2 HTTP/1.1, 3 HTTP/2+, 4 other
    "status",                 // 25 HTTP status as logged
    "status_class",           // 26 status / 100
    "log_bytes_sent",         // 27 ln(1 + body bytes), 0 when unknown
    "request_time",           // 28 seconds, 0 when unknown
    "rule_hits",              // 29 number of distinct rules that matched
    "max_severity",           // 30 0 none .. 4 critical
    "hits_sqli",              // 31 rules hit per category
    "hits_xss",               // 32
    "hits_traversal",         // 33
    "hits_cmdi",              // 34
    "hits_scanner",           // 35
    "hits_sensitive_file",    // 36
    "hits_log4shell",         // 37
    "hits_shellshock",        // 38
    "hits_protocol",          // 39
    "hits_other",             // 40
    "crs_anomaly_score",      // 41 CRS inbound anomaly score, also below the threshold; 0 without CRS
    "crs_rules",              // 42 CRS detection rules that matched
    "crs_sqli",               // 43 CRS rules matched per family (crs::crs_families)
    "crs_xss",                // 44
    "crs_rce",                // 45
    "crs_lfi",                // 46
    "crs_rfi",                // 47
    "crs_php",                // 48
    "crs_protocol",           // 49
    "crs_scanner",            // 50
    "crs_other",              // 51
};

namespace {
bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
  for (auto n : needles) {
    if (text.find(n) != std::string_view::npos) return true;
  }
  return false;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

agent_class classify_agent(std::string_view user_agent) {
  if (user_agent.empty()) return agent_class::empty;
  const auto ua = lower(user_agent.substr(0, 512));
  if (contains_any(ua, {"sqlmap", "nikto", "nmap", "masscan", "zgrab", "gobuster", "dirbuster", "wpscan", "nuclei",
                        "acunetix", "netsparker", "w3af", "openvas", "nessus", "ffuf", "feroxbuster", "whatweb",
                        "zmeu", "arachni", "skipfish", "commix", "havij", "wfuzz", "hydra", "jndi", "() {"}))
    return agent_class::scanner;
  if (contains_any(ua, {"bot", "crawler", "spider", "slurp", "facebookexternalhit", "feedfetcher"}))
    return agent_class::crawler;
  if (contains_any(ua, {"curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "okhttp", "java/",
                        "libwww-perl", "axios", "node-fetch", "httpie", "postmanruntime", "apache-httpclient"}))
    return agent_class::tool;
  if (ua.starts_with("mozilla/") || ua.starts_with("opera/")) return agent_class::browser;
  return agent_class::other;
}

std::string_view agent_class_name(agent_class c) {
  switch (c) {
    case agent_class::empty: return "empty";
    case agent_class::browser: return "browser";
    case agent_class::crawler: return "crawler";
    case agent_class::tool: return "tool";
    case agent_class::scanner: return "scanner";
    case agent_class::other: return "other";
  }
  return "other";
}

int method_code(std::string_view m) {
  if (m.empty()) return 8;
  static constexpr std::array<std::string_view, 7> known{"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"};
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (known[i] == m) return static_cast<int>(i);
  }
  return 7;
}

float shannon_entropy(std::string_view text) {
  if (text.empty()) return 0.f;
  std::array<std::uint32_t, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(text.size());
  for (auto k : counts) {
    if (k == 0) continue;
    const double p = k / n;
    h -= p * std::log2(p);
  }
  return static_cast<float>(h);
}

feature_vector extract_features(const log_record& record, const analysis& result, const rule_set& rules,
                                const crs::crs_result* crs) {
  feature_vector f{};
  const std::string_view target = result.target;
  const auto q = target.find('?');
  const auto path = target.substr(0, q);
  const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  float digits = 0, alpha = 0, upper = 0, special = 0, non_ascii = 0, quotes = 0, angles = 0, parens = 0,
        shell = 0, spaces = 0;
  for (unsigned char c : target) {
    if (c >= '0' && c <= '9') ++digits;
    else if ((c >= 'a' && c <= 'z')) ++alpha;
    else if (c >= 'A' && c <= 'Z') ++alpha, ++upper;
    else if (c != '/' && c != '.' && c != '-' && c != '_') ++special;
    if (c >= 0x80 || c < 0x20) ++non_ascii;
    if (c == '\'' || c == '"') ++quotes;
    if (c == '<' || c == '>') ++angles;
    if (c == '(' || c == ')') ++parens;
    if (c == ';' || c == '|' || c == '`' || c == '$') ++shell;
    if (c == ' ') ++spaces;
  }
  const float n = std::max<float>(1.f, static_cast<float>(target.size()));
  std::size_t dotdot = 0;
  for (auto p = target.find(".."); p != std::string_view::npos; p = target.find("..", p + 2)) ++dotdot;
  f[0] = static_cast<float>(target.size());
  f[1] = static_cast<float>(path.size());
  f[2] = static_cast<float>(query.size());
  f[3] = query.empty() ? 0.f : static_cast<float>(std::count(query.begin(), query.end(), '&') + 1);
  f[4] = static_cast<float>(std::count(path.begin(), path.end(), '/'));
  f[5] = shannon_entropy(target);
  f[6] = digits / n;
  f[7] = alpha / n;
  f[8] = upper / n;
  f[9] = special / n;
  f[10] = non_ascii;
  f[11] = static_cast<float>(std::count(record.target.begin(), record.target.end(), '%'));
  f[12] = static_cast<float>(result.encoding_depth);
  f[13] = quotes;
  f[14] = angles;
  f[15] = parens;
  f[16] = shell;
  f[17] = static_cast<float>(dotdot);
  f[18] = spaces;
  f[19] = static_cast<float>(result.user_agent.size());
  f[20] = static_cast<float>(classify_agent(result.user_agent));
  f[21] = static_cast<float>(result.referer.size());
  f[22] = result.referer.empty() ? 0.f : 1.f;
  f[23] = static_cast<float>(method_code(record.method));
  const auto proto = record.protocol;
  f[24] = proto.empty() ? 0.f : proto == "HTTP/1.0" ? 1.f : proto == "HTTP/1.1" ? 2.f : proto.starts_with("HTTP/") ? 3.f : 4.f;
  f[25] = static_cast<float>(record.status);
  f[26] = static_cast<float>(record.status / 100);
  f[27] = record.body_bytes > 0 ? static_cast<float>(std::log1p(static_cast<double>(record.body_bytes))) : 0.f;
  f[28] = record.request_time > 0 ? static_cast<float>(record.request_time) : 0.f;
  f[29] = static_cast<float>(result.hits.size());
  f[30] = static_cast<float>(result.level);
  for (auto h : result.hits) {
    const auto& category = rules.categories()[rules.category_index(h)];
    std::size_t slot = feature_categories.size();
    for (std::size_t i = 0; i < feature_categories.size(); ++i) {
      if (feature_categories[i] == category) slot = i;
    }
    f[31 + slot] += 1.f;
  }
  if (crs) {
    f[41] = static_cast<float>(crs->score);
    float matched = 0;
    for (std::size_t i = 0; i < crs->family_hits.size(); ++i) {
      f[43 + i] = crs->family_hits[i];
      matched += crs->family_hits[i];
    }
    f[42] = matched;
  }
  return f;
}

}  // namespace vigil
