// Loading a document and handing out section views. Nothing here throws: file and YAML problems
// become errors and leave an empty document behind, so the caller can report them with the rest.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "tree.hpp"

namespace lifespan::config {

// The root view shares its node_ref with every section handed out, so document::get("db") twice,
// and get("") followed by child("db"), all record known keys in one place.
document::impl::impl() : root_ref(std::make_shared<section::node_ref>()) {
  root.type = detail::node::kind::mapping;
  // impl is only ever heap-allocated and never moved, so these pointers stay valid.
  root_ref->root = &root;
  root_ref->mutex = &mutex;
}

document::document() : impl_(std::make_unique<impl>()) {}
document::~document() = default;
document::document(document&&) noexcept = default;
document& document::operator=(document&&) noexcept = default;

namespace {

const char* type_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string size_text(std::uint64_t bytes) {
  std::string text = std::to_string(bytes) + " bytes";
  if (bytes % (std::uint64_t{1} << 20) == 0) text += " (" + std::to_string(bytes >> 20) + " MiB)";
  return text;
}

}  // namespace

document document::from_file(const std::filesystem::path& path, error_list& errors, std::size_t max_bytes) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever. Whatever the
  // path is, fstat on the open descriptor decides (no race with a rename between a stat and the open).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int reason = errno;
    std::string hint;
    std::error_code ec;
    if (path.is_relative()) {
      const auto cwd = std::filesystem::current_path(ec);
      if (!ec) hint = "the path is relative to the working directory " + cwd.string();
    }
    errors.push_back(error{"", origin{name}, "cannot open configuration file: " + std::generic_category().message(reason),
                           std::move(hint)});
    return document{};
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_at_end{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    errors.push_back(error{"", origin{name}, "cannot read configuration file: " + std::generic_category().message(errno), {}});
    return document{};
  }
  if (!S_ISREG(info.st_mode)) {
    errors.push_back(error{"", origin{name}, std::string("cannot open configuration file: it is ") + type_of(info.st_mode),
                           "point --config at a regular file"});
    return document{};
  }
  const auto too_large = [&](std::uint64_t size) {
    errors.push_back(error{"", origin{name},
                           "configuration file is too large: " + size_text(size) + ", the limit is " + size_text(max_bytes),
                           "a configuration is far smaller; check the path, or raise the limit with --config-max-bytes"});
    return document{};
  };
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) return too_large(static_cast<std::uint64_t>(info.st_size));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // Read to the end, but never past the limit: the file may grow after fstat.
  std::string text(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t have = 0;
  for (;;) {
    if (have == text.size()) {
      if (text.size() > max_bytes) return too_large(text.size());
      text.resize(std::min(std::max<std::size_t>(2 * text.size(), 4096), max_bytes + 1));
    }
    const ssize_t got = ::read(fd, text.data() + have, text.size() - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      errors.push_back(error{"", origin{name}, "cannot read configuration file: " + std::generic_category().message(errno), {}});
      return document{};
    }
    if (got == 0) break;
    have += static_cast<std::size_t>(got);
  }
  if (have > max_bytes) return too_large(have);
  text.resize(have);
  return from_string(text, name, errors);
}

document document::from_string(std::string_view yaml, std::string source_name, error_list& errors) {
  document doc;
  if (auto root = detail::load_yaml(yaml, source_name, errors)) doc.impl_->root = std::move(*root);
  return doc;
}

std::vector<std::string> document::section_names() const {
  std::vector<std::string> names;
  if (!impl_) return names;
  names.reserve(impl_->root.entries.size());
  for (const auto& e : impl_->root.entries) names.push_back(e.key);
  return names;
}

section document::get(std::string_view name, error_list& errors) const {
  if (!impl_) return section{};
  section view(impl_->root_ref, "", &errors);
  // "db.pool" is the child "pool" of "db"; each step checks that it really is a section.
  while (!name.empty()) {
    const auto dot = name.find('.');
    view = view.child(name.substr(0, dot));
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  return view;
}

}  // namespace lifespan::config
