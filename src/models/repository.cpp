#include "lifespan/models/repository.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace lifespan::models {
namespace fs = std::filesystem;

const char* to_string(disk_state s) noexcept {
  switch (s) {
    case disk_state::complete: return "complete";
    case disk_state::incomplete: return "incomplete";
    case disk_state::invalid: return "invalid";
  }
  return "?";
}

bool valid_model_name(std::string_view name) noexcept {
  if (name.empty() || name.front() == '.' || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

namespace {

bool parse_version(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Size and modification time of the manifest and of every regular file directly in the directory.
std::string fingerprint_of(const fs::path& dir) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    auto size = it->file_size(e2);
    auto time = it->last_write_time(e2).time_since_epoch().count();
    parts.push_back(fs::relative(it->path(), dir, e2).string() + ":" + std::to_string(size) + ":" +
                    std::to_string(time));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (auto& p : parts) out += p + ";";
  return out;
}

}  // namespace

disk_version repository::check(const fs::path& dir, std::uint64_t version) {
  disk_version v;
  v.version = version;
  v.dir = dir;
  std::error_code ec;
  if (!fs::exists(dir / manifest_name, ec)) {
    v.state = disk_state::incomplete;
    v.problem = "no manifest.json yet (being copied?)";
    return v;
  }
  v.fingerprint = fingerprint_of(dir);
  if (auto it = cache_.find(dir); it != cache_.end() && it->second.fingerprint == v.fingerprint)
    return it->second.result;
  try {
    auto m = std::make_shared<manifest>(read_manifest(dir));
    verify_files(dir, *m);
    v.manifest = std::move(m);
    v.state = disk_state::complete;
  } catch (const load_error& e) {
    v.state = e.deterministic() ? disk_state::invalid : disk_state::incomplete;
    v.problem = e.what();
  }
  if (v.state != disk_state::incomplete) cache_[dir] = {v.fingerprint, v};
  return v;
}

disk_version repository::inspect(const std::string& model, std::uint64_t version) {
  return check(root_ / model / std::to_string(version), version);
}

disk_listing repository::scan() {
  disk_listing out;
  std::error_code ec;
  std::map<fs::path, cached> seen;
  for (fs::directory_iterator models(root_, ec), end; !ec && models != end; models.increment(ec)) {
    std::error_code e2;
    std::string name = models->path().filename().string();
    if (!models->is_directory(e2) || !valid_model_name(name)) continue;
    auto& versions = out[name];
    for (fs::directory_iterator vs(models->path(), e2); !e2 && vs != end; vs.increment(e2)) {
      std::error_code e3;
      std::uint64_t number = 0;
      if (!vs->is_directory(e3) || !parse_version(vs->path().filename().string(), number)) continue;
      versions.push_back(check(vs->path(), number));
      if (auto it = cache_.find(vs->path()); it != cache_.end()) seen.insert(*it);
    }
    std::sort(versions.begin(), versions.end(), [](auto& a, auto& b) { return a.version < b.version; });
  }
  cache_ = std::move(seen);  // forget deleted versions
  return out;
}

}  // namespace lifespan::models
