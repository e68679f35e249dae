#pragma once
// One opened MaxMind DB file (libmaxminddb, memory-mapped: MMDB_MODE_MMAP), answering country
// lookups. Immutable once opened: lookups from any number of threads share the one MMDB_s (the
// library only reads it), and the file is unmapped when the last shared_ptr goes away.
//
// The mapping follows the file's inode: replace the database atomically (write a new file, then
// rename it over the old one, as geoipupdate does). Rewriting the mapped file in place (cp over it,
// truncation) changes the pages under running lookups and can crash the process (SIGBUS).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "service/country_lookup.hpp"

struct MMDB_s;

namespace vigil::service {

// Opening failed: the message names the file, the cause and the fix.
class geo_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What identifies the file's content on disk, to notice a replacement.
struct file_identity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const file_identity&) const = default;
};
// The identity of `path` now; nullopt-like (inode 0) when it does not exist or cannot be read.
file_identity identify(const std::filesystem::path& path);

class geo_database final : public country_lookup {
 public:
  // Throws geo_error when the file is missing, unreadable, or not a valid MaxMind DB.
  static std::shared_ptr<const geo_database> open(const std::filesystem::path& path);
  ~geo_database() override;
  geo_database(const geo_database&) = delete;
  geo_database& operator=(const geo_database&) = delete;

  // country.iso_code, or registered_country.iso_code when the network has no country (anycast,
  // satellite providers); empty otherwise.
  std::string country(std::string_view address) const override;

  const std::filesystem::path& path() const noexcept { return path_; }
  const file_identity& identity() const noexcept { return identity_; }
  std::string database_type() const;
  std::uint64_t build_epoch() const;

 private:
  geo_database() = default;
  std::filesystem::path path_;
  file_identity identity_;
  std::unique_ptr<MMDB_s> mmdb_;
};

}  // namespace vigil::service
