#include "gateway/audit/audit_ring.hpp"

#include <stdexcept>
#include <utility>

namespace riskgate::audit {

AuditProducer::AuditProducer(std::string name, std::size_t capacity_pow2,
                             const std::atomic<bool>* healthy)
    : healthy_(healthy), mask_(capacity_pow2 - 1), slots_(nullptr), name_(std::move(name)) {
  if (capacity_pow2 < 2 || (capacity_pow2 & mask_) != 0)
    throw std::invalid_argument("audit ring: capacity must be a power of two >= 2");
  if (healthy_ == nullptr) throw std::invalid_argument("audit ring: no health flag");
  slots_ = std::make_unique<AuditRecord[]>(capacity_pow2);
}

bool AuditProducer::try_record(const AuditRecord& r) noexcept {
  // Acquire pairs with the owner's release stores (control::AuditLog::start()
  // and fail()); a stale true only delays the refusal by one record, which
  // the writer will not write anyway.
  if (!healthy_->load(std::memory_order_acquire)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // Only this thread writes head_: relaxed read of our own value.
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - cached_tail_ > mask_) {
    // Looks full: refresh. Acquire pairs with the consumer's release store of
    // tail_ (drain), so the slot we are about to overwrite has been copied out.
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head - cached_tail_ > mask_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  slots_[head & mask_] = r;
  // Release publishes the slot contents to the consumer's acquire load of head_ (drain).
  head_.store(head + 1, std::memory_order_release);
  return true;
}

}  // namespace riskgate::audit
