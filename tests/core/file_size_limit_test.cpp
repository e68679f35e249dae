// Under `ulimit -f`, a file reaching the limit used to kill the process with SIGXFSZ (exit 153,
// nothing logged). A service that owns its signals ignores SIGXFSZ from construction on: the write
// fails with EFBIG, the log file's failure is reported on standard error naming the file, the limit
// and the fix, and logging resumes once the file is rotated and reopened (SIGUSR1). A real
// setrlimit(RLIMIT_FSIZE) in a child process.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "child.hpp"
#include "common/temp_dir.hpp"

namespace lifespan::test {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FileSizeLimit, EfbigIsReportedNamingTheFileAndTheProcessLivesOn) {
  temp_dir dir("lifespan-fsize");
  core_child child("file_size_limit", {{"LIFESPAN_CORE_CHILD_DIR", dir.path().string()}}, dir / "out.log");
  ASSERT_EQ(child.next_step(), "written") << child.process().output();
  const auto log = dir / "service.log";
  const auto out = child.process().output();
  EXPECT_NE(out.find("logging.file: cannot write " + log.string() + ": the file-size limit of 65536 bytes (RLIMIT_FSIZE"),
            std::string::npos) << out;
  EXPECT_NE(out.find("raise or remove the limit"), std::string::npos) << out;
  EXPECT_NE(out.find("data: cannot write " + (dir / "data.bin").string() + ": the file-size limit of 65536 bytes"),
            std::string::npos) << out;
  EXPECT_EQ(std::filesystem::file_size(log), 65536u);

  // Rotated and reopened: logging resumes in the new file, and says so.
  std::filesystem::rename(log, dir / "service.log.1");
  child.process().signal(SIGUSR1);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::filesystem::exists(log) && std::chrono::steady_clock::now() < until)  // the reopen creates it
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(std::filesystem::exists(log));
  child.process().signal(SIGTERM);
  const int status = child.process().wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status << " (SIGXFSZ is 25)\n" << child.process().output();
  EXPECT_EQ(WEXITSTATUS(status), 0) << child.process().output();
  EXPECT_NE(read_all(log).find("service STOPPED"), std::string::npos) << read_all(log);
  EXPECT_NE(child.process().output().find("logging.file: writing to " + log.string() + " again"), std::string::npos)
      << child.process().output();
}

}  // namespace
}  // namespace lifespan::test
