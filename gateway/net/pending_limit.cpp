#include "gateway/net/pending_limit.hpp"

#include <algorithm>

namespace riskgate::net {

PendingLimiter::PendingLimiter(std::size_t max_total, std::size_t max_per_address) noexcept
    : max_total_(std::max<std::size_t>(max_total, 1)),
      max_per_address_(std::clamp<std::size_t>(max_per_address, 1, max_total_)) {}

PendingLimiter::Verdict PendingLimiter::try_admit(const boost::asio::ip::address& from) {
  if (total_ >= max_total_) return Verdict::kOverTotal;
  auto it = per_address_.find(from);
  if (it != per_address_.end() && it->second >= max_per_address_) return Verdict::kOverAddress;
  if (it == per_address_.end()) it = per_address_.emplace(from, 0).first;
  ++it->second;
  ++total_;
  return Verdict::kAdmitted;
}

void PendingLimiter::release(const boost::asio::ip::address& from) noexcept {
  auto it = per_address_.find(from);
  if (it == per_address_.end()) return;  // Not admitted: nothing to undo.
  if (--it->second == 0) per_address_.erase(it);
  if (total_ > 0) --total_;
}

std::size_t PendingLimiter::pending_from(const boost::asio::ip::address& from) const noexcept {
  const auto it = per_address_.find(from);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace riskgate::net
