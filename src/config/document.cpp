// Loading a document and handing out section views. Nothing here throws: file and YAML problems
// become errors and leave an empty document behind, so the caller can report them with the rest.
#include <cerrno>
#include <fstream>
#include <sstream>
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

document document::from_file(const std::filesystem::path& path, error_list& errors) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.push_back(error{"", origin{name}, "cannot open configuration file: it is a directory", {}});
    return document{};
  }

  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int reason = errno;
    std::string hint;
    if (path.is_relative()) {
      const auto cwd = std::filesystem::current_path(ec);
      if (!ec) hint = "the path is relative to the working directory " + cwd.string();
    }
    errors.push_back(error{"", origin{name},
                           "cannot open configuration file: " +
                               (reason != 0 ? std::generic_category().message(reason) : std::string("unreadable")),
                           std::move(hint)});
    return document{};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    errors.push_back(error{"", origin{name}, "cannot read configuration file", {}});
    return document{};
  }
  return from_string(text.str(), name, errors);
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
