// The durable journal of one gateway (issue 11, item 3): an append-only file
// fed by one JournalRing per I/O thread, drained by one journal thread.
//
//   I/O thread k --(JournalRing k: MAP_SHARED, tmpfs)--> journal thread --> file
//
// Durability, by failure:
//   - process crash (kill -9, abort, OOM kill): nothing that was committed to
//     a ring is lost. A record is committed before the message it describes
//     is sent; committed bytes live in the ring file's pages, which outlive
//     the process; the next Journal on the same file replays the undrained
//     part of each ring (tail..head) into the file before anything else.
//     The journal file itself is written with pwrite(): once written, the
//     kernel has it, whatever happens to the process.
//   - power loss / kernel crash: what the sync policy synced survives; the
//     rest may be lost, and a torn tail is detected by checksum and dropped.
//     The tmpfs rings do not survive power loss, by design.
//
// Sync policies (the journal thread's only syscalls besides pwrite; the
// order path's cost is the same for all three):
//   - kNone: no fdatasync; the kernel writes back on its own (~30 s with
//     default vm.dirty_expire_centisecs). For test rigs and replays.
//   - kInterval (default, 10 ms): fdatasync when at least interval has passed
//     since the last one and something was written. Power loss loses at most
//     ~interval + one fdatasync of records (plus up to idle_sleep_max after
//     a quiet spell, while the journal thread backs off). 10 ms because an fdatasync costs
//     ~0.1-2 ms on a data-centre NVMe (measure: bench/micro journal_bench,
//     BM_JournalSync*), so the journal thread spends <20% of its time
//     syncing even on a slow disk, while the loss window stays far below a
//     FIX heartbeat and the exchange's own resend covers it. Tune with
//     sync_interval: lower buys a smaller window for more device flushes.
//   - kEveryBatch ("every message"): fdatasync after every drain pass that
//     wrote something. The order path never waits for it, so it does NOT
//     mean "durable before sent": it means a record is durable within one
//     drain pass plus one fdatasync of being committed (durable_lsn() says
//     exactly how far), which bounds the window by the device, not a timer
//     (after a quiet spell, plus up to idle_sleep_max before the pass).
//
// Threads: construct, ring(), start(), stop() and the destructor on one
// owning thread at setup. ring(k) is handed to I/O thread k, the only
// producer on it. do_work() runs on the journal thread (start()), or on the
// caller's thread in tests (never both). Statistics may be read by anyone.
//
// Failure: a failed pwrite or fdatasync stores healthy = false; from then on
// every append returns AppendStatus::kJournalFailed and the gateway must fail
// closed (refuse new orders). There is no automatic recovery: the file's
// tail is suspect; an operator restarts the gateway, and the reader drops the
// torn tail.
//
// A file per trading day: the day roll's record (kTradingDayRoll) is the
// last of the old day's file. The I/O thread writes the day's carry just
// before it (kCarriedOrder, kPositionCarry: the working orders, positions
// and anchors, as it holds them) and counts those records in the roll's
// sequence. When the journal thread has written such a roll (or the ring
// replay at open, after a crash before it did) it starts the new day's file
// (roll_file, journal_roll.cpp):
//   1. fdatasync the old file;
//   2. write `<file>.next`: a header for the new day with the old file's
//      created_utc_ns (the chain id the rings are tied to), then each
//      session's declaration, numbers and resend store and the kill-cancel
//      id floor as the old file leaves them (records of kRollProducer), then
//      the carry and the roll record, copied as they are; fdatasync it;
//   3. link the old file as `<file>.<old day>` (kept for audit and
//      `riskgatectl journal`) and fsync the directory; rename `.next` over
//      `<file>` and fsync it again; records after the roll go to the new
//      file.
// A crash at any step leaves `<file>` whole, old or new: before the rename
// the old file still ends with the roll (its carry is not at the head of a
// file, so a restart skips it), after it the new one starts with it. A
// failed roll (disk full, say) is counted and the old file goes on: nothing
// is lost, the file is just not split that day. A roll without a carry
// (sequence 0: an older build, or nothing to carry it from) is not split.
// Cost: the journal thread reads the old file back (two scans of it), and
// the rings fill meanwhile; JournalRingMiB must hold that while.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/cacheline.hpp"
#include "gateway/journal/record.hpp"
#include "gateway/journal/ring.hpp"

