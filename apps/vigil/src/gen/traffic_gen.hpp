#pragma once
// Synthetic nginx "combined" traffic with a label per line, reproducible from a seed: browsing
// sessions (pages, then their assets, with think times), API clients, search-engine crawlers,
// single attack requests of every signature category, and per-client behaviour episodes (404
// bursts, password guessing, floods). Actors run on a simulated clock (events ordered by time,
// then creation order), so the output is a plausible interleaving with monotonic timestamps.
//
// Labels: "benign", a signature category (see attack_categories()), or a behaviour label (see
// behaviour_labels()). The same options and seed give byte-identical output.
#include <cstdint>
#include <memory>
#include <string>

namespace vigil {

struct gen_options {
  std::uint64_t seed = 1;
  std::uint64_t lines = 100'000;
  double rate = 50;                         // lines per simulated second
  double attack_share = 0.05;               // share of lines that are single attack requests
  double behaviour_share = 0.03;            // share of lines in behaviour episodes
  std::int64_t start_epoch = 1'767'225'600;  // 2026-01-01T00:00:00Z
};

struct gen_line {
  std::string text;    // one nginx combined line, no newline
  std::string label;
  std::string client;
  std::int64_t epoch = 0;
};

class traffic_generator {
 public:
  explicit traffic_generator(const gen_options& options);
  ~traffic_generator();
  traffic_generator(const traffic_generator&) = delete;
  traffic_generator& operator=(const traffic_generator&) = delete;

  // Fills `out` with the next line; false once options.lines lines were produced.
  bool next(gen_line& out);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

// "01/Jan/2026:00:00:00 +0000"
std::string format_time_local(std::int64_t epoch);
// nginx's escaping of logged values: '"', '\' and bytes outside 0x20..0x7e as \xHH.
std::string nginx_escape(std::string_view value);

}  // namespace vigil
