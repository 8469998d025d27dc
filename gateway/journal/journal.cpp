#include "gateway/journal/journal.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "common/thread_placement.hpp"
#include "common/utc_clock.hpp"
#include "gateway/journal/crc32c.hpp"
#include "gateway/journal/file_io.hpp"
#include "gateway/journal/reader.hpp"

namespace riskgate::journal {

using detail::fsync_dir;
using detail::pwrite_all;
using detail::throw_errno;

std::filesystem::path Journal::ring_path(const JournalConfig& c, std::size_t k) {
  return c.ring_dir / ("riskgate-journal-" + c.gateway + "." + std::to_string(k) + ".ring");
}

namespace {

// `day` as yyyymmdd: a count of days since 1970-01-01 (below 1,000,000, the
// gateway's trading-day period) is named by its date, as an operator looks
// for it.
std::uint32_t to_yyyymmdd(std::uint32_t day) {
  if (day >= 1'000'000) return day;
  const std::chrono::year_month_day d{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<std::uint32_t>(static_cast<int>(d.year()) * 10000 +
                                    static_cast<int>(static_cast<unsigned>(d.month())) * 100 +
                                    static_cast<int>(static_cast<unsigned>(d.day())));
}

// yyyymmdd as days since 1970-01-01, or nothing when it is not a date.
std::optional<std::int64_t> days_of(std::uint32_t yyyymmdd) {
  const std::chrono::year_month_day d{std::chrono::year{static_cast<int>(yyyymmdd / 10000)},
                                      std::chrono::month{yyyymmdd / 100 % 100},
                                      std::chrono::day{yyyymmdd % 100}};
  if (!d.ok()) return std::nullopt;
  return std::chrono::sys_days{d}.time_since_epoch().count();
}

}  // namespace

std::filesystem::path Journal::day_path(const std::filesystem::path& file, std::uint32_t day) {
  return std::filesystem::path(file.string() + "." + std::to_string(to_yyyymmdd(day)));
}

std::size_t Journal::remove_old_day_files(const std::filesystem::path& file, std::uint32_t today,
                                          std::uint32_t keep_days) {
  const std::optional<std::int64_t> now = days_of(to_yyyymmdd(today));
  if (!now || keep_days == 0) return 0;
  struct stat self {};
  const bool have_self = ::stat(file.c_str(), &self) == 0;
  const std::string prefix = file.filename().string() + ".";
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // Exactly 8 digits, then nothing or ".<digits>" (link_day_file's names):
    // `.next` and anything an operator put beside the journal stay.
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    std::uint32_t yyyymmdd = 0;
    const auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), yyyymmdd);
    if (err != std::errc{} || end - rest.data() != 8) continue;
    const std::string_view tail(end, static_cast<std::size_t>(rest.data() + rest.size() - end));
    if (!tail.empty() &&
        (tail.size() < 2 || tail[0] != '.' ||
         !std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c >= '0' && c <= '9'; })))
      continue;
    const std::optional<std::int64_t> day = days_of(yyyymmdd);
    if (!day || *now - *day <= static_cast<std::int64_t>(keep_days)) continue;
    struct stat other {};
    if (have_self && ::stat(entry.path().c_str(), &other) == 0 && other.st_ino == self.st_ino &&
        other.st_dev == self.st_dev)
      continue;  // The live file under a day's name (a roll killed midway).
    std::error_code rm;
    if (std::filesystem::remove(entry.path(), rm)) ++removed;
  }
  return removed;
}

std::filesystem::path Journal::next_path(const std::filesystem::path& file) {
  return std::filesystem::path(file.string() + ".next");
}

void Journal::remove_stale_day_links(const std::filesystem::path& file) {
  // A roll killed between its link and its rename left a day's name on the
  // live file: that name would go on growing with the next day's records.
  struct stat self {};
  if (::stat(file.c_str(), &self) != 0) return;  // No file yet.
  const std::string prefix = file.filename().string() + ".";
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    struct stat other {};
    if (::stat(entry.path().c_str(), &other) == 0 && other.st_ino == self.st_ino &&
        other.st_dev == self.st_dev)
      std::filesystem::remove(entry.path(), ec);
  }
}

