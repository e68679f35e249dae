#include "train/train_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "crs/commands.hpp"
#include "lifespan/models/loader.hpp"

namespace vigil {

void add_train_command(CLI::App& app, train_command& c, const std::string& default_rules) {
  c.rules = default_rules;
  c.command = app.add_subcommand("train", "train the threat model on labelled lines (gen --labelled) and publish a version");
  auto* t = c.command;
  t->add_option("file", c.input, "label<TAB>line file, - for standard input")->required();
  t->add_option("--models", c.root, "models repository root")->capture_default_str();
  t->add_option("--model", c.model, "model name in the repository")->capture_default_str();
  t->add_option("--version", c.version, "version number (0: one past the highest)")->capture_default_str();
  t->add_option("--rules", c.rules, "rules YAML file (rule hits are features)")->capture_default_str();
  t->add_option("--test-share", c.test_share, "held-out share of lines")->capture_default_str()->check(CLI::Range(0.0, 0.9));
  t->add_option("--seed", c.options.seed, "seed of the split and of XGBoost")->capture_default_str();
  t->add_option("--rounds", c.options.rounds, "boosting rounds")->capture_default_str()->check(CLI::Range(1, 2000));
  t->add_option("--max-depth", c.options.max_depth, "tree depth")->capture_default_str()->check(CLI::Range(1, 16));
  t->add_option("--eta", c.options.eta, "learning rate")->capture_default_str()->check(CLI::Range(0.001, 1.0));
  t->add_option("--threads", c.options.threads, "XGBoost threads")->capture_default_str()->check(CLI::Range(1, 64));
  t->add_flag("--without-rule-features", c.without_rule_features,
              "train on the request's shape alone (rule-hit slots zeroed), to measure what the model adds");
  t->add_option("--rule-dropout", c.rule_dropout,
                 "share of training rows with the rule-hit slots zeroed (the model also learns the shape)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  t->add_option("--warmup-rows", c.warmup_rows, "held-out rows stored in the manifest as warm-up")->capture_default_str();
  crs::add_crs_options(*t, c.crs);
}

int train_command::run() const {
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  try {
    const auto rule_set = rule_set::load(rules);
    const auto crs_rules = crs.enabled ? crs::crs_rules::load(crs::for_format(crs, "combined")) : nullptr;
    std::ifstream file;
    if (input != "-") {
      file.open(input, std::ios::binary);
      if (!file) {
        fmt::print(stderr, "vigil train: cannot read {}\n", input);
        return 2;
      }
    }
    std::istream& in = input == "-" ? std::cin : file;
    auto data = read_labelled(in, rule_set, test_share, options.seed, crs_rules);
    if (without_rule_features) {
      mask_rule_features(data.train);
      mask_rule_features(data.test);
    }
    if (rule_dropout > 0) drop_rule_features(data.train, rule_dropout, options.seed);
    const double read_s = seconds();
    const auto trained = train_model(data.train, options);
    const double train_s = seconds() - read_s;
    const auto quality = evaluate(trained, data.test, options.threshold);
    nlohmann::json metadata{
        {"trained_by", "vigil train"},
        {"feature_version", feature_version},
        {"xgboost", lifespan::models::xgboost_version()},
        {"objective", "binary:logistic"},
        {"threshold", options.threshold},
        {"rule_features", !without_rule_features},
        {"rule_dropout", rule_dropout},
        {"params", {{"rounds", options.rounds}, {"max_depth", options.max_depth}, {"eta", options.eta},
                    {"seed", options.seed}, {"tree_method", "hist"}}},
        {"data", {{"file", std::filesystem::path(input).filename().string()}, {"lines", data.stats.lines},
                  {"train_rows", data.train.rows()}, {"test_rows", data.test.rows()},
                  {"behaviour_skipped", data.stats.behaviour_skipped}, {"malformed", data.stats.malformed},
                  {"test_share", test_share}}},
        {"rules", {{"file", std::filesystem::path(rules).filename().string()},
                   {"sha256", lifespan::models::sha256_file(rules)}}},
        {"crs", crs_rules ? nlohmann::json{{"paranoia_level", crs.load.paranoia_level},
                                           {"anomaly_threshold", crs.load.anomaly_threshold},
                                           {"rules", crs.load.rules_dir}}
                          : nlohmann::json(nullptr)},
        {"held_out", quality.to_json()},
    };
    const auto published = publish_model(trained, root, model, version, metadata, &data.test, warmup_rows);
    nlohmann::json out{{"model", model}, {"version", published.version}, {"dir", published.dir.string()},
                       {"lines", data.stats.lines}, {"train_rows", data.train.rows()},
                       {"test_rows", data.test.rows()}, {"behaviour_skipped", data.stats.behaviour_skipped},
                       {"malformed", data.stats.malformed}, {"held_out", quality.to_json()},
                       {"seconds", {{"features", read_s}, {"train", train_s}, {"total", seconds()}}}};
    std::cout << out.dump(2) << "\n";
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 2;
  }
}

}  // namespace vigil
