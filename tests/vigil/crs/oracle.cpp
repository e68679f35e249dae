// libmodsecurity3 + CRS on one replayed log line. The choices (client address, headers, escaping,
// DetectionOnly) are explained in oracle.hpp; this file only carries them out.
#include "vigil/crs/oracle.hpp"

#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <stdexcept>

namespace vigil::testing {
namespace {

constexpr const char* client_address = "192.0.2.1";
constexpr int client_port = 40000;
constexpr const char* server_address = "192.0.2.2";
constexpr int server_port = 80;
constexpr int blocking_rule = 949110;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The REQUEST-9*.conf files in name order, which is CRS's intended evaluation order (901 initialises,
// 949 evaluates the score last).
std::vector<std::string> request_rule_files(const std::string& rules_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(rules_dir, ec);
  if (ec) throw std::runtime_error("crs_oracle: cannot list " + rules_dir + ": " + ec.message());
  std::vector<std::string> files;
  for (const auto& entry : it) {
    const auto name = entry.path().filename().string();
    if (name.rfind("REQUEST-9", 0) == 0 && entry.path().extension() == ".conf") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error("crs_oracle: no REQUEST-9*.conf in " + rules_dir);
  return files;
}

// "HTTP/1.1" -> "1.1"; "" (HTTP/0.9) -> "0.9"; anything else unchanged.
void http_version(std::string_view protocol, std::string& out) {
  constexpr std::string_view prefix = "HTTP/";
  if (protocol.empty()) {
    out = "0.9";
  } else if (protocol.substr(0, prefix.size()) == prefix) {
    out.assign(protocol.substr(prefix.size()));
  } else {
    out.assign(protocol);
  }
}

// Keeps the first occurrence of every id. A rule that matches several variables logs one message in
// libmodsecurity 3.0.9, but a chain or a multiMatch rule may log more than one; the score counts every
// match regardless (see the report in oracle_test.cpp).
void append_unique(std::vector<int>& ids, int id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

}  // namespace

void unescape_nginx_log(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\\' && i + 3 < in.size() && in[i + 1] == 'x') {
      const int hi = hex_digit(in[i + 2]);
      const int lo = hex_digit(in[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
        continue;
      }
    }
    out += in[i];
  }
}

crs_oracle::crs_oracle(const std::string& rules_dir, const std::string& setup_conf, int paranoia_level,
                       int anomaly_threshold, const std::vector<std::string>& extra)
    : engine_(std::make_unique<modsecurity::ModSecurity>()), rules_(std::make_unique<modsecurity::RulesSet>()) {
  if (paranoia_level < 1 || paranoia_level > 4) throw std::runtime_error("crs_oracle: paranoia level must be 1..4");
  if (anomaly_threshold < 1) throw std::runtime_error("crs_oracle: anomaly threshold must be >= 1");
  if (!std::filesystem::is_regular_file(setup_conf))
    throw std::runtime_error("crs_oracle: no CRS setup file " + setup_conf);
  // Without a callback libmodsecurity writes every match to stderr; RuleMessageLogProperty makes it
  // hand over the RuleMessage (which we ignore: the transaction keeps its own list).
  engine_->setServerLogCb([](void*, const void*) {}, modsecurity::RuleMessageLogProperty);

  // One load() so SecDefaultAction (crs-setup.conf) and the rules share one parser; Include keeps each
  // file's directory as the base for the relative @pmFromFile .data paths.
  std::string& c = configuration_;
  c += "SecRuleEngine DetectionOnly\n";
  // On although there is no body: libmodsecurity 3.0.9's processRequestBody() returns before
  // evaluating phase 2 when request body access is Off, which would skip most of CRS and the scoring.
  c += "SecRequestBodyAccess On\n";
  c += "SecResponseBodyAccess Off\n";
  c += "SecAuditEngine Off\n";
  c += "SecDebugLogLevel 0\n";
  c += "Include \"" + setup_conf + "\"\n";
  c += "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=" +
       std::to_string(paranoia_level) + "\"\n";
  c += "SecAction \"id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=" +
       std::to_string(anomaly_threshold) + ",setvar:tx.outbound_anomaly_score_threshold=4\"\n";
  for (const auto& directive : extra) c += directive + "\n";
  for (const auto& file : request_rule_files(rules_dir)) c += "Include \"" + file + "\"\n";
  if (rules_->load(c.c_str()) < 0)
    throw std::runtime_error("crs_oracle: libmodsecurity rejected the rules: " + rules_->getParserError());
}

crs_oracle::~crs_oracle() = default;

oracle_verdict crs_oracle::evaluate(const oracle_request& request) {
  unescape_nginx_log(request.method, method_);
  unescape_nginx_log(request.target, target_);
  http_version(request.protocol, version_);
  unescape_nginx_log(request.host, host_);
  unescape_nginx_log(request.user_agent, user_agent_);
  unescape_nginx_log(request.referer, referer_);

  modsecurity::Transaction t(engine_.get(), rules_.get(), nullptr);
  t.processConnection(client_address, client_port, server_address, server_port);
  t.processURI(target_.c_str(), method_.c_str(), version_.c_str());
  if (!request.host.empty()) t.addRequestHeader("Host", host_);
  if (!request.user_agent.empty()) t.addRequestHeader("User-Agent", user_agent_);
  if (!request.referer.empty()) t.addRequestHeader("Referer", referer_);
  t.processRequestHeaders();
  t.processRequestBody();

  oracle_verdict v;
  for (const auto& message : t.m_rulesMessages) {
    const int id = message.m_ruleId;
    if (id == blocking_rule) {
      v.flagged = true;
    } else if (id > 0 && (id < 980000 || id > 980999)) {
      append_unique(v.rule_ids, id);
    }
  }
  if (const auto score = t.m_collections.m_tx_collection->resolveFirst("anomaly_score")) {
    std::from_chars(score->data(), score->data() + score->size(), v.anomaly_score);
  }
  return v;
}

}  // namespace vigil::testing
