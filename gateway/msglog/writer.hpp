// The writer thread of the per-session FIX message logs (issue 13 item 1):
// drains every I/O thread's MessageRing into one file per session per UTC
// day (line.hpp has the names and the format), and compresses past days.
//
// Never on the order path: the I/O threads only copy into their rings
// (ring.hpp). Everything here may allocate, lock and make syscalls, and may
// fall behind; then the rings fill and the I/O threads drop messages from the
// log and count them (GAP lines, /status), they never wait.
//
// Files:
//   - opened on a session's first message of a day, in append mode, with a
//     "#" header line; closed when the session's messages move to the next
//     day, when the writer sees the day change, and on reopen;
//   - reopen (request_reopen(): the gateway calls it on SIGUSR2, like the
//     audit log) closes every file; the next line opens the path again, so a
//     file renamed or deleted by an operator is replaced by a new one;
//   - a past day's .log is gzip-compressed by this thread to .log.gz, in
//     chunks of Options::compress_chunk bytes per pass so that draining the
//     rings never waits for a whole file (zlib; .log.gz.part while it is
//     written, renamed when complete; if a .log.gz already exists, e.g. a
//     few late lines reopened the day, the new part is appended to it as a
//     further gzip member, which zcat and zgrep read as one stream); the
//     commit first renames X.log to X.log.committing.<bytes of .gz before>,
//     so that a crash midway is undone at the next start and the day is
//     compressed again, once (writer_compress.cpp says how);
//   - at start, and a grace period after each midnight (late lines of the
//     old day still drain), every past day's .log of the configured sessions
//     is queued for compression, and with Options::retention_days set, .log.gz
//     files older than that many days are deleted.
//
// Failures (a full disk, a missing directory that cannot be made) never stop
// the gateway: the lines are counted as lost, the reason is kept for
// /status, and the writer tries again with the next line.
//
// Thread model: setup (add_session, add_ring) before start(); do_work() on
// the writer thread (or a test's thread when start() is not called);
// request_reopen(), status_json() and the counters from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/msglog/ring.hpp"

namespace riskgate::msglog {

class MessageLogWriter {
 public:
  // The writer thread's name (at most 15 characters).
  static constexpr char kThreadName[] = "rg-msglog";

  struct Options {
    // Bytes per I/O thread ring ([gateway] MessageLogRingMiB); a power of two.
    // Sizing: the peak message rate × bytes per message (~300) × the longest
    // writer stall to absorb. 16 MiB holds ~50,000 messages.
    std::size_t ring_bytes = std::size_t{16} << 20;
    // How often the writer looks at the rings. I/O threads never wake it (a
    // syscall), so this bounds how fresh the files are.
    std::chrono::milliseconds poll_interval{10};
    // The writer thread's nice value (Linux: per thread). The logs are best
    // effort (a full ring is a counted gap, never a stall), so the writer
    // runs below everything on the order path: on a machine without a core
    // of its own for it, its bursts of formatting (one every poll_interval)
    // otherwise delay the I/O thread's wake-ups and show in the round trip's
    // tail. Measured on the 2-vCPU benchmark host at 10k orders/s (bench/
    // run-suite --msglog-pairs): see the README. 0 leaves it as inherited;
    // lower it if the gap counter grows on a saturated machine.
    int writer_nice = 19;
    // The writer thread's CPU (common/thread_placement.hpp); -1: not pinned.
    int cpu = -1;
    // Delete .log.gz files older than this many days; 0 keeps them (MiFID II
    // asks for five years: keep that on the disk or archive the files).
    std::uint32_t retention_days = 0;
    // Bytes compressed per pass: bounds the time a pass spends on zlib
    // (about 10-20 ms per MiB on this class of machine).
    std::size_t compress_chunk = std::size_t{256} << 10;
    // How long after midnight the old day's files wait before compression,
    // so the lines stamped just before midnight are written first.
    std::chrono::milliseconds compress_grace{5000};
    // UTC now in ns (tests inject a clock). Default: the system clock.
    std::function<std::int64_t()> utc_now;
    // Free space the logs leave on their filesystem ([gateway]
    // MessageLogDiskReserveMiB; 0: none). Below it the writer stops writing
    // (the lines are counted as lost, and a GAP line marks them when space
    // comes back) rather than take the space the audit log needs: a full
    // disk under the audit log refuses every new order. Checked once a
    // second per file (statvfs of its directory), not per write.
    std::uint64_t disk_reserve_bytes = 0;
    // Free bytes on the filesystem of a session's directory (tests inject).
    // Default: statvfs; nullopt when it cannot tell (then writing goes on).
    std::function<std::optional<std::uint64_t>(const std::filesystem::path& dir)> free_bytes;
  };
  struct Session {
    std::string name;           // The [[session]] Name: the file name's first part.
    std::filesystem::path dir;  // Its FileLogPath.
    std::string header_fields;  // "session=... leg=..." for the "#" line.
  };

  explicit MessageLogWriter(Options opts);
  ~MessageLogWriter();  // stop().
  MessageLogWriter(const MessageLogWriter&) = delete;
  MessageLogWriter& operator=(const MessageLogWriter&) = delete;

