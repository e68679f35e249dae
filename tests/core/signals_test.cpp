// Signals during the phases where nothing runs yet, and SIGHUP with a configuration path that would
// block a reader. Real signals, to a child process that owns them (child.hpp).
//  - A termination signal while the configuration is read or checked (--check-config, or run()
//    before anything started) ends the process at once, killed by that signal; it used to wait, with
//    the signal blocked, for however long validation took (12 CPU-minutes for a 1 M key mapping).
//  - A SIGHUP with a FIFO at the configuration path is rejected at once, naming the FIFO: the
//    supervisor used to block in open() for a writer, and SIGTERM then never got through.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "child.hpp"
#include "common/temp_dir.hpp"

namespace lifespan::test {
namespace {

// Skips steps until one starting with `prefix`; "" when none came.
std::string step_starting_with(core_child& child, const std::string& prefix) {
  for (std::string step = child.next_step(); !step.empty(); step = child.next_step())
    if (step.rfind(prefix, 0) == 0) return step;
  return {};
}

void expect_killed_by_sigterm(core_child& child) {
  child.process().signal(SIGTERM);
  const int status = child.process().wait(std::chrono::seconds(10));
  ASSERT_NE(status, -1) << "SIGTERM did not end the process\n" << child.process().output();
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status << "\n" << child.process().output();
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_NE(child.process().output().find("child: Terminated before anything was started (reading or checking the "
                                          "configuration): exiting at once"),
            std::string::npos)
      << child.process().output();
}

TEST(Signals, SigtermEndsCheckConfigWhileItValidates) {
  temp_dir dir("lifespan-signals");
  core_child child("stuck_check", {}, dir / "out.log");
  ASSERT_EQ(child.next_step(), "reading options") << child.process().output();
  expect_killed_by_sigterm(child);
}

TEST(Signals, SigtermEndsStartupWhileTheConfigurationIsValidated) {
  temp_dir dir("lifespan-signals");
  core_child child("stuck_startup", {}, dir / "out.log");
  ASSERT_EQ(child.next_step(), "reading options") << child.process().output();
  expect_killed_by_sigterm(child);
}

TEST(Signals, SighupWithAFifoAtTheConfigPathIsRejectedAndSigtermStillStops) {
  temp_dir dir("lifespan-signals");
  const auto config = dir / "service.yaml";
  std::ofstream(config) << "db: {start_timeout: 5s}\n";
  core_child child("reload_reporter", {{"LIFESPAN_CORE_CHILD_CONFIG", config.string()}}, dir / "out.log");
  ASSERT_EQ(step_starting_with(child, "state RUNNING"), "state RUNNING") << child.process().output();

  std::filesystem::remove(config);
  ASSERT_EQ(::mkfifo(config.c_str(), 0600), 0);
  child.process().signal(SIGHUP);
  EXPECT_EQ(step_starting_with(child, "reloaded: "),
            "reloaded: " + config.string() + ": cannot open configuration file: it is a FIFO (named pipe) (point --config at a "
                                             "regular file)")
      << child.process().output();

  // And a good file again reloads.
  std::filesystem::remove(config);
  std::ofstream(config) << "db: {start_timeout: 5s}\n";
  child.process().signal(SIGHUP);
  EXPECT_EQ(step_starting_with(child, "reloaded: "), "reloaded: ") << child.process().output();

  child.process().signal(SIGTERM);
  const int status = child.process().wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << child.process().output();
  EXPECT_EQ(WEXITSTATUS(status), 0) << child.process().output();
}

}  // namespace
}  // namespace lifespan::test
