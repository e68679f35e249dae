#include "crs/variables.hpp"

#include <cctype>
#include <stdexcept>

#include "crs/operators.hpp"

namespace vigil::crs {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ModSecurity's two URL decoders: uri_decode (REQUEST_URI, no '+') and urldecode_nonstrict
// (arguments, '+' is a space). Both keep an escape that is not two hex digits as it is.
void percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
}

// REQUEST_URI drops "scheme://host" from an absolute-form target, exactly as processURI does.
std::string_view strip_authority(std::string_view decoded) {
  if (decoded.empty() || decoded.front() == '/') return decoded;
  std::size_t scheme = decoded.find(':') + 1;  // npos + 1 == 0, as upstream
  std::size_t netloc = decoded.find("//", scheme) + 2;
  if (netloc != scheme + 2) return decoded;
  std::size_t path = decoded.find('/', netloc);
  return path == std::string_view::npos ? decoded : decoded.substr(path);
}

struct known {
  const char* name;
  variable var;
};
constexpr known known_variables[] = {
    {"ARGS", variable::args},
    {"ARGS_GET", variable::args_get},
    {"ARGS_NAMES", variable::args_names},
    {"ARGS_GET_NAMES", variable::args_get_names},
    {"REQUEST_LINE", variable::request_line},
    {"REQUEST_METHOD", variable::request_method},
    {"REQUEST_PROTOCOL", variable::request_protocol},
    {"REQUEST_URI", variable::request_uri},
    {"REQUEST_URI_RAW", variable::request_uri_raw},
    {"REQUEST_FILENAME", variable::request_filename},
    {"PATH_INFO", variable::request_filename},
    {"REQUEST_BASENAME", variable::request_basename},
    {"QUERY_STRING", variable::query_string},
    {"REQUEST_HEADERS", variable::request_headers},
    {"REQUEST_HEADERS_NAMES", variable::request_headers_names},
    {"REMOTE_ADDR", variable::remote_addr},
    {"REMOTE_HOST", variable::remote_addr},
    {"RESPONSE_STATUS", variable::response_status},
    {"ARGS_COMBINED_SIZE", variable::args_combined_size},
    {"TX", variable::tx},
    {"MATCHED_VAR", variable::matched_var},
    {"MATCHED_VAR_NAME", variable::matched_var_name},
    {"MATCHED_VARS", variable::matched_vars},
    {"MATCHED_VARS_NAMES", variable::matched_vars_names},
    // One value each in ModSecurity, empty for a request without a body.
    {"REQUEST_BODY", variable::empty_scalar},
    {"REQUEST_BODY_LENGTH", variable::empty_scalar},
    {"REQBODY_PROCESSOR", variable::empty_scalar},
    {"REQBODY_ERROR", variable::empty_scalar},
    {"MULTIPART_STRICT_ERROR", variable::empty_scalar},
    {"FILES_COMBINED_SIZE", variable::empty_scalar},
    {"FULL_REQUEST", variable::empty_scalar},
};

}  // namespace

target make_target(const variable_text& v) {
  target t;
  t.collection = v.name;
  t.count = v.count;
  t.written = v.name;
  if (!v.selector.empty()) t.written += ":" + (v.selector_is_regex ? "/" + v.selector + "/" : v.selector);
  t.var = variable::absent;
  for (const auto& k : known_variables)
    if (v.name == k.name) t.var = k.var;
  if (v.selector_is_regex) {
    t.key = "/" + v.selector + "/";
    t.key_regex = std::make_shared<regex>(v.selector, true);
  } else {
    t.key = v.selector;
    for (char& c : t.key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return t;
}

void unescape_nginx(std::string_view logged, std::string& out) {
  out.clear();
  out.reserve(logged.size());
  for (std::size_t i = 0; i < logged.size(); ++i) {
    if (logged[i] == '\\' && i + 3 < logged.size() && logged[i + 1] == 'x') {
      int hi = hex_value(logged[i + 2]), lo = hex_value(logged[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
        continue;
      }
    }
    out += logged[i];
  }
}

void request::assign(const log_record& r) {
  assign(r.method, r.target, r.protocol, r.host, r.user_agent, r.referer, r.remote_addr, r.status);
}

void request::assign(std::string_view m, std::string_view t, std::string_view p, std::string_view host,
                     std::string_view user_agent, std::string_view referer_text, std::string_view client,
                     int response_status) {
  method.assign(m);
  unescape_nginx(t, target);
  if (auto nul = target.find('\0'); nul != std::string::npos) target.resize(nul);  // a C string upstream
  // ModSecurity is handed the version and writes "HTTP/<version>" back; HTTP/0.9 logs no protocol.
  std::string_view version = p.substr(0, 5) == "HTTP/" ? p.substr(5) : p.empty() ? std::string_view("0.9") : p;
  protocol.assign("HTTP/").append(version);
  request_line.assign(method).append(" ").append(target).append(" ").append(protocol);

  // libmodsecurity 3.0.9 parses the target without its fragment: a raw '#' ends REQUEST_URI,
  // REQUEST_FILENAME, QUERY_STRING and ARGS (REQUEST_LINE and REQUEST_URI_RAW keep it).
  const std::string_view parsed = std::string_view(target).substr(0, target.find('#'));
  percent_decode(parsed, false, decoded_);
  uri.assign(strip_authority(decoded_));
  filename.assign(decoded_, 0, decoded_.find('?'));
  std::size_t slash = filename.find_last_of("/\\");
  if (slash != std::string::npos && filename.size() > slash + 1) basename.assign(filename, slash + 1);
  else basename.clear();

  std::size_t q = parsed.find('?');
  has_query = q != std::string::npos;
  if (has_query) query_string.assign(parsed.substr(q + 1));
  else query_string.clear();
  // Members are reused line after line (their strings keep their buffers); the surplus is dropped.
  std::size_t n = 0;
  auto next_member = [](std::vector<member>& list, std::size_t& used) -> member& {
    if (used == list.size()) list.emplace_back();
    return list[used++];
  };
  args_combined_size = 0;
  if (!query_string.empty()) {
    std::size_t start = 0;
    while (start < query_string.size()) {  // empty pieces count, a trailing '&' adds none (as getline)
      std::size_t amp = query_string.find('&', start);
      if (amp == std::string::npos) amp = query_string.size();
      std::string_view piece(query_string.data() + start, amp - start);
      std::size_t eq = piece.find('=');
      member& a = next_member(args, n);
      percent_decode(piece.substr(0, eq), true, a.name);
      if (eq != std::string_view::npos) percent_decode(piece.substr(eq + 1), true, a.value);
      else a.value.clear();
      args_combined_size += a.name.size() + a.value.size();
      start = amp + 1;
    }
  }
  args.resize(n);

  n = 0;
  auto header = [&](const char* name, std::string_view logged) {
    if (logged.empty()) return;
    member& h = next_member(headers, n);
    h.name.assign(name);
    unescape_nginx(logged, h.value);
  };
  header("Host", host);
  header("User-Agent", user_agent);
  header("Referer", referer_text);
  headers.resize(n);
  remote_addr.assign(client);
  status = response_status > 0 ? std::to_string(response_status) : std::string();
}

}  // namespace vigil::crs