  // Setup. Creates the directory (throws std::filesystem::filesystem_error
  // if it cannot). Returns the session's index for SessionTap.
  std::uint16_t add_session(Session s);
  // Setup, after every add_session: one ring per I/O thread, sized for all
  // the sessions added. The reference stays valid for the writer's lifetime.
  MessageRing& add_ring(std::string name);

  void start();  // Starts the writer thread.
  void stop();   // Drains what is in the rings, closes the files, joins. Idempotent.

  // One pass: reopen if asked, drain every ring, write, roll the day,
  // compress a chunk. Writer thread only (or a test, without start()).
  // Returns true if it wrote or compressed anything.
  bool do_work();

  void request_reopen() noexcept;  // Any thread.

  // The /status "message_log" section. Any thread.
  [[nodiscard]] nlohmann::json status_json() const;

  // Any thread; relaxed snapshots (statistics for people and tests).
  [[nodiscard]] std::uint64_t lines_written() const noexcept {
    return lines_written_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t files_compressed() const noexcept {
    return files_compressed_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t write_errors() const noexcept {
    return write_errors_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t reopens() const noexcept {
    return reopens_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t dropped() const noexcept;  // Sum over the rings.
  // Lines drained but not written (write errors, the disk reserve).
  [[nodiscard]] std::uint64_t lines_lost() const noexcept {
    return lines_lost_.load(std::memory_order_relaxed);
  }
  // True while some file's filesystem is below the disk reserve.
  [[nodiscard]] bool below_disk_reserve() const noexcept {
    return files_below_reserve_.load(std::memory_order_relaxed) != 0;
  }

 private:
  struct OpenFile {
    int fd = -1;
    std::int32_t day = 0;
    std::string buf;              // Lines not yet written.
    std::uint64_t buf_lines = 0;  // Message and gap lines in buf (not the header).
    bool failing = false;         // Its last open or write failed.
    // Disk reserve: when free space was last looked at (UTC ns), whether it
    // was below the reserve, and the lines held back since (for the GAP
    // line written when space comes back).
    std::int64_t space_checked_ns = 0;
    bool below_reserve = false;
    std::uint64_t held_back = 0;
  };
  struct Compression {
    std::filesystem::path log;
    int in = -1;
    void* gz = nullptr;  // gzFile
  };

  [[nodiscard]] std::int64_t now() const;
  void on_record(const RecordView& r);
  bool open_file(std::uint16_t s, std::int32_t day, std::int64_t utc_ns);
  void flush(std::uint16_t s);
  void close_file(std::uint16_t s);
  void close_all();
  void roll_day(std::int64_t now_ns);
  void sweep();  // Queue past days for compression; apply retention.
  // Undoes every commit a crash cut short in `dir` (writer_compress.cpp),
  // for the sessions `names`; the plain file of one that cannot be undone
  // goes into `blocked`, so that it is not compressed.
  void recover_commits(const std::filesystem::path& dir, const std::set<std::string>& names,
                       std::set<std::filesystem::path>& blocked);
  bool compress_step();
  void finish_compression();
  void abandon_compression(const std::string& why);
  void error(const std::string& why);
  void set_failing(OpenFile& f, bool failing) noexcept;
  // Whether session `s`'s file may be written now (the disk reserve);
  // looks at free space at most once a second and updates the file's state.
  bool space_allows(std::uint16_t s);
  void run();

  Options opts_;
  std::vector<Session> sessions_;
  std::deque<std::unique_ptr<MessageRing>> rings_;

  // Writer thread only.
  std::vector<OpenFile> files_;  // Index = session.
  std::int32_t today_ = 0;
  bool sweep_pending_ = true;
  std::int64_t sweep_due_ns_ = 0;
  std::deque<std::filesystem::path> to_compress_;
  Compression job_;
  std::vector<char> chunk_;
  std::uint64_t seen_reopens_ = 0;

  // Statistics (relaxed: each is one fact on its own; none guards data).
  std::atomic<std::uint64_t> lines_written_{0};
  std::atomic<std::uint64_t> gap_lines_{0};
  // Drained but not written (a write error, or the disk reserve).
  std::atomic<std::uint64_t> lines_lost_{0};
  // Of lines_lost_, those not written because free space was below the
  // disk reserve; and the files below it now (status, /metrics).
  std::atomic<std::uint64_t> lines_held_back_{0};
  std::atomic<std::uint32_t> files_below_reserve_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  // Sessions whose last open or write failed; a session leaves the count at
  // its next successful write, so health comes back when the disk does
  // (write_errors_ keeps the history). Writer thread writes, status reads:
  // relaxed, a count with no payload.
  std::atomic<std::uint32_t> failing_sessions_{0};
  std::atomic<std::uint64_t> reopens_{0};
  std::atomic<std::uint64_t> files_compressed_{0};
  std::atomic<std::uint64_t> compress_errors_{0};
  // Compressions a crash cut short mid-commit, undone to be done again.
  std::atomic<std::uint64_t> commits_recovered_{0};
  std::atomic<std::uint64_t> files_deleted_{0};
  // Bumped by request_reopen, read by the writer (relaxed: carries no data;
  // the writer acts on any change it sees).
  std::atomic<std::uint64_t> reopen_requests_{0};

  mutable std::mutex mu_;  // Guards last_error_ and the thread's stop flag.
  std::condition_variable cv_;
  std::string last_error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace riskgate::msglog
