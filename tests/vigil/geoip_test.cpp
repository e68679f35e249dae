// The MaxMind DB reader (service/geo_database) on real databases written by MaxMind's own Perl
// writer: IPv4, IPv6, IPv4-mapped IPv6, registered-country fallback, unknown and hostile input, a
// missing and a corrupt file, and lookups racing with database replacements.
#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "mmdb_fixture.hpp"
#include "service/geo_database.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

using service::geo_database;

TEST(vigil_geoip, looks_up_ipv4_ipv6_and_mapped_addresses) {
  temp_dir dir;
  write_mmdb(dir / "country.mmdb", default_networks());
  const auto db = geo_database::open(dir / "country.mmdb");
  EXPECT_EQ(db->database_type(), "vigil-test-country");
  EXPECT_GT(db->build_epoch(), 1'700'000'000u);
  EXPECT_EQ(db->country("203.0.113.7"), "FR");
  EXPECT_EQ(db->country("203.0.113.255"), "FR");
  EXPECT_EQ(db->country("198.51.100.1"), "US");
  EXPECT_EQ(db->country("2001:db8::1"), "DE");
  EXPECT_EQ(db->country("2001:db8:ffff::abcd"), "DE");
  EXPECT_EQ(db->country("::ffff:203.0.113.7"), "FR");  // how a dual-stack nginx logs IPv4 clients
  EXPECT_EQ(db->country("192.0.2.10"), "JP");          // registered_country when there is no country
}

TEST(vigil_geoip, unknown_and_hostile_addresses_have_no_country) {
  temp_dir dir;
  write_mmdb(dir / "country.mmdb", default_networks());
  const auto db = geo_database::open(dir / "country.mmdb");
  for (const char* address : {"203.0.114.1", "10.0.0.1", "2001:db9::1", "::1", "", "-", "unix:", "not an address",
                              "203.0.113.7 ", "203.0.113.7:443", "[2001:db8::1]", "fe80::1%eth0", "999.1.1.1"})
    EXPECT_EQ(db->country(address), "") << address;
  EXPECT_EQ(db->country(std::string(100000, '1')), "");
  EXPECT_EQ(db->country(std::string("203.0.113.7\0junk", 16)), "");
}

TEST(vigil_geoip, a_missing_file_names_the_file_and_the_fix) {
  temp_dir dir;
  try {
    (void)geo_database::open(dir / "GeoLite2-Country.mmdb");
    FAIL() << "opened a file that does not exist";
  } catch (const service::geo_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "GeoLite2-Country.mmdb").string()), std::string::npos) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
    EXPECT_NE(what.find("geoip.path"), std::string::npos) << what;
    EXPECT_NE(what.find("geoipupdate"), std::string::npos) << what;
  }
}

TEST(vigil_geoip, a_corrupt_file_is_refused_with_the_cause) {
  temp_dir dir;
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"empty.mmdb", ""}, {"text.mmdb", "this is not a MaxMind database\n"}, {"zeros.mmdb", std::string(65536, '\0')}}) {
    std::ofstream(dir / name, std::ios::binary) << content;
    try {
      (void)geo_database::open(dir / name);
      FAIL() << name << " was accepted";
    } catch (const service::geo_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((dir / name).string()), std::string::npos) << what;
      EXPECT_NE(what.find("not a usable MaxMind DB file"), std::string::npos) << what;
      EXPECT_NE(what.find("geoipupdate"), std::string::npos) << what;
    }
  }
  // A real database cut short (a partial download) loses its metadata section, which sits at the end.
  write_mmdb(dir / "whole.mmdb", default_networks());
  const auto size = std::filesystem::file_size(dir / "whole.mmdb");
  std::filesystem::copy_file(dir / "whole.mmdb", dir / "cut.mmdb");
  std::filesystem::resize_file(dir / "cut.mmdb", size / 2);
  EXPECT_THROW((void)geo_database::open(dir / "cut.mmdb"), service::geo_error);
}

// The pipeline's pattern: readers load a shared snapshot per batch while a replacement is published;
// every lookup answers from one whole database, and an old one closes once its last reader is done.
TEST(vigil_geoip, lookups_race_with_replacements_safely) {
  temp_dir dir;
  write_mmdb(dir / "fr.mmdb", {"203.0.113.0/24=FR"});
  write_mmdb(dir / "be.mmdb", {"203.0.113.0/24=BE"});
  std::atomic<std::shared_ptr<const geo_database>> current{geo_database::open(dir / "fr.mmdb")};
  std::atomic<bool> done{false};
  std::atomic<long> lookups{0}, wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      while (!done.load()) {
        const auto snapshot = current.load();
        for (int i = 0; i < 100; ++i) {
          const auto c = snapshot->country("203.0.113.9");
          wrong += c != "FR" && c != "BE";
          ++lookups;
        }
      }
    });
  std::weak_ptr<const geo_database> first = current.load();
  while (lookups.load() == 0) std::this_thread::yield();  // the readers are running before the swaps
  for (int i = 0; i < 200; ++i) {
    current.store(geo_database::open(dir / (i % 2 ? "fr.mmdb" : "be.mmdb")));
    if (i % 20 == 0) {  // let the readers through on a loaded machine, so swaps and lookups interleave
      const auto mark = lookups.load();
      while (lookups.load() < mark + 200) std::this_thread::yield();
    }
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_GT(lookups.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(first.expired()) << "a replaced database must be closed once no lookup uses it";
}

}  // namespace
}  // namespace vigil::test
