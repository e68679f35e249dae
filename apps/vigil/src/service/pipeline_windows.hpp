#pragma once
// The pipeline's ordered stage (pipeline.hpp): takes detected batches in the order the tailer read
// them and applies what depends on that order, the per-client behaviour windows. It merges their
// alerts with the detect workers' rule alerts in line order (a line's rule alert, then the windows it
// made fire), as detection on one thread did, so stored alerts do not depend on the worker count.
// Model alerts are appended later by scoring.
//
// A window that fires needs the line's request for its alert: the line is parsed again here (rare:
// once per threshold crossed), from the batch's text, with the same parser options and proxies.
//
// Not thread-safe: one instance, on the windows thread.
#include <cstdint>
#include <vector>

#include "behaviour/behaviour.hpp"
#include "parse/client_address.hpp"
#include "parse/line_parser.hpp"
#include "service/pipeline.hpp"
#include "service/pipeline_batch.hpp"

namespace vigil::service {

class behaviour_stage {
 public:
  explicit behaviour_stage(const pipeline::options& options);

  analyzed_batch apply(detected_batch batch);

  std::size_t tracked() const { return tracker_.tracked(); }
  std::uint64_t evicted() const { return tracker_.evicted(); }

 private:
  void add_fired(analyzed_batch& out, const detected_batch& in, const line_fact& f);

  behaviour_tracker tracker_;
  line_parser parser_;
  const address_set trusted_;
  log_record record_;
  std::vector<behaviour_alert> fired_;
};

}  // namespace vigil::service
