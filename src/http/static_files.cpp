#include "lifespan/http/static_files.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace lifespan::http {
namespace {

std::string content_type_of(const std::filesystem::path& p) {
  static const std::map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},    {".json", "application/json"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
  };
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

struct asset {
  std::string content_type;
  std::string body;
  std::string etag;
};

using assets = std::map<std::string, asset, std::less<>>;

response answer(const assets& files, std::string_view name, const request& req) {
  auto it = files.find(name);
  if (it == files.end())
    return response::error(status::not_found, "not found", fmt::format("no file named '{}' is served here", name));
  const asset& a = it->second;
  if (auto match = req.header("if-none-match"); match && *match == a.etag) {
    response r{static_cast<status>(304), {}, {}, {}};
    return r.set("ETag", a.etag);
  }
  response r = response::text(a.body, status::ok, a.content_type);
  return r.set("ETag", a.etag).set("Cache-Control", "no-cache");
}

}  // namespace

std::size_t add_static_files(router& routes, const std::string& prefix, const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec))
    throw std::runtime_error(fmt::format("static files: '{}' is not a readable directory{}", directory.string(),
                                         ec ? ": " + ec.message() : std::string{}));
  auto files = std::make_shared<assets>();
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) throw std::runtime_error(fmt::format("static files: cannot read '{}'", entry.path().string()));
    asset a{content_type_of(entry.path()), body.str(), {}};
    a.etag = fmt::format("\"{:x}-{:x}\"", std::hash<std::string>{}(a.body), a.body.size());
    files->emplace(entry.path().filename().string(), std::move(a));
  }
  const std::string base = prefix.empty() || prefix.back() != '/' ? prefix + "/" : prefix;
  if (base == "/") throw std::invalid_argument("static files: the prefix must not be \"/\" (it would shadow /livez and the other built-in endpoints); use \"/ui\", say");
  // From memory, never blocking: answered on the I/O thread.
  routes.get(base.substr(0, base.size() - 1), [files](request& req) { return answer(*files, "index.html", req); })
      .run_inline();
  routes.get(base + "{file}", [files](request& req) { return answer(*files, req.param("file"), req); }).run_inline();
  return files->size();
}

}  // namespace lifespan::http