Journal::Journal(JournalConfig config) : config_(std::move(config)) {
  if (config_.producers == 0 || config_.producers > kMaxProducers)
    throw std::invalid_argument("journal: producers must be 1.." + std::to_string(kMaxProducers));
  if (config_.sync == SyncPolicy::kInterval && config_.sync_interval.count() <= 0)
    throw std::invalid_argument("journal: sync_interval must be > 0 ms");
  open_or_create();
}

Journal::~Journal() {
  try {
    stop();
  } catch (...) {  // Destructor: the failure is already recorded in healthy_.
  }
  (void)finish_roll(true);  // Never leave a builder thread running (stop() may have thrown).
  rings_.clear();
  if (fd_ >= 0) ::close(fd_);
}

void Journal::open_or_create() {
  const auto& path = config_.file;
  std::uint64_t next_lsn[kMaxProducers] = {};
  std::error_code ec;
  // A day's file a roll was writing when the process died: the rename never
  // happened, so `path` is still the whole journal (the roll, and whatever
  // the rings brought while the new file was being built, after it).
  std::filesystem::remove(next_path(path), ec);
  remove_stale_day_links(path);
  const auto size = std::filesystem::file_size(path, ec);
  // A file shorter than a header holds no record: it was cut while being
  // created, and is created again.
  if (!ec && size >= sizeof(FileHeader)) {
    std::uint64_t valid_end = 0;
    std::optional<UncutDay> head_roll;
    {
      JournalFile existing(path);  // Throws on a bad header: never overwrite what we cannot read.
      header_ = existing.header();
      if (gateway_name(header_) != config_.gateway)
        throw std::runtime_error("journal " + path.string() + ": written by gateway '" +
                                 std::string(gateway_name(header_)) + "', not '" + config_.gateway +
                                 "'");
      const ScanResult sr = existing.scan([&](const RecordView& r) {
        if (r.header.producer < kMaxProducers)
          next_lsn[r.header.producer] = r.header.lsn + r.stored_size();
        // The roll that started this file (a split one counts its carry);
        // the archived day it came from ends with the same record.
        if (!head_roll && r.type() == RecordType::kTradingDayRoll && r.header.sequence != 0)
          if (TradingDayRoll roll{}; decode(r, roll))
            head_roll = UncutDay{roll.from_day, r.header.producer, r.header.lsn, r.header.crc,
                                 r.stored_size()};
      });
      report_.file_records = sr.records;
      valid_end = sr.valid_end;
      if (sr.torn) {
        report_.torn_tail = true;
        report_.torn_offset = sr.valid_end;
        report_.dropped_bytes = sr.file_size - sr.valid_end;
        report_.torn_error = sr.error;
      }
    }
    if (head_roll) {
      // A crash between a roll's rename and its cut left the archived day
      // with the next day's first records after its roll: finished here.
      try {
        report_.archived_cut_bytes =
            cut_archived_day(path, head_roll->from_day, head_roll->producer, head_roll->lsn,
                             head_roll->crc, head_roll->stored);
      } catch (const std::exception& e) {
        report_.archived_cut_error = e.what();
      }
    }
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) throw_errno("open", path);
    // Cut the torn tail before appending: records written after garbage
    // would never be read.
    if (report_.torn_tail && ::ftruncate(fd_, static_cast<off_t>(valid_end)) != 0)
      throw_errno("ftruncate torn tail", path);
    // A record cut inside its padding (killed between the record's pwrite
    // and its padding's, or a short write) is whole, since the checksum
    // covers the record only; but the reader finds the next record at the
    // aligned offset, so the padding is completed before anything follows.
    offset_ = valid_end;
    if (const std::uint64_t aligned = align_record(valid_end); aligned != valid_end) {
      static constexpr std::byte kZeros[kRecordAlign] = {};
      if (!pwrite_all(fd_, std::span(kZeros, aligned - valid_end), valid_end))
        throw_errno("complete a record's padding", path);
      offset_ = aligned;
    }
    if (header_.version < kFormatVersion) {
      // An older format's file: what it holds reads the same, but this
      // process may append record types it does not know, so it is marked
      // as the current format before any is (an older binary then refuses
      // the file instead of cutting it at the first record it cannot read).
      header_.version = kFormatVersion;
      header_.crc = crc32c(0, &header_, offsetof(FileHeader, crc));
      if (!pwrite_all(fd_, std::as_bytes(std::span(&header_, 1)), 0))
        throw_errno("upgrade header", path);
    }
  } else {
    report_.created = true;
    header_ = make_file_header(config_.gateway, config_.trading_day, utc_now_ns());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_errno("create", path);
    if (!pwrite_all(fd_, std::as_bytes(std::span(&header_, 1)), 0))
      throw_errno("write header", path);
    offset_ = sizeof(FileHeader);
    if (::fdatasync(fd_) != 0) throw_errno("fdatasync", path);
    fsync_dir(path);
  }

  // Replay what earlier rings committed and the journal thread had not yet
  // written (or had written but not yet marked consumed: lsn dedupes).
  for (std::size_t k = 0; k < kMaxProducers; ++k) {
    const auto rp = ring_path(config_, k);
    if (!std::filesystem::exists(rp)) continue;
    const RingRecovery rr = recover_ring(
        rp, config_.gateway, static_cast<std::uint16_t>(k), header_.created_utc_ns, next_lsn[k],
        [&](const RecordView& r) {
          const std::uint64_t at = offset_;
          append_raw(r.record);
          next_lsn[k] = r.header.lsn + r.stored_size();
          ++report_.ring_records;
          // A day roll the journal thread never reached: the
          // file splits here, as it would have live.
          if (r.type() == RecordType::kTradingDayRoll && r.header.sequence != 0 && !roll_file(at))
            throw_errno("sync at the day roll", path);
        });
    if (!rr.usable) report_.ring_notes.push_back(rp.string() + ": " + rr.reason);
    if (k >= config_.producers) std::filesystem::remove(rp, ec);
  }
  if (::fdatasync(fd_) != 0) throw_errno("fdatasync", path);
  written_end_.store(offset_, std::memory_order_relaxed);
  durable_end_.store(offset_, std::memory_order_relaxed);

  // Release: pairs with try_reserve's acquire load; set before any ring is
  // handed out, so the first append sees it.
  healthy_.store(true, std::memory_order_release);
  for (std::size_t k = 0; k < config_.producers; ++k)
    rings_.push_back(std::make_unique<JournalRing>(
        ring_path(config_, k), config_.gateway, static_cast<std::uint16_t>(k),
        config_.ring_capacity, next_lsn[k], header_.created_utc_ns, &healthy_));
}

