// Appends to a fixed buffer, silently truncating: audit and reject texts on
// the I/O thread never allocate and never fail. Route-internal.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace riskgate::route {

class TextBuf {
 public:
  TextBuf(char* out, std::size_t cap) noexcept : out_(out), cap_(cap) {}
  void put(std::string_view v) noexcept {
    const std::size_t k = std::min(v.size(), cap_ - n_);
    // An empty view may have a null data(): memcpy from null is undefined
    // even for 0 bytes.
    if (k != 0) std::memcpy(out_ + n_, v.data(), k);
    n_ += k;
  }
  void put_uint(std::uint64_t v) noexcept {
    // Whole or not at all: to_chars fails rather than truncate.
    const auto r = std::to_chars(out_ + n_, out_ + cap_, v);
    if (r.ec == std::errc()) n_ = static_cast<std::size_t>(r.ptr - out_);
  }
  void put_int(std::int64_t v) noexcept {
    const auto r = std::to_chars(out_ + n_, out_ + cap_, v);
    if (r.ec == std::errc()) n_ = static_cast<std::size_t>(r.ptr - out_);
  }
  [[nodiscard]] char* end() noexcept { return out_ + n_; }
  [[nodiscard]] std::size_t room() const noexcept { return cap_ - n_; }
  void advance(std::size_t k) noexcept { n_ += std::min(k, cap_ - n_); }
  [[nodiscard]] std::string_view view() const noexcept { return {out_, n_}; }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t n_ = 0;
};

}  // namespace riskgate::route
