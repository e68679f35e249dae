#pragma once
// Normalisation applied to logged values before signatures see them: nginx's \xHH log escapes are
// undone, then the request target is percent-decoded repeatedly (attackers double- and
// triple-encode to slip past single-pass filters) up to a bounded depth, with '+' read as a space
// in the query. Pure functions; the output buffer is reused by the caller.
#include <string>
#include <string_view>

namespace vigil {

inline constexpr int max_decode_depth = 4;

// Undoes nginx's \xHH escaping (other backslashes are kept). Returns true if anything changed.
bool unescape_nginx(std::string_view in, std::string& out);

// One pass of percent-decoding (%XX, and IIS-style %uXXXX as UTF-8; '+' -> ' ' after the first
// '?'). Invalid escapes are kept as they are. Returns true if anything was decoded.
bool percent_decode_once(std::string_view in, std::string& out);

// unescape_nginx, then percent_decode_once until nothing changes or max_decode_depth passes
// were made. Returns the number of percent-decoding passes that changed the text (the
// "encoding depth"). `scratch` is a second buffer so no allocation is needed in steady state.
int normalize_target(std::string_view raw, std::string& out, std::string& scratch);

}  // namespace vigil
