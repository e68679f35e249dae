#include "execute.hpp"

#include <boost/asio/post.hpp>

#include "handler_pool.hpp"

namespace lifespan::http::detail {

started execute(server_state& s, std::shared_ptr<call> c, strand on, completion done) {
  if (c->route->execution() == execution::inline_) {
    done(run_handler(s, *c));
    return started::done;
  }
  // `done` (which holds the connection) travels on with the response, so the job keeps only the call.
  handler_pool::job job = [&s, c = std::move(c), on = std::move(on), done = std::move(done)]() mutable {
    if (c->stop.stop_requested()) return;
    auto r = run_handler(s, *c);
    boost::asio::post(on, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  return s.handlers->submit(job) ? started::queued : started::queue_full;
}

}  // namespace lifespan::http::detail
