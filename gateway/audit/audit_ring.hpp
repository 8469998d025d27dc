// The single-producer/single-consumer ring that carries order-path audit
// records from one I/O thread to the audit writer thread.
//
// AuditProducer::try_record copies a fixed-size POD (AuditRecord) into a
// preallocated ring: no lock, no allocation, no syscall, never blocks. One
// ring per I/O thread, created at setup by the writer's owner
// (control::AuditLog::add_producer); the writer thread drains every ring.
// Order: FIFO per producer.
//
// Fail closed: try_record returns false when the ring is full or the owner's
// health flag is false (the log is not open, or a write failed); the gateway
// must then refuse the new order (cancels still pass). Records refused that
// way are counted (refused()), not written.
//
// Why our own SPSC rings rather than moodycamel::ConcurrentQueue: with one
// ring per I/O thread the capacity is exact and per-producer (a full ring is
// a precise, testable condition, independent of block granularity and of
// other producers taking blocks from a shared pool), FIFO per producer is all
// we need, and the consumer is a single thread anyway. The ring is ~40 lines.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/cacheline.hpp"
#include "gateway/audit/audit_record.hpp"

namespace riskgate::audit {

// One ring: the single-producer end (try_record, the I/O thread) and the
// single-consumer end (drain, the writer thread). Owned by the writer's owner
// (control::AuditLog); the I/O thread keeps a reference. Exactly one thread
// may call try_record on a given ring and exactly one thread may call drain
// (that is what makes both wait-free).
class AuditProducer {
 public:
  // Setup (allocates). `capacity_pow2`: a power of two >= 2, else
  // std::invalid_argument. `healthy` belongs to the owner and outlives the
  // ring; the owner stores true (release) once records can be written and
  // false (release) when they no longer can.
  AuditProducer(std::string name, std::size_t capacity_pow2, const std::atomic<bool>* healthy);
  AuditProducer(const AuditProducer&) = delete;
  AuditProducer& operator=(const AuditProducer&) = delete;

  // Order path. false: ring full or log unhealthy → refuse the new order.
  [[nodiscard]] bool try_record(const AuditRecord& r) noexcept;
  // Records refused since start (ring full or unhealthy). Any thread.
  [[nodiscard]] std::uint64_t refused() const noexcept {
    return refused_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

  // Consumer side: the writer thread only (one consumer per ring). Calls
  // f(const AuditRecord&) for each pending record, oldest first, then frees
  // their slots; returns how many. f must not call back into this ring.
  template <typename F>
  std::size_t drain(F&& f);

 private:
  // head_ counts records ever pushed, tail_ records ever popped; both only
  // grow (64-bit: no wrap in practice), slot = index & mask_.
  //
  // Producer-owned line: head_ is written by the producer (release) and read
  // by the consumer (acquire) so the consumer sees the slot contents.
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};
  std::uint64_t cached_tail_ =
      0;  // Producer's last view of tail_; refreshed only when it looks full.
  // Consumer-owned line: tail_ is written by the consumer (release) after it
  // has copied slots out, read by the producer (acquire) before reusing them.
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};
  alignas(kCacheLine) std::atomic<std::uint64_t> refused_{0};  // Relaxed: a statistic.
  const std::atomic<bool>* healthy_;
  std::size_t mask_;
  std::unique_ptr<AuditRecord[]> slots_;
  std::string name_;
};

template <typename F>
std::size_t AuditProducer::drain(F&& f) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);  // Consumer-owned.
  const std::uint64_t head = head_.load(std::memory_order_acquire);  // Pairs with try_record.
  for (std::uint64_t i = tail; i != head; ++i)
    f(static_cast<const AuditRecord&>(slots_[i & mask_]));
  // Release: the slots are copied out before the producer may reuse them
  // (pairs with try_record's acquire load of tail_).
  tail_.store(head, std::memory_order_release);
  return static_cast<std::size_t>(head - tail);
}

}  // namespace riskgate::audit
