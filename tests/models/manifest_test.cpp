// Hostile manifests: nested too deep, too large, or with warm-up values out of a float's range. Each
// makes its version invalid with the reason; none crashes the scan or the API that shows it.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.hpp"
#include "http/fixture.hpp"
#include "lifespan/models/component.hpp"
#include "lifespan/models/manifest.hpp"
#include "lifespan/models/repository.hpp"

namespace lifespan::models {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::publish_xgboost;
using testing::temp_dir;

std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// Publishes a valid version, then rewrites its manifest with `metadata` (raw JSON text) in it.
fs::path publish_with_metadata(const fs::path& root, const std::string& model, const std::string& metadata) {
  const auto dir = publish_xgboost(root, model, 1);
  nlohmann::json doc;
  {
    std::ifstream in(dir / manifest_name);
    doc = nlohmann::json::parse(in);
  }
  doc["metadata"] = "@@";
  auto text = doc.dump();
  text.replace(text.find("\"@@\""), 4, metadata);
  std::ofstream(dir / manifest_name) << text;
  return dir;
}

TEST(ManifestLimits, MetadataNestedTwoHundredThousandDeepMakesTheVersionInvalidWithoutACrash) {
  temp_dir root;
  const auto dir = publish_with_metadata(root.path, "deep", nested(200'000));
  try {
    read_manifest(dir);
    FAIL() << "a manifest nested 200000 deep was accepted";
  } catch (const load_error& e) {
    EXPECT_TRUE(e.deterministic());
    EXPECT_NE(std::string(e.what()).find("deeper than 64 levels"), std::string::npos) << e.what();
  }
  repository repo(root.path);
  for (int scan = 0; scan < 2; ++scan) {  // at start and at every rescan
    auto listing = repo.scan();
    ASSERT_EQ(listing["deep"].size(), 1u);
    EXPECT_EQ(listing["deep"][0].state, disk_state::invalid);
    EXPECT_NE(listing["deep"][0].problem.find("flatten it"), std::string::npos) << listing["deep"][0].problem;
  }
}

TEST(ManifestLimits, MetadataWithinTheDepthIsKeptAndShown) {
  temp_dir root;
  const auto dir = publish_with_metadata(root.path, "ok", "{\"trained\":" + nested(max_manifest_depth - 2) + "}");
  const auto m = read_manifest(dir);
  EXPECT_FALSE(m.to_json().dump().empty());  // copied and written without trouble
  EXPECT_TRUE(m.metadata.contains("trained"));
}

TEST(ManifestLimits, AManifestLargerThanTheLimitIsInvalid) {
  temp_dir root;
  const auto dir = publish_with_metadata(root.path, "big", "\"" + std::string(max_manifest_bytes, 'x') + "\"");
  try {
    read_manifest(dir);
    FAIL() << "a manifest over max_manifest_bytes was accepted";
  } catch (const load_error& e) {
    EXPECT_TRUE(e.deterministic());
    EXPECT_NE(std::string(e.what()).find("larger than 16 MiB"), std::string::npos) << e.what();
  }
}

TEST(ManifestLimits, AWarmUpValueBeyondAFloatsRangeIsInvalid) {
  temp_dir root;
  const auto dir = publish_xgboost(root.path, "warm", 1);
  nlohmann::json doc;
  {
    std::ifstream in(dir / manifest_name);
    doc = nlohmann::json::parse(in);
  }
  doc["warmup"] = {{1e300, 0, 0, 0}};
  std::ofstream(dir / manifest_name) << doc.dump();
  EXPECT_THROW(
      try { read_manifest(dir); } catch (const load_error& e) {
        EXPECT_NE(std::string(e.what()).find("out of a float's range"), std::string::npos) << e.what();
        throw;
      },
      load_error);
}

// GET /models/<name> needs no token; with 100 000 levels of metadata it used to crash the process.
TEST(ManifestLimits, TheApiShowsADeepManifestsVersionAsInvalidWithTheReason) {
  temp_dir root;
  publish_with_metadata(root.path, "deep", nested(100'000));
  lifespan::test::served s({"models.root=" + root.path.string(), "models.watch=false"});
  s.svc.add<models_component>("models", &s.svc).ready_gating().start_timeout(30s);
  http::router routes;
  add_routes(routes);
  s.add_server(std::move(routes));
  s.start();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_up, "models"));
  lifespan::test::client c(s.port);
  const auto shown = c.get("/models/deep");
  ASSERT_EQ(shown.status, 200) << shown.body;
  const auto version = shown.json()["versions"][0];
  EXPECT_EQ(version["state"], "invalid") << shown.body;
  EXPECT_NE(version["reason"].get<std::string>().find("deeper than 64 levels"), std::string::npos) << shown.body;
  EXPECT_EQ(c.get("/livez").status, 200);
}

}  // namespace
}  // namespace lifespan::models
