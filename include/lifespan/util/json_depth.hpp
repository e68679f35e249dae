#pragma once
// How deeply a JSON text nests, found by one pass over its brackets, before anything parses it.
//
// Why: nlohmann::json parses iteratively, but copying, comparing and dumping a value recurse once per
// level, so a small hostile text ("[[[[...", 80 000 levels in 160 KB) crashes the process with a stack
// overflow long after the parse succeeded. Checking the depth of the text first bounds every later
// recursion. (A parser callback could do the same; this pass costs about 3 % of the parse, the
// callback about 6 %, and needs no JSON library.)
//
// Only brackets outside strings count ('[' and '{' open a level; escapes inside strings are skipped),
// which is exact for valid JSON. For invalid JSON the answer is some number and the parse that follows
// rejects the text anyway. Pure and thread-safe.
#include <cstddef>
#include <string_view>

namespace lifespan {

// The default nesting limit for JSON from outside (request bodies, model manifests, log lines):
// deeper than any real document, and far from the ~10 000 levels where a thread's stack gives out.
inline constexpr std::size_t default_max_json_depth = 64;

// The nesting depth of `text` ("1" is 0, "[]" 1, "{\"a\":[1]}" 2), scanning no further than needed
// to see that it exceeds `limit`: the result is then limit + 1.
std::size_t json_depth(std::string_view text, std::size_t limit = static_cast<std::size_t>(-1) - 1) noexcept;

}  // namespace lifespan
