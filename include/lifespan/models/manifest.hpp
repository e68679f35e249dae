#pragma once
// A model version on disk: `<root>/<model>/<version>/` holding the model's files and `manifest.json`,
// which is written LAST (or the whole directory renamed into place). A version without a manifest is
// incomplete and invisible; a version whose manifest does not parse, or whose files do not match the
// manifest's checksums, is invalid and never loaded (the reason is reported).
//
//   {
//     "loader":   "xgboost",                    // which registered loader builds it
//     "format":   "ubj",                        // the loader's format ("ubj" or "json" for xgboost)
//     "entry":    "model.ubj",                  // optional when there is exactly one file
//     "files":    [{"path": "model.ubj", "sha256": "<64 hex>", "bytes": 423912}],
//     "features": ["bytes_sent", "status", ...], // the feature schema: names, in column order
//     "warmup":   [[0.1, 2, ...], ...],          // optional rows predicted before the version is published
//     "metadata": {...}                          // optional, free-form, shown by the API
//   }
//
// Everything here is pure (no shared state) and thread-safe.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lifespan::models {

// Why a load failed, and whether trying again can help. Deterministic failures (a checksum mismatch, a
// file that does not parse, an unknown loader) are not retried until the files change or an operator
// asks for a reload; transient ones (I/O, timeouts, the memory budget) are retried with backoff.
class load_error : public std::runtime_error {
 public:
  load_error(std::string reason, bool deterministic)
      : std::runtime_error(std::move(reason)), deterministic_(deterministic) {}
  bool deterministic() const noexcept { return deterministic_; }

 private:
  bool deterministic_;
};

struct manifest_file {
  std::string path;    // relative to the version directory, no ".." and not absolute
  std::string sha256;  // 64 lower-case hex digits
  std::uint64_t bytes = 0;
};

struct manifest {
  std::string loader;
  std::string format;
  std::string entry;  // the main file (the only file when not given)
  std::vector<manifest_file> files;
  std::vector<std::string> features;
  std::vector<std::vector<float>> warmup;  // each row has features.size() values
  nlohmann::json metadata = nlohmann::json::object();

  nlohmann::json to_json() const;
};

inline constexpr const char* manifest_name = "manifest.json";
// Bounds on a manifest's text, checked before it is parsed (docs/security.md): beyond either, the
// version is invalid with the reason. 64 levels leave `metadata` 62 levels of its own.
inline constexpr std::size_t max_manifest_bytes = 16u << 20;
inline constexpr std::size_t max_manifest_depth = 64;

// Parses and validates a manifest (types, file paths, checksum syntax, warm-up row widths and values).
// Throws a deterministic load_error naming the file, the key and the fix. `doc` must not nest deeply:
// it is copied (recursively); read_manifest checks that before parsing.
manifest parse_manifest(const nlohmann::json& doc, const std::filesystem::path& where);
// Reads <version_dir>/manifest.json, refusing (deterministic load_error) a text beyond
// max_manifest_bytes or nested deeper than max_manifest_depth.
manifest read_manifest(const std::filesystem::path& version_dir);

// SHA-256 of a file's bytes (OpenSSL EVP) as lower-case hex. Throws a transient load_error when the
// file cannot be read.
std::string sha256_file(const std::filesystem::path& file);

// Checks every file of the manifest: present, of the declared size, with the declared checksum. Throws
// a deterministic load_error naming the first file that differs (a missing file is deterministic too:
// the manifest was written last, so the version is broken, not half-written).
void verify_files(const std::filesystem::path& version_dir, const manifest& m);

// Writes files + manifest the way a publisher should: manifest last, via a temporary name and rename.
// Used by tests and tools; `files` are already in `version_dir`.
manifest write_manifest(const std::filesystem::path& version_dir, std::string loader, std::string format,
                        std::vector<std::string> files, std::vector<std::string> features,
                        std::vector<std::vector<float>> warmup = {});

}  // namespace lifespan::models
