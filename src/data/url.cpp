#include "lifespan/data/url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

namespace lifespan::data {
namespace {

[[noreturn]] void fail(std::string_view url, std::string_view cause, std::string_view fix) {
  throw invalid_url(fmt::format("database url '{}': {}; {}", redact_url(url), cause, fix));
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

// libpq conninfo value: single-quoted, with \ and ' escaped.
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

database_url parse_sqlite(std::string_view url) {
  database_url out;
  out.kind = backend::sqlite;
  std::string_view rest = url.substr(url.find(':') + 1);
  if (!rest.starts_with("//"))
    fail(url, "a sqlite URL starts with sqlite://", "write sqlite:///absolute/path.db or sqlite://relative.db");
  rest.remove_prefix(2);
  if (rest.empty() || rest == "/")
    fail(url, "no database file", "name the file: sqlite:///var/lib/app/data.db");
  if (rest.find('?') != std::string_view::npos)
    fail(url, "sqlite URLs take no parameters", "set busy_timeout and pool_size in the component's section");
  out.path = std::string(rest);
  return out;
}

database_url parse_postgresql(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    fail(url, fmt::format("not a valid URL ({})", parsed.error().message()),
         "use postgresql://user:password@host:5432/database (percent-encode special characters)");
  const boost::urls::url_view& u = *parsed;
  database_url out;
  out.kind = backend::postgresql;
  if (!u.has_authority() || u.encoded_host().empty())
    fail(url, "no host", "use postgresql://user:password@host:5432/database");
  out.host = u.host();
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  if (u.has_port()) {
    const std::string port(u.port());
    const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    const int number = digits ? std::stoi(port) : 0;
    if (number < 1 || number > 65535)
      fail(url, fmt::format("port '{}' is not a number between 1 and 65535", port), "use postgresql://host:5432/database");
    out.port = number;
  }
  if (u.has_userinfo()) {
    out.user = u.user();
    if (u.has_password()) out.password = u.password();
  }
  std::string path = u.path();
  if (path.size() <= 1 || path.find('/', 1) != std::string::npos)
    fail(url, "no database name (or a path with several segments)", "end the URL with /database");
  out.database = path.substr(1);
  for (auto param : u.params()) {
    if (param.key.empty() || param.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
      fail(url, fmt::format("'{}' is not a libpq parameter name", param.key), "use names such as sslmode or target_session_attrs");
    out.parameters.emplace_back(param.key, param.value);
  }
  return out;
}

}  // namespace

database_url database_url::parse(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0)
    fail(url, "no scheme", "start with sqlite:// or postgresql://");
  std::string scheme(url.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "sqlite" || scheme == "sqlite3") return parse_sqlite(url);
  if (scheme == "postgresql" || scheme == "postgres") return parse_postgresql(url);
  fail(url, fmt::format("unknown scheme '{}'", scheme), "use sqlite:// or postgresql://");
}

std::string database_url::redacted() const {
  if (kind == backend::sqlite) return "sqlite://" + path;
  std::string out = "postgresql://";
  if (!user.empty()) out += user + (password.empty() ? "@" : ":***@");
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += fmt::format(":{}/{}", port, database);
  for (std::size_t i = 0; i < parameters.size(); ++i)
    out += fmt::format("{}{}={}", i == 0 ? '?' : '&', parameters[i].first,
                       parameters[i].first == "password" ? "***" : parameters[i].second);
  return out;
}

std::string database_url::scrub(std::string text) const {
  std::vector<std::string> secrets;
  if (!password.empty()) secrets.push_back(password);
  for (const auto& [key, value] : parameters)
    if (key == "password" && !value.empty()) secrets.push_back(value);
  for (const auto& secret : secrets) {
    replace_all(text, secret, "***");
    replace_all(text, boost::urls::encode(secret, boost::urls::unreserved_chars), "***");
  }
  return text;
}

std::string database_url::conninfo(int connect_timeout_seconds, int statement_timeout_ms,
                                   std::string_view application) const {
  std::string out = fmt::format("host={} port={} dbname={}", quoted(host), port, quoted(database));
  if (!user.empty()) out += " user=" + quoted(user);
  if (!password.empty()) out += " password=" + quoted(password);
  out += fmt::format(" connect_timeout={}", std::max(1, connect_timeout_seconds));
  if (!application.empty()) out += " application_name=" + quoted(application);
  out += " options=" + quoted(fmt::format("-c statement_timeout={}", statement_timeout_ms));
  for (const auto& [key, value] : parameters) out += " " + key + "=" + quoted(value);
  return out;
}

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority = scheme_end + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    // no userinfo; still hide a ?password=... parameter
    std::string out(url);
    const auto p = out.find("password=");
    if (p != std::string::npos) out.replace(p + 9, out.find('&', p) == std::string::npos ? std::string::npos : out.find('&', p) - p - 9, "***");
    return out;
  }
  const auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace lifespan::data
