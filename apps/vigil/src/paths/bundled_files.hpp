#pragma once
// Where vigil finds the files it ships with: its rules (rules/default.yaml), the dashboard (web/), the
// bundled configuration (config/vigil.yaml) and the bundled threat model (models/). One directory holds
// all four, laid out the same way installed and in the source tree (apps/vigil/). It is looked for in
// this order, the first holding rules/default.yaml winning:
//   1. next to the executable: <dir of /proc/self/exe>/../share/vigil (an install, a package, a copy of
//      an install tree anywhere: /usr/bin/vigil -> /usr/share/vigil);
//   2. the install prefix the build was configured with (VIGIL_INSTALL_DATADIR, e.g. /usr/local/share/vigil);
//   3. a build tree's source tree: the nearest CMakeCache.txt above the executable names it
//      (CMAKE_HOME_DIRECTORY), and its apps/vigil is used. So no source path is compiled in, and an
//      installed binary never looks at a checkout.
// Nothing found: the install prefix's directory, so the error a missing file causes names it.
// Every one of these is only a default: rules.path, live.web_dir, --config and models.root override them.
//
// Lifetime: bundled() resolves once, on first use (thread-safe), and the result lives for the process.
#include <filesystem>
#include <optional>
#include <string>

namespace vigil::paths {

struct bundled_files {
  std::filesystem::path root;  // holds rules/, web/, config/, models/
  std::string found_by;        // "executable", "install prefix", "source tree" or "nothing found"

  std::filesystem::path rules() const { return root / "rules" / "default.yaml"; }
  std::filesystem::path web() const { return root / "web"; }
  std::filesystem::path config() const { return root / "config" / "vigil.yaml"; }
  std::filesystem::path models() const { return root / "models"; }
};

// The files of this process (resolved from /proc/self/exe and the compiled-in install prefix).
const bundled_files& bundled();

// The search itself, for tests: `executable` is the program's real path.
bundled_files find_bundled_files(const std::filesystem::path& executable, const std::filesystem::path& install_datadir);

// The source tree a build tree was configured from: the nearest CMakeCache.txt in `dir` or above,
// its CMAKE_HOME_DIRECTORY. Empty outside a build tree.
std::optional<std::filesystem::path> source_tree_above(const std::filesystem::path& dir);

}  // namespace vigil::paths
