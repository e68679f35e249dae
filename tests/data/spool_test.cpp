// The spool file format on its own: round trip, torn tails, durable bookkeeping.
#include <gtest/gtest.h>

#include <fstream>

#include "data/spool.hpp"
#include "fixture.hpp"

namespace lifespan::test {
namespace {

using data::spool;
using data::telemetry_item;

std::vector<telemetry_item> items(int n, int first = 0) {
  std::vector<telemetry_item> out;
  for (int i = first; i < first + n; ++i)
    out.push_back({7, i, 1000 + i, "kind", std::string(static_cast<std::size_t>(i % 50), 'x') + "\t\n\"", 0});
  return out;
}

TEST(data_spool, records_round_trip_in_order_and_a_torn_tail_is_ignored) {
  temp_dir dir;
  spool s(dir.path(), "spill", 1 << 20, false);
  s.open();
  auto a = items(100);
  s.append(a, true);
  ASSERT_TRUE(s.seal());
  const auto files = s.sealed_files();
  ASSERT_EQ(files.size(), 1u);
  {
    std::ofstream torn(files[0], std::ios::app | std::ios::binary);
    torn.write("\x40\x00\x00\x00\x12\x34", 6);  // a header and no body: a crash mid-append
  }
  std::vector<telemetry_item> back;
  EXPECT_EQ(spool::read(files[0], [&](telemetry_item&& i) { back.push_back(std::move(i)); }), 100u);
  ASSERT_EQ(back.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(back[static_cast<std::size_t>(i)].seq, i);
    EXPECT_EQ(back[static_cast<std::size_t>(i)].payload, a[static_cast<std::size_t>(i)].payload);
  }
  s.forget(files[0]);
  EXPECT_TRUE(spool::files_in(dir.path()).empty());
}

TEST(data_spool, a_corrupted_record_ends_the_read_there) {
  temp_dir dir;
  spool s(dir.path(), "spill", 1 << 20, false);
  s.open();
  s.append(items(10), false);
  s.seal();
  const auto file = s.sealed_files().at(0);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(file) / 2));
    f.put('\xff');
  }
  const auto n = spool::read(file, [](telemetry_item&&) {});
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, 10u);
}

TEST(data_spool, durable_segments_go_once_every_event_is_committed) {
  temp_dir dir;
  spool s(dir.path(), "durable", 1 << 20, true);
  s.open();
  const auto seg = s.append(items(5), true);
  s.committed(seg, 3);
  s.seal();
  EXPECT_EQ(spool::files_in(dir.path()).size(), 1u);  // two events not yet in the database
  EXPECT_TRUE(s.sealed_files().empty());             // and not orphaned: no replay needed
  s.committed(seg, 2);
  EXPECT_TRUE(spool::files_in(dir.path()).empty());

  const auto orphan = s.append(items(2), true);
  s.orphaned(orphan);
  s.committed(orphan, 1);
  s.seal();
  EXPECT_EQ(s.sealed_files().size(), 1u);  // one event will never come from the queue: replay it
}

TEST(data_spool, an_unwritable_directory_is_a_clear_error) {
  temp_dir dir;
  { std::ofstream(dir / "file") << "x"; }
  spool s(dir / "file" / "spool", "spill", 1 << 20, false);
  try {
    s.open();
    FAIL() << "opened";
  } catch (const data::spool_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create the directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lifespan::test