void Journal::append_raw(std::span<const std::byte> bytes) {
  static constexpr std::byte kZeros[kRecordAlign] = {};
  const std::size_t pad = align_record(bytes.size()) - bytes.size();
  if (!pwrite_all(fd_, bytes, offset_) ||
      !pwrite_all(fd_, std::span(kZeros, pad), offset_ + bytes.size()))
    throw_errno("write replayed ring record", config_.file);
  offset_ += bytes.size() + pad;
}

void Journal::fail() noexcept {
  failed_ = true;
  // Release: pairs with try_reserve's acquire load; producers refuse from
  // their next append on.
  healthy_.store(false, std::memory_order_release);
}

std::size_t Journal::do_work(std::chrono::steady_clock::time_point now) {
  if (!healthy_.load(std::memory_order_relaxed)) return 0;  // Only this thread stores false.
  // A day's new file built meanwhile: installed before more is written, so
  // that the copy of what followed the roll is all that is left to do.
  if (!finish_roll(false)) return 0;
  std::size_t total = 0;
  for (auto& ring : rings_) {
    const auto bytes = ring->readable();
    if (bytes.empty()) continue;
    // The ring span holds whole records only (head moves by whole records),
    // so the file stays record-aligned whatever the interleaving of rings.
    if (!seal(bytes) || !write_records(bytes, *ring)) {
      fail();
      return total;
    }
    total += bytes.size();
  }
  if (total > 0) {
    unsynced_ += total;
    written_end_.store(offset_, std::memory_order_relaxed);
  }
  const bool due =
      unsynced_ > 0 &&
      ((config_.sync == SyncPolicy::kEveryBatch) ||
       (config_.sync == SyncPolicy::kInterval && now - last_sync_ >= config_.sync_interval));
  if (due) {
    sync();
    last_sync_ = now;
  }
  return total;
}

