// The compiled Hyperscan databases on disk (prefilter_cache.hpp): a second load takes them from the
// cache directory and rules out exactly what a compiled one does; a corrupt or foreign file is a miss
// that costs the compile, never the load.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crs/detector.hpp"
#include "crs/prefilter.hpp"
#include "parse/line_parser.hpp"

namespace {

using namespace vigil::crs;
namespace fs = std::filesystem;

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("vigil_crs_cache_test_" + std::to_string(::getpid()));
  temp_dir() { fs::remove_all(path); }
  ~temp_dir() { fs::remove_all(path); }
};

std::shared_ptr<const prefilter> load_with(const fs::path& dir) {
  load_options o;
  o.logged_headers = headers_logged_by("combined");
  o.cache_dir = dir.string();
  return std::make_shared<const prefilter>(rule_set::load(o));
}

// Every covered rule's may_match on a few hundred corpus lines, as one string.
std::string candidates(const std::shared_ptr<const prefilter>& filter) {
  std::ifstream in(std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/dev.log");
  prefilter_scan scan(filter);
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  std::string out;
  int n = 0;
  for (std::string line; std::getline(in, line) && n < 400; ++n) {
    if (!parser.parse(line, record)) continue;
    req.assign(record);
    scan.scan(req);
    for (int phase : {1, 2})
      for (const rule* r : filter->shared_rules()->phase(phase))
        if (!r->is_marker()) out += scan.may_match(*r) ? '1' : '0';
    out += '\n';
  }
  return out;
}

fs::path largest_file(const fs::path& dir) {  // the prefilter's database (the @pm ones are small)
  fs::path best;
  std::uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.file_size() > size) size = e.file_size(), best = e.path();
  return best;
}

TEST(CrsEngineCache, SecondLoadComesFromTheCacheAndRulesOutTheSame) {
  temp_dir dir;
  auto cold = load_with(dir.path);
  EXPECT_FALSE(cold->from_cache());
  ASSERT_TRUE(fs::exists(dir.path));
  EXPECT_GT(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);  // prefilter and @pm
  auto warm = load_with(dir.path);
  EXPECT_TRUE(warm->from_cache());
  EXPECT_EQ(warm->covered(), cold->covered());
  EXPECT_EQ(warm->approximated(), cold->approximated());
  const std::string expected = candidates(cold);
  EXPECT_NE(expected.find('1'), std::string::npos);
  EXPECT_EQ(candidates(warm), expected);
}

TEST(CrsEngineCache, CorruptOrForeignFilesAreMissesAndReplaced) {
  temp_dir dir;
  const std::string expected = candidates(load_with(dir.path));
  const fs::path file = largest_file(dir.path);
  {  // flip bytes in the middle of the serialised database
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  auto after_corruption = load_with(dir.path);
  EXPECT_FALSE(after_corruption->from_cache());
  EXPECT_EQ(candidates(after_corruption), expected);
  EXPECT_TRUE(load_with(dir.path)->from_cache());  // the compile wrote a good file again

  fs::resize_file(file, fs::file_size(file) / 3);  // truncated
  EXPECT_FALSE(load_with(dir.path)->from_cache());
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);  // foreign content under the name
    f << "not a Hyperscan database";
  }
  auto after_foreign = load_with(dir.path);
  EXPECT_FALSE(after_foreign->from_cache());
  EXPECT_EQ(candidates(after_foreign), expected);
}

TEST(CrsEngineCache, AnUnwritableDirectoryOnlyCostsTheCompile) {
  temp_dir dir;
  fs::create_directories(dir.path.parent_path());
  { std::ofstream(dir.path) << "a file where the directory should be"; }
  auto filter = load_with(dir.path / "sub");
  EXPECT_FALSE(filter->from_cache());
  EXPECT_GT(filter->covered(), 50u);
  fs::remove(dir.path);
}

}  // namespace
