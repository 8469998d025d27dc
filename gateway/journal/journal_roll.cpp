// A file per trading day (journal.hpp, "A file per trading day"): the
// journal thread starts the new day's file right after writing a day roll
// that carries the day's state. Once a day, off the order path: it reads the
// old file back, allocates and makes syscalls.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/journal/crc32c.hpp"
#include "gateway/journal/file_io.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"

namespace riskgate::journal {
namespace {

using detail::fsync_dir;
using detail::pwrite_all;
using detail::throw_errno;

// The new day's file, written through a buffer: the records the journal
// thread builds (producer kRollProducer, lsn = their byte position in that
// stream) and the records it copies from the old file as they are.
class DayFileWriter {
 public:
  DayFileWriter(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  void raw(std::span<const std::byte> bytes) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    buf_.resize(align_record(buf_.size()), std::byte{0});
    if (buf_.size() >= kFlushBytes) flush();
  }

  void record(RecordType type, std::uint16_t session, std::uint64_t sequence, std::int64_t utc_ns,
              std::span<const std::byte> payload) {
    RecordHeader h{};
    h.length = static_cast<std::uint32_t>(sizeof(h) + payload.size());
    if (h.length > kMaxRecordBytes) throw std::runtime_error("a carried record is too large");
    h.type = static_cast<std::uint16_t>(type);
    h.session = session;
    h.producer = kRollProducer;
    h.lsn = lsn_;
    h.sequence = sequence;
    h.utc_ns = utc_ns;
    record_.resize(h.length);
    std::memcpy(record_.data(), &h, sizeof(h));
    if (!payload.empty()) std::memcpy(record_.data() + sizeof(h), payload.data(), payload.size());
    h.crc = crc32c(0, record_.data() + kCrcOffset, h.length - kCrcOffset);
    std::memcpy(record_.data(), &h.crc, sizeof(h.crc));
    lsn_ += align_record(h.length);
    raw(record_);
  }

