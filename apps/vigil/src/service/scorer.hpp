#pragma once
// The seam for the threat model: something that scores requests' feature vectors. The pipeline holds
// at most one scorer (pipeline::set_scorer). The service runs in "hybrid" mode while a scorer is set
// and available(), in "rules" mode otherwise, and switches per batch as a model disappears or returns.
// A scorer is shared with the pipeline's threads and must be thread-safe.
#include <span>
#include <vector>

#include "features/features.hpp"
#include "model/threat_scorer.hpp"

namespace vigil::service {

class scorer {
 public:
  virtual ~scorer() = default;
  // Whether score() can work now (a model version is being served). Cheap: checked once per batch.
  virtual bool available() const = 0;
  // Probability-like scores in [0, 1] that each request is an attack, one per row, into `scores`.
  // False when it cannot score right now: the batch is then judged by the rules alone.
  virtual bool score(std::span<const feature_vector> rows, std::vector<double>& scores) = 0;
  // Whether a line alerts, and at what severity, given the rules' severity (none when no rule hit)
  // and the model's score: vigil::decide with the configured weights (docs/detection.md).
  virtual decision decide(severity rule_level, double score) const = 0;
};

}  // namespace vigil::service