namespace riskgate::journal {

enum class SyncPolicy : std::uint8_t { kNone, kInterval, kEveryBatch };

struct JournalConfig {
  std::filesystem::path file;  // The journal file: opened, or created if absent.
  // Where the ring files live: `<ring_dir>/riskgate-journal-<gateway>.<k>.ring`.
  // tmpfs (see ring.hpp). Must be the same across restarts of the gateway.
  std::filesystem::path ring_dir = "/dev/shm";
  std::string gateway;            // 1..63 bytes; must match an existing file's.
  std::uint32_t trading_day = 0;  // yyyymmdd, for a new file.
  std::size_t producers = 1;      // I/O threads, one ring each (<= kMaxProducers).
  // Per ring. 4 MiB holds ~20,000 200-byte records: the journal thread may
  // stall that long (a slow fdatasync) before the order path sees kRingFull.
  std::size_t ring_capacity = std::size_t{4} << 20;
  SyncPolicy sync = SyncPolicy::kInterval;
  std::chrono::milliseconds sync_interval{10};
  // Journal thread sleep when every ring is empty: idle_sleep after work,
  // doubling on each empty look up to idle_sleep_max. A fixed 50 us poll
  // cost an idle gateway ~22 % of a core (measured with /proc/PID/task);
  // the backoff keeps a busy journal as prompt and an idle one near 0 %.
  // The order path never waits on it, only the ring fill level does: at
  // idle_sleep_max the first record after a quiet spell reaches the file
  // (and, with kEveryBatch, the disk) up to that much later. Tune: lower
  // idle_sleep_max for a tighter power-loss window after quiet spells.
  std::chrono::microseconds idle_sleep{50};
  std::chrono::microseconds idle_sleep_max{1000};
  // The journal thread's CPU (common/thread_placement.hpp); kAnyCpu: not
  // pinned. Off the I/O thread's core, or its bursts land in the order step.
  int cpu = -1;
  // Day files kept: each roll deletes the `<file>.<yyyymmdd>[.n]` files dated
  // more than this many days before the day it starts. 0: keep every one
  // (the operator's own retention rule applies).
  std::uint32_t keep_days = 0;
};

inline constexpr std::size_t kMaxProducers = 64;

// What opening found and did (for the log and the tests).
struct OpenReport {
  bool created = false;
  std::uint64_t file_records = 0;  // Valid records already in the file.
  bool torn_tail = false;          // Bytes after the last valid record were cut off.
  std::uint64_t torn_offset = 0;   // Where (the new end of the file).
  std::uint64_t dropped_bytes = 0;
  RecordError torn_error = RecordError::kEnd;
  std::uint64_t ring_records = 0;       // Undrained records replayed from rings.
  std::vector<std::string> ring_notes;  // Rings found unusable, and why.
  // The previous day's archived file held records after its roll (a crash
  // between a roll's rename and its cut, or a reader that held the file
  // then): cut back to its roll here. The live file holds those records.
  std::uint64_t archived_cut_bytes = 0;
  std::string archived_cut_error;  // Why that cut failed (the journal opens anyway).
};

class Journal {
 public:
  // Setup: opens or creates the file (throws std::runtime_error /
  // std::system_error naming it), truncates a torn tail, replays the rings an
  // earlier process left, fdatasyncs, and creates fresh rings. No thread yet.
  explicit Journal(JournalConfig config);
  ~Journal();  // stop(), then a last drain and fdatasync.
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  [[nodiscard]] JournalRing& ring(std::size_t producer) { return *rings_.at(producer); }
  [[nodiscard]] const OpenReport& open_report() const noexcept { return report_; }
  // The current file's header. Setup, or once the journal thread has
  // stopped: it rewrites it when it starts a day's file.
  [[nodiscard]] const FileHeader& header() const noexcept { return header_; }

