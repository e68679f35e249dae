// The client behind reverse proxies (parse/client_address.hpp): X-Forwarded-For and X-Real-IP are
// believed only from trusted proxies, right to left, as nginx's realip module with
// real_ip_recursive on; a format with $realip_remote_addr is taken as already resolved.
#include <gtest/gtest.h>

#include "parse/client_address.hpp"
#include "parse/line_parser.hpp"

namespace vigil {
namespace {

log_record from(std::string_view remote, std::string_view xff = {}, std::string_view real_ip = {},
                std::string_view realip_remote = {}) {
  log_record r;
  r.remote_addr = remote;
  r.forwarded_for = xff;
  r.real_ip = real_ip;
  r.realip_remote_addr = realip_remote;
  return r;
}

const address_set trusted({"10.0.0.0/8", "2001:db8::/32"});

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItsHeadersSay) {
  auto who = resolve_client(from("203.0.113.9", "1.2.3.4"), trusted);
  EXPECT_EQ(who.client, "203.0.113.9");
  EXPECT_EQ(who.proxy, "");
}

TEST(ClientAddress, TheRightmostUntrustedHopBehindTrustedProxiesIsTheClient) {
  // The left-most entry is whatever the client claimed; it is not believed past an untrusted hop.
  auto who = resolve_client(from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.5"), trusted);
  EXPECT_EQ(who.client, "198.51.100.7");
  EXPECT_EQ(who.proxy, "10.0.0.2");
}

TEST(ClientAddress, AllTrustedHopsGiveTheLeftmost) {
  auto who = resolve_client(from("10.0.0.2", "10.1.1.1,10.2.2.2"), trusted);
  EXPECT_EQ(who.client, "10.1.1.1");
}

TEST(ClientAddress, GarbageInTheChainStopsTheWalkAtTheLastAddressBelieved) {
  auto who = resolve_client(from("10.0.0.2", "1.2.3.4, <script>, 10.0.0.9"), trusted);
  EXPECT_EQ(who.client, "10.0.0.9");
  EXPECT_EQ(who.proxy, "10.0.0.2");
}

TEST(ClientAddress, XRealIpFromATrustedProxyAndIpv6) {
  EXPECT_EQ(resolve_client(from("2001:db8::1", {}, "2a01:4f8::5"), trusted).client, "2a01:4f8::5");
  EXPECT_EQ(resolve_client(from("2001:db9::1", {}, "2a01:4f8::5"), trusted).client, "2001:db9::1");
}

TEST(ClientAddress, RealipRemoteAddrMeansNginxAlreadyResolvedIt) {
  auto who = resolve_client(from("198.51.100.7", {}, {}, "10.0.0.2"), address_set{});
  EXPECT_EQ(who.client, "198.51.100.7");
  EXPECT_EQ(who.proxy, "10.0.0.2");
}

TEST(ClientAddress, NetworksAreCheckedWhenTheSetIsBuilt) {
  EXPECT_THROW(address_set({"10.0.0.0/33"}), std::invalid_argument);
  EXPECT_THROW(address_set({"example.com"}), std::invalid_argument);
  EXPECT_TRUE(address_set({"192.0.2.0/24"}).contains("192.0.2.200"));
  EXPECT_FALSE(address_set({"192.0.2.0/24"}).contains("192.0.3.1"));
  EXPECT_TRUE(address_set({"0.0.0.0/0"}).contains("8.8.8.8"));
}

TEST(ClientAddress, TheParserReadsTheProxyVariables) {
  parser_options o;
  o.format = R"($remote_addr - [$time_local] "$request" $status "$http_x_forwarded_for" "$http_x_real_ip" $realip_remote_addr)";
  line_parser p(o);
  log_record r;
  ASSERT_TRUE(p.parse(R"(10.0.0.2 - [07/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 "198.51.100.7, 10.0.0.5" "-" 10.0.0.3)", r));
  EXPECT_EQ(r.forwarded_for, "198.51.100.7, 10.0.0.5");
  EXPECT_EQ(r.real_ip, "");
  EXPECT_EQ(r.realip_remote_addr, "10.0.0.3");
}

}  // namespace
}  // namespace vigil
