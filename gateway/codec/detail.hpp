// Private helpers shared by the codec's translation units. Not part of the
// contract: include gateway/codec/codec.hpp instead.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace riskgate::codec::detail {

// The word-at-a-time helpers below find "the first byte" through the lowest set
// bit of a loaded word, which is the first byte in memory only on little-endian.
static_assert(std::endian::native == std::endian::little, "SWAR helpers assume little-endian");

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

[[nodiscard]] inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);  // compiles to one unaligned load
  return v;
}

// First SOH in [p, end), or `end`. Values are short (a few bytes to a few
// dozen), so an inline 8-byte scan beats a call to memchr. Whole words are
// loaded only while 8 bytes remain: it never reads past `end`.
[[nodiscard]] inline const char* find_soh(const char* p, const char* end) noexcept {
  while (end - p >= 8) {
    const std::uint64_t x = load8(p) ^ kOnes;  // SOH bytes become 0x00
    // Classic "has zero byte": the lowest flagged byte is always exact; bytes
    // above it may be false positives from the borrow, and we never look there.
    const std::uint64_t zero = (x - kOnes) & ~x & kHighBits;
    if (zero != 0) return p + (std::countr_zero(zero) >> 3);
    p += 8;
  }
  while (p < end && *p != '\x01') ++p;
  return p;
}

// High bit of each byte of `v` that equals `c`, exactly (no borrow artefacts,
// unlike the cheaper test in find_soh), so masks of two bytes can be combined.
[[nodiscard]] constexpr std::uint64_t bytes_equal(std::uint64_t v, char c) noexcept {
  constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const std::uint64_t t = v ^ (kOnes * static_cast<unsigned char>(c));
  return ~(((t & kLow7) + kLow7) | t | kLow7);
}

// Bit i set when p[i] == c, for the 64 bytes at p (all must be readable).
// The scanner turns SOH positions into one mask per 64 bytes up front, so
// walking the fields pops bits instead of searching byte by byte: the search
// leaves the per-field dependency chain.
[[nodiscard]] inline std::uint64_t mask64_eq(const char* p, char c) noexcept {
#if defined(__SSE2__)
  const __m128i k = _mm_set1_epi8(c);
  std::uint64_t m = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    m |= static_cast<std::uint64_t>(
             static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, k))))
         << (16 * i);
  }
  return m;
#else
  std::uint64_t m = 0;
  for (int i = 0; i < 8; ++i) {
    // Gathers the high bit of each byte into the top byte (no carries: the
    // partial products never overlap), i.e. a portable movemask.
    const std::uint64_t flags = bytes_equal(load8(p + 8 * i), c) >> 7;
    m |= ((flags * 0x0102040810204080ULL) >> 56) << (8 * i);
  }
  return m;
#endif
}

// byte_sum() that also reports whether any field in the range starts with the
// digit 8 ("<SOH>8"), in the same pass. Only then can a body hide an embedded
// "<SOH>8=FIX" header, which the caller confirms the slow way.
[[nodiscard]] inline std::uint64_t byte_sum_and_soh8(const char* p, std::size_t n,
                                                     bool& soh8) noexcept {
  std::uint64_t total = 0;
  bool prev_soh = false;
#if defined(__SSE2__)
  // psadbw against zero sums 8 bytes into each 64-bit lane: no overflow.
  const __m128i zero = _mm_setzero_si128();
  const __m128i k_soh = _mm_set1_epi8('\x01');
  const __m128i k_eight = _mm_set1_epi8('8');
  __m128i acc = zero;
  std::uint32_t hits = 0;
  std::uint32_t carry = 0;  // SOH flag of the previous block's last byte
  for (; n >= 16; p += 16, n -= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
    const auto soh = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, k_soh)));
    const auto eight = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, k_eight)));
    hits |= ((soh << 1) | carry) & eight;
    carry = soh >> 15;
  }
  total = static_cast<std::uint64_t>(_mm_cvtsi128_si64(acc)) +
          static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
  prev_soh = carry != 0;
  soh8 = hits != 0;
#else
  constexpr std::uint64_t kLowBytes = 0x00FF00FF00FF00FFULL;
  constexpr std::size_t kWordsPerFold = 128;
  std::uint64_t hits = 0;
  std::uint64_t carry = 0;  // SOH flag of the previous word's last byte, moved to byte 0
  while (n >= 8) {
    const std::size_t words = std::min(n / 8, kWordsPerFold);
    std::uint64_t lanes = 0;
    for (std::size_t i = 0; i < words; ++i) {
      const std::uint64_t v = load8(p + i * 8);
      lanes += (v & kLowBytes) + ((v >> 8) & kLowBytes);
      const std::uint64_t soh = bytes_equal(v, '\x01');
      hits |= ((soh << 8) | carry) & bytes_equal(v, '8');
      carry = soh >> 56;
    }
    total += (lanes & 0xFFFF) + ((lanes >> 16) & 0xFFFF) + ((lanes >> 32) & 0xFFFF) + (lanes >> 48);
    p += words * 8;
    n -= words * 8;
  }
  prev_soh = carry != 0;
  soh8 = hits != 0;
#endif
  for (std::size_t i = 0; i < n; ++i) {
    total += static_cast<unsigned char>(p[i]);
    if (prev_soh && p[i] == '8') soh8 = true;
    prev_soh = p[i] == '\x01';
  }
  return total;
}

// Sum of the bytes in [p, p+n) (the FIX CheckSum is this mod 256).
[[nodiscard]] inline std::uint64_t byte_sum(const char* p, std::size_t n) noexcept {
  bool unused = false;
  return byte_sum_and_soh8(p, n, unused);
}

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

[[nodiscard]] constexpr std::size_t count_digits(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// Writes the decimal digits of `v` at `p` (exactly count_digits(v) bytes) and
// returns the end. The caller has checked the room.
inline char* write_uint(char* p, std::uint64_t v) noexcept {
  const std::size_t n = count_digits(v);
  char* q = p + n;
  do {
    *--q = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return p + n;
}

inline char* write_str(char* p, const char* s, std::size_t n) noexcept {
  if (n != 0) std::memcpy(p, s, n);
  return p + n;
}

// Writes the three-digit CheckSum trailer "10=ddd<SOH>".
inline char* write_checksum(char* p, std::uint64_t sum) noexcept {
  const unsigned c = static_cast<unsigned>(sum & 0xFF);
  p[0] = '1';
  p[1] = '0';
  p[2] = '=';
  p[3] = static_cast<char>('0' + c / 100);
  p[4] = static_cast<char>('0' + c / 10 % 10);
  p[5] = static_cast<char>('0' + c % 10);
  p[6] = '\x01';
  return p + 7;
}

}  // namespace riskgate::codec::detail
