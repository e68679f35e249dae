#pragma once
// Real MaxMind DB files for the GeoIP tests, written by tests/vigil/write_test_mmdb.pl with Debian's
// MaxMind::DB::Writer (libmaxmind-db-writer-perl), read back by the real libmaxminddb.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::test {

// `networks`: "203.0.113.0/24=FR" (country) or "192.0.2.0/24=@JP" (registered country only). Written
// to a temporary name and renamed over `out`, the way geoipupdate replaces a database.
inline void write_mmdb(const std::filesystem::path& out, const std::vector<std::string>& networks) {
  const auto partial = out.string() + ".partial";
  std::string command = "perl '" LIFESPAN_SOURCE_DIR "/tests/vigil/write_test_mmdb.pl' '" + partial + "'";
  for (const auto& n : networks) command += " '" + n + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("writing a test MaxMind DB failed: " + command);
  std::filesystem::rename(partial, out);
}

inline std::vector<std::string> default_networks() {
  return {"203.0.113.0/24=FR", "198.51.100.0/24=US", "2001:db8::/32=DE", "192.0.2.0/24=@JP"};
}

}  // namespace vigil::test
