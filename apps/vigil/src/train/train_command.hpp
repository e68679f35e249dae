#pragma once
// `vigil train`: the subcommand's options and its run, kept here so main.cpp only registers it.
//
//   vigil gen --lines 200000 --seed 7 --attack-share 0.08 --labelled -o train.tsv
//   vigil train train.tsv --models apps/vigil/models --model threat --seed 7
//
// Prints the held-out figures (overall and per label) as JSON and the published version's directory.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "crs/detector.hpp"
#include "train/trainer.hpp"

namespace vigil {

struct train_command {
  CLI::App* command = nullptr;
  std::string input;
  std::string rules;
  std::string root = "models";
  std::string model = "threat";
  std::uint64_t version = 0;
  double test_share = 0.2;
  std::size_t warmup_rows = 8;
  bool without_rule_features = false;
  double rule_dropout = 0;
  crs::crs_options crs;  // CRS verdicts are features (slots 41-51); --no-crs leaves them 0
  train_options options;

  int run() const;
};

// Adds the `train` subcommand to `app`; `command` must outlive app's parsing.
void add_train_command(CLI::App& app, train_command& command, const std::string& default_rules);

}  // namespace vigil
