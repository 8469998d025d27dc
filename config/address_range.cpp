#include "config/address_range.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace riskgate::config {

std::optional<AddressRange> parse_address_range(std::string_view text) {
  AddressRange r;
  r.text = std::string(text);
  const auto slash = text.find('/');
  const std::string addr(text.substr(0, slash));
  if (inet_pton(AF_INET, addr.c_str(), r.bytes.data()) == 1) {
    r.v6 = false;
  } else if (inet_pton(AF_INET6, addr.c_str(), r.bytes.data()) == 1) {
    r.v6 = true;
  } else {
    return std::nullopt;
  }
  const unsigned max_bits = r.v6 ? 128 : 32;
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || bits > max_bits)
      return std::nullopt;
  }
  r.prefix_bits = static_cast<std::uint8_t>(bits);
  // Host bits below the prefix must be zero: "10.1.2.3/16" is more likely a
  // wrong prefix than a wish to allow 10.1.0.0/16.
  for (unsigned i = bits; i < max_bits; ++i)
    if ((r.bytes[i / 8] >> (7 - i % 8)) & 1u) return std::nullopt;
  return r;
}

namespace {
// The prefix of an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// 16 bytes, IPv4 as IPv4-mapped IPv6; false if `text` is not an address.
bool address_bytes(std::string_view text, std::uint8_t (&out)[16]) noexcept {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::uint8_t v4[4];
  if (inet_pton(AF_INET, buf, v4) == 1) {
    std::memcpy(out, kMapped, 12);
    std::memcpy(out + 12, v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out) == 1;
}
}  // namespace

bool same_address(std::string_view a, std::string_view b) noexcept {
  std::uint8_t x[16], y[16];
  if (address_bytes(a, x) && address_bytes(b, y)) return std::memcmp(x, y, 16) == 0;
  return a == b;
}

bool AddressRange::contains(std::span<const std::uint8_t> addr) const noexcept {
  if (addr.size() == 16 && std::memcmp(addr.data(), kMapped, 12) == 0) addr = addr.subspan(12);
  if ((addr.size() == 16) != v6 || (addr.size() != 4 && addr.size() != 16)) return false;
  const unsigned full = prefix_bits / 8;
  if (std::memcmp(addr.data(), bytes.data(), full) != 0) return false;
  const unsigned rest = prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
  return (addr[full] & mask) == (bytes[full] & mask);
}

}  // namespace riskgate::config