  // One pass: drain every ring into the file, then apply the sync policy.
  // Returns the bytes written. `now` drives the interval policy (tests pass a
  // fake clock).
  std::size_t do_work(std::chrono::steady_clock::time_point now);
  // fdatasync now (stop, tests).
  void sync();

  void start();  // Runs do_work in a thread until stop().
  void stop();   // Joins it, then drains and syncs what is left.

  [[nodiscard]] bool healthy() const noexcept {
    return healthy_.load(std::memory_order_acquire);  // Pairs with fail()'s release.
  }
  // File offset up to which the journal is written (page cache) / synced,
  // in the current day's file. Relaxed: statistics; their meaning does not
  // depend on other memory.
  [[nodiscard]] std::uint64_t written_end() const noexcept {
    return written_end_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t durable_end() const noexcept {
    return durable_end_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t syncs() const noexcept {
    return syncs_.load(std::memory_order_relaxed);
  }
  // Times the journal thread found every ring empty and slept. Idle, this
  // grows by at most about 1 s / idle_sleep_max a second (a sleep never ends
  // early); a thread that stopped backing off would add 1 s / idle_sleep.
  // Relaxed: a statistic.
  [[nodiscard]] std::uint64_t idle_sleeps() const noexcept {
    return idle_sleeps_.load(std::memory_order_relaxed);
  }
  // The sleep after an empty look that followed a sleep of `last`: double
  // it, at least 1 us (so an idle_sleep of 0 still backs off), at most
  // max(idle_sleep, idle_sleep_max).
  [[nodiscard]] static std::chrono::microseconds next_idle_sleep(std::chrono::microseconds last,
                                                                 const JournalConfig& c) noexcept {
    return std::min(std::max(last * 2, std::chrono::microseconds(1)),
                    std::max(c.idle_sleep, c.idle_sleep_max));
  }

  // Days this journal has split into a file of their own, and rolls it
  // could not split (the old file went on). Relaxed: statistics.
  [[nodiscard]] std::uint64_t files_rolled() const noexcept {
    return files_rolled_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t roll_failures() const noexcept {
    return roll_failures_.load(std::memory_order_relaxed);
  }

  [[nodiscard]] static std::filesystem::path ring_path(const JournalConfig& c, std::size_t k);
  // Where a day's file is kept once the next day's has started:
  // `<file>.<yyyymmdd>`. `day` is yyyymmdd, or (below 1,000,000) a count of
  // days since 1970-01-01, as the gateway numbers its trading days.
  [[nodiscard]] static std::filesystem::path day_path(const std::filesystem::path& file,
                                                      std::uint32_t day);
  [[nodiscard]] static std::filesystem::path next_path(const std::filesystem::path& file);
  // Removes `<file>.*` names that are links to `file` itself (open).
  static void remove_stale_day_links(const std::filesystem::path& file);
  // The archived day files of `file` that end with the day roll identified
  // by (`producer`, `lsn`, `crc`) of day `from_day`, and hold records after
  // it (the next day's first records, which the live file holds too): each
  // is cut back to end at that roll, under an exclusive flock taken only if
  // free (a reader's mapping is never cut short; it is left for the next
  // try). Returns the bytes cut. Setup or the journal thread; throws on an
  // I/O error of the cut itself.
  // `busy` (if given) says whether a file that needed the cut was held.
  // `stored`: the roll record's size in the file (padding included); a file
  // that already ends with it is not read further, so an open stays cheap.
  static std::uint64_t cut_archived_day(const std::filesystem::path& file, std::uint32_t from_day,
                                        std::uint16_t producer, std::uint64_t lsn,
                                        std::uint32_t crc, std::size_t stored,
                                        bool* busy = nullptr);
  // Deletes the day files of `file` (`<file>.<yyyymmdd>` and `.<yyyymmdd>.<n>`)
  // dated more than `keep_days` days before `today` (day_path's numbering);
  // never `file` itself nor a name linked to it. Returns how many it deleted.
  static std::size_t remove_old_day_files(const std::filesystem::path& file, std::uint32_t today,
                                          std::uint32_t keep_days);
  // Waits for a day roll whose new file is being built, and installs it (or
  // counts its failure). For whoever drives do_work() itself (tests, a
  // tool): the journal thread does this on its own. Only from the thread
  // that calls do_work(). false when the journal failed.
  bool finish_day_roll() noexcept { return finish_roll(true); }
  // Day files deleted by rolls (JournalConfig::keep_days), since open.
  [[nodiscard]] std::uint64_t day_files_removed() const noexcept {
    return day_files_removed_.load(std::memory_order_relaxed);
  }

 private:
  void open_or_create();
  void append_raw(std::span<const std::byte> bytes);  // Setup and journal thread.
  void fail() noexcept;
  // Writes `bytes` (whole records of one ring) to the file; after a day
  // roll with a carry, starts the new day's file and writes the rest there.
  // false when the file failed.
  bool write_records(std::span<std::byte> bytes, JournalRing& ring);
  // A day roll whose new file is being built (journal_roll.cpp). The build
  // reads the old file back up to the roll (recover(): about a second per
  // 400 MB), so on the journal thread it runs on a helper thread of its own
  // while this thread goes on draining the rings into the old file, after
  // the roll; installing the new file then copies those records over (from
  // tail_from) before the rename. The rings are never left undrained for
  // the length of a read-back, and the old file, a superset, stays the
  // journal until the rename: a crash midway loses nothing.
  struct DayBuild {
    std::uint64_t roll_at = 0;    // Old file: offset of the roll record.
    std::uint64_t tail_from = 0;  // Old file: end of the roll record.
    std::uint32_t from_day = 0;   // The day the old file is kept as.
    FileHeader header{};          // The new file's.
    int fd = -1;                  // `.next`, open once built.
    std::uint64_t end = 0;        // Its length once built.
    std::exception_ptr error;     // Why the build failed, if it did.
    // Builder -> journal thread: release store after the fields above,
    // acquire load before reading them (join() would too, but the journal
    // thread polls without blocking).
    std::atomic<bool> done{false};
    std::thread builder;
  };
  // Just after writing the roll record at file offset `roll_at`, its last
  // record: syncs the old file and starts building the new day's (on a
  // helper thread when `async`, else here). false when the old file could
  // not be synced (the journal failed).
  [[nodiscard]] bool start_roll(std::uint64_t roll_at, bool async) noexcept;
  // When a build is done (or, `wait`, once it is): installs the new file, or
  // counts a roll failure and lets the old file go on (nothing lost). false
  // when the journal failed (the directory could not be synced after the
  // rename). True when no roll is in progress.
  [[nodiscard]] bool finish_roll(bool wait) noexcept;
  // The ring replay at open: start_roll and finish_roll at once.
  [[nodiscard]] bool roll_file(std::uint64_t roll_at) noexcept;
  // The builder's work: writes and syncs `.next` from the old file's first
  // `tail_from` bytes. Throws when it cannot.
  static void build_day_file(const std::filesystem::path& file, DayBuild& b);
  // The journal thread's part: the old file's records after the roll into
  // `.next`, then link, rename and swap. Throws when the new file is not in
  // place; false as finish_roll().
  [[nodiscard]] bool install_day_file(DayBuild& b);

  JournalConfig config_;
  FileHeader header_{};
  OpenReport report_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;  // Journal thread: next write position.
  std::uint64_t unsynced_ = 0;
  std::chrono::steady_clock::time_point last_sync_{};
  std::vector<std::unique_ptr<JournalRing>> rings_;
  std::thread thread_;
  // Read by every producer on every append; written on failure only.
  alignas(kCacheLine) std::atomic<bool> healthy_{false};
  alignas(kCacheLine) std::atomic<bool> stop_{false};  // Owner -> journal thread; relaxed poll.
  alignas(kCacheLine) std::atomic<std::uint64_t> written_end_{0};
  std::atomic<std::uint64_t> durable_end_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> idle_sleeps_{0};  // Journal thread only writes; relaxed.
  std::atomic<std::uint64_t> files_rolled_{0};
  // Relaxed, as files_rolled_: a count for status, guarding nothing.
  std::atomic<std::uint64_t> day_files_removed_{0};
  std::atomic<std::uint64_t> roll_failures_{0};
  std::unique_ptr<DayBuild> rolling_;  // Journal thread (or setup) only.
  // The roll whose archived day a reader held at the install, so that it
  // was not cut back (cut_archived_day): tried again after the next
  // install. Journal thread only.
  struct UncutDay {
    std::uint32_t from_day = 0;
    std::uint16_t producer = 0;
    std::uint64_t lsn = 0;
    std::uint32_t crc = 0;
    std::size_t stored = 0;
  };
  std::optional<UncutDay> uncut_;
  // fail() was called (healthy_ is also false before open ends). Journal
  // thread, or setup.
  bool failed_ = false;
};

// Typed appends: what the wiring calls on the order path. All are wait-free,
// allocation-free and syscall-free (see JournalRing). `session` is the
// journal's id for the session (declared once with declare_session).
AppendStatus append_outbound(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                             std::int64_t utc_ns, std::string_view raw_fix) noexcept;
// `seq`'s kOutbound record stands for a message the transport refused.
AppendStatus append_outbound_void(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                                  std::int64_t utc_ns) noexcept;
// An admin message (not kept for resend) went out with `seq`.
AppendStatus append_sender_seq(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                               std::int64_t utc_ns) noexcept;
AppendStatus append_inbound_processed(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                                      std::int64_t utc_ns) noexcept;
AppendStatus append_order_event(JournalRing& ring, std::uint16_t session, std::uint64_t out_seq,
                                std::int64_t utc_ns, const OrderEvent& e) noexcept;
// What the order step leaves free in the ring (an eighth of it: 2 MiB of
// the gateway's 16, thousands of records): a new order is refused while the
// ring can still take the refusal's own records, the reports of orders
// already out and a kill's cancels, so a journal thread held up for a while
// costs refused orders, not a failed journal.
[[nodiscard]] inline std::size_t order_step_headroom(const JournalRing& ring) noexcept {
  return ring.capacity() / 8;
}
// The order step's one record (RecordType::kOrderSent): order event `e` of
// the exchange session `session`, the message `raw_fix` sent with MsgSeqNum
// `seq`, and the engine message (in_session, in_seq) it processed
// (in_session = kNoSession if none).
AppendStatus append_order_sent(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                               std::int64_t utc_ns, const OrderEvent& e, std::uint16_t in_session,
                               std::uint64_t in_seq, std::string_view raw_fix) noexcept;
AppendStatus append_sequence_set(JournalRing& ring, std::uint16_t session,
                                 std::uint64_t next_sender, std::uint64_t next_target,
                                 std::int64_t utc_ns) noexcept;
AppendStatus append_daily_counters(JournalRing& ring, std::uint32_t trading_day,
                                   std::span<const DailyCounter> counters,
                                   std::int64_t utc_ns) noexcept;
AppendStatus append_kill_cancel_counter(JournalRing& ring, std::uint64_t next_id,
                                        std::int64_t utc_ns) noexcept;
// `carried`: 0 when no carry precedes it (the file is not split at it);
// n + 1 when the n records just before it in this ring are the day's carry.
AppendStatus append_trading_day_roll(JournalRing& ring, std::uint32_t from_day,
                                     std::uint32_t to_day, std::int64_t utc_ns,
                                     std::uint64_t carried = 0) noexcept;
// The day's carry (see "A file per trading day").
AppendStatus append_carried_order(JournalRing& ring, std::uint16_t session, std::int64_t utc_ns,
                                  const OrderEvent& e) noexcept;
AppendStatus append_position_carry(JournalRing& ring, const PositionCarry& c,
                                   std::int64_t utc_ns) noexcept;
AppendStatus declare_session(JournalRing& ring, std::uint16_t session, Leg leg,
                             std::string_view name, std::int64_t utc_ns) noexcept;

}  // namespace riskgate::journal