bool Journal::write_records(std::span<std::byte> bytes, JournalRing& ring) {
  while (!bytes.empty()) {
    // Up to the first day roll that carries the day's state, if any: the
    // file rolls right after that record.
    std::size_t upto = bytes.size();
    std::size_t roll_pos = bytes.size();
    for (std::size_t pos = 0; pos < bytes.size();) {
      RecordHeader h;
      std::memcpy(&h, bytes.data() + pos, sizeof(h));  // seal() checked the lengths.
      if (RecordType{h.type} == RecordType::kTradingDayRoll && h.sequence != 0) {
        roll_pos = pos;
        upto = pos + align_record(h.length);
        break;
      }
      pos += align_record(h.length);
    }
    // A second roll while the first one's file is still being built (two
    // days within the build: a test's clock): the first is finished first.
    if (roll_pos != bytes.size() && !finish_roll(true)) return false;
    if (!pwrite_all(fd_, bytes.first(upto), offset_)) return false;
    const std::uint64_t roll_at = offset_ + roll_pos;
    offset_ += upto;
    ring.consume(upto);
    if (roll_pos != bytes.size() && !start_roll(roll_at, true)) return false;
    bytes = bytes.subspan(upto);
  }
  return true;
}

void Journal::sync() {
  if (fd_ < 0 || !healthy_.load(std::memory_order_relaxed)) return;
  if (::fdatasync(fd_) != 0) {
    fail();
    return;
  }
  unsynced_ = 0;
  durable_end_.store(offset_, std::memory_order_relaxed);
  syncs_.fetch_add(1, std::memory_order_relaxed);
}

void Journal::start() {
  if (thread_.joinable()) return;
  stop_.store(false, std::memory_order_relaxed);  // The thread does not exist yet.
  thread_ = std::thread([this] {
    // The owner checked the CPU is allowed (cpu_allowed): a failure here
    // leaves the thread where the kernel put it, which costs latency only.
    (void)pin_this_thread(config_.cpu);
    (void)::pthread_setname_np(::pthread_self(), "rg-journal");
    // Relaxed: a polled flag; join() in stop() is the synchronisation.
    std::chrono::microseconds sleep = config_.idle_sleep;
    while (!stop_.load(std::memory_order_relaxed)) {
      if (do_work(std::chrono::steady_clock::now()) != 0) {
        sleep = config_.idle_sleep;
        continue;
      }
      idle_sleeps_.fetch_add(1, std::memory_order_relaxed);  // Statistic.
      std::this_thread::sleep_for(sleep);
      sleep = next_idle_sleep(sleep, config_);
    }
  });
}

void Journal::stop() {
  if (thread_.joinable()) {
    stop_.store(true, std::memory_order_relaxed);  // Polled; join() synchronises.
    thread_.join();
  }
  (void)do_work(std::chrono::steady_clock::now());
  (void)finish_roll(true);  // A roll in progress: its file, or a counted failure.
  sync();
}

// --- typed appends ---

AppendStatus append_outbound(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                             std::int64_t utc_ns, std::string_view raw_fix) noexcept {
  if (raw_fix.empty()) return AppendStatus::kTooLarge;  // parse_record rejects an empty one.
  return ring.try_append(RecordType::kOutbound, session, seq, utc_ns, raw_fix);
}

AppendStatus append_outbound_void(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                                  std::int64_t utc_ns) noexcept {
  return ring.try_append(RecordType::kOutboundVoid, session, seq, utc_ns, {});
}

AppendStatus append_sender_seq(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                               std::int64_t utc_ns) noexcept {
  return ring.try_append(RecordType::kSenderSeq, session, seq, utc_ns, {});
}

AppendStatus append_inbound_processed(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                                      std::int64_t utc_ns) noexcept {
  return ring.try_append(RecordType::kInboundProcessed, session, seq, utc_ns, {});
}

AppendStatus append_order_event(JournalRing& ring, std::uint16_t session, std::uint64_t out_seq,
                                std::int64_t utc_ns, const OrderEvent& e) noexcept {
  if (!ids_fit(e)) return AppendStatus::kTooLarge;
  const auto r = ring.try_reserve(payload_size(e));
  if (r.status != AppendStatus::kOk) return r.status;
  (void)encode(e, r.payload());  // Cannot fail: sizes checked above.
  ring.commit(r, RecordType::kOrderEvent, session, out_seq, utc_ns);
  return AppendStatus::kOk;
}

