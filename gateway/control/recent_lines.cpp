#include "gateway/control/recent_lines.hpp"

#include <stdexcept>

namespace riskgate::control {

RecentLines::RecentLines(std::size_t capacity) : slots_(capacity) {
  if (capacity == 0) throw std::invalid_argument("RecentLines: capacity must be >= 1");
}

void RecentLines::push(std::string_view line) {
  slots_[total_ % slots_.size()].assign(line);
  ++total_;
}

std::vector<std::string> RecentLines::newest_first() const {
  const std::uint64_t kept = total_ < slots_.size() ? total_ : slots_.size();
  std::vector<std::string> out;
  out.reserve(kept);
  for (std::uint64_t i = 1; i <= kept; ++i) out.push_back(slots_[(total_ - i) % slots_.size()]);
  return out;
}

}  // namespace riskgate::control
