#pragma once
// The prefilter's compiled Hyperscan database on disk, so that a restart does not compile it again
// (~3 s for CRS, on vigil serve's startup path). One file per key in load_options::cache_dir.
//
// The key is a SHA-256 of everything that determines the database and its tags: every expression
// proposed (text, flags, id) with its rule, pipeline and variables, in order, the Hyperscan version
// and the host platform Hyperscan compiles for. Same key, same compile result: the file is only ever
// a faster way to get it.
//
// The cache never fails a load: a missing, unreadable, truncated, corrupt (payload checksum) or
// foreign (magic, key, Hyperscan's own checks) file is a miss, and a write that fails leaves nothing
// behind (temporary file, then rename: readers see an old file or a complete new one).
#include <hs/hs.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::crs {

struct prefilter_tag {
  std::uint32_t rule_index;
  std::uint64_t pipelines;  // one bit
  std::uint32_t variables;  // bits of crs::variable
};

// What a compiled prefilter holds besides what the rules give again at each load.
struct prefilter_image {
  std::vector<prefilter_tag> tags;      // by Hyperscan pattern id
  std::vector<std::uint32_t> covered;   // rule indices the database covers
  std::uint32_t approximated = 0;
  hs_database_t* db = nullptr;          // owned by the caller once returned
};

// The key for `description` (the proposed expressions, serialised by the caller), Hyperscan's version
// and this host's platform: 64 hex digits.
std::string prefilter_cache_key(const std::string& description);

// The cached image for `key`, or nullopt (a miss, whatever the reason).
std::optional<prefilter_image> read_prefilter_cache(const std::string& dir, const std::string& key);

// Stores `image` under `key`; false when it could not (the load goes on regardless).
bool write_prefilter_cache(const std::string& dir, const std::string& key, const prefilter_image& image);

// The file read_prefilter_cache and write_prefilter_cache use (tests corrupt it).
std::string prefilter_cache_path(const std::string& dir, const std::string& key);

}  // namespace vigil::crs
