// The telemetry store across process boundaries: SIGTERM with a full queue, SIGKILL in durable mode,
// and a spool that hits a file-size limit. Each test spawns the test program itself as the service.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>

#include "child.hpp"
#include "child_modes.hpp"
#include "pg.hpp"
#include "telemetry_fixture.hpp"

namespace lifespan::test {
namespace {

using data::ack;

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Records numbered events until the store says stopped; keeps the acknowledged ones.
class producer : public component {
 public:
  void start(context& ctx) override {
    store_ = &ctx.get<data::telemetry_store>();
    thread_ = std::thread([this] {
      bool announced = false;
      for (long i = 0; !quit_.load(); ++i) {
        const ack a = store_->record({"x", std::to_string(i)});
        if (a == ack::stopped) break;
        if (a == ack::accepted) acked_ += std::to_string(i) + "\n";
        if (!announced && i > 2000 && store_->metrics().queue_depth * 10 >= full_at_ * 9) {
          std::printf("full queue\n");
          std::fflush(stdout);
          announced = true;
        }
      }
    });
  }
  void stop(time_point) override {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
    std::ofstream(env_or("LIFESPAN_DATA_ACKS")) << acked_;
  }
  std::size_t full_at_ = 1024;

 private:
  data::telemetry_store* store_ = nullptr;
  std::atomic<bool> quit_{false};
  std::thread thread_;
  std::string acked_;
};

}  // namespace

void telemetry_sigterm_mode() {
  service_options o;
  o.install_logger = false;
  o.read_environment = false;
  service svc("datachild", o);
  auto d = db_options(env_or("LIFESPAN_DATA_URL"));
  auto t = telemetry_options(env_or("LIFESPAN_DATA_SPOOL"));
  t.queue_capacity = 1024;
  t.batch_max = 16;  // slow writer on purpose: the queue stays full
  t.flush_budget = 20s;
  svc.add_factory<data::database>("db", [d] { return std::make_unique<data::database>(d); });
  svc.add_factory<data::telemetry_store>("telemetry", [t] { return std::make_unique<data::telemetry_store>(t); })
      .depends_on<data::database>()
      .stop_timeout(30s);
  svc.add<producer>("producer").depends_on<data::telemetry_store>();
  std::exit(svc.run());
}

void telemetry_durable_mode() {
  auto t = telemetry_options(env_or("LIFESPAN_DATA_SPOOL"));
  t.durable = true;
  telemetry_service s(db_options(env_or("LIFESPAN_DATA_URL")), t);
  if (!s.store()) {
    std::printf("failed: %s\n", s.failure().c_str());
    std::exit(1);
  }
  const int acks = ::open(env_or("LIFESPAN_DATA_ACKS").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  for (long i = 0;; ++i) {
    if (s.store()->record({"x", std::to_string(i)}) != ack::accepted) continue;
    const std::string line = std::to_string(i) + "\n";
    if (::write(acks, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::exit(2);
    if (i == 300) {
      std::printf("producing\n");
      std::fflush(stdout);
    }
  }
}

void telemetry_spool_full_mode() {
  auto t = telemetry_options(env_or("LIFESPAN_DATA_SPOOL"));
  t.durable = true;
  telemetry_service s(db_options(env_or("LIFESPAN_DATA_URL")), t);
  if (!s.store()) {
    std::printf("failed: %s\n", s.failure().c_str());
    std::exit(1);
  }
  const rlimit limit{16 * 1024, 16 * 1024};  // the spool segment grows with every durable event
  ::setrlimit(RLIMIT_FSIZE, &limit);
  std::string acked;
  int failures = 0;
  for (long i = 0; i < 20000 && failures < 10; ++i) {
    const ack a = s.store()->record({"x", std::to_string(i)});
    if (a == ack::accepted) acked += std::to_string(i) + "\n";
    if (a == ack::failed) ++failures;
  }
  std::printf("failures %d\nerror: %s\n", failures, s.store()->last_error().c_str());
  const auto health = s.store()->check_health({});
  std::printf("health %s\n", health && health->status == health_status::degraded ? "degraded" : "ok");
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ::setrlimit(RLIMIT_FSIZE, &unlimited);
  std::ofstream(env_or("LIFESPAN_DATA_ACKS")) << acked;
  std::printf("exit %d\n", s.h.stop());
  std::fflush(stdout);
  std::exit(0);
}

namespace {

TEST(data_telemetry_process, sigterm_with_a_full_queue_loses_nothing_acknowledged) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  child_process child("telemetry_sigterm",
                      {{"LIFESPAN_DATA_URL", url},
                       {"LIFESPAN_DATA_SPOOL", (dir / "spool").string()},
                       {"LIFESPAN_DATA_ACKS", (dir / "acks").string()}},
                      dir / "out");
  ASSERT_TRUE(eventually([&] { return child.output().find("full queue") != std::string::npos; }, 60s))
      << child.output();
  child.signal(SIGTERM);
  const int status = child.wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << child.output();
  const auto acked = read_lines(dir / "acks");
  ASSERT_GT(acked.size(), 2000u);
  EXPECT_EQ(count_present(url, acked), static_cast<long long>(acked.size()));
  EXPECT_EQ(count_events(url).rows, static_cast<long long>(acked.size()));
  EXPECT_TRUE(data::spool_files(dir / "spool").empty());
}

TEST(data_telemetry_process, sigkill_in_durable_mode_loses_nothing_acknowledged_after_the_next_start) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  {
    child_process child("telemetry_durable",
                        {{"LIFESPAN_DATA_URL", url},
                         {"LIFESPAN_DATA_SPOOL", (dir / "spool").string()},
                         {"LIFESPAN_DATA_ACKS", (dir / "acks").string()}},
                        dir / "out");
    ASSERT_TRUE(eventually([&] { return child.output().find("producing") != std::string::npos; }, 60s))
        << child.output();
    child.signal(SIGKILL);
    const int status = child.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  }
  const auto acked = read_lines(dir / "acks");
  ASSERT_GT(acked.size(), 300u);
  EXPECT_FALSE(data::spool_files(dir / "spool").empty());
  {
    telemetry_service s(db_options(url), telemetry_options(dir / "spool"));  // the next start
    ASSERT_NE(s.store(), nullptr) << s.failure();
    ASSERT_TRUE(eventually([&] { return data::spool_files(dir / "spool").empty(); }));
    EXPECT_EQ(s.h.stop(), 0);
  }
  EXPECT_EQ(count_present(url, acked), static_cast<long long>(acked.size()));
  const auto c = count_events(url);
  EXPECT_GE(c.rows, static_cast<long long>(acked.size()));  // plus at most the events acked as it died
  EXPECT_EQ(c.distinct_payloads, c.rows);
}

TEST(data_telemetry_process, a_full_spool_disk_is_a_clear_error_and_loses_nothing_acknowledged) {
  temp_dir dir;
  const std::string url = pg().fresh_database();
  child_process child("telemetry_spool_full",
                      {{"LIFESPAN_DATA_URL", url},
                       {"LIFESPAN_DATA_SPOOL", (dir / "spool").string()},
                       {"LIFESPAN_DATA_ACKS", (dir / "acks").string()}},
                      dir / "out");
  const int status = child.wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << child.output();
  const std::string out = child.output();
  EXPECT_NE(out.find("failures 10"), std::string::npos) << out;
  EXPECT_NE(out.find("File too large"), std::string::npos) << out;
  EXPECT_NE(out.find("file-size limit"), std::string::npos) << out;
  EXPECT_NE(out.find("exit 0"), std::string::npos) << out;
  EXPECT_NE(out.find("health degraded"), std::string::npos) << out;
  const auto acked = read_lines(dir / "acks");
  ASSERT_GT(acked.size(), 100u);
  EXPECT_EQ(count_present(url, acked), static_cast<long long>(acked.size()));
  EXPECT_EQ(count_events(url).rows, static_cast<long long>(acked.size()));
}

}  // namespace
}  // namespace lifespan::test
