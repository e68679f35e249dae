// Reading the configuration for a reload off the supervisor: a read that blocks (a hung network
// mount) is answered by the deadline and abandoned, later reloads are refused at once while it is
// still blocked (one stuck thread at most), the supervisor stays free throughout, and reads resume
// once it returns. Requests during a read are coalesced into one more read.
#include "core/config_reader.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace lifespan::detail {
namespace {

using namespace std::chrono_literals;

// A loop on a manual clock, run on its own thread; every begin and outcome recorded.
struct reader_fixture {
  std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>();
  std::shared_ptr<loop> l = std::make_shared<loop>(clock);
  std::atomic<bool> quit{false};
  std::future<void> running;
  std::unique_ptr<config_reader> reader;
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> seen;

  reader_fixture() {
    l->attach_clock();
    reader = std::make_unique<config_reader>(l, 5s, "the configuration file /etc/t.yaml");
    running = std::async(std::launch::async, [this] { l->run_until([this] { return quit.load(); }); });
  }
  ~reader_fixture() {
    std::promise<void> gone;
    l->post([&] {
      reader.reset();  // on the supervisor, as the service's impl would
      quit = true;
      gone.set_value();
    });
    gone.get_future().wait();
    running.wait();
  }
  void note(std::string line) {
    std::lock_guard lock(m);
    seen.push_back(std::move(line));
    cv.notify_all();
  }
  // Submits on the supervisor a read running `read`; its lines are tagged with `tag`.
  void submit(const std::string& tag, config_reader::read_fn read) {
    l->post([this, tag, read = std::move(read)] {
      reader->submit({[this, tag] { note(tag + " begin"); }, read, [this, tag](config_reader::outcome o) {
                        note(tag + (o.document ? std::string(" read") : " failed: " + o.failure));
                      }});
    });
  }
  std::string await(std::size_t index) {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, 20s, [&] { return seen.size() > index; })) return "(nothing)";
    return seen[index];
  }
};

config_reader::read_fn quick() {
  return [](config::error_list&) { return std::make_shared<config::document>(); };
}

TEST(ConfigReader, ABlockedReadIsAnsweredByTheDeadlineAndLaterReloadsAreRefusedUntilItReturns) {
  reader_fixture f;
  std::promise<void> unblock;
  std::shared_future<void> unblocked = unblock.get_future().share();
  f.submit("a", [unblocked](config::error_list&) {
    unblocked.wait();  // a hung mount
    return std::make_shared<config::document>();
  });
  ASSERT_EQ(f.await(0), "a begin");
  f.clock->advance(5s);
  EXPECT_EQ(f.await(1),
            "a failed: reading the configuration file /etc/t.yaml did not finish within 5s (a FIFO, or a hung network "
            "mount?); keeping the old configuration");
  f.clock->advance(2s);
  f.submit("b", quick());
  EXPECT_EQ(f.await(2), "b begin");
  EXPECT_EQ(f.await(3),
            "b failed: an earlier read of the configuration file /etc/t.yaml is still blocked after 7s; keeping the old "
            "configuration until it returns (a hung network mount?)");

  // Once it returns (its late result is dropped), reads work again.
  unblock.set_value();
  std::size_t at = 4;
  for (int attempt = 0; attempt < 1000; ++attempt, at += 2) {
    f.submit("c", quick());
    ASSERT_EQ(f.await(at), "c begin");
    if (f.await(at + 1) == "c read") break;
  }
  EXPECT_EQ(f.await(at + 1), "c read");
  std::lock_guard lock(f.m);
  EXPECT_EQ(std::count(f.seen.begin(), f.seen.end(), "a read"), 0);
}

TEST(ConfigReader, RequestsDuringAReadCoalesceIntoOneMoreRead) {
  reader_fixture f;
  std::promise<void> unblock;
  std::shared_future<void> unblocked = unblock.get_future().share();
  f.submit("a", [unblocked](config::error_list&) {
    unblocked.wait();
    return std::make_shared<config::document>();
  });
  ASSERT_EQ(f.await(0), "a begin");
  f.submit("b", quick());
  f.submit("c", quick());
  std::promise<void> posted;  // b and c were submitted (posted before this)
  f.l->post([&] { posted.set_value(); });
  posted.get_future().wait();
  unblock.set_value();
  EXPECT_EQ(f.await(1), "a read");
  EXPECT_EQ(f.await(2), "c begin");  // b was superseded by c
  EXPECT_EQ(f.await(3), "c read");
  std::lock_guard lock(f.m);
  EXPECT_EQ(f.seen.size(), 4u);
}

}  // namespace
}  // namespace lifespan::detail