  // Writes what is buffered; returns the file's length so far.
  std::uint64_t flush() {
    if (!pwrite_all(fd_, buf_, written_)) throw_errno("write the new day's file", path_);
    written_ += buf_.size();
    buf_.clear();
    return written_;
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  int fd_;
  std::filesystem::path path_;
  std::vector<std::byte> buf_;
  std::vector<std::byte> record_;
  std::uint64_t written_ = 0;
  std::uint64_t lsn_ = 0;
};

template <typename T>
std::span<const std::byte> bytes_of(const T& v) noexcept {
  return std::as_bytes(std::span(&v, 1));
}

// Links `file` as its day's file: `<file>.<day>`, or `.<day>.<n>` if that
// name is taken by another file (a day rolled twice, the clock set back).
// A name already linked to `file` (a roll that died before its rename) is
// reused. Returns the name and whether this call created it.
std::pair<std::filesystem::path, bool> link_day_file(const std::filesystem::path& file,
                                                     std::uint32_t day) {
  struct stat self {};
  if (::stat(file.c_str(), &self) != 0) throw_errno("stat", file);
  const std::filesystem::path base = Journal::day_path(file, day);
  for (int n = 0; n < 1000; ++n) {
    const std::filesystem::path name =
        n == 0 ? base : std::filesystem::path(base.string() + "." + std::to_string(n));
    if (::link(file.c_str(), name.c_str()) == 0) return {name, true};
    if (errno != EEXIST) throw_errno("link as " + name.string(), file);
    struct stat other {};
    if (::stat(name.c_str(), &other) == 0 && other.st_ino == self.st_ino &&
        other.st_dev == self.st_dev)
      return {name, false};
  }
  throw std::runtime_error("journal " + file.string() + ": no free name for day " +
                           std::to_string(day));
}

}  // namespace

bool Journal::roll_file(std::uint64_t roll_at) noexcept {
  return start_roll(roll_at, false) && finish_roll(true);
}

bool Journal::start_roll(std::uint64_t roll_at, bool async) noexcept {
  // The old day's file whole on disk before any name points at a new one.
  if (::fdatasync(fd_) != 0) {
    fail();
    return false;
  }
  unsynced_ = 0;
  durable_end_.store(offset_, std::memory_order_relaxed);
  try {
    auto b = std::make_unique<DayBuild>();
    b->roll_at = roll_at;
    b->tail_from = offset_;  // The roll is the last record written.
    b->header = header_;
    DayBuild& ref = *b;
    auto build = [&file = config_.file, &ref]() noexcept {
      try {
        build_day_file(file, ref);
      } catch (...) {
        ref.error = std::current_exception();
      }
      ref.done.store(true, std::memory_order_release);  // Pairs with finish_roll's acquire.
    };
    rolling_ = std::move(b);
    if (async) {
      try {
        ref.builder = std::thread(build);
        return true;
      } catch (const std::system_error&) {
        // No thread to be had: built here, as at open.
      }
    }
    build();
  } catch (const std::exception&) {
    // Out of memory before anything was written: the old file goes on.
    roll_failures_.fetch_add(1, std::memory_order_relaxed);
    rolling_.reset();
  }
  return true;
}

bool Journal::finish_roll(bool wait) noexcept {
  if (!rolling_) return true;
  DayBuild& b = *rolling_;
  if (!wait && !b.done.load(std::memory_order_acquire)) return true;
  if (b.builder.joinable()) b.builder.join();
  bool ok = true;
  bool installed = false;
  // What an earlier install could not cut; this install may set its own.
  const std::optional<UncutDay> previous_uncut = std::exchange(uncut_, std::nullopt);
  if (b.error == nullptr && !failed_) {
    try {
      ok = install_day_file(b);
      installed = true;
      files_rolled_.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception&) {
      installed = false;
    }
  }
  if (!installed) {
    // The old file goes on; nothing is lost, the day is not split. The
    // count shows it (status, metrics); the next roll tries again.
    if (b.error != nullptr || !failed_) roll_failures_.fetch_add(1, std::memory_order_relaxed);
    if (b.fd >= 0) ::close(b.fd);
    std::error_code ec;
    std::filesystem::remove(next_path(config_.file), ec);
  }
  rolling_.reset();
  if (installed && previous_uncut) {
    // A reader held the previous archived day at its install; it has had a
    // day to let go. Still held: tried again after the next install.
    try {
      bool busy = false;
      (void)cut_archived_day(config_.file, previous_uncut->from_day, previous_uncut->producer,
                             previous_uncut->lsn, previous_uncut->crc, previous_uncut->stored,
                             &busy);
      if (busy && !uncut_) uncut_ = previous_uncut;
    } catch (const std::exception&) {
      // Housekeeping of an archived file: the live journal is unaffected.
    }
  }
  if (installed && config_.keep_days != 0) {
    try {
      day_files_removed_.fetch_add(
          remove_old_day_files(config_.file, header_.trading_day, config_.keep_days),
          std::memory_order_relaxed);
    } catch (const std::exception&) {
      // Housekeeping only (an allocation failed): the next roll tries again.
    }
  }
  return ok;
}

void Journal::build_day_file(const std::filesystem::path& file, DayBuild& build) {
  // Up to the roll only: the journal thread may be appending after it.
  const JournalFile old(file, build.tail_from);
  const std::uint64_t roll_at = build.roll_at;
  // The roll, and the run of carry records its producer wrote just before
  // it (other rings' records may sit between them in the file).
  RecordView roll{};
  bool found = false;
  std::array<std::vector<RecordView>, kMaxProducers> runs;
  (void)old.scan([&](const RecordView& r) {
    if (found || r.header.producer >= kMaxProducers) return;
    auto& run = runs[r.header.producer];
    if (r.offset == roll_at) {
      roll = r;
      found = true;
    } else if (r.type() == RecordType::kCarriedOrder || r.type() == RecordType::kPositionCarry) {
      run.push_back(r);
    } else {
      run.clear();
    }
  });
  TradingDayRoll days{};
  if (!found || !decode(roll, days))
    throw std::runtime_error("journal " + file.string() + ": the day roll is not where written");
  const auto& carry = runs[roll.header.producer];
  if (roll.header.sequence != carry.size() + 1)
    throw std::runtime_error("journal " + file.string() + ": the day roll counts " +
                             std::to_string(roll.header.sequence - 1) + " carried records, " +
                             std::to_string(carry.size()) + " precede it");
  // Every session as the old file leaves it (the roll is its last record).
  const RecoveredState state = recover(old);

  const std::filesystem::path next = next_path(file);
  const int fd = ::open(next.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("create", next);
  std::uint64_t end = 0;
  FileHeader& h = build.header;  // Same gateway and created_utc_ns: the rings' chain id.
  try {
    DayFileWriter w(fd, next);
    h.version = kFormatVersion;
    h.trading_day = days.to_day;
    h.crc = crc32c(0, &h, offsetof(FileHeader, crc));
    w.raw(bytes_of(h));
    // Sessions in the order the old file declared them: a name declared
    // under two ids (files from before ids were kept by name) keeps its
    // later declaration later.
    std::vector<std::pair<std::uint16_t, const RecoveredSession*>> sessions;
    for (const auto& [id, s] : state.sessions) sessions.emplace_back(id, &s);
    std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
      return a.second->declared_at != b.second->declared_at
                 ? a.second->declared_at < b.second->declared_at
                 : a.first < b.first;
    });
    std::vector<std::byte> payload;
    for (const auto& [id, s] : sessions) {
      // Stamped with the start of the numbering in force, which a restart
      // compares with a schedule's period (DurableState::make_store).
      const std::int64_t utc = s->numbering_start_utc_ns;
      if (!s->name.empty()) {
        payload.resize(session_declared_size(s->name));
        if (!encode_session_declared(s->leg, s->name, payload))
          throw std::runtime_error("session name too long: " + s->name);
        w.record(RecordType::kSessionDeclared, id, 0, utc, payload);
      }
      const SequenceSet set{s->next_target_seq()};
      w.record(RecordType::kSequenceSet, id, s->next_sender_seq(), utc, bytes_of(set));
      for (const auto& [seq, msg] : s->outbound)
        w.record(RecordType::kOutbound, id, seq, utc, std::as_bytes(std::span(msg)));
    }
    if (state.next_kill_cancel_id != 0)
      w.record(RecordType::kKillCancelCounter, kNoSession, state.next_kill_cancel_id,
               roll.header.utc_ns, {});
    for (const RecordView& r : carry) w.raw(r.record);
    w.raw(roll.record);
    end = w.flush();
    if (::fdatasync(fd) != 0) throw_errno("fdatasync", next);
  } catch (...) {
    ::close(fd);
    throw;
  }
  build.fd = fd;
  build.end = end;
  build.from_day = days.from_day;
}

namespace {

// Whether the file at `name`, `size` bytes long, ends with the record
// identified by (`producer`, `lsn`, `crc`) that takes `stored` bytes: one
// read of its header, not a scan of the file.
bool ends_with_record(const std::filesystem::path& name, std::uint64_t size, std::uint16_t producer,
                      std::uint64_t lsn, std::uint32_t crc, std::size_t stored) {
  if (stored < sizeof(RecordHeader) || size < sizeof(FileHeader) + stored) return false;
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  RecordHeader h{};
  const bool read = ::pread(fd, &h, sizeof h, static_cast<off_t>(size - stored)) ==
                    static_cast<ssize_t>(sizeof h);
  ::close(fd);
  return read && h.type == static_cast<std::uint16_t>(RecordType::kTradingDayRoll) &&
         h.producer == producer && h.lsn == lsn && h.crc == crc;
}

}  // namespace

std::uint64_t Journal::cut_archived_day(const std::filesystem::path& file, std::uint32_t from_day,
                                        std::uint16_t producer, std::uint64_t lsn,
                                        std::uint32_t crc, std::size_t stored, bool* busy) {
  struct stat self {};
  const bool have_self = ::stat(file.c_str(), &self) == 0;
  const std::filesystem::path base = day_path(file, from_day);
  std::uint64_t cut = 0;
  // link_day_file's names for the day, in its order: `<day>`, `<day>.1`, ...
  for (int n = 0; n < 1000; ++n) {
    const std::filesystem::path name =
        n == 0 ? base : std::filesystem::path(base.string() + "." + std::to_string(n));
    struct stat other {};
    if (::stat(name.c_str(), &other) != 0) {
      if (n == 0) continue;
      break;
    }
    if (have_self && other.st_ino == self.st_ino && other.st_dev == self.st_dev)
      continue;  // The live file itself under a day's name: never cut.
    if (ends_with_record(name, static_cast<std::uint64_t>(other.st_size), producer, lsn, crc,
                         stored))
      continue;  // Cut already (the usual case): not read further.
    // Where the roll ends in this file, if it is that roll's archived day.
    std::uint64_t roll_end = 0;
    std::uint64_t valid_end = 0;
    {
      const JournalFile f(name);
      const ScanResult sr = f.scan([&](const RecordView& r) {
        if (r.type() == RecordType::kTradingDayRoll && r.header.producer == producer &&
            r.header.lsn == lsn && r.header.crc == crc)
          roll_end = r.offset + r.stored_size();
      });
      valid_end = sr.file_size;
    }
    if (roll_end == 0 || valid_end <= roll_end) continue;
    const int fd = ::open(name.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throw_errno("open", name);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      if (busy != nullptr) *busy = true;
      continue;
    }
    const bool ok = ::ftruncate(fd, static_cast<off_t>(roll_end)) == 0 && ::fdatasync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) {
      errno = err;
      throw_errno("cut back to its day roll", name);
    }
    cut += valid_end - roll_end;
  }
  return cut;
}

