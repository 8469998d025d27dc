// An IP address or CIDR block from the config (AllowedRemoteAddresses),
// parsed once at load and matched against a peer's raw address bytes. Plain
// data and no socket library, so config stays free of Asio and the match
// costs a few byte compares.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace riskgate::config {

struct AddressRange {
  std::array<std::uint8_t, 16> bytes{};  // Network order; IPv4 uses the first 4.
  std::uint8_t prefix_bits = 0;          // 32 (IPv4) or 128 (IPv6) for one address.
  bool v6 = false;
  std::string text;  // As written, for messages.

  // `addr` is 4 bytes (IPv4) or 16 (IPv6), network order. An IPv4-mapped IPv6
  // address (::ffff:a.b.c.d, a dual-stack listener's view of an IPv4 peer)
  // is matched as the IPv4 address it carries.
  [[nodiscard]] bool contains(std::span<const std::uint8_t> addr) const noexcept;
};

// "127.0.0.1", "10.1.0.0/16", "::1", "fd00::/8". nullopt when malformed (bad
// address, prefix out of range, or host bits set below the prefix, which
// usually means a typo in the prefix).
[[nodiscard]] std::optional<AddressRange> parse_address_range(std::string_view text);

// True if `a` and `b` are the same IP address however each is written:
// "10.0.0.7" equals "::ffff:10.0.0.7" (a dual-stack listener's view of an
// IPv4 peer), and IPv6 compares after parsing (case, zero compression). Text
// that is not an address compares as plain text, so a manifest host written
// as a name still matches only itself.
[[nodiscard]] bool same_address(std::string_view a, std::string_view b) noexcept;

}  // namespace riskgate::config
