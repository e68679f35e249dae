#pragma once
// What the pipeline's stages hand each other (pipeline.hpp has the picture): a raw batch becomes a
// detected_batch on a detect worker, an analyzed_batch on the windows thread, and goes as such through
// scoring to the store. Each batch keeps its file's position mark, so positions are saved in the order
// the tailer read the batches. Internal to the pipeline's files.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "features/features.hpp"
#include "service/alert.hpp"
#include "service/source.hpp"

namespace vigil::service {

// A line's data kept for the scoring stage (hybrid mode only), one per parsed, not allow-listed line.
struct candidate {
  feature_vector features;
  std::int64_t alert_index = -1;  // the line's rule alert in its batch's alerts, or -1
  alert prototype;                // filled only when alert_index < 0
};

// What the behaviour windows need of one parsed line, in line order. Strings are ranges of the
// batch's `arena` (client, path) and `text` (the whole line, parsed again when a window fires).
struct line_fact {
  std::uint64_t offset = 0;  // of the line in its file
  std::size_t line_begin = 0, line_size = 0;
  std::size_t client_begin = 0, client_size = 0;  // the resolved client (trusted proxies applied)
  std::size_t path_begin = 0, path_size = 0;      // the target up to '?'
  std::int64_t epoch = 0;
  int status = 0;
  std::int32_t rule_alert = -1;  // the line's rule alert in `alerts`, or -1
};

// A raw batch after a detect worker: rule alerts and candidates in line order; facts only while the
// behaviour windows are on.
struct detected_batch {
  position_mark mark;
  std::chrono::steady_clock::time_point read_at;
  std::uint64_t lines = 0;
  std::string mode;  // "hybrid" or "rules", as decided when the batch was detected
  std::string text;  // the raw batch's lines
  std::string arena;
  std::vector<line_fact> facts;
  std::vector<alert> alerts;
  std::vector<candidate> candidates;
};

// After the windows: every alert of the batch in line order (model alerts are appended by scoring).
struct analyzed_batch {
  position_mark mark;
  std::vector<alert> alerts;
  std::vector<candidate> candidates;  // alert_index: into `alerts`
  std::uint64_t lines = 0;
  std::chrono::steady_clock::time_point read_at;
};

}  // namespace vigil::service
