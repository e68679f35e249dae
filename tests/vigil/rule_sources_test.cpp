// rules.d: extra rule files beside the main one, each able to be turned off (rules/rule_sources.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.hpp"
#include "rules/rule_set.hpp"

namespace vigil {
namespace {

std::string rules_yaml(const std::string& id, const std::string& pattern, const std::string& extra = "") {
  return extra + "rules:\n  - id: " + id + "\n    category: site\n    severity: high\n    field: target\n" +
         "    pattern: '" + pattern + "'\n";
}

struct vigil_rules_d : ::testing::Test {
  lifespan::test::temp_dir dir{"vigil-rules-d"};
  std::filesystem::path main = dir / "main.yaml";
  std::filesystem::path d = dir / "rules.d";
  void SetUp() override {
    std::filesystem::create_directory(d);
    std::ofstream(main) << rules_yaml("main-rule", "<script");
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(d / name) << text; }
  rule_sources sources() const { return {main.string(), d.string()}; }
};

std::vector<std::string> ids(const rule_set& set) {
  std::vector<std::string> out;
  for (const auto& r : set.rules()) out.push_back(r.id);
  return out;
}

TEST_F(vigil_rules_d, files_load_in_name_order_and_only_yaml_counts) {
  write("20-b.yaml", rules_yaml("b-rule", "/b-admin"));
  write("10-a.yml", rules_yaml("a-rule", "/a-admin"));
  write("30-c.yaml.disabled", rules_yaml("c-rule", "/c-admin"));
  write("README", "not rules");
  const auto set = rule_set::load(sources());
  EXPECT_EQ(ids(*set), (std::vector<std::string>{"main-rule", "a-rule", "b-rule"}));
  ASSERT_EQ(set->files().size(), 3u);
  EXPECT_EQ(set->files()[1].path, (d / "10-a.yml").string());
  EXPECT_EQ(set->rules()[1].file, (d / "10-a.yml").string());
}

TEST_F(vigil_rules_d, a_file_or_a_rule_can_be_turned_off) {
  write("10-off.yaml", rules_yaml("off-rule", "/off", "enabled: false\n"));
  write("20-on.yaml", "rules:\n"
                      "  - {id: kept, category: site, severity: low, field: target, pattern: '/kept'}\n"
                      "  - {id: dropped, category: site, severity: low, field: target, pattern: '/x', enabled: false}\n");
  const auto set = rule_set::load(sources());
  EXPECT_EQ(ids(*set), (std::vector<std::string>{"main-rule", "kept"}));
  ASSERT_EQ(set->files().size(), 3u);
  EXPECT_FALSE(set->files()[1].enabled);
  EXPECT_EQ(set->files()[1].rules, 0u);
  EXPECT_TRUE(set->files()[2].enabled);
  EXPECT_EQ(set->files()[2].rules, 1u);
}

TEST_F(vigil_rules_d, a_turned_off_file_is_still_checked_for_form) {
  write("10-off.yaml", "enabled: false\nrules:\n  - {id: x, category: c, severity: extreme, field: target, pattern: a}\n");
  try {
    rule_set::load(sources());
    FAIL() << "a bad severity in a turned-off file was accepted";
  } catch (const rule_error& e) {
    EXPECT_NE(std::string(e.what()).find("10-off.yaml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("extreme"), std::string::npos) << e.what();
  }
}

TEST_F(vigil_rules_d, a_duplicate_id_names_both_files) {
  write("10-dup.yaml", rules_yaml("main-rule", "/other"));
  try {
    rule_set::load(sources());
    FAIL() << "a duplicate id across files was accepted";
  } catch (const rule_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("10-dup.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("main.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("main-rule"), std::string::npos) << what;
  }
}

TEST_F(vigil_rules_d, a_bad_pattern_is_reported_with_its_own_file_by_check_and_load) {
  write("10-bad.yaml", rules_yaml("bad-rule", "union(select"));
  for (const bool compile : {false, true}) {
    try {
      if (compile) rule_set::load(sources());
      else rule_set::check(sources());
      FAIL() << "a bad pattern was accepted (compile " << compile << ")";
    } catch (const rule_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("rules file " + (d / "10-bad.yaml").string() + ": rule 'bad-rule'"), std::string::npos)
          << what;
    }
  }
}

TEST_F(vigil_rules_d, a_missing_directory_is_an_error_naming_it) {
  std::filesystem::remove(d);
  try {
    rule_set::load(sources());
    FAIL() << "a missing rules.d was accepted";
  } catch (const rule_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(d.string()), std::string::npos) << what;
    EXPECT_NE(what.find("does not exist"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace vigil
