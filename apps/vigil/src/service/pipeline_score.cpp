// The pipeline's score stage (pipeline.hpp): the threat model's decision on each line of a batch in
// hybrid mode, then each alert's country (GeoIP). One thread, batches in order.
#include "service/pipeline.hpp"
#include "service/pipeline_batch.hpp"
#include "service/pipeline_metrics.hpp"

namespace vigil::service {
namespace {

// Applies the model's decision to the batch's alerts; false when the model could not score it.
bool decide_batch(scorer& model, analyzed_batch& batch, std::vector<feature_vector>& rows, std::vector<double>& scores,
                  std::uint64_t& vetoes) {
  rows.clear();
  for (const auto& c : batch.candidates) rows.push_back(c.features);
  scores.clear();
  if (!model.score(rows, scores) || scores.size() != rows.size()) return false;
  std::vector<bool> vetoed(batch.alerts.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& c = batch.candidates[i];
    const double score = scores[i];
    if (c.alert_index >= 0) {
      const auto index = static_cast<std::size_t>(c.alert_index);
      auto& a = batch.alerts[index];
      a.model_score = score;
      const auto d = model.decide(a.level, score);
      if (d.alert) a.level = d.level;
      else vetoed[index] = true;  // a low or medium hit the model calls benign
    } else if (const auto d = model.decide(severity::none, score); d.alert) {
      c.prototype.model_score = score;
      c.prototype.level = d.level;
      c.prototype.categories = {"model"};
      batch.alerts.push_back(std::move(c.prototype));
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.alerts.size(); ++i) {
    if (i < vetoed.size() && vetoed[i]) {
      ++vetoes;
      continue;
    }
    if (kept != i) batch.alerts[kept] = std::move(batch.alerts[i]);
    ++kept;
  }
  batch.alerts.resize(kept);
  return true;
}

}  // namespace

void pipeline::score_loop() {
  std::vector<feature_vector> rows;
  std::vector<double> scores;
  while (auto batch = analyzed_->pop()) {
    if (metrics_) metrics_->analyzed_depth.Set(static_cast<double>(analyzed_->depth()));
    if (!batch->candidates.empty()) {
      auto model = scorer_.load();
      std::uint64_t vetoes = 0;
      if (model && decide_batch(*model, *batch, rows, scores, vetoes)) {
        alerts_vetoed_.fetch_add(vetoes, std::memory_order_relaxed);
      } else {
        for (auto& a : batch->alerts) a.mode = "rules";  // the model went away after the batch was analysed
      }
      batch->candidates.clear();
    }
    if (auto countries = countries_.load(); countries && !batch->alerts.empty()) {
      const std::string* client = nullptr;  // a client's alerts often come together: look it up once
      std::string country;
      for (auto& a : batch->alerts) {
        if (!client || *client != a.client) country = countries->country(a.client);
        client = &a.client;
        a.country = country;
      }
    }
    scored_->push(std::move(*batch));
    if (metrics_) metrics_->scored_depth.Set(static_cast<double>(scored_->depth()));
  }
  scored_->close();
}

}  // namespace vigil::service
