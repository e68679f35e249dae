#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.hpp"
#include "lifespan/models/repository.hpp"

namespace lifespan::models {
namespace {
namespace fs = std::filesystem;
using testing::publish_xgboost;
using testing::temp_dir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(ModelsRepository, CompleteVersionsAreListedAscendingWithVerifiedManifest) {
  temp_dir root;
  publish_xgboost(root.path, "fraud", 10);
  publish_xgboost(root.path, "fraud", 2, "json");
  repository repo(root.path);
  auto listing = repo.scan();
  ASSERT_EQ(listing.size(), 1u);
  auto& versions = listing["fraud"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 2u);
  EXPECT_EQ(versions[1].version, 10u);
  for (auto& v : versions) {
    EXPECT_EQ(v.state, disk_state::complete) << v.problem;
    ASSERT_TRUE(v.manifest);
    EXPECT_EQ(v.manifest->loader, "xgboost");
    EXPECT_EQ(v.manifest->features.size(), testing::test_features);
    EXPECT_EQ(v.manifest->warmup.size(), 2u);
  }
  EXPECT_EQ(versions[0].manifest->format, "json");
}

TEST(ModelsRepository, HalfWrittenVersionWithoutManifestIsInvisibleNotAnError) {
  temp_dir root;
  write(root.path / "fraud" / "3" / "model.ubj", "partial bytes");
  write(root.path / "fraud" / "4.tmp" / "manifest.json", "{}");  // not a version name
  write(root.path / ".hidden" / "1" / "manifest.json", "{}");    // not a model name
  repository repo(root.path);
  auto listing = repo.scan();
  ASSERT_EQ(listing["fraud"].size(), 1u);
  EXPECT_EQ(listing["fraud"][0].state, disk_state::incomplete);
  EXPECT_EQ(listing.count(".hidden"), 0u);
}

TEST(ModelsRepository, CorruptedFileIsInvalidWithTheFileNamed) {
  temp_dir root;
  auto dir = publish_xgboost(root.path, "fraud", 1);
  {
    std::fstream f(dir / "model.ubj", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x7f');
  }
  repository repo(root.path);
  auto v = repo.scan()["fraud"].at(0);
  EXPECT_EQ(v.state, disk_state::invalid);
  EXPECT_NE(v.problem.find("model.ubj"), std::string::npos) << v.problem;
  EXPECT_NE(v.problem.find("checksum mismatch"), std::string::npos) << v.problem;
}

TEST(ModelsRepository, TruncatedFileAndBadManifestsAreInvalidWithReasons) {
  temp_dir root;
  auto dir = publish_xgboost(root.path, "a", 1);
  fs::resize_file(dir / "model.ubj", 10);
  write(root.path / "b" / "1" / "manifest.json", "{not json");
  write(root.path / "c" / "1" / "manifest.json", R"({"loader": "xgboost", "files": [{"path": "../x", "sha256": "00"}]})");
  write(root.path / "d" / "1" / "manifest.json",
        R"({"loader": "xgboost", "features": ["a","b"], "warmup": [[1]], "files": [{"path": "m.ubj", "sha256": ")" +
            std::string(64, '0') + R"("}]})");
  repository repo(root.path);
  auto listing = repo.scan();
  EXPECT_NE(listing["a"][0].problem.find("10 bytes"), std::string::npos) << listing["a"][0].problem;
  EXPECT_NE(listing["b"][0].problem.find("not valid JSON"), std::string::npos) << listing["b"][0].problem;
  EXPECT_NE(listing["c"][0].problem.find("must be relative"), std::string::npos) << listing["c"][0].problem;
  EXPECT_NE(listing["d"][0].problem.find("warm-up row has 1 values"), std::string::npos) << listing["d"][0].problem;
  for (auto name : {"a", "b", "c", "d"}) EXPECT_EQ(listing[name][0].state, disk_state::invalid) << name;
}

TEST(ModelsRepository, RescanPicksUpReplacedFilesAndForgetsDeletedVersions) {
  temp_dir root;
  auto dir = publish_xgboost(root.path, "m", 1);
  repository repo(root.path);
  EXPECT_EQ(repo.scan()["m"][0].state, disk_state::complete);
  fs::resize_file(dir / "model.ubj", 5);  // size changes: the fingerprint changes, the version is re-verified
  EXPECT_EQ(repo.scan()["m"][0].state, disk_state::invalid);
  fs::remove_all(dir);
  EXPECT_TRUE(repo.scan()["m"].empty());
}

TEST(ModelsRepository, MissingRootIsAnEmptyListing) {
  repository repo("/nonexistent/lifespan-models-root");
  EXPECT_TRUE(repo.scan().empty());
}

}  // namespace
}  // namespace lifespan::models
