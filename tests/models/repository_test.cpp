#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.hpp"
#include "lifespan/models/component.hpp"
#include "lifespan/models/manager.hpp"
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

std::string reason_for(const repository& repo, const std::string& path) {
  for (const auto& s : repo.skipped().first)
    if (s.path == path) return s.reason;
  return "(not skipped)";
}

// Version directories that are not canonical numbers used to be ignored silently ("007" even read as
// version 7 under another name); each is now listed with the reason.
TEST(ModelsRepository, NonCanonicalVersionDirectoriesAreSkippedWithTheReasonListed) {
  temp_dir root;
  publish_xgboost(root.path, "fraud", 7);
  for (const char* name : {"007", "99999999999999999999", "7.tmp", "18446744073709551615"})
    fs::create_directories(root.path / "fraud" / name);
  fs::create_directories(root.path / "bad name!");
  repository repo(root.path);
  auto listing = repo.scan();
  ASSERT_EQ(listing["fraud"].size(), 2u);  // 7 and the largest version number (no manifest yet)
  EXPECT_EQ(listing["fraud"][0].version, 7u);
  EXPECT_EQ(listing["fraud"][1].version, 18446744073709551615u);
  EXPECT_EQ(reason_for(repo, "fraud/007"), "'007' is not a canonical version number (it would alias version 7): rename it to '7'");
  EXPECT_EQ(reason_for(repo, "fraud/99999999999999999999"),
            "'99999999999999999999' is larger than the largest version number, 18446744073709551615");
  EXPECT_NE(reason_for(repo, "fraud/7.tmp").find("'7.tmp' is not a version number"), std::string::npos);
  EXPECT_NE(reason_for(repo, "bad name!").find("'bad name!' is not a model name"), std::string::npos);
  EXPECT_EQ(repo.skipped().second, 4u);
}

// Links out of the root (a version directory, a file in a version, a model directory) are refused
// unless follow_symlinks is set; links that stay inside the root are followed.
TEST(ModelsRepository, SymlinksOutOfTheRootAreRefusedUnlessFollowSymlinks) {
  temp_dir root, outside;
  const auto elsewhere = publish_xgboost(outside.path, "fraud", 3);
  publish_xgboost(outside.path, "stolen", 1);
  publish_xgboost(root.path, "fraud", 1);
  fs::create_directory_symlink(elsewhere, root.path / "fraud" / "3");
  const auto file_link = publish_xgboost(root.path, "fraud", 4);
  fs::remove(file_link / "model.ubj");
  fs::create_symlink(elsewhere / "model.ubj", file_link / "model.ubj");
  fs::create_directory_symlink(outside.path / "stolen", root.path / "stolen");
  publish_xgboost(root.path, "inner", 1);
  fs::create_directory_symlink(root.path / "inner" / "1", root.path / "inner" / "2");  // inside: fine

  repository repo(root.path);
  auto listing = repo.scan();
  ASSERT_EQ(listing["fraud"].size(), 3u);
  EXPECT_EQ(listing["fraud"][0].state, disk_state::complete);
  EXPECT_EQ(listing["fraud"][1].state, disk_state::invalid);
  EXPECT_NE(listing["fraud"][1].problem.find("refused: 'fraud/3' is a symbolic link to " + fs::canonical(elsewhere).string() +
                                             ", outside models.root"),
            std::string::npos)
      << listing["fraud"][1].problem;
  EXPECT_NE(listing["fraud"][1].problem.find("models.follow_symlinks: true"), std::string::npos);
  EXPECT_EQ(listing["fraud"][2].state, disk_state::invalid);
  EXPECT_NE(listing["fraud"][2].problem.find("'fraud/4/model.ubj' is a symbolic link to"), std::string::npos)
      << listing["fraud"][2].problem;
  EXPECT_EQ(listing.count("stolen"), 0u);
  EXPECT_NE(reason_for(repo, "stolen").find("refused: 'stolen' is a symbolic link to"), std::string::npos);
  ASSERT_EQ(listing["inner"].size(), 2u);
  EXPECT_EQ(listing["inner"][1].state, disk_state::complete) << listing["inner"][1].problem;

  repository following(root.path, true);
  listing = following.scan();
  for (const auto& v : listing["fraud"]) EXPECT_EQ(v.state, disk_state::complete) << v.problem;
  EXPECT_EQ(listing["stolen"].size(), 1u);
  EXPECT_EQ(following.skipped().second, 0u);
}

// GET /models lists what the last scan skipped (manager::list() is its body), and
// models.follow_symlinks is a configuration key of the models component.
TEST(ModelsRepository, TheModelsListingShowsSkippedDirectoriesAndFollowSymlinksIsConfigurable) {
  temp_dir root;
  fs::create_directories(root.path / "fraud" / "007");
  manager_options o;
  o.root = root.path;
  o.watch = false;
  manager m(o, loader_registry{});
  m.rescan();
  const auto listing = m.list();
  ASSERT_EQ(listing["skipped"].size(), 1u) << listing.dump();
  EXPECT_EQ(listing["skipped"][0]["path"], "fraud/007");
  EXPECT_EQ(listing["skipped"][0]["reason"], "'007' is not a canonical version number (it would alias version 7): rename it to '7'");
  EXPECT_EQ(listing["skipped_count"], 1);

  config::error_list errors;
  auto doc = config::document::from_string("models: {root: /srv/models, follow_symlinks: true}\n", "t.yaml", errors);
  auto section = doc.get("models", errors);
  const auto options = models_component::read_options(section);
  section.finish();
  EXPECT_TRUE(errors.empty()) << errors[0].to_string();
  EXPECT_TRUE(options.manager.follow_symlinks);
}

}  // namespace
}  // namespace lifespan::models
