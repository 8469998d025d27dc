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
// Every line is sealed into a hash chain (audit_chain.hpp: a "prev" field
// with the SHA-256 of the previous line), carried across restarts (start()
// reads the file's last line) and across rotations.
//
// Rotation (issue 12): the writer reopens the path when asked
// (install_audit_reopen_signal_handler, request_reopen) and when it sees that
// the path no longer names the open file (renamed or deleted: st_dev/st_ino
// of the descriptor against stat() of the path, every check_interval). The
// first record of the new file is an "audit_reopened" control record that
// chains to the old file's last one. No copytruncate: that loses what is
// written between the copy and the truncate.
//
// Noise (record_noise, and kLogonRefused records from the rings) is
// summarised per cause, at most one record per second (audit_noise.hpp).
//
// Free space on the file's filesystem is checked every check_interval: below
// disk_low_bytes an "audit_disk_low" record and status flag; below
// disk_hard_bytes the log turns unhealthy (fail closed) until space is back.
//
// Fail closed: healthy() is false until start() has opened the file, while
// free space is below the hard watermark, and for good (until restart) the
// first time a write, fdatasync or reopen fails. AuditProducer::try_record
// returns false when its ring is full or the log is unhealthy (each ring
// reads healthy_); the gateway must then refuse the new order (cancels still
// pass). Records refused that way are counted (AuditProducer::refused()), not
// written.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/audit/audit_ring.hpp"
#include "gateway/control/audit_noise.hpp"
#include "gateway/control/recent_lines.hpp"

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
    // How often the writer compares the path with the open file (rotation)
    // and looks at free space. Bounds how long records keep going to a
    // renamed file; both checks are a couple of syscalls.
    std::chrono::milliseconds check_interval{200};
    // Free-space watermarks on the file's filesystem ([gateway]
    // AuditDiskLowMiB, AuditDiskHardMiB). Low: alert; hard: fail closed.
    // 0 disables the watermark.
    std::uint64_t disk_low_bytes = 1024ull << 20;
    std::uint64_t disk_hard_bytes = 128ull << 20;
    // Free bytes for unprivileged writers on the filesystem of `fd`; nullopt
    // if unknown (the check is skipped). Default fstatvfs; tests inject.
    std::function<std::optional<std::uint64_t>(int fd)> free_bytes{};
    // At most one record per cause of noise per window (record_noise).
    std::chrono::milliseconds noise_window{1000};
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

  // The same, for events any peer can cause without authenticating (an admin
  // request without a valid token): at most one record per `cause` per
  // noise_window, the rest counted (NoiseLimiter). Returns false if the log
  // is unhealthy.
  bool record_noise(std::string_view cause, std::string_view action, nlohmann::json fields);

  // Asks the writer to reopen the path (as the reopen signal does). Any thread.
  void request_reopen() noexcept;

  // The /status "audit" section: healthy, path, last_error, disk_low,
  // disk_hard, free_bytes, watermarks, reopens, noise_suppressed. Any thread.
  [[nodiscard]] nlohmann::json status_json() const;

  // The latest order refusals as the writer formats them for the file
  // (order_refused and exchange_reject records, before "prev" is added), as
  // JSON text, newest first, at most
  // kRecentRefusals; for the ops console (GET /refusals). Any thread.
  static constexpr std::size_t kRecentRefusals = 20;
  [[nodiscard]] std::vector<std::string> recent_refusals() const;
  // Refusal records seen since start (including those no longer kept).
  [[nodiscard]] std::uint64_t refusals_seen() const;

  // Blocks until every record enqueued before the call has been written (or
  // the log is unhealthy). For tests and orderly shutdown; control thread.
  void flush();

  [[nodiscard]] std::uint64_t lines_written() const noexcept {
    return lines_written_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t reopens() const noexcept {
    return reopens_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool disk_low() const noexcept { return disk_low_.load(std::memory_order_relaxed); }

 private:
  void run();
  bool write_pass();  // true if anything was written
  // Seals `objects` into the chain and appends them; false after fail().
  bool append(const std::vector<std::string>& objects);
  void fail(const std::string& why);
  void check_file();  // Rotation: reopen if the path names another file.
  void check_disk();
  void reopen(const char* why);
  void publish_health();
  [[nodiscard]] static std::int64_t steady_ns() noexcept;

  Options opts_;
  // Stored (release) by fail() and publish_health() (start, disk checks);
  // loaded (acquire) by healthy() and by every ring's try_record, which holds
  // a pointer to it.
  std::atomic<bool> healthy_{false};
  std::atomic<std::uint64_t> lines_written_{0};  // Relaxed: a statistic.
  // Status only (status_json), written by the writer thread. Relaxed: each
  // is one fact on its own; none guards other data.
  std::atomic<std::uint64_t> reopens_{0};
  std::atomic<bool> disk_low_{false};
  std::atomic<bool> disk_hard_{false};
  std::atomic<std::uint64_t> free_bytes_{0};
  std::atomic<std::uint64_t> noise_suppressed_{0};
  // Bumped by request_reopen, read by the writer. Relaxed: the request
  // carries no data; the writer acts on any change it sees.
  std::atomic<std::uint64_t> reopen_requests_{0};

  // Writer thread only (start() before it exists, stop() after the join).
  int fd_ = -1;
  bool failed_ = false;    // Sticky: a write, fdatasync or reopen failed.
  std::string prev_hash_;  // Hash of the last line written: the next "prev".
  std::uint64_t seen_reopen_requests_ = 0;
  std::uint64_t seen_reopen_signals_ = 0;
  std::int64_t next_check_ns_ = 0;

  mutable std::mutex mu_;  // Guards everything below.
  std::condition_variable cv_;
  std::deque<std::unique_ptr<audit::AuditProducer>> producers_;
  // Serialised JSON objects, not yet sealed: the writer adds "prev" in the
  // order it writes them.
  std::vector<std::string> control_lines_;
  NoiseLimiter noise_;
  RecentLines recent_refusals_{kRecentRefusals};
  std::string last_error_;
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  std::thread writer_;
};

// Makes `sig` (the gateway uses SIGUSR2; SIGUSR1 is the emergency kill) ask
// every AuditLog in the process to reopen its file: logrotate's postrotate.
// The handler only bumps a lock-free counter the writers poll.
void install_audit_reopen_signal_handler(int sig);

// How many reopen signals arrived since start (any thread). Other files that
// follow logrotate (the FIX message logs) poll it and reopen on a change.
[[nodiscard]] std::uint64_t reopen_signals() noexcept;

}  // namespace riskgate::control
