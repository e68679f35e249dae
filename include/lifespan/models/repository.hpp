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
// A version number is written canonically: decimal, no leading zero ("7", not "007", which would
// alias "7"), at most 18446744073709551615. Every directory skipped by a scan (a model name that is
// not one, a version name that is not canonical or too large, a temporary name) is listed by
// skipped() with the reason, and shown in `GET /models`.
//
// Symbolic links: the root itself may be a link, but a model directory, a version directory or a
// file in a version that is a link resolving outside the root is refused, as a model root is
// expected to contain what it serves: the model or version is skipped (listed with the reason), and
// a version with such a file is invalid, naming it. `follow_symlinks` (models.follow_symlinks)
// allows them. Links that stay inside the root are always followed.
//
// Thread-safety: scan() may be called from one thread at a time (the manager serialises it);
// skipped() from any thread.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
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

// A directory a scan did not take, and why.
struct skipped_dir {
  std::string path;    // relative to the root: "fraud/007"
  std::string reason;  // "'007' is not a canonical version number: write it as '7'"
};

class repository {
 public:
  explicit repository(std::filesystem::path root, bool follow_symlinks = false)
      : root_(std::move(root)), follow_symlinks_(follow_symlinks) {}
  const std::filesystem::path& root() const noexcept { return root_; }
  // What the last scan skipped (at most max_skipped_listed, in scan order), and how many in all.
  static constexpr std::size_t max_skipped_listed = 100;
  std::pair<std::vector<skipped_dir>, std::size_t> skipped() const;

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
  // Why `entry` (a link) may not be followed; empty when it may.
  std::string outside_root(const std::filesystem::path& entry) const;
  void skip(std::vector<skipped_dir>& into, std::size_t& count, const std::filesystem::path& dir, std::string reason) const;

  std::filesystem::path root_;
  bool follow_symlinks_ = false;
  std::map<std::filesystem::path, cached> cache_;
  mutable std::mutex skipped_mu_;
  std::vector<skipped_dir> skipped_;
  std::size_t skipped_count_ = 0;
};

}  // namespace lifespan::models
