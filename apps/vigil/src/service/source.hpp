#pragma once
// The identity of one generation of one log file, and the positions the tailer persists.
//
// A generation is (device, inode, fingerprint of the first line, truncation count). Renaming keeps a
// file's generation (the rotated file is the same inode, finished from where it was left); a
// copytruncate bumps the count, so lines written at the same offsets after the truncation get keys of
// their own. An alert's key is "<source key>:<byte offset of its line>:<kind>", which is what makes a
// replay after a crash idempotent.
//
// Positions live in table vigil_positions (owner "vigil_positions"), one row per (path, device, inode):
// the offset just past the last line whose alerts are stored. They are written by the pipeline's last
// stage in the alerts' own transaction (save_positions), so a position never runs ahead of its alerts.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lifespan/data/migrations.hpp"
#include "lifespan/data/url.hpp"

namespace soci {
class session;
}
namespace lifespan::data {
class database;
}

namespace vigil::service {

struct source {
  std::string path;  // as configured
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t fingerprint = 0;  // hash of the first line (at most fingerprint_bytes)
  std::uint32_t fingerprint_length = 0;
  std::uint32_t truncations = 0;
  std::string key;  // "<device>:<inode>:<truncations>:<fingerprint hex>"

  void make_key();
};
using source_ptr = std::shared_ptr<const source>;

inline constexpr std::size_t fingerprint_bytes = 256;
std::uint64_t fingerprint_of(const char* data, std::size_t size);

// What the pipeline's last stage records for one file after a batch is stored.
struct position_mark {
  source_ptr file;
  std::uint64_t offset = 0;  // just past the last processed line
  bool retire = false;       // the file was rotated away and is finished: forget its row
};

struct stored_position {
  std::string path;
  std::uint64_t device = 0, inode = 0, fingerprint = 0, offset = 0;
  std::uint32_t fingerprint_length = 0, truncations = 0;
};

std::vector<lifespan::data::migration> position_migrations(lifespan::data::backend kind);
// Inside the caller's transaction.
void save_positions(soci::session& session, const std::vector<position_mark>& marks);
std::vector<stored_position> load_positions(lifespan::data::database& db, const std::string& path);

}  // namespace vigil::service
