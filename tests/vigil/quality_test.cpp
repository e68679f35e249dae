// Detection quality of the default rules and behaviour windows on a generated, labelled set:
// precision and recall per category must stay above floors (docs/detection.md has the figures).
#include <gtest/gtest.h>

#include "eval/quality.hpp"
#include "gen/payloads.hpp"
#include "gen/traffic_gen.hpp"

namespace vigil {
namespace {

TEST(VigilQuality, PrecisionAndRecallPerCategoryOnAGeneratedSet) {
  gen_options options;
  options.seed = 2026;  // a different seed from the one the rules were tuned on (11)
  options.lines = 120'000;
  options.attack_share = 0.08;
  options.behaviour_share = 0.06;
  traffic_generator generator(options);
  quality_meter meter(rule_set::load(VIGIL_DEFAULT_RULES));
  gen_line line;
  while (generator.next(line)) meter.add(line.label + "\t" + line.text);
  const auto report = meter.finish();
  EXPECT_EQ(report.malformed, 0u);
  ASSERT_GT(report.benign_lines, 100'000u);
  // Benign traffic (with look-alike searches such as "union station" or "o'brien") stays quiet.
  EXPECT_LE(static_cast<double>(report.benign_flagged) / static_cast<double>(report.benign_lines), 0.001);
  for (auto category : attack_categories()) {
    const auto& c = report.categories.at(std::string(category));
    EXPECT_GE(c.tp + c.fn, 200u) << category << ": too few samples to judge";
    EXPECT_GE(c.recall(), 0.95) << category << " tp=" << c.tp << " fn=" << c.fn;
    EXPECT_GE(c.precision(), 0.95) << category << " tp=" << c.tp << " fp=" << c.fp;
  }
  for (auto kind : behaviour_labels()) {
    const auto& c = report.behaviour.at(std::string(kind));
    EXPECT_GE(c.tp + c.fn, 1u) << kind << ": no episode generated";
    EXPECT_GE(c.recall(), 0.9) << kind << " tp=" << c.tp << " fn=" << c.fn;
    EXPECT_GE(c.precision(), 0.9) << kind << " tp=" << c.tp << " fp=" << c.fp;
  }
}

}  // namespace
}  // namespace vigil
