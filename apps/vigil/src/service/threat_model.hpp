#pragma once
// The threat model component (background, optional): scores every parsed request with the XGBoost
// model served by the model manager (lifespan::models, model name from `model`, default "threat").
// While the manager serves a version the pipeline runs in hybrid mode; while it serves none (no model
// on disk yet, a failed load, the model removed) the pipeline runs in rules mode, and this component
// reports itself degraded saying so. Switching is per batch, in both directions, without a restart.
//
// The decision combines the rules' severity and the model's score (model/threat_scorer.hpp, keys
// rule_weight, model_weight, alert_threshold, always_alert). A low or medium rule hit that the model
// calls benign is vetoed, a line the rules missed alerts when the model alone passes the threshold.
//
// Lifetimes: start() hands the pipeline a scorer; stop() takes it back and waits until no pipeline
// thread is inside it, so the manager (stopped after this component) is never used after its stop.
#include <memory>
#include <string>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "model/threat_scorer.hpp"

namespace vigil::service {

class pipeline;
class model_scorer;

class threat_model : public lifespan::component {
 public:
  struct options {
    std::string model = "threat";
    scorer_options decision;
  };
  static options read_options(lifespan::config::section& section);

  explicit threat_model(options o) : options_(std::move(o)) {}
  ~threat_model() override;

  void start(lifespan::context& ctx) override;
  void stop(lifespan::time_point deadline) override;
  std::optional<lifespan::health_report> check_health(std::stop_token cancel) override;

 private:
  options options_;
  pipeline* pipeline_ = nullptr;
  std::shared_ptr<model_scorer> scorer_;
};

}  // namespace vigil::service
