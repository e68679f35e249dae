#include "parse/client_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace vigil {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool to_bytes(std::string_view text, std::array<unsigned char, 16>& out, bool& v6) {
  std::string s(trim(text));
  v6 = s.find(':') != std::string::npos;
  return inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), out.data()) == 1;
}

}  // namespace

std::optional<ip_network> ip_network::parse(std::string_view text) {
  text = trim(text);
  ip_network n;
  const auto slash = text.find('/');
  if (!to_bytes(text.substr(0, slash), n.bytes, n.v6)) return std::nullopt;
  n.prefix = n.v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc() || end != bits.data() + bits.size() || prefix < 0 || prefix > n.prefix) return std::nullopt;
    n.prefix = prefix;
  }
  return n;
}

bool ip_network::contains(std::string_view address) const {
  std::array<unsigned char, 16> a{};
  bool is_v6 = false;
  if (!to_bytes(address, a, is_v6) || is_v6 != v6) return false;
  int bits = prefix;
  std::size_t i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (a[i] != bytes[i]) return false;
  return bits == 0 || ((a[i] ^ bytes[i]) & (0xFF00 >> bits) & 0xFF) == 0;
}

address_set::address_set(const std::vector<std::string>& networks) {
  for (const auto& text : networks) {
    auto n = ip_network::parse(text);
    if (!n) throw std::invalid_argument("'" + text + "' is not an address or network (e.g. 10.0.0.0/8, 2001:db8::/32)");
    networks_.push_back(*n);
  }
}

bool address_set::contains(std::string_view address) const {
  for (const auto& n : networks_)
    if (n.contains(address)) return true;
  return false;
}

resolved_client resolve_client(const log_record& r, const address_set& trusted) {
  if (!r.realip_remote_addr.empty() && r.realip_remote_addr != r.remote_addr)
    return {r.remote_addr, r.realip_remote_addr};  // nginx's realip module already resolved it
  if (trusted.empty() || !trusted.contains(r.remote_addr)) return {r.remote_addr, {}};
  if (!r.forwarded_for.empty()) {
    // Right to left: the first hop not run by us is the client.
    std::string_view list = r.forwarded_for, leftmost;
    while (!list.empty()) {
      const auto comma = list.rfind(',');
      const auto hop = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      if (hop.empty()) continue;
      if (!ip_network::parse(hop)) break;  // garbage: nothing left of it can be believed
      leftmost = hop;
      if (!trusted.contains(hop)) return {hop, r.remote_addr};
    }
    if (!leftmost.empty()) return {leftmost, r.remote_addr};
  }
  if (!r.real_ip.empty()) return {trim(r.real_ip), r.remote_addr};
  return {r.remote_addr, {}};
}

}  // namespace vigil
