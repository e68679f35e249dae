#include "lifespan/models/manifest.hpp"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <system_error>

#include "lifespan/util/json_depth.hpp"

namespace lifespan::models {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const fs::path& where, const std::string& what) {
  throw load_error(where.string() + ": " + what, true);
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool safe_relative(const std::string& p) {
  if (p.empty()) return false;
  fs::path path(p);
  if (path.is_absolute()) return false;
  for (const auto& part : path)
    if (part == "..") return false;
  return p != manifest_name;
}

std::string text(const nlohmann::json& doc, const char* key, const fs::path& where, bool required) {
  auto it = doc.find(key);
  if (it == doc.end()) {
    if (required) bad(where, std::string("missing key '") + key + "'; add it (see docs/models.md)");
    return {};
  }
  if (!it->is_string()) bad(where, std::string("'") + key + "' must be a string, got " + it->type_name());
  return it->get<std::string>();
}

}  // namespace

nlohmann::json manifest::to_json() const {
  nlohmann::json files_json = nlohmann::json::array();
  for (const auto& f : files) files_json.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  nlohmann::json j{{"loader", loader}, {"format", format}, {"entry", entry}, {"files", files_json},
                   {"features", features}, {"metadata", metadata}};
  if (!warmup.empty()) j["warmup"] = warmup;
  return j;
}

manifest parse_manifest(const nlohmann::json& doc, const fs::path& where) {
  if (!doc.is_object()) bad(where, std::string("the manifest must be a JSON object, got ") + doc.type_name());
  manifest m;
  m.loader = text(doc, "loader", where, true);
  m.format = text(doc, "format", where, false);
  m.entry = text(doc, "entry", where, false);
  auto files = doc.find("files");
  if (files == doc.end() || !files->is_array() || files->empty())
    bad(where, "'files' must be a non-empty array of {\"path\", \"sha256\", \"bytes\"}");
  for (const auto& f : *files) {
    if (!f.is_object()) bad(where, "each entry of 'files' must be an object");
    manifest_file mf;
    mf.path = text(f, "path", where, true);
    mf.sha256 = text(f, "sha256", where, true);
    if (!safe_relative(mf.path))
      bad(where, "file path '" + mf.path + "' must be relative, inside the version directory, and not the manifest");
    if (!is_hex64(mf.sha256)) bad(where, "sha256 of '" + mf.path + "' must be 64 lower-case hex digits");
    auto b = f.find("bytes");
    if (b != f.end()) {
      if (!b->is_number_unsigned()) bad(where, "'bytes' of '" + mf.path + "' must be a non-negative integer");
      mf.bytes = b->get<std::uint64_t>();
    }
    m.files.push_back(std::move(mf));
  }
  if (m.entry.empty()) {
    if (m.files.size() != 1) bad(where, "several files and no 'entry': name the main file in 'entry'");
    m.entry = m.files.front().path;
  }
  bool entry_listed = false;
  for (const auto& f : m.files) entry_listed = entry_listed || f.path == m.entry;
  if (!entry_listed) bad(where, "'entry' " + m.entry + " is not listed in 'files'");
  if (auto fe = doc.find("features"); fe != doc.end()) {
    if (!fe->is_array()) bad(where, "'features' must be an array of names");
    for (const auto& name : *fe) {
      if (!name.is_string()) bad(where, "each feature must be a name (string)");
      m.features.push_back(name.get<std::string>());
    }
  }
  if (auto w = doc.find("warmup"); w != doc.end()) {
    if (!w->is_array()) bad(where, "'warmup' must be an array of rows");
    for (const auto& row : *w) {
      if (!row.is_array()) bad(where, "each warm-up row must be an array of numbers");
      if (!m.features.empty() && row.size() != m.features.size())
        bad(where, "a warm-up row has " + std::to_string(row.size()) + " values, the schema " +
                       std::to_string(m.features.size()) + " features");
      std::vector<float> values;
      for (const auto& v : row) {
        if (!v.is_number()) bad(where, "warm-up values must be numbers");
        const auto d = v.get<double>();
        if (std::isfinite(d) && std::abs(d) > std::numeric_limits<float>::max())
          bad(where, "a warm-up value is out of a float's range (" + std::to_string(d) + ")");
        values.push_back(static_cast<float>(d));
      }
      m.warmup.push_back(std::move(values));
    }
  }
  if (auto md = doc.find("metadata"); md != doc.end()) m.metadata = *md;
  return m;
}

// The text's size and nesting are bounded before it is parsed: a deep value parses fine but crashes
// whatever recurses over it later (copying it into the manifest, showing it in GET /models/<name>).
manifest read_manifest(const fs::path& version_dir) {
  fs::path file = version_dir / manifest_name;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw load_error(file.string() + ": cannot open the manifest", false);
  std::string text;
  std::array<char, 64 * 1024> buffer;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_manifest_bytes)
      bad(file, "larger than " + std::to_string(max_manifest_bytes >> 20) +
                    " MiB; a manifest lists files and a schema: move bulky metadata into a file of the version");
  }
  if (in.bad()) throw load_error(file.string() + ": read error", false);
  if (json_depth(text, max_manifest_depth) > max_manifest_depth)
    bad(file, "nests deeper than " + std::to_string(max_manifest_depth) + " levels (metadata included); flatten it");
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) bad(file, "not valid JSON; rewrite the manifest (write it last, via rename)");
  return parse_manifest(doc, file);
}

std::string sha256_file(const fs::path& file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f) throw load_error(file.string() + ": cannot open: " + std::generic_category().message(errno), false);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw load_error("OpenSSL: cannot initialise SHA-256", false);
  std::array<unsigned char, 64 * 1024> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f.get()))
    EVP_DigestUpdate(ctx.get(), buffer.data(), n);
  if (std::ferror(f.get())) throw load_error(file.string() + ": read error", false);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

void verify_files(const fs::path& version_dir, const manifest& m) {
  for (const auto& f : m.files) {
    fs::path file = version_dir / f.path;
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (ec) bad(file, "listed in the manifest but missing; copy the file before writing the manifest");
    if (f.bytes != 0 && size != f.bytes)
      bad(file, "has " + std::to_string(size) + " bytes, the manifest says " + std::to_string(f.bytes) +
                    " (truncated or replaced copy)");
    if (sha256_file(file) != f.sha256) bad(file, "checksum mismatch: the file differs from the manifest's sha256");
  }
}

manifest write_manifest(const fs::path& version_dir, std::string loader, std::string format,
                        std::vector<std::string> files, std::vector<std::string> features,
                        std::vector<std::vector<float>> warmup) {
  manifest m;
  m.loader = std::move(loader);
  m.format = std::move(format);
  for (auto& f : files)
    m.files.push_back({f, sha256_file(version_dir / f), static_cast<std::uint64_t>(fs::file_size(version_dir / f))});
  m.entry = m.files.empty() ? std::string() : m.files.front().path;
  m.features = std::move(features);
  m.warmup = std::move(warmup);
  fs::path tmp = version_dir / ".manifest.json.tmp";
  {
    std::ofstream out(tmp);
    out << m.to_json().dump(2);
    if (!out) throw load_error(tmp.string() + ": cannot write", false);
  }
  fs::rename(tmp, version_dir / manifest_name);
  return m;
}

}  // namespace lifespan::models
