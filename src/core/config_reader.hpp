#pragma once
// Reads the configuration for a reload off the supervisor. Reading a file can block for as long as
// the kernel likes (a file on a hung network mount blocks in open() or read()), and the supervisor
// must stay free to shut down meanwhile; so each read runs on a thread of its own and its outcome is
// posted back, or a deadline answers first.
//
// Semantics (supervisor role for every member function):
//  - one read at a time: a request while one is in flight (and within its deadline) is queued, and
//    only the latest queued request is kept (ten SIGHUPs during a read cause one more read, of the
//    file as it is then);
//  - past the deadline, the request is answered with a failure and the read is abandoned: its thread
//    is detached and its result, if it ever comes, is dropped. While it is still blocked, every new
//    request is refused at once with a failure naming how long it has been blocked: at most one
//    thread is ever stuck, however many reloads are asked for.
// Each request's `begin` runs (on the supervisor) when its read starts or is refused, and its `done`
// exactly once afterwards, so that reload_started and reload_finished always pair up.
//
// Lifetime: the reader thread owns what it uses (the read function, a shared record); it posts to
// the loop through a weak_ptr, so a read that returns after the runtime is gone touches nothing.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lifespan/config/config.hpp"
#include "loop.hpp"

namespace lifespan::detail {

class config_reader {
 public:
  struct outcome {
    std::shared_ptr<config::document> document;  // null on failure
    config::error_list errors;                   // the document's problems (file, YAML)
    std::string failure;                         // set when the read timed out or could not start
  };
  using read_fn = std::function<std::shared_ptr<config::document>(config::error_list& errors)>;
  struct request {
    std::function<void()> begin;
    read_fn read;
    std::function<void(outcome)> done;
  };

  config_reader(std::shared_ptr<loop> loop, duration deadline, std::string what);
  ~config_reader();
  config_reader(const config_reader&) = delete;
  config_reader& operator=(const config_reader&) = delete;

  void submit(request r);

 private:
  struct in_flight;
  void launch(request r);
  void finished(const std::shared_ptr<in_flight>& read, outcome o);

  std::shared_ptr<loop> loop_;
  duration deadline_;
  std::string what_;  // "the configuration file /etc/vigil.yaml", for messages
  std::shared_ptr<in_flight> current_;  // in flight or abandoned-and-still-blocked
  std::optional<request> queued_;
};

}  // namespace lifespan::detail
