#pragma once
// Static assets (a dashboard's HTML, scripts and styles) served from memory.
//
//   lifespan::http::router routes;
//   lifespan::http::add_static_files(routes, "/ui", "apps/vigil/web");   // GET /ui, /ui/{file}
//
// The directory's regular files (not its subdirectories) are read once, when this is called, before
// the service runs: a missing or unreadable directory throws std::runtime_error naming it, and
// requests never touch the disk. The prefix itself answers index.html. The prefix must not be "/":
// "/{file}" would shadow the server's built-in endpoints (add_server refuses it). Responses carry a
// Content-Type from the file extension, an ETag, and `Cache-Control: no-cache` (revalidate, so a
// new build is picked up at once); a matching If-None-Match gets 304. Unknown names get 404.
#include <filesystem>
#include <string>

#include "lifespan/http/router.hpp"

namespace lifespan::http {

// Returns how many files were loaded.
std::size_t add_static_files(router& routes, const std::string& prefix, const std::filesystem::path& directory);

}  // namespace lifespan::http
