#pragma once
// The seam for the threat model: something that scores one request's feature vector. The pipeline
// holds at most one scorer (pipeline::set_scorer); with none it runs in "rules" mode, with one in
// "hybrid" mode. A scorer is shared with the pipeline's scoring thread and must be thread-safe; it
// may return nullopt when it cannot score right now (its model is being replaced, say), and the line
// is then judged by the rules alone.
#include <optional>

#include "features/features.hpp"

namespace vigil::service {

class scorer {
 public:
  virtual ~scorer() = default;
  // Probability-like score in [0, 1] that the request is an attack.
  virtual std::optional<double> score(const feature_vector& features) = 0;
};

}  // namespace vigil::service
