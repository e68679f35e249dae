#pragma once
// The client behind reverse proxies. nginx behind a load balancer or CDN logs the proxy's address as
// $remote_addr; the client is in X-Forwarded-For (or X-Real-IP), which anyone can forge, so it is
// believed only from trusted proxies (`trusted_proxies`, CIDRs), as nginx's realip module does with
// real_ip_recursive on:
//   - with $realip_remote_addr in the format, nginx already did it: the client is $remote_addr, the
//     proxy $realip_remote_addr;
//   - otherwise, when $remote_addr is trusted: the right-most address of X-Forwarded-For that is not
//     trusted (all trusted: the left-most), or else X-Real-IP; the proxy is $remote_addr;
//   - an untrusted $remote_addr is the client, whatever the headers say.
// Immutable once built; thread-safe.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/record.hpp"

namespace vigil {

// An IPv4 or IPv6 network. parse() takes "192.0.2.0/24", "2001:db8::/32" or a bare address.
struct ip_network {
  std::array<unsigned char, 16> bytes{};
  int prefix = 32;
  bool v6 = false;

  static std::optional<ip_network> parse(std::string_view text);
  bool contains(std::string_view address) const;  // false for what is not an address
};

class address_set {
 public:
  // Throws std::invalid_argument naming the entry that is not a network.
  explicit address_set(const std::vector<std::string>& networks = {});
  bool contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<ip_network> networks_;
};

struct resolved_client {
  std::string_view client;  // into the record
  std::string_view proxy;   // empty when the request did not come through a trusted proxy
};

resolved_client resolve_client(const log_record& record, const address_set& trusted_proxies);

}  // namespace vigil
