#include "lifespan/models/repository.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "lifespan/config/config.hpp"

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

// Parses a canonical version number into `out`; otherwise says why `name` is not one.
std::string version_problem(const std::string& name, std::uint64_t& out) {
  const bool digits = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits)
    return config::quote(name) + " is not a version number: versions are decimal directory names (a temporary name "
           "while copying is fine: it is taken once renamed to its number)";
  if (name.size() > 1 && name.front() == '0') {
    const auto first = name.find_first_not_of('0');
    const std::string canonical = first == std::string::npos ? "0" : name.substr(first);
    return config::quote(name) + " is not a canonical version number (it would alias version " + canonical +
           "): rename it to " + config::quote(canonical);
  }
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), out);
  if (ec != std::errc() || end != name.data() + name.size())
    return config::quote(name) + " is larger than the largest version number, 18446744073709551615";
  return {};
}

bool inside(const fs::path& path, const fs::path& root) {
  const auto rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
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

std::string repository::outside_root(const fs::path& entry) const {
  std::error_code ec;
  if (follow_symlinks_ || !fs::is_symlink(entry, ec)) return {};
  const auto root = fs::canonical(root_, ec);
  const auto target = fs::canonical(entry, ec);
  const auto name = entry.lexically_relative(root_).string();
  if (ec) return "'" + name + "' is a symbolic link that resolves nowhere";
  if (inside(target, root)) return {};
  return "'" + name + "' is a symbolic link to " + target.string() + ", outside models.root (" + root.string() +
         "); set models.follow_symlinks: true to serve it";
}

void repository::skip(std::vector<skipped_dir>& into, std::size_t& count, const fs::path& dir, std::string reason) const {
  if (++count <= max_skipped_listed) into.push_back({dir.lexically_relative(root_).string(), std::move(reason)});
}

std::pair<std::vector<skipped_dir>, std::size_t> repository::skipped() const {
  std::lock_guard lock(skipped_mu_);
  return {skipped_, skipped_count_};
}

disk_version repository::check(const fs::path& dir, std::uint64_t version) {
  disk_version v;
  v.version = version;
  v.dir = dir;
  std::error_code ec;
  // The version directory or any file in it may not be a link out of the root (nor its model
  // directory, for an explicit inspect()).
  for (const auto& link : {dir.parent_path(), dir}) {
    if (auto why = outside_root(link); !why.empty()) {
      v.state = disk_state::invalid;
      v.problem = "refused: " + why;
      return v;
    }
  }
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto why = outside_root(it->path()); !why.empty()) {
      v.state = disk_state::invalid;
      v.problem = "refused: " + why;
      return v;
    }
  }
  ec.clear();
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
  std::vector<skipped_dir> skipped;
  std::size_t skipped_count = 0;
  for (fs::directory_iterator models(root_, ec), end; !ec && models != end; models.increment(ec)) {
    std::error_code e2;
    std::string name = models->path().filename().string();
    if (!models->is_directory(e2)) continue;  // files beside the models (a README) are not skipped models
    if (!valid_model_name(name)) {
      skip(skipped, skipped_count, models->path(),
           config::quote(name) + " is not a model name: letters, digits, '_', '-' and '.', not starting with '.'");
      continue;
    }
    if (auto why = outside_root(models->path()); !why.empty()) {
      skip(skipped, skipped_count, models->path(), "refused: " + why);
      continue;
    }
    auto& versions = out[name];
    for (fs::directory_iterator vs(models->path(), e2); !e2 && vs != end; vs.increment(e2)) {
      std::error_code e3;
      std::uint64_t number = 0;
      if (!vs->is_directory(e3)) continue;
      if (auto why = version_problem(vs->path().filename().string(), number); !why.empty()) {
        skip(skipped, skipped_count, vs->path(), std::move(why));
        continue;
      }
      versions.push_back(check(vs->path(), number));
      if (auto it = cache_.find(vs->path()); it != cache_.end()) seen.insert(*it);
    }
    std::sort(versions.begin(), versions.end(), [](auto& a, auto& b) { return a.version < b.version; });
  }
  cache_ = std::move(seen);  // forget deleted versions
  std::lock_guard lock(skipped_mu_);
  skipped_ = std::move(skipped);
  skipped_count_ = skipped_count;
  return out;
}

}  // namespace lifespan::models