bool Journal::install_day_file(DayBuild& b) {
  const std::filesystem::path& file = config_.file;
  const std::filesystem::path next = next_path(file);
  // The next day's records the rings brought while the file was built: in
  // the old file after the roll, copied as they are (records carry no file
  // offsets), and synced here before the rename whatever the sync policy
  // had done with them there.
  std::vector<std::byte> buf(std::size_t{1} << 20);
  std::uint64_t to = b.end;
  for (std::uint64_t from = b.tail_from; from < offset_;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), offset_ - from));
    const ssize_t got = ::pread(fd_, buf.data(), n, static_cast<off_t>(from));
    if (got <= 0) throw_errno("read back the next day's records", file);
    if (!pwrite_all(b.fd, std::span(buf.data(), static_cast<std::size_t>(got)), to))
      throw_errno("write the new day's file", next);
    from += static_cast<std::uint64_t>(got);
    to += static_cast<std::uint64_t>(got);
  }
  if (::fdatasync(b.fd) != 0) throw_errno("fdatasync", next);
  const auto [linked, made_link] = link_day_file(file, b.from_day);
  // The day's name durable before the rename can take the live name from
  // it (a file system may reorder the two).
  fsync_dir(file);
  if (::rename(next.c_str(), file.c_str()) != 0) {
    const int err = errno;
    std::error_code ec;
    if (made_link) std::filesystem::remove(linked, ec);  // The day's name is not the live file's.
    errno = err;
    throw_errno("rename " + next.string(), file);
  }
  // Renamed: the new file is the journal from here, whatever follows.
  const int old_fd = std::exchange(fd_, std::exchange(b.fd, -1));
  const std::uint64_t old_end = offset_;
  header_ = b.header;
  offset_ = to;
  unsynced_ = 0;
  written_end_.store(offset_, std::memory_order_relaxed);
  durable_end_.store(offset_, std::memory_order_relaxed);
  bool dir_synced = true;
  try {
    fsync_dir(file);
  } catch (const std::exception&) {
    dir_synced = false;
  }
  // The old day's file ends at its roll again: what followed is the next
  // day's, now in the new file. Only once the rename is durable: cut
  // before, a power loss could leave the live name on the cut old file and
  // the next day's first records in nothing but `.next`, which the next
  // open deletes. Best effort: a crash before it leaves the archived day
  // with those records after its roll (the live file has them too). Only
  // under the exclusive flock, never waited for: a reader (JournalFile,
  // riskgatectl journal) holds the shared one while its mapping lives, and
  // a mapping cut short would be SIGBUS; with a reader on it, the archived
  // day keeps those records, as after a crash here.
  if (dir_synced && old_end > b.tail_from) {
    if (::flock(old_fd, LOCK_EX | LOCK_NB) == 0) {
      (void)::ftruncate(old_fd, static_cast<off_t>(b.tail_from));
    } else if (RecordHeader h{}; ::pread(old_fd, &h, sizeof h, static_cast<off_t>(b.roll_at)) ==
                                 static_cast<ssize_t>(sizeof h)) {
      // Tried again after the next install.
      uncut_ = UncutDay{b.from_day, h.producer, h.lsn, h.crc, align_record(h.length)};
    }
  }
  ::close(old_fd);  // Releases the lock.
  if (!dir_synced) {
    // The rename may not survive a power loss: nothing appended from here
    // could be trusted to, so fail closed as a failed fdatasync does.
    fail();
    return false;
  }
  return true;
}

}  // namespace riskgate::journal
