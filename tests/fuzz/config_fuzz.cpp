// Fuzz target: a configuration as a service reads it: the YAML document (config::document), then
// environment overrides (APP__SECTION__KEY=value), then --set overrides, then every section read with
// each typed getter and finished, and every error formatted.
//
// Input layout (plain text, so seeds are easy to write): the YAML, then optionally a line "%%env"
// followed by environment entries one per line, then optionally "%%set" followed by --set arguments
// one per line. Checked: nothing throws (config reports errors, it never throws), and an error message
// stays bounded whatever the input echoes (config.hpp: each part cut at a few hundred bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lifespan/config/config.hpp"

namespace {

using lifespan::config::error_list;
using lifespan::config::section;

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Reads a section the way components do: each key with one typed getter picked by the key's position,
// children recursively (bounded), then finish() reports what nobody read.
void read(section s, int depth) {
  const auto keys = s.keys();
  std::size_t i = 0;
  for (const auto& key : keys) {
    switch (i++ % 8) {
      case 0: (void)s.get<std::string>(key, ""); break;
      case 1: (void)s.get<std::int64_t>(key, 0); break;
      case 2: (void)s.get<int>(key, 0); break;
      case 3: (void)s.get<double>(key, 0.0); break;
      case 4: (void)s.get<bool>(key, false); break;
      case 5: (void)s.find<lifespan::config::duration>(key); break;
      case 6: (void)s.get<std::vector<std::string>>(key, {}); break;
      default:
        if (depth < 4) read(s.child(key), depth + 1);
        break;
    }
    (void)s.where(key).to_string();
  }
  (void)s.has("port");
  (void)s.require<std::string>("required_key_nobody_writes");
  if (depth == 0) s.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto env_at = input.find("\n%%env\n");
  const auto set_at = input.find("\n%%set\n");
  const auto yaml = input.substr(0, std::min(env_at, set_at));
  std::vector<std::string> env, sets;
  if (env_at != std::string_view::npos)
    env = lines_of(input.substr(env_at + 7, set_at > env_at ? set_at - env_at - 7 : std::string_view::npos));
  if (set_at != std::string_view::npos && set_at >= (env_at == std::string_view::npos ? 0 : env_at))
    sets = lines_of(input.substr(set_at + 7));

  error_list errors;
  auto doc = lifespan::config::document::from_string(yaml, "fuzz.yaml", errors);
  std::vector<char*> environ_entries;
  for (auto& e : env) environ_entries.push_back(e.data());
  environ_entries.push_back(nullptr);
  doc.apply_environment("fuzz", environ_entries.data(), errors);
  for (const auto& s : sets) doc.apply_set(s, errors);
  for (const auto& name : doc.section_names()) read(doc.get(name, errors), 0);
  read(doc.get("http", errors), 0);  // a section that may not exist
  for (const auto& e : errors) {
    const auto text = e.to_string();
    if (text.size() > 4096) std::abort();  // a value echoed whole
  }
  return 0;
}
