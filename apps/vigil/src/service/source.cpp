#include "service/source.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <map>

#include "lifespan/data/database.hpp"

namespace vigil::service {

void source::make_key() { key = fmt::format("{}:{}:{}:{:016x}", device, inode, truncations, fingerprint); }

std::uint64_t fingerprint_of(const char* data, std::size_t size) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<lifespan::data::migration> position_migrations(lifespan::data::backend kind) {
  const std::string big = kind == lifespan::data::backend::postgresql ? "BIGINT" : "INTEGER";
  // Unsigned 64-bit values (device, inode, fingerprint) are stored as their signed bit pattern.
  return {{1,
           "CREATE TABLE IF NOT EXISTS vigil_positions ("
           " path TEXT NOT NULL, device " + big + " NOT NULL, inode " + big + " NOT NULL,"
           " fingerprint " + big + " NOT NULL, fingerprint_length INTEGER NOT NULL, truncations INTEGER NOT NULL,"
           " byte_offset " + big + " NOT NULL, updated_at " + big + " NOT NULL,"
           " PRIMARY KEY (path, device, inode))"}};
}

void save_positions(soci::session& session, const std::vector<position_mark>& marks) {
  // The last mark per file wins (marks arrive in read order).
  std::map<std::tuple<std::string, std::uint64_t, std::uint64_t>, const position_mark*> last;
  for (const auto& m : marks) last[{m.file->path, m.file->device, m.file->inode}] = &m;
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [id, m] : last) {
    std::string path = m->file->path;
    long long device = static_cast<long long>(m->file->device), inode = static_cast<long long>(m->file->inode);
    if (m->retire) {
      session << "DELETE FROM vigil_positions WHERE path = :p AND device = :d AND inode = :i", soci::use(path, "p"),
          soci::use(device, "d"), soci::use(inode, "i");
      continue;
    }
    long long fp = static_cast<long long>(m->file->fingerprint), offset = static_cast<long long>(m->offset);
    int fp_len = static_cast<int>(m->file->fingerprint_length), truncations = static_cast<int>(m->file->truncations);
    session << "INSERT INTO vigil_positions (path, device, inode, fingerprint, fingerprint_length, truncations,"
               " byte_offset, updated_at) VALUES (:p, :d, :i, :f, :fl, :t, :o, :u)"
               " ON CONFLICT (path, device, inode) DO UPDATE SET fingerprint = excluded.fingerprint,"
               " fingerprint_length = excluded.fingerprint_length, truncations = excluded.truncations,"
               " byte_offset = excluded.byte_offset, updated_at = excluded.updated_at",
        soci::use(path, "p"), soci::use(device, "d"), soci::use(inode, "i"), soci::use(fp, "f"),
        soci::use(fp_len, "fl"), soci::use(truncations, "t"), soci::use(offset, "o"), soci::use(now, "u");
  }
}

std::vector<stored_position> load_positions(lifespan::data::database& db, const std::string& path) {
  // 64-bit columns are read as text: SOCI 4.0's SQLite backend reads INTEGER columns through 32 bits.
  constexpr std::size_t max_rows = 64;  // generations of one path still pending: a handful at most
  std::vector<std::string> device(max_rows), inode(max_rows), fp(max_rows), offset(max_rows);
  std::vector<int> fp_len(max_rows), truncations(max_rows);
  std::string p = path;
  auto r = db.reader();
  *r << "SELECT CAST(device AS TEXT), CAST(inode AS TEXT), CAST(fingerprint AS TEXT), fingerprint_length,"
        " truncations, CAST(byte_offset AS TEXT) FROM vigil_positions WHERE path = :p ORDER BY updated_at",
      soci::into(device), soci::into(inode), soci::into(fp), soci::into(fp_len), soci::into(truncations),
      soci::into(offset), soci::use(p, "p");
  std::vector<stored_position> out;
  for (std::size_t i = 0; i < device.size(); ++i) {
    stored_position s;
    s.path = path;
    s.device = static_cast<std::uint64_t>(std::stoll(device[i]));
    s.inode = static_cast<std::uint64_t>(std::stoll(inode[i]));
    s.fingerprint = static_cast<std::uint64_t>(std::stoll(fp[i]));
    s.fingerprint_length = static_cast<std::uint32_t>(fp_len[i]);
    s.truncations = static_cast<std::uint32_t>(truncations[i]);
    s.offset = static_cast<std::uint64_t>(std::stoll(offset[i]));
    out.push_back(s);
  }
  return out;
}

}  // namespace vigil::service
