// The component: lifecycle hooks and the submission API over the engine (see client.hpp).
#include "lifespan/http_client/client.hpp"

#include "engine.hpp"
#include "metrics.hpp"

namespace lifespan::http_client {

client::client(options o, service* svc)
    : options_(std::move(o)), svc_(svc), engine_(std::make_shared<engine>(options_)) {}

client::~client() {
  engine_->stop(time_point{});
}

void client::start(context& ctx) {
  name_ = ctx.name();
  engine_->start(name_);
  if (svc_) detail::publish(*svc_, engine_);
}

void client::stop(time_point deadline) {
  engine_->stop(deadline);
}

std::optional<health_report> client::check_health(std::stop_token) {
  const auto held = engine_->count.held.load(std::memory_order_relaxed);
  if (held * 10 >= options_.queue_capacity * 9)
    return health_report::degraded(std::to_string(held) + " of " + std::to_string(options_.queue_capacity) +
                                   " requests held (queue_capacity): the endpoints are slower than the submissions");
  return health_report::ok();
}

submit_status client::submit(request r, callback done) {
  return engine_->submit(std::move(r), std::move(done), nullptr);
}

std::future<response> client::fetch(request r) {
  auto promise = std::make_shared<std::promise<response>>();
  auto future = promise->get_future();
  std::string why;
  const auto status =
      engine_->submit(std::move(r), [promise](response out) { promise->set_value(std::move(out)); }, &why);
  if (status != submit_status::accepted) {
    response refused;
    refused.outcome = outcome::rejected;
    refused.error = std::move(why);
    promise->set_value(std::move(refused));
  }
  return future;
}

struct stats client::stats() const {
  return engine_->snapshot();
}

}  // namespace lifespan::http_client
