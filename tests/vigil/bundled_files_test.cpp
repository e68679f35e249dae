// Where vigil finds its bundled files (apps/vigil/src/paths/bundled_files.hpp): next to the executable,
// then the install prefix, then a build tree's source tree; and the command line's version, help and
// usage-error exit codes (apps/vigil/main.cpp), on the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "common/temp_dir.hpp"
#include "paths/bundled_files.hpp"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

// A directory laid out as vigil's bundled files: what makes a candidate count is rules/default.yaml.
fs::path make_bundle(const fs::path& root) {
  fs::create_directories(root / "rules");
  std::ofstream(root / "rules" / "default.yaml") << "rules: []\n";
  return root;
}

fs::path make_executable(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "";
  return path;
}

TEST(BundledFiles, NextToTheExecutableWinsOverThePrefixAndTheSourceTree) {
  lifespan::test::temp_dir dir("vigil-paths");
  const auto exe = make_executable(dir / "opt/vigil/bin/vigil");
  make_bundle(dir / "opt/vigil/share/vigil");
  make_bundle(dir / "prefix/share/vigil");
  const auto found = paths::find_bundled_files(exe, dir / "prefix/share/vigil");
  EXPECT_EQ(found.root, dir / "opt/vigil/share/vigil");
  EXPECT_EQ(found.found_by, "executable");
  EXPECT_EQ(found.rules(), dir / "opt/vigil/share/vigil/rules/default.yaml");
  EXPECT_EQ(found.web(), dir / "opt/vigil/share/vigil/web");
  EXPECT_EQ(found.config(), dir / "opt/vigil/share/vigil/config/vigil.yaml");
  EXPECT_EQ(found.models(), dir / "opt/vigil/share/vigil/models");
}

TEST(BundledFiles, TheInstallPrefixWhenNothingIsNextToTheExecutable) {
  lifespan::test::temp_dir dir("vigil-paths");
  const auto exe = make_executable(dir / "elsewhere/bin/vigil");
  make_bundle(dir / "prefix/share/vigil");
  const auto found = paths::find_bundled_files(exe, dir / "prefix/share/vigil");
  EXPECT_EQ(found.root, dir / "prefix/share/vigil");
  EXPECT_EQ(found.found_by, "install prefix");
}

TEST(BundledFiles, ABuildTreeFindsItsSourceTreeThroughCMakeCache) {
  lifespan::test::temp_dir dir("vigil-paths");
  make_bundle(dir / "src/apps/vigil");
  fs::create_directories(dir / "build");
  std::ofstream(dir / "build/CMakeCache.txt") << "# comment\nCMAKE_HOME_DIRECTORY:INTERNAL=" << (dir / "src").string()
                                              << "\nOTHER:STRING=x\n";
  const auto exe = make_executable(dir / "build/apps/vigil/vigil");
  EXPECT_EQ(paths::source_tree_above(exe.parent_path()), dir / "src");
  const auto found = paths::find_bundled_files(exe, dir / "no-prefix/share/vigil");
  EXPECT_EQ(found.root, dir / "src/apps/vigil");
  EXPECT_EQ(found.found_by, "source tree");
}

TEST(BundledFiles, NothingFoundNamesTheInstallPrefix) {
  lifespan::test::temp_dir dir("vigil-paths");
  const auto exe = make_executable(dir / "bin/vigil");
  make_bundle(dir / "share/vigil-other");  // a near miss is not a match
  fs::create_directories(dir / "share/vigil/rules");  // nor is a bundle without default.yaml
  const auto found = paths::find_bundled_files(exe, dir / "prefix/share/vigil");
  EXPECT_EQ(found.root, dir / "prefix/share/vigil");
  EXPECT_EQ(found.found_by, "nothing found");
  EXPECT_EQ(paths::source_tree_above(dir.path()), std::nullopt);
}

TEST(BundledFiles, ThisBuildTreesBinaryUsesTheSourceTree) {
  // The test binary lives in the build tree: its bundled files are the checkout's apps/vigil.
  EXPECT_EQ(fs::canonical(paths::bundled().rules()), fs::canonical(VIGIL_DEFAULT_RULES));
}

struct result {
  int status;
  std::string out;
};

result run(const std::string& args) {
  std::string out;
  FILE* p = ::popen((std::string(VIGIL_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::array<char, 4096> buffer;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), p)) > 0;) out.append(buffer.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(VigilCommandLine, VersionNamesTheRevision) {
  const auto r = run("--version");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.out.starts_with("vigil 0.")) << r.out;
  EXPECT_NE(r.out.find(" (git "), std::string::npos) << r.out;
  const auto b = run("--bundled-files");
  EXPECT_EQ(b.status, 0) << b.out;
  EXPECT_NE(b.out.find("(found by source tree)"), std::string::npos) << b.out;
}

TEST(VigilCommandLine, NoCommandPrintsTheHelpAndExits2) {
  const auto r = run("");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("serve"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a command is required"), std::string::npos) << r.out;
}

TEST(VigilCommandLine, UsageErrorsExit2WhateverCLI11Says) {
  EXPECT_EQ(run("--no-such-flag").status, 2);     // CLI11: ExtrasError (109)
  EXPECT_EQ(run("no-such-command").status, 2);    // extras
  EXPECT_EQ(run("scan").status, 2);               // RequiredError (106): no files
  EXPECT_EQ(run("scan --threads 0 -").status, 2); // ValidationError (105): out of range
  EXPECT_EQ(run("serve --help").status, 0);
}

}  // namespace
}  // namespace vigil::test