AppendStatus append_order_sent(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                               std::int64_t utc_ns, const OrderEvent& e, std::uint16_t in_session,
                               std::uint64_t in_seq, std::string_view raw_fix) noexcept {
  if (raw_fix.empty() || !ids_fit(e)) return AppendStatus::kTooLarge;
  const auto r =
      ring.try_reserve(order_sent_payload_size(e, raw_fix.size()), order_step_headroom(ring));
  if (r.status != AppendStatus::kOk) return r.status;
  (void)encode_order_sent(e, in_session, in_seq, raw_fix, r.payload());  // Sizes checked above.
  ring.commit(r, RecordType::kOrderSent, session, seq, utc_ns);
  return AppendStatus::kOk;
}

AppendStatus append_sequence_set(JournalRing& ring, std::uint16_t session,
                                 std::uint64_t next_sender, std::uint64_t next_target,
                                 std::int64_t utc_ns) noexcept {
  const SequenceSet s{next_target};
  return ring.try_append(RecordType::kSequenceSet, session, next_sender, utc_ns,
                         {reinterpret_cast<const char*>(&s), sizeof(s)});
}

AppendStatus append_daily_counters(JournalRing& ring, std::uint32_t trading_day,
                                   std::span<const DailyCounter> counters,
                                   std::int64_t utc_ns) noexcept {
  const std::size_t bytes = sizeof(DailyCountersFixed) + counters.size_bytes();
  const auto r = ring.try_reserve(bytes);
  if (r.status != AppendStatus::kOk) return r.status;
  const DailyCountersFixed f{trading_day, static_cast<std::uint32_t>(counters.size())};
  std::memcpy(r.payload().data(), &f, sizeof(f));
  if (!counters.empty())
    std::memcpy(r.payload().data() + sizeof(f), counters.data(), counters.size_bytes());
  ring.commit(r, RecordType::kDailyCounters, kNoSession, 0, utc_ns);
  return AppendStatus::kOk;
}

AppendStatus append_kill_cancel_counter(JournalRing& ring, std::uint64_t next_id,
                                        std::int64_t utc_ns) noexcept {
  return ring.try_append(RecordType::kKillCancelCounter, kNoSession, next_id, utc_ns, {});
}

AppendStatus append_trading_day_roll(JournalRing& ring, std::uint32_t from_day,
                                     std::uint32_t to_day, std::int64_t utc_ns,
                                     std::uint64_t carried) noexcept {
  const TradingDayRoll roll{from_day, to_day};
  return ring.try_append(RecordType::kTradingDayRoll, kNoSession, carried, utc_ns,
                         {reinterpret_cast<const char*>(&roll), sizeof(roll)});
}

AppendStatus append_carried_order(JournalRing& ring, std::uint16_t session, std::int64_t utc_ns,
                                  const OrderEvent& e) noexcept {
  if (!ids_fit(e)) return AppendStatus::kTooLarge;
  // Never into the order step's headroom: what that keeps for the reports
  // and cancels of orders already out (and the roll record after the carry)
  // stays free however large the carry is.
  const auto r = ring.try_reserve(payload_size(e), order_step_headroom(ring));
  if (r.status != AppendStatus::kOk) return r.status;
  (void)encode(e, r.payload());  // Cannot fail: sizes checked above.
  ring.commit(r, RecordType::kCarriedOrder, session, 0, utc_ns);
  return AppendStatus::kOk;
}

AppendStatus append_position_carry(JournalRing& ring, const PositionCarry& c,
                                   std::int64_t utc_ns) noexcept {
  if (c.account.size() > 255 || c.symbol.size() > 255) return AppendStatus::kTooLarge;
  const auto r = ring.try_reserve(position_carry_size(c), order_step_headroom(ring));  // As above.
  if (r.status != AppendStatus::kOk) return r.status;
  (void)encode(c, r.payload());  // Cannot fail: sizes checked above.
  ring.commit(r, RecordType::kPositionCarry, kNoSession, 0, utc_ns);
  return AppendStatus::kOk;
}

AppendStatus declare_session(JournalRing& ring, std::uint16_t session, Leg leg,
                             std::string_view name, std::int64_t utc_ns) noexcept {
  if (name.size() > 255) return AppendStatus::kTooLarge;
  const auto r = ring.try_reserve(session_declared_size(name));
  if (r.status != AppendStatus::kOk) return r.status;
  (void)encode_session_declared(leg, name, r.payload());
  ring.commit(r, RecordType::kSessionDeclared, session, 0, utc_ns);
  return AppendStatus::kOk;
}

}  // namespace riskgate::journal
