#include "crs/prefilter_cache.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::crs {
namespace {

// File layout: magic, key (64 bytes), payload size, payload SHA-256 (32 bytes), payload.
// Payload: approximated, tag count, tags, covered count, covered, database size, serialised database.
constexpr char magic[8] = {'V', 'G', 'L', 'P', 'F', 'H', 'S', '1'};

std::string sha256(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads sequentially from a byte string; any read past the end sets `bad` and yields zeros.
struct reader {
  const std::string& in;
  std::size_t at = 0;
  bool bad = false;
  template <class T>
  T get() {
    T v{};
    if (in.size() - at < sizeof v) {
      bad = true;
      return v;
    }
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
};

}  // namespace

std::string prefilter_cache_key(const std::string& description) {
  std::string all = description;
  all += '\0';
  all += hs_version();
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) put(all, platform);
  return hex(sha256(all));
}

std::string prefilter_cache_path(const std::string& dir, const std::string& key) {
  return (std::filesystem::path(dir) / ("crs-hs-" + key.substr(0, 32) + ".hsdb")).string();
}

std::optional<prefilter_image> read_prefilter_cache(const std::string& dir, const std::string& key) {
  if (dir.empty() || key.size() != 64) return std::nullopt;
  std::ifstream in(prefilter_cache_path(dir, key), std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const auto length = static_cast<std::streamoff>(in.tellg());
  const std::size_t header = sizeof magic + 64 + sizeof(std::uint64_t) + 32;
  if (length < static_cast<std::streamoff>(header) || length > (std::streamoff{1} << 32)) return std::nullopt;
  std::string head(header, '\0');
  in.seekg(0);
  if (!in.read(head.data(), static_cast<std::streamsize>(header))) return std::nullopt;
  if (std::memcmp(head.data(), magic, sizeof magic) != 0 || head.compare(sizeof magic, 64, key) != 0)
    return std::nullopt;
  std::uint64_t size = 0;
  std::memcpy(&size, head.data() + sizeof magic + 64, sizeof size);
  if (size != static_cast<std::uint64_t>(length) - header) return std::nullopt;
  std::string payload(size, '\0');
  if (!in.read(payload.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  if (sha256(payload) != head.substr(sizeof magic + 64 + sizeof size, 32)) return std::nullopt;

  reader r{payload};
  prefilter_image image;
  image.approximated = r.get<std::uint32_t>();
  auto tags = r.get<std::uint32_t>();
  if (r.bad || tags > payload.size()) return std::nullopt;
  for (std::uint32_t i = 0; i < tags && !r.bad; ++i) {
    prefilter_tag t{};
    t.rule_index = r.get<std::uint32_t>();
    t.pipelines = r.get<std::uint64_t>();
    t.variables = r.get<std::uint32_t>();
    image.tags.push_back(t);
  }
  auto covered = r.get<std::uint32_t>();
  if (r.bad || covered > payload.size()) return std::nullopt;
  for (std::uint32_t i = 0; i < covered && !r.bad; ++i) image.covered.push_back(r.get<std::uint32_t>());
  auto db_size = r.get<std::uint64_t>();
  if (r.bad || db_size != payload.size() - r.at) return std::nullopt;
  if (hs_deserialize_database(payload.data() + r.at, db_size, &image.db) != HS_SUCCESS) return std::nullopt;
  return image;
}

bool write_prefilter_cache(const std::string& dir, const std::string& key, const prefilter_image& image) {
  if (dir.empty() || key.size() != 64 || !image.db) return false;
  char* bytes = nullptr;
  std::size_t length = 0;
  if (hs_serialize_database(image.db, &bytes, &length) != HS_SUCCESS) return false;
  std::string payload;
  put(payload, image.approximated);
  put(payload, static_cast<std::uint32_t>(image.tags.size()));
  for (const auto& t : image.tags) {
    put(payload, t.rule_index);
    put(payload, t.pipelines);
    put(payload, t.variables);
  }
  put(payload, static_cast<std::uint32_t>(image.covered.size()));
  for (auto c : image.covered) put(payload, c);
  put(payload, static_cast<std::uint64_t>(length));
  payload.append(bytes, length);
  std::free(bytes);

  std::string file(magic, sizeof magic);
  file += key;
  put(file, static_cast<std::uint64_t>(payload.size()));
  file += sha256(payload);
  file += payload;

  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = prefilter_cache_path(dir, key);
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::rand());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(file.data(), static_cast<std::streamsize>(file.size())) || !out.flush()) {
      fs::remove(temp, ec);
      return false;
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace vigil::crs
