// Loading: files, malformed YAML, the shape of the top level, and the error format.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config {
namespace {

using strings = std::vector<std::string>;

// A file unique to this test and process (test cases run in parallel), removed afterwards.
class temp_file {
 public:
  explicit temp_file(std::string_view text) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lifespan-config-" + std::string(info->name()) + "-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(Origin, FormatsFilePositionsAndOtherSources) {
  EXPECT_EQ((origin{"config.yaml", 12, 3}).to_string(), "config.yaml:12:3");
  EXPECT_EQ((origin{"config.yaml", 12, 0}).to_string(), "config.yaml:12");
  EXPECT_EQ((origin{"environment VIGIL__DB__URL"}).to_string(), "environment VIGIL__DB__URL");
  EXPECT_EQ(origin{}.to_string(), "");
}

TEST(Error, LeavesOutEmptyParts) {
  EXPECT_EQ((error{"db.pool_size", {"config.yaml", 12, 3}, "expected an integer, got 'ten'", ""}).to_string(),
            "config.yaml:12:3: db.pool_size: expected an integer, got 'ten'");
  EXPECT_EQ((error{"db.x", {}, "missing required key", "add it"}).to_string(), "db.x: missing required key (add it)");
  EXPECT_EQ((error{"", {"a.yaml", 1, 1}, "invalid YAML: boom", ""}).to_string(), "a.yaml:1:1: invalid YAML: boom");
}

TEST(FromString, ListsSectionsInDocumentOrder) {
  error_list errors;
  auto doc = document::from_string("zeta:\n  a: 1\nalpha:\n  b: 2\nstartup: {}\n", "config.yaml", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(doc.section_names(), (strings{"zeta", "alpha", "startup"}));
}

TEST(FromString, AnEmptyDocumentHasNoSections) {
  for (std::string_view text : {"", "# only a comment\n", "---\n", "~\n"}) {
    error_list errors;
    auto doc = document::from_string(text, "config.yaml", errors);
    EXPECT_TRUE(errors.empty()) << text;
    EXPECT_TRUE(doc.section_names().empty()) << text;
  }
}

struct malformed_case {
  std::string text;
  std::string position;  // "line:column" of the error
  std::string message;
};

TEST(FromString, MalformedYamlIsOneErrorWithItsPosition) {
  const std::vector<malformed_case> cases{
      {"db:\n  a: [1, 2\n", "3:1", "invalid YAML: end of sequence flow not found"},
      {"db:\n  a: 1\n b: 2\n", "3:2", "invalid YAML: end of map not found"},
      {"db:\n  a: 1\n\tb: 2\n", "3:1", "invalid YAML: illegal tab when looking for indentation"},
      {"key: value: other\n", "1:11", "invalid YAML: illegal map value"},
      {"a: *undefined\n", "1:4", "invalid YAML: the referenced anchor is not defined"},
  };
  for (const auto& c : cases) {
    error_list errors;
    auto doc = document::from_string(c.text, "config.yaml", errors);
    ASSERT_EQ(errors.size(), 1u) << c.text;
    EXPECT_EQ(errors[0].where.to_string(), "config.yaml:" + c.position) << c.text;
    EXPECT_EQ(errors[0].message, c.message) << c.text;
    EXPECT_TRUE(doc.section_names().empty());
  }
}

TEST(FromString, TheTopLevelMustBeAMapping) {
  error_list errors;
  auto doc = document::from_string("- db\n- cache\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(),
            "config.yaml:1:1: expected a mapping of section names to settings at the top level, got a list "
            "(start the file with a section name, e.g. `shutdown:`)");
  EXPECT_TRUE(doc.section_names().empty());

  errors.clear();
  document::from_string("just text\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a mapping of section names to settings at the top level, got 'just text'");
}

TEST(FromString, RejectsSeveralDocuments) {
  error_list errors;
  auto doc = document::from_string("a: {}\n---\nb: {}\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected one YAML document, found 2");
  EXPECT_EQ(errors[0].where.line, 3);
}

TEST(FromString, DuplicateKeysAreReportedAndTheLastWins) {
  error_list errors;
  auto doc = document::from_string("db:\n  size: 1\n  size: 2\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "config.yaml:3:3: db.size: duplicate key 'size' (it is also written at line 2; keep one)");
  EXPECT_EQ(doc.get("db", errors).get<int>("size", 0), 2);
}

TEST(FromString, NonScalarKeysAreReported) {
  error_list errors;
  auto doc = document::from_string("db:\n  ? [a, b]\n  : 1\n  ok: 2\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "db");
  EXPECT_EQ(errors[0].message, "a key must be a non-empty name");
  EXPECT_EQ(doc.get("db", errors).keys(), strings{"ok"});
}

TEST(FromString, SelfReferencingAliasesStopAtTheDepthLimit) {
  error_list errors;
  document::from_string("a: &x [*x]\n", "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "nesting is deeper than 64 levels");
  EXPECT_EQ(errors[0].key.rfind("a[1][1][1]", 0), 0u);
}

TEST(FromString, AliasesThatExplodeStopAtTheSizeLimit) {
  error_list errors;
  // Each level doubles: fully expanded this would be 2^41 values.
  std::string yaml = "l0: &l0 [x, x]\n";
  for (int i = 1; i <= 40; ++i) {
    const std::string prev = "l" + std::to_string(i - 1);
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*" + prev + ", *" + prev + "]\n";
  }
  auto doc = document::from_string(yaml, "config.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "the document expands to more than 100000 values");
  EXPECT_EQ(doc.section_names().size(), 41u);  // what was read before the limit is kept
}

TEST(FromFile, ReadsAFileAndNamesItInPositions) {
  temp_file file("db:\n  pool_size: ten\n");
  error_list errors;
  auto doc = document::from_file(file.path(), errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 4), 4);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), file.path().string() + ":2:14: db.pool_size: expected an integer, got 'ten'");
}

TEST(FromFile, AMissingFileIsOneErrorNamingThePath) {
  error_list errors;
  const auto path = std::filesystem::temp_directory_path() / "lifespan-config-does-not-exist.yaml";
  auto doc = document::from_file(path, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.source, path.string());
  EXPECT_EQ(errors[0].to_string(), path.string() + ": cannot open configuration file: No such file or directory");
  EXPECT_TRUE(doc.section_names().empty());
  EXPECT_FALSE(doc.get("db", errors).exists());
}

TEST(FromFile, ARelativeMissingPathMentionsTheWorkingDirectory) {
  error_list errors;
  document::from_file("lifespan-config-missing-relative.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("cannot open"), std::string::npos);
  EXPECT_EQ(errors[0].hint, "the path is relative to the working directory " + std::filesystem::current_path().string());
}

TEST(FromFile, ADirectoryIsNotAFile) {
  error_list errors;
  document::from_file(std::filesystem::temp_directory_path(), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "cannot open configuration file: it is a directory");
}

TEST(FromFile, MalformedYamlNamesTheFile) {
  temp_file file("db:\n  a: [1, 2\n");
  error_list errors;
  document::from_file(file.path(), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.source, file.path().string());
  EXPECT_EQ(errors[0].where.line, 3);
}

TEST(Document, SectionsSurviveMovingTheDocument) {
  error_list errors;
  auto doc = document::from_string("db:\n  size: 3\n", "config.yaml", errors);
  auto db = doc.get("db", errors);
  document moved = std::move(doc);
  EXPECT_EQ(db.get<int>("size", 0), 3);
  EXPECT_EQ(moved.section_names(), strings{"db"});
  document assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.get("db", errors).get<int>("size", 0), 3);
  EXPECT_TRUE(errors.empty());
}

TEST(Document, ADefaultDocumentIsEmptyButUsable) {
  document doc;
  error_list errors;
  EXPECT_TRUE(doc.section_names().empty());
  EXPECT_FALSE(doc.get("db", errors).exists());
  doc.apply_set("db.size=2", errors);
  EXPECT_EQ(doc.get("db", errors).get<int>("size", 0), 2);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace lifespan::config
