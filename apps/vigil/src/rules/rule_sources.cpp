#include "rules/rule_sources.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <unordered_map>

namespace vigil {
namespace {

namespace fs = std::filesystem;

bool is_rules_file(const fs::directory_entry& entry) {
  const auto extension = entry.path().extension();
  std::error_code ec;
  return (extension == ".yaml" || extension == ".yml") && entry.is_regular_file(ec);
}

std::vector<std::string> rules_d_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw rule_error("rules directory " + dir + ": " + (fs::exists(dir, ec) ? "not a directory" : "does not exist") +
                         "; create it, or remove rules.dir from the configuration",
                     dir);
  std::vector<std::string> files;
  fs::directory_iterator it(dir, ec), end;
  if (ec)
    throw rule_error("rules directory " + dir + ": cannot be read (" + ec.message() + "); check its permissions", dir);
  for (; it != end; it.increment(ec)) {
    if (ec) throw rule_error("rules directory " + dir + ": " + ec.message(), dir);
    if (is_rules_file(*it)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

loaded_rules load_rules(const rule_sources& sources) {
  std::vector<std::string> files{sources.file};
  if (!sources.dir.empty()) {
    auto extra = rules_d_files(sources.dir);
    files.insert(files.end(), extra.begin(), extra.end());
  }
  loaded_rules out;
  std::unordered_map<std::string, std::string> origin_of;  // rule id -> file, across files
  for (const auto& path : files) {
    rules_document document;
    try {
      document = parse_rules_document(read_rules_file(path), path);
    } catch (const rule_error& e) {
      throw rule_error(e.what(), path);
    }
    rule_file_summary summary{path, document.enabled, 0};
    if (document.enabled) {
      for (auto& r : document.rules) {
        const auto [it, fresh] = origin_of.emplace(r.id, path);
        if (!fresh)
          throw rule_error("rules file " + path + ": rule '" + r.id + "' is already defined in " + it->second +
                               "; rule ids must be unique across the rules file and rules.d",
                           path);
        r.file = path;
        out.rules.push_back(std::move(r));
        ++summary.rules;
      }
    }
    out.files.push_back(std::move(summary));
  }
  return out;
}

}  // namespace vigil
