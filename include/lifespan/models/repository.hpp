#pragma once
// The model repository: `<root>/<model>/<version>/` directories, each with a manifest written last.
//
// A scan lists every model directory (a name of letters, digits, '_', '-', '.', not starting with '.')
// and, in it, every version directory (a decimal number; anything else, such as "7.tmp" or ".incoming",
// is ignored, so publishers can copy under a temporary name and rename into place). Each version is
//  - complete:   manifest present, parsed, every file present with its declared size and sha256;
//  - incomplete: no manifest yet (a copy in progress): invisible, never loaded, not an error;
//  - invalid:    a manifest that does not parse or files that do not match it: never loaded, reported.
// Checksums are computed once per content: a version is re-hashed only when the fingerprint (size and
// modification time of its manifest and files) changes, so periodic rescans stay cheap.
//
// Thread-safety: scan() may be called from one thread at a time (the manager serialises it).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lifespan/models/manifest.hpp"

namespace lifespan::models {

enum class disk_state { complete, incomplete, invalid };
const char* to_string(disk_state s) noexcept;

struct disk_version {
  std::uint64_t version = 0;
  std::filesystem::path dir;
  disk_state state = disk_state::incomplete;
  std::string problem;                         // why invalid (or incomplete)
  std::shared_ptr<const models::manifest> manifest;    // set when complete
  std::string fingerprint;                     // changes whenever the version's files change
};

// model name -> its versions, ascending.
using disk_listing = std::map<std::string, std::vector<disk_version>>;

bool valid_model_name(std::string_view name) noexcept;

class repository {
 public:
  explicit repository(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const noexcept { return root_; }

  // A missing root is an empty listing (the directory may be mounted later), not an error.
  disk_listing scan();
  // The listing of one version directory (same rules), for an explicit load of a path.
  disk_version inspect(const std::string& model, std::uint64_t version);

 private:
  struct cached {
    std::string fingerprint;
    disk_version result;
  };
  disk_version check(const std::filesystem::path& dir, std::uint64_t version);

  std::filesystem::path root_;
  std::map<std::filesystem::path, cached> cache_;
};

}  // namespace lifespan::models
