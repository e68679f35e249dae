#include "parse/log_format.hpp"

#include <charconv>
#include <stdexcept>

namespace vigil {
namespace {

log_variable variable_of(std::string_view name) {
  struct entry {
    std::string_view name;
    log_variable variable;
  };
  static constexpr entry table[] = {
      {"remote_addr", log_variable::remote_addr},
      {"remote_user", log_variable::remote_user},
      {"time_local", log_variable::time_local},
      {"time_iso8601", log_variable::time_iso8601},
      {"msec", log_variable::msec},
      {"request", log_variable::request},
      {"request_method", log_variable::request_method},
      {"request_uri", log_variable::request_uri},
      {"server_protocol", log_variable::server_protocol},
      {"status", log_variable::status},
      {"body_bytes_sent", log_variable::body_bytes_sent},
      {"bytes_sent", log_variable::bytes_sent},
      {"http_referer", log_variable::http_referer},
      {"http_user_agent", log_variable::http_user_agent},
      {"request_time", log_variable::request_time},
      {"host", log_variable::host},
      {"http_host", log_variable::host},
      {"http_x_forwarded_for", log_variable::http_x_forwarded_for},
      {"proxy_add_x_forwarded_for", log_variable::http_x_forwarded_for},
      {"realip_remote_addr", log_variable::realip_remote_addr},
      {"http_x_real_ip", log_variable::http_x_real_ip},
  };
  for (const auto& e : table) {
    if (e.name == name) return e.variable;
  }
  return log_variable::other;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view dash_to_empty(std::string_view v) { return v == "-" ? std::string_view{} : v; }

template <typename T>
bool to_number(std::string_view v, T& out) {
  if (v.empty()) return false;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size();
}

bool assign(log_variable variable, std::string_view value, log_record& out, const char*& reason) {
  switch (variable) {
    case log_variable::remote_addr: out.remote_addr = value; break;
    case log_variable::time_local:
      out.time = value;
      if (!parse_time_local(value, out.epoch)) out.epoch = 0;
      break;
    case log_variable::time_iso8601:
      out.time = value;
      if (!parse_time_iso8601(value, out.epoch)) out.epoch = 0;
      break;
    case log_variable::msec: {
      out.time = value;
      double seconds = 0;
      out.epoch = to_number(value, seconds) ? static_cast<std::int64_t>(seconds) : 0;
      break;
    }
    case log_variable::request:
      out.request = value;
      split_request(value, out);
      break;
    case log_variable::request_method: out.method = dash_to_empty(value); break;
    case log_variable::request_uri: out.target = dash_to_empty(value); break;
    case log_variable::server_protocol: out.protocol = dash_to_empty(value); break;
    case log_variable::status:
      if (!to_number(value, out.status) || out.status < 0 || out.status > 999) {
        reason = "status is not a number";
        return false;
      }
      break;
    case log_variable::body_bytes_sent:
    case log_variable::bytes_sent:
      if (value == "-") break;
      if (!to_number(value, out.body_bytes)) {
        reason = "bytes sent is not a number";
        return false;
      }
      break;
    case log_variable::http_referer: out.referer = dash_to_empty(value); break;
    case log_variable::http_user_agent: out.user_agent = dash_to_empty(value); break;
    case log_variable::request_time:
      if (value != "-" && !to_number(value, out.request_time)) out.request_time = -1;
      break;
    case log_variable::host: out.host = dash_to_empty(value); break;
    case log_variable::http_x_forwarded_for: out.forwarded_for = dash_to_empty(value); break;
    case log_variable::realip_remote_addr: out.realip_remote_addr = dash_to_empty(value); break;
    case log_variable::http_x_real_ip: out.real_ip = dash_to_empty(value); break;
    case log_variable::remote_user:
    case log_variable::other: break;
  }
  return true;
}

}  // namespace

log_format log_format::compile(std::string_view spec) {
  log_format f;
  f.spec_ = std::string(spec);
  std::string literal;
  bool have_variable = false;
  std::size_t i = 0;
  while (i < spec.size()) {
    if (spec[i] != '$') {
      literal += spec[i++];
      continue;
    }
    std::string_view name;
    if (i + 1 < spec.size() && spec[i + 1] == '{') {
      const auto close = spec.find('}', i + 2);
      if (close == std::string_view::npos)
        throw std::invalid_argument("log_format: unterminated ${ at offset " + std::to_string(i));
      name = spec.substr(i + 2, close - i - 2);
      i = close + 1;
    } else {
      std::size_t j = i + 1;
      while (j < spec.size() && is_name_char(spec[j])) ++j;
      name = spec.substr(i + 1, j - i - 1);
      i = j;
    }
    if (name.empty()) {  // a lone '$' is literal text
      literal += '$';
      continue;
    }
    if (!have_variable) {
      f.prefix_ = literal;
    } else {
      if (literal.empty())
        throw std::invalid_argument("log_format: variables $" + std::string(name) +
                                    " and the one before it have no text between them, so they cannot "
                                    "be told apart; put a separator between them");
      f.steps_.back().following = literal;
    }
    literal.clear();
    f.steps_.push_back({variable_of(name), {}});
    have_variable = true;
  }
  if (!have_variable) throw std::invalid_argument("log_format: the format has no $variables");
  f.steps_.back().following = literal;
  return f;
}

bool log_format::extract(std::string_view line, log_record& out, const char*& reason) const {
  out = log_record{};
  if (!line.starts_with(prefix_)) {
    reason = "line does not start like the format";
    return false;
  }
  std::size_t pos = prefix_.size();
  for (std::size_t k = 0; k < steps_.size(); ++k) {
    const auto& s = steps_[k];
    std::string_view value;
    if (k + 1 == steps_.size()) {
      // The last variable runs to the trailing literal, anchored at the end of the line.
      if (!line.ends_with(s.following) || line.size() < pos + s.following.size()) {
        reason = "line does not end like the format";
        return false;
      }
      value = line.substr(pos, line.size() - s.following.size() - pos);
      pos = line.size();
    } else {
      const auto found = line.find(s.following, pos);
      if (found == std::string_view::npos) {
        reason = "a separator of the format is missing";
        return false;
      }
      value = line.substr(pos, found - pos);
      pos = found + s.following.size();
    }
    if (!assign(s.variable, value, out, reason)) return false;
  }
  return true;
}

}  // namespace vigil
