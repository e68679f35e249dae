#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "client.hpp"
#include "fixture.hpp"
#include "lifespan/http/static_files.hpp"

namespace lifespan::test {
namespace {

struct web_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("static-" + std::to_string(::getpid()));
  web_dir() {
    std::filesystem::create_directories(path / "nested");
    std::ofstream(path / "index.html") << "<h1>hello</h1>";
    std::ofstream(path / "app.js") << "console.log(1);";
    std::ofstream(path / "nested" / "hidden.txt") << "no";
  }
  ~web_dir() { std::filesystem::remove_all(path); }
};

TEST(StaticFiles, ServesTheDirectoryFromMemoryWithTypesAndRevalidation) {
  web_dir dir;
  http::router routes;
  EXPECT_EQ(http::add_static_files(routes, "/ui", dir.path), 2u);
  EXPECT_THROW(http::add_static_files(routes, "/", dir.path), std::invalid_argument);
  served s;
  s.add_server(std::move(routes));
  s.start();
  std::filesystem::remove_all(dir.path);  // read once, up front: the disk is not touched any more

  const auto index = fetch(s.port, "/ui");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>hello</h1>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  const auto js = fetch(s.port, "/ui/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  ASSERT_FALSE(js.header("etag").empty());

  client c(s.port);
  const auto again = c.request("GET", "/ui/app.js", {}, "If-None-Match: " + js.header("etag") + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  const auto missing = fetch(s.port, "/ui/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.json()["reason"].get<std::string>().find("nope.js"), std::string::npos);
  EXPECT_EQ(fetch(s.port, "/ui/nested").status, 404) << "subdirectories are not served";
}

TEST(StaticFiles, AMissingDirectoryIsReportedBeforeAnythingRuns) {
  http::router routes;
  try {
    http::add_static_files(routes, "/ui", "/no/such/dir");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/dir"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lifespan::test
