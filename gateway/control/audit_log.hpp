// The audit log (issue 4: "every action is audited: who, when, why, and what
// it affected").
//
// Two ways in:
//  * Order-path events (refusals, retired values, identity verdicts, automatic
//    trips, cancels sent) come from I/O threads through an AuditProducer: one
//    per I/O thread, created at setup. AuditProducer::try_record copies a
//    fixed-size POD into a preallocated single-producer/single-consumer ring:
//    no lock, no allocation, no syscall, never blocks.
//  * Control-plane actions (operator kill/release/reload, refused admin
//    requests, kill-file/signal triggers) go through AuditLog::record_control,
//    which may allocate and takes a mutex. Control thread only (any non-I/O
//    thread is fine).
//
// One writer thread drains every ring and the control queue, appends one JSON
// object per line to the audit file, then (Options::sync) fdatasyncs, once per
// batch. Order: FIFO per producer; records from different producers interleave
// by drain pass (each record carries its own utc_ns, so sort on that).
//
// Fail closed: healthy() is false until start() has opened the file, and
// becomes false for good (until restart) the first time a write or fdatasync
// fails. AuditProducer::try_record returns false when its ring is full or the
// log is unhealthy; the gateway must then refuse the new order (cancels still
// pass). Records refused that way are counted (refused()), not written.
//
// Why our own SPSC rings rather than moodycamel::ConcurrentQueue: with one
// ring per I/O thread the capacity is exact and per-producer (a full ring is
// a precise, testable condition, independent of block granularity and of
// other producers taking blocks from a shared pool), FIFO per producer is all
// we need, and the consumer is a single thread anyway. The ring is ~40 lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/cacheline.hpp"

namespace riskgate::control {

// Stable names (appear in the file as "event"); append only.
enum class AuditEvent : std::uint8_t {
  kOrderRefused = 0,         // A risk/session/kill refusal of a new order or replace.
  kRetiredValue = 1,         // An order carried a retired tag value; its session tripped.
  kLogonAccepted = 2,        // Engine identity approved.
  kLogonRefused = 3,         // Identity missing/unapproved; Logout sent.
  kLogonAcceptedKilled = 4,  // Identity unapproved, accepted with session kill engaged.
  kKillTripped = 5,          // Automatic trip rule engaged a kill (rule says which).
  kCancelSent = 6,           // A cancel sent to the exchange because of a kill.
  kMassCancelSent = 7,
  kFlowDisabled = 8,  // Repeated-execution throttle disabled a flow.
  kSessionEvent = 9,  // Logon/logout/disconnect worth an audit line.
  kOther = 10,
  kFlowThrottled = 11,  // A flow-envelope rule put a session under the throttle (rule says which).
};
[[nodiscard]] std::string_view to_string(AuditEvent e) noexcept;

// One order-path audit record. Trivially copyable, fixed size; strings are
// truncated to fit and always NUL-terminated (use the set() helper).
struct AuditRecord {
  std::int64_t utc_ns = 0;        // Wall clock when it happened (utc_now_ns()).
  std::int64_t quantity = 0;      // Tag 38, or shares affected.
  std::int64_t price_micros = 0;  // Tag 44 in micro-units (risk::Micros).
  std::int64_t value = 0;         // Rule-specific: the observed number ...
  std::int64_t limit = 0;         // ... and the limit it was compared with.
  AuditEvent event = AuditEvent::kOther;
  char side = 0;  // FIX tag 54 char, 0 if none.
  char session[24] = {};
  char account[24] = {};
  char symbol[24] = {};
  char cl_ord_id[48] = {};
  char rule[32] = {};  // risk rule name, e.g. "max_order_qty".
  char text[120] = {};

  // Copies `src` into `dst`, truncating to N-1 bytes. noexcept, no allocation.
  template <std::size_t N>
  static void set(char (&dst)[N], std::string_view src) noexcept {
    const std::size_t n = src.size() < N - 1 ? src.size() : N - 1;
    // An empty view may have a null data(): memcpy from null is undefined
    // even for 0 bytes (UBSan, tests/fuzz/fuzz_route).
    if (n != 0) std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
  }
};
static_assert(std::is_trivially_copyable_v<AuditRecord>);
static_assert(sizeof(AuditRecord) <= 320, "keep records small: the ring is preallocated");

class AuditLog;

// The single-producer end of one ring. Owned by the AuditLog; the I/O thread
// keeps a reference. Exactly one thread may call try_record on a given
// producer (that is what makes it wait-free).
class AuditProducer {
 public:
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

 private:
  friend class AuditLog;
  AuditProducer(std::string name, std::size_t capacity_pow2, const std::atomic<bool>* healthy);
  // Consumer side (writer thread only): calls f(record) for each pending record.
  template <typename F>
  std::size_t drain(F&& f);

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

class AuditLog {
 public:
  struct Options {
    std::filesystem::path path;  // Appended to; parent directories are created.
    // fdatasync after each batch. On: a record on disk survives power loss
    // before the next batch; off: survives a process crash only (page cache).
    bool sync = true;
    // How often the writer looks at the rings when idle. I/O threads never
    // wake it (that would be a syscall), so this bounds audit latency. Lower
    // for fresher files, raise to save CPU.
    std::chrono::milliseconds poll_interval{5};
    // Records per producer ring; rounded up to a power of two. Sizing: the
    // peak refusal rate × the worst fdatasync time, with margin. 16384 × 320 B
    // ≈ 5 MB per I/O thread.
    std::size_t ring_capacity = 16384;
  };

  explicit AuditLog(Options opts);
  ~AuditLog();  // stop().
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Setup (any thread, allocates). One per I/O thread; the reference stays
  // valid for the AuditLog's lifetime. May be called after start().
  [[nodiscard]] AuditProducer& add_producer(std::string name);

  // Opens the file and starts the writer. Does not throw on an unwritable
  // path: healthy() stays false and last_error() says why (the gateway
  // must keep running so cancels pass, but refuses new orders).
  void start();
  // Drains everything, writes it, joins the writer. Idempotent.
  void stop();

  // Any thread. Acquire: pairs with the writer's release store when it
  // opens the file or fails, so a reader that sees false also sees last_error().
  [[nodiscard]] bool healthy() const noexcept { return healthy_.load(std::memory_order_acquire); }
  [[nodiscard]] std::string last_error() const;

  // Control plane (not the order path; allocates; thread-safe). `fields` is
  // merged into the line; conventional keys: actor, action, scope, target,
  // reason, path, status, affected (orders refused / cancels sent, ...).
  // Returns false if the log is unhealthy (the action should be reported as
  // not audited).
  bool record_control(std::string_view action, nlohmann::json fields);

  // Blocks until every record enqueued before the call has been written (or
  // the log is unhealthy). For tests and orderly shutdown; control thread.
  void flush();

  [[nodiscard]] std::uint64_t lines_written() const noexcept {
    return lines_written_.load(std::memory_order_relaxed);
  }

 private:
  void run();
  bool write_pass();  // true if anything was written
  void fail(const std::string& why);

  Options opts_;
  std::atomic<bool> healthy_{false};
  std::atomic<std::uint64_t> lines_written_{0};
  int fd_ = -1;

  mutable std::mutex mu_;  // Guards everything below.
  std::condition_variable cv_;
  std::deque<std::unique_ptr<AuditProducer>> producers_;
  std::vector<std::string> control_lines_;
  std::string last_error_;
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  std::thread writer_;
};

}  // namespace riskgate::control
