#include "service/geo_database.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace vigil::service {

file_identity identify(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::shared_ptr<const geo_database> geo_database::open(const std::filesystem::path& path) {
  static constexpr const char* fix =
      "fix: install a MaxMind DB country database there (GeoLite2-Country.mmdb, kept current by geoipupdate), "
      "or point geoip.path at one; remove geoip.path to run without countries";
  // Identity first: a replacement racing with the open is then seen as a change on the next check.
  const auto identity = identify(path);
  if (identity.inode == 0) {
    const int err = errno;
    throw geo_error(fmt::format("geoip: cannot read the MaxMind DB file '{}' (geoip.path): {}; {}", path.string(),
                                std::strerror(err), fix));
  }
  std::shared_ptr<geo_database> db(new geo_database());
  db->path_ = path;
  db->identity_ = identity;
  db->mmdb_ = std::make_unique<MMDB_s>();
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db->mmdb_.get());
  if (status != MMDB_SUCCESS) {
    const int err = errno;
    db->mmdb_.reset();  // MMDB_open releases what it took on failure; nothing to close
    std::string cause = MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) cause += fmt::format(" ({})", std::strerror(err));
    throw geo_error(fmt::format("geoip: '{}' (geoip.path) is not a usable MaxMind DB file: {}; {}", path.string(),
                                cause, fix));
  }
  return db;
}

geo_database::~geo_database() {
  if (mmdb_) MMDB_close(mmdb_.get());
}

namespace {
std::string iso_code(MMDB_entry_s& entry, const char* map) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, map, "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size == 0 || data.data_size > 8)
    return {};
  return std::string(data.utf8_string, data.data_size);
}
}  // namespace

std::string geo_database::country(std::string_view address) const {
  // inet_pton, then a lookup by sockaddr: no getaddrinfo on the alert path. Longer text is no address.
  char text[INET6_ADDRSTRLEN + 1];
  if (address.empty() || address.size() > INET6_ADDRSTRLEN || address.find('\0') != std::string_view::npos) return {};
  std::memcpy(text, address.data(), address.size());
  text[address.size()] = '\0';
  sockaddr_storage storage{};
  if (address.find(':') == std::string_view::npos) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    if (::inet_pton(AF_INET, text, &v4->sin_addr) != 1) return {};
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    if (::inet_pton(AF_INET6, text, &v6->sin6_addr) != 1) return {};
  }
  int error = MMDB_SUCCESS;
  auto result = MMDB_lookup_sockaddr(mmdb_.get(), reinterpret_cast<const sockaddr*>(&storage), &error);
  if (error != MMDB_SUCCESS || !result.found_entry) return {};  // e.g. IPv6 in an IPv4-only database
  auto code = iso_code(result.entry, "country");
  return code.empty() ? iso_code(result.entry, "registered_country") : code;
}

std::string geo_database::database_type() const {
  return mmdb_->metadata.database_type ? mmdb_->metadata.database_type : "";
}

std::uint64_t geo_database::build_epoch() const { return mmdb_->metadata.build_epoch; }

}  // namespace vigil::service
