#include "config_reader.hpp"

#include <atomic>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "settings.hpp"

namespace lifespan::detail {

struct config_reader::in_flight {
  request req;
  time_point began{};
  loop::timer_id timer = 0;
  bool abandoned = false;               // supervisor only
  std::atomic<bool> returned{false};    // set by the reader thread once the read is over
};

config_reader::config_reader(std::shared_ptr<loop> loop, duration deadline, std::string what)
    : loop_(std::move(loop)), deadline_(deadline), what_(std::move(what)) {}

config_reader::~config_reader() {
  if (current_) loop_->cancel(current_->timer);
}

void config_reader::submit(request r) {
  if (current_ && current_->abandoned && !current_->returned.load(std::memory_order_acquire)) {
    const auto blocked = std::chrono::duration_cast<std::chrono::milliseconds>(loop_->now() - current_->began);
    r.begin();
    r.done({nullptr, {}, fmt::format("an earlier read of {} is still blocked after {}; keeping the old configuration until "
                                     "it returns (a hung network mount?)", what_, format(blocked))});
    return;
  }
  if (current_ && !current_->abandoned) {
    queued_ = std::move(r);  // the latest request wins: it reads the file as it is then
    return;
  }
  launch(std::move(r));
}

void config_reader::launch(request r) {
  auto read = std::make_shared<in_flight>();
  read->req = std::move(r);
  read->began = loop_->now();
  current_ = read;
  // The deadline is armed before `begin` announces the read (reload_started): whoever reacts to the
  // announcement (a test moving a manual clock) finds the timer in place.
  read->timer = loop_->after(deadline_, [this, read] {
    read->timer = 0;
    read->abandoned = true;  // current_ stays: later requests are refused while it is blocked
    auto done = std::move(read->req.done);
    done({nullptr, {}, fmt::format("reading {} did not finish within {} (a FIFO, or a hung network mount?); "
                                   "keeping the old configuration", what_, format(deadline_))});
    if (queued_) {
      auto next = std::move(*queued_);
      queued_.reset();
      submit(std::move(next));
    }
  });
  read->req.begin();
  std::weak_ptr<loop> owner = loop_;
  try {
    std::thread([this, read, owner, fn = read->req.read] {
      outcome o;
      try {
        o.document = fn(o.errors);
      } catch (const std::exception& e) {
        o.failure = fmt::format("reading the configuration failed: {}", e.what());
      }
      read->returned.store(true, std::memory_order_release);
      if (auto l = owner.lock()) l->post([this, read, o = std::move(o)]() mutable { finished(read, std::move(o)); });
    }).detach();
  } catch (const std::system_error& e) {
    loop_->cancel(read->timer);
    current_.reset();
    read->req.done({nullptr, {}, fmt::format("cannot start a thread to read {}: {}", what_, e.what())});
  }
}

void config_reader::finished(const std::shared_ptr<in_flight>& read, outcome o) {
  if (current_ == read) current_.reset();
  if (read->abandoned) return;  // answered by the deadline already
  loop_->cancel(read->timer);
  auto done = std::move(read->req.done);
  done(std::move(o));
  if (queued_ && !current_) {
    auto next = std::move(*queued_);
    queued_.reset();
    launch(std::move(next));
  }
}

}  // namespace lifespan::detail
