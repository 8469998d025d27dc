// The audit log (issue 4: "every action is audited: who, when, why, and what
// it affected").
//
// Two ways in:
//  * Order-path events (refusals, retired values, identity verdicts, automatic
//    trips, cancels sent) come from I/O threads through an audit::AuditProducer
//    (gateway/audit/audit_ring.hpp): one per I/O thread, created at setup by
//    add_producer. AuditProducer::try_record copies a fixed-size POD
//    (audit::AuditRecord) into a preallocated single-producer/single-consumer
//    ring: no lock, no allocation, no syscall, never blocks. The record and the
//    ring live in gateway/audit so the order path does not link this plane.
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
// log is unhealthy (each ring reads healthy_); the gateway must then refuse
// the new order (cancels still pass). Records refused that way are counted
// (AuditProducer::refused()), not written.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/audit/audit_ring.hpp"

namespace riskgate::control {

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
  [[nodiscard]] audit::AuditProducer& add_producer(std::string name);

  // Opens the file and starts the writer. Does not throw on an unwritable
  // path: healthy() stays false and last_error() says why (the gateway
  // must keep running so cancels pass, but refuses new orders).
  void start();
  // Drains everything, writes it, joins the writer. Idempotent.
  void stop();

  // Any thread. Acquire: pairs with the release stores in start() (file
  // open) and fail(), so a reader that sees false also sees last_error().
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
  // Stored (release) by start() and fail(); loaded (acquire) by healthy() and
  // by every ring's try_record, which holds a pointer to it.
  std::atomic<bool> healthy_{false};
  std::atomic<std::uint64_t> lines_written_{0};  // Relaxed: a statistic.
  int fd_ = -1;

  mutable std::mutex mu_;  // Guards everything below.
  std::condition_variable cv_;
  std::deque<std::unique_ptr<audit::AuditProducer>> producers_;
  std::vector<std::string> control_lines_;
  std::string last_error_;
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  std::thread writer_;
};

}  // namespace riskgate::control
