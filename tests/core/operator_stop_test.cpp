// An operator stop (SIGTERM) during INITIALIZING ends STOPPED with exit code 0, as
// docs/architecture.md says, even when the critical start it cancels ignores its stop token (libpq
// connecting to a silent host): the start is abandoned after its stop budget with a warning, and
// since its instance never came up nothing is lost, so the exit code is not 3 (a drain or stop()
// that overran). Real signals, in a child process that owns them.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include "child.hpp"
#include "common/temp_dir.hpp"

namespace lifespan::test {
namespace {

TEST(OperatorStop, SigtermWhileACriticalStartHangsEndsStoppedWithExitZero) {
  temp_dir dir("lifespan-operator-stop");
  core_child child("hanging_critical_start", {}, dir / "out.log");
  ASSERT_EQ(child.next_step(), "state INITIALIZING") << child.process().output();
  ASSERT_EQ(child.next_step(), "starting") << child.process().output();
  child.process().signal(SIGTERM);
  EXPECT_EQ(child.next_step(), "state STOPPING") << child.process().output();
  EXPECT_EQ(child.next_step(), "state STOPPED") << child.process().output();
  const int status = child.process().wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << child.process().output();
  EXPECT_EQ(WEXITSTATUS(status), 0) << child.process().output();
  // The abandoned start is still reported, naming the component.
  EXPECT_NE(child.process().output().find("db: start() still running"), std::string::npos) << child.process().output();
}

}  // namespace
}  // namespace lifespan::test
