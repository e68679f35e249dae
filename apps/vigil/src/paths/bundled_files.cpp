#include "paths/bundled_files.hpp"

#include <fstream>
#include <system_error>

namespace vigil::paths {

namespace {

bool holds_bundled_files(const std::filesystem::path& root) {
  std::error_code ec;
  return std::filesystem::is_regular_file(root / "rules" / "default.yaml", ec);
}

}  // namespace

std::optional<std::filesystem::path> source_tree_above(const std::filesystem::path& dir) {
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  for (auto at = dir; !at.empty(); at = at.parent_path()) {
    std::ifstream cache(at / "CMakeCache.txt");
    for (std::string line; cache && std::getline(cache, line);)
      if (line.starts_with(key)) return std::filesystem::path(line.substr(key.size()));
    if (at == at.root_path()) break;
  }
  return std::nullopt;
}

bundled_files find_bundled_files(const std::filesystem::path& executable, const std::filesystem::path& install_datadir) {
  const bool known = executable.is_absolute();
  const auto next_to_executable = (executable.parent_path() / ".." / "share" / "vigil").lexically_normal();
  if (known && holds_bundled_files(next_to_executable)) return {next_to_executable, "executable"};
  if (holds_bundled_files(install_datadir)) return {install_datadir, "install prefix"};
  if (const auto source = known ? source_tree_above(executable.parent_path()) : std::nullopt) {
    const auto app = *source / "apps" / "vigil";
    if (holds_bundled_files(app)) return {app, "source tree"};
  }
  return {install_datadir, "nothing found"};
}

const bundled_files& bundled() {
  static const bundled_files files = [] {
    std::error_code ec;
    auto executable = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) executable.clear();  // no /proc: only the install prefix can be tried
    return find_bundled_files(executable, VIGIL_INSTALL_DATADIR);
  }();
  return files;
}

}  // namespace vigil::paths
