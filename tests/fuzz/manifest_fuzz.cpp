// Fuzz target: a model version's manifest.json through read_manifest(), as the repository scan reads
// it at start, at every rescan and for GET /models/<name>, then the parsed manifest back to JSON as
// the API shows it.
//
// The file is written into one temporary version directory (a real file: read_manifest reads the
// path). Checked: any text gives a manifest or a deterministic load_error; nothing else escapes, and
// nothing recurses deep enough to overflow (max_manifest_depth is checked before parsing).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "lifespan/models/manifest.hpp"

namespace {

// <tmp>/manifest_fuzz.XXXXXX/model/1, removed when the process ends normally (at -max_total_time).
struct temporary_version {
  std::filesystem::path root, dir;
  temporary_version() {
    std::string pattern = (std::filesystem::temp_directory_path() / "manifest_fuzz.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    root = pattern;
    dir = root / "model" / "1";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "model.ubj") << "not a model";  // a file a manifest may name
  }
  ~temporary_version() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
};

const std::filesystem::path& version_dir() {
  static const temporary_version version;
  return version.dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = version_dir();
  {
    std::ofstream out(dir / lifespan::models::manifest_name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  try {
    const auto m = lifespan::models::read_manifest(dir);
    (void)m.to_json().dump();
    if (m.files.empty() || m.entry.empty()) std::abort();  // parse_manifest requires both
    try {
      lifespan::models::verify_files(dir, m);
    } catch (const lifespan::models::load_error&) {
    }
  } catch (const lifespan::models::load_error& e) {
    if (!e.deterministic()) std::abort();  // a file that is there and readable: only its text is wrong
  }
  return 0;
}
