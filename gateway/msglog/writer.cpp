#include "gateway/msglog/writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <system_error>

#include "common/thread_placement.hpp"
#include "common/utc_clock.hpp"
#include "gateway/msglog/file_util.hpp"
#include "gateway/msglog/line.hpp"

namespace riskgate::msglog {
using detail::errno_text;
using detail::write_all;

namespace {

// A session's lines are written once this many bytes are pending, so a burst
// costs a few large writes, not one per message.
constexpr std::size_t kFlushBytes = std::size_t{256} << 10;

}  // namespace

MessageLogWriter::MessageLogWriter(Options opts) : opts_(std::move(opts)) {
  if (!opts_.utc_now) opts_.utc_now = [] { return utc_now_ns(); };
  if (!opts_.free_bytes) {
    opts_.free_bytes = [](const std::filesystem::path& dir) -> std::optional<std::uint64_t> {
      struct statvfs st {};
      if (::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
      return std::uint64_t{st.f_bavail} * st.f_frsize;
    };
  }
  if (opts_.compress_chunk == 0) opts_.compress_chunk = std::size_t{256} << 10;
  chunk_.resize(opts_.compress_chunk);
  today_ = day_of(now());
  sweep_due_ns_ = now();
}

MessageLogWriter::~MessageLogWriter() {
  stop();
}

std::int64_t MessageLogWriter::now() const {
  return opts_.utc_now();
}

std::uint16_t MessageLogWriter::add_session(Session s) {
  if (!rings_.empty()) throw std::logic_error("message log: add every session before the rings");
  if (sessions_.size() >= 65535) throw std::invalid_argument("message log: too many sessions");
  std::filesystem::create_directories(s.dir);
  sessions_.push_back(std::move(s));
  files_.emplace_back();
  return static_cast<std::uint16_t>(sessions_.size() - 1);
}

MessageRing& MessageLogWriter::add_ring(std::string name) {
  if (sessions_.empty()) throw std::logic_error("message log: no session");
  rings_.push_back(
      std::make_unique<MessageRing>(std::move(name), opts_.ring_bytes, sessions_.size()));
  return *rings_.back();
}

void MessageLogWriter::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void MessageLogWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever the I/O threads put in before they stopped (they are stopped
  // first), then a clean close. An unfinished compression resumes from
  // scratch at the next start.
  (void)do_work();
  close_all();
  if (job_.gz != nullptr) abandon_compression("");
}

void MessageLogWriter::run() {
  // The owner checked the CPU is allowed: a failure leaves it unpinned.
  (void)pin_this_thread(opts_.cpu);
  if (opts_.writer_nice != 0) {
    // Per thread on Linux (setpriority(2), NOTES): this thread only. Raising
    // the nice value needs no privilege; a failure leaves it as it was.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), opts_.writer_nice);
  }
  // Named for `top -H` and `ps -L`: the thread an operator may renice. After
  // the nice value, so that a thread found by its name already runs at it.
  (void)::pthread_setname_np(::pthread_self(), kThreadName);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const bool busy = do_work();
    lock.lock();
    if (!busy) cv_.wait_for(lock, opts_.poll_interval, [this] { return stopping_; });
  }
}

void MessageLogWriter::request_reopen() noexcept {
  reopen_requests_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t MessageLogWriter::dropped() const noexcept {
  std::uint64_t n = 0;
  for (const auto& r : rings_) n += r->dropped();
  return n;
}

void MessageLogWriter::set_failing(OpenFile& f, bool failing) noexcept {
  if (f.failing == failing) return;
  f.failing = failing;
  if (failing)
    failing_sessions_.fetch_add(1, std::memory_order_relaxed);
  else
    failing_sessions_.fetch_sub(1, std::memory_order_relaxed);
}

bool MessageLogWriter::space_allows(std::uint16_t s) {
  if (opts_.disk_reserve_bytes == 0) return true;
  OpenFile& f = files_[s];
  const std::int64_t t = now();
  if (f.space_checked_ns == 0 || t - f.space_checked_ns >= 1'000'000'000) {
    f.space_checked_ns = t;
    const std::optional<std::uint64_t> free = opts_.free_bytes(sessions_[s].dir);
    const bool below = free.has_value() && *free < opts_.disk_reserve_bytes;
    if (below != f.below_reserve) {
      f.below_reserve = below;
      if (below)
        files_below_reserve_.fetch_add(1, std::memory_order_relaxed);
      else
        files_below_reserve_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  return !f.below_reserve;
}

void MessageLogWriter::error(const std::string& why) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  last_error_ = why;
}

bool MessageLogWriter::do_work() {
  const std::uint64_t req = reopen_requests_.load(std::memory_order_relaxed);
  if (req != seen_reopens_) {
    seen_reopens_ = req;
    close_all();
    reopens_.fetch_add(1, std::memory_order_relaxed);
  }
  std::size_t n = 0;
  for (auto& r : rings_) n += r->drain([this](const RecordView& v) { on_record(v); });
  for (std::uint16_t s = 0; s < files_.size(); ++s) {
    OpenFile& f = files_[s];
    // Below the disk reserve, or a GAP still owed: free space is looked at
    // again (at most once a second) even for a session with no new lines,
    // so the pause ends, and its GAP line is written, when space is back.
    if (f.below_reserve || f.held_back != 0) {
      const bool room = space_allows(s);
      if (room && f.held_back != 0 && f.fd < 0) (void)open_file(s, today_, now());
    }
    flush(s);
  }
  const std::int64_t t = now();
  roll_day(t);
  if (sweep_pending_ && t >= sweep_due_ns_) {
    sweep_pending_ = false;
    sweep();
  }
  const bool compressed = compress_step();
  return n != 0 || compressed;
}

void MessageLogWriter::on_record(const RecordView& r) {
  if (r.session >= files_.size()) return;  // Not a session of this writer: a wiring bug.
  OpenFile& f = files_[r.session];
  const std::int32_t day = day_of(r.utc_ns);
  if (f.fd >= 0 && f.day != day) close_file(r.session);
  if (f.fd < 0 && !open_file(r.session, day, r.utc_ns)) {
    lines_lost_.fetch_add(1, std::memory_order_relaxed);
    set_failing(f, true);
    return;
  }
  if (r.kind == RecordKind::kGap) {
    append_gap_line(f.buf, r.utc_ns, r.gap);
    gap_lines_.fetch_add(1, std::memory_order_relaxed);
  } else {
    append_message_line(f.buf, r.utc_ns, r.kind == RecordKind::kIn, r.bytes);
  }
  ++f.buf_lines;  // Counted as written when the buffer reaches the file (flush()).
  if (f.buf.size() >= kFlushBytes) flush(r.session);
}

bool MessageLogWriter::open_file(std::uint16_t s, std::int32_t day, std::int64_t utc_ns) {
  const Session& ses = sessions_[s];
  const std::filesystem::path p = ses.dir / file_name(ses.name, day);
  int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0 && errno == ENOENT) {
    // The directory was removed under us (an operator's cleanup): make it again.
    std::error_code ec;
    std::filesystem::create_directories(ses.dir, ec);
    fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  }
  if (fd < 0) {
    error(errno_text("open", p));
    return false;
  }
  OpenFile& f = files_[s];
  f.fd = fd;
  f.day = day;
  append_header_line(f.buf, utc_ns, ses.header_fields);
  return true;
}

void MessageLogWriter::flush(std::uint16_t s) {
  OpenFile& f = files_[s];
  if ((f.buf.empty() && f.held_back == 0) || f.fd < 0) return;
  if (!space_allows(s)) {
    // Below the disk reserve: the lines go, the audit log keeps its space.
    // Closed, so the next line opens the file again with its header line.
    lines_lost_.fetch_add(f.buf_lines, std::memory_order_relaxed);
    lines_held_back_.fetch_add(f.buf_lines, std::memory_order_relaxed);
    f.held_back += f.buf_lines;
    f.buf_lines = 0;
    f.buf.clear();
    ::close(f.fd);
    f.fd = -1;
    return;
  }
  const bool gap = f.held_back != 0;
  if (gap) {
    // Space is back: a GAP line where the held-back lines are missing,
    // after the file's header line if the buffer starts with one. Counted
    // (and held_back cleared) only once it is written.
    std::string line;
    append_gap_line(line, now(), f.held_back);
    std::size_t at = 0;
    if (f.buf.starts_with('#')) at = f.buf.find('\n') + 1;  // The header line.
    f.buf.insert(at, line);
  }
  if (!write_all(f.fd, f.buf.data(), f.buf.size())) {
    const std::filesystem::path p = sessions_[s].dir / file_name(sessions_[s].name, f.day);
    error(errno_text("write", p));
    // The lines in the buffer are lost (the header line is not counted).
    lines_lost_.fetch_add(f.buf_lines, std::memory_order_relaxed);
    f.buf_lines = 0;
    set_failing(f, true);
    // Closed, so the next line opens the path again (a disk that was full
    // may have room by then).
    f.buf.clear();
    close_file(s);
    return;
  }
  lines_written_.fetch_add(f.buf_lines + (gap ? 1 : 0), std::memory_order_relaxed);
  if (gap) {
    gap_lines_.fetch_add(1, std::memory_order_relaxed);
    f.held_back = 0;
  }
  f.buf_lines = 0;
  set_failing(f, false);
  f.buf.clear();
}

void MessageLogWriter::close_file(std::uint16_t s) {
  OpenFile& f = files_[s];
  if (f.fd < 0) return;
  // Only buffered lines: a GAP still owed for held-back lines waits for
  // do_work (and a failed write below must not come back here).
  if (!f.buf.empty()) flush(s);
  if (f.fd < 0) return;  // flush failed and closed it.
  ::close(f.fd);
  f.fd = -1;
  if (f.day < today_) {
    // A past day's file was written to (lines that drained after midnight):
    // compress it again once they have settled.
    sweep_pending_ = true;
    sweep_due_ns_ = now() + std::chrono::nanoseconds(opts_.compress_grace).count();
  }
}

void MessageLogWriter::close_all() {
  for (std::uint16_t s = 0; s < files_.size(); ++s) close_file(s);
}

void MessageLogWriter::roll_day(std::int64_t now_ns) {
  const std::int32_t today = day_of(now_ns);
  if (today > today_) {
    today_ = today;
    sweep_pending_ = true;
    sweep_due_ns_ = now_ns + std::chrono::nanoseconds(opts_.compress_grace).count();
  }
  // A past day's file is open: the day just ended, or late lines of it
  // drained. Closed now, so it is compressed after the grace period.
  for (std::uint16_t s = 0; s < files_.size(); ++s)
    if (files_[s].fd >= 0 && files_[s].day < today_) close_file(s);
}

nlohmann::json MessageLogWriter::status_json() const {
  nlohmann::json rings = nlohmann::json::array();
  std::uint64_t dropped = 0;
  bool filling = false;
  for (const auto& r : rings_) {
    const auto used = r->used_bytes();
    const double fill = 100.0 * static_cast<double>(used) / static_cast<double>(r->capacity());
    dropped += r->dropped();
    filling = filling || fill >= 80.0;
    rings.push_back({{"name", r->name()},
                     {"capacity_bytes", r->capacity()},
                     {"used_bytes", used},
                     {"fill_pct", fill},
                     {"high_water_bytes", r->high_water_bytes()},
                     {"dropped_messages", r->dropped()}});
  }
  std::set<std::string> dirs;
  for (const auto& s : sessions_) dirs.insert(s.dir.string());
  std::string last_error;
  {
    std::lock_guard lock(mu_);
    last_error = last_error_;
  }
  const auto errors = write_errors_.load(std::memory_order_relaxed);
  return {{"enabled", true},
          // Unhealthy: the last write failed, or a ring is 80 % full (the
          // writer is falling behind: messages are about to be dropped).
          {"healthy", failing_sessions_.load(std::memory_order_relaxed) == 0 && !filling},
          {"dirs", dirs},
          {"sessions", sessions_.size()},
          {"rings", rings},
          {"dropped_messages", dropped},
          {"gap_lines", gap_lines_.load(std::memory_order_relaxed)},
          {"lines_written", lines_written_.load(std::memory_order_relaxed)},
          {"lines_lost", lines_lost_.load(std::memory_order_relaxed)},
          {"lines_held_back_for_disk_reserve", lines_held_back_.load(std::memory_order_relaxed)},
          {"below_disk_reserve", below_disk_reserve()},
          {"disk_reserve_mib", opts_.disk_reserve_bytes >> 20},
          {"writer_errors", errors},
          {"last_error", last_error},
          {"reopens", reopens_.load(std::memory_order_relaxed)},
          {"files_compressed", files_compressed_.load(std::memory_order_relaxed)},
          {"compress_errors", compress_errors_.load(std::memory_order_relaxed)},
          {"commits_recovered", commits_recovered_.load(std::memory_order_relaxed)},
          {"files_deleted", files_deleted_.load(std::memory_order_relaxed)},
          {"retention_days", opts_.retention_days}};
}

}  // namespace riskgate::msglog
