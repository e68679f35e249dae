#pragma once
// The request an access-log line describes, in ModSecurity's variables. The mapping mirrors what
// libmodsecurity 3.0.9 derives from processURI and the request headers, so the same rule sees the
// same values in both engines:
//   REQUEST_LINE      "<method> <target> <protocol>" as received
//   REQUEST_URI       the target percent-decoded (no '+' decoding), scheme and host dropped
//   REQUEST_URI_RAW   the target as received
//   REQUEST_FILENAME  the decoded target up to the first '?' (a decoded %3F counts)
//   REQUEST_BASENAME  what follows the last '/' or '\' of REQUEST_FILENAME
//   QUERY_STRING      the raw target after its first '?'
//   ARGS, ARGS_GET    the query string split at '&' and the first '='; names and values
//                     percent-decoded with '+' as space, invalid escapes kept
//   REQUEST_HEADERS   Host, User-Agent and Referer, when the log format has them; nothing else
//   REMOTE_ADDR       the client (behind trusted proxies: the real client)
// "As received" means with nginx's log escaping (\xHH) undone. A raw '#' and what follows it (a
// fragment, which browsers never send) is left out of everything but REQUEST_LINE and REQUEST_URI_RAW.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crs/rule.hpp"
#include "crs/seclang.hpp"
#include "parse/record.hpp"

namespace vigil::crs {

// Maps a parsed variable to what vigil evaluates (ModSecurity names not listed become `absent` or
// `empty_scalar`). Throws std::invalid_argument for a bad regex selector.
target make_target(const variable_text& v);

struct request {
  struct member {
    std::string name;
    std::string value;
  };
  std::string method, target, protocol;
  std::string request_line, uri, filename, basename, query_string;
  bool has_query = false;
  std::vector<member> args;
  std::vector<member> headers;
  std::string remote_addr, status;
  std::size_t args_combined_size = 0;
  std::string decoded_;  // assign()'s scratch: the target percent-decoded

  // Fills every field from a parsed line (buffers are reused between calls).
  void assign(const log_record& record);
  // The same from a request's parts as logged (nginx's \xHH escapes are undone here).
  void assign(std::string_view method, std::string_view target, std::string_view protocol, std::string_view host,
              std::string_view user_agent, std::string_view referer, std::string_view client, int status);
};

// nginx writes '"', '\\' and bytes outside 0x20-0x7e as \xHH in access logs; this undoes it.
void unescape_nginx(std::string_view logged, std::string& out);

}  // namespace vigil::crs
