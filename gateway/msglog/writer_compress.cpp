// The message-log writer's past days (writer.hpp): found by sweep(),
// gzip-compressed a chunk per pass by compress_step(), and committed by
// finish_compression() so that a crash at any point leaves every line in
// exactly one place once the next start has recovered.
//
// The commit, after X.log.gz.part is complete and synced:
//   1. X.log is renamed X.log.committing.<N>, N the length X.log.gz had
//      before (0: none), and the directory synced;
//   2. the part becomes X.log.gz (renamed), or is appended to it as a
//      further gzip member (late lines of a day already compressed), synced;
//   3. X.log.committing.<N> is removed.
// A crash after 1 is undone by recover_commits() at the next sweep: X.log.gz
// cut back to N bytes (removed when N is 0), the part removed, the plain
// file renamed back to X.log, and then compressed again as any past day.
// Without step 1 a crash between 2 and the removal of X.log would compress
// that day's lines a second time, as a further member: every line twice.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <set>
#include <system_error>
#include <vector>

#include "gateway/msglog/file_util.hpp"
#include "gateway/msglog/line.hpp"
#include "gateway/msglog/writer.hpp"

namespace riskgate::msglog {

using detail::committing_path;
using detail::errno_text;
using detail::gz_path;
using detail::kCommitting;
using detail::part_path;
using detail::write_all;

namespace {

// The directory entry of a rename durable (a crash must not undo step 1 of
// the commit after step 2 reached the disk). False when it cannot be synced.
bool sync_dir(const std::filesystem::path& dir) noexcept {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Undoes steps 1-2 of a commit of `log`: .gz back to `gz_bytes` (removed
// when 0), the part removed, `committing` renamed back to `log`. False (and
// nothing renamed) when .gz cannot be cut back, or `log` exists again.
bool undo_commit(const std::filesystem::path& log, const std::filesystem::path& committing,
                 std::uint64_t gz_bytes, std::string& why) {
  const std::filesystem::path gz = gz_path(log);
  std::error_code ec;
  const bool log_exists = std::filesystem::exists(log, ec);
  if (ec) {
    why = "compress: undo, look for " + log.string() + ": " + ec.message();
    return false;
  }
  if (log_exists) {
    // Lines of that day written since (cannot happen within one process,
    // which compresses a day only once its files are closed): merging two
    // files by guesswork could duplicate or lose lines, so all three stay
    // as they are, and the day is not compressed until someone has looked.
    why = "compress: " + committing.string() + " and " + log.string() +
          " both hold lines of one day, and " + gz.string() +
          " may hold the first's: merge them by hand; the day is not compressed meanwhile";
    return false;
  }
  if (gz_bytes == 0) {
    std::filesystem::remove(gz, ec);
  } else if (std::filesystem::exists(gz, ec)) {
    // Never lengthened: a .gz shorter than it was before the commit was
    // changed by someone else since, and a cut would pad it with zeros.
    const std::uint64_t size = std::filesystem::file_size(gz, ec);
    if (!ec && size < gz_bytes) {
      why = "compress: " + gz.string() + " is shorter than before " + committing.string() +
            ": merge them by hand; the day is not compressed meanwhile";
      return false;
    }
    if (!ec && ::truncate(gz.c_str(), static_cast<off_t>(gz_bytes)) != 0) {
      why = errno_text("compress: cut back", gz);
      return false;
    }
  }
  if (ec) {
    why = "compress: undo " + gz.string() + ": " + ec.message();
    return false;
  }
  std::filesystem::remove(part_path(log), ec);
  // Never over a plain file (one that appeared since the check above). A
  // file system without RENAME_NOREPLACE (EINVAL) gets the plain rename:
  // the check above, on this thread, is all it has.
  if (::renameat2(AT_FDCWD, committing.c_str(), AT_FDCWD, log.c_str(), RENAME_NOREPLACE) == 0)
    return true;
  if (errno == EINVAL && ::rename(committing.c_str(), log.c_str()) == 0) return true;
  why = errno_text("compress: rename back " + committing.string() + " to", log);
  return false;
}

}  // namespace

void MessageLogWriter::recover_commits(const std::filesystem::path& dir,
                                       const std::set<std::string>& names,
                                       std::set<std::filesystem::path>& blocked) {
  // Listed first, then undone: an undo renames within the directory, which
  // a directory_iterator in progress may or may not see.
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename().string().find(kCommitting) != std::string::npos)
      found.push_back(e.path());
  if (ec) error("list " + dir.string() + ": " + ec.message());
  for (const auto& path : found) {
    const std::string file = path.filename().string();
    const std::size_t at = file.rfind(kCommitting);
    const std::string log_name = file.substr(0, at);
    const auto f = parse_file_name(log_name);
    if (!f || f->gz || names.count(f->session) == 0) continue;
    std::uint64_t gz_bytes = 0;
    const char* digits = file.data() + at + kCommitting.size();
    const char* end = file.data() + file.size();
    const auto [p, err] = std::from_chars(digits, end, gz_bytes);
    if (err != std::errc{} || p != end || digits == end) continue;
    std::string why;
    if (undo_commit(dir / log_name, path, gz_bytes, why)) {
      commits_recovered_.fetch_add(1, std::memory_order_relaxed);
    } else {
      compress_errors_.fetch_add(1, std::memory_order_relaxed);
      error(why);
      blocked.insert(dir / log_name);
    }
  }
}

void MessageLogWriter::sweep() {
  std::set<std::string> names;
  std::set<std::filesystem::path> dirs;
  for (const auto& s : sessions_) {
    names.insert(s.name);
    dirs.insert(s.dir);
  }
  // A commit a crash cut short: undone first, so that its plain file is
  // found below and compressed again, once.
  // One that cannot be undone keeps its day out of the queue: compressing
  // the day's plain file beside it would commit over it.
  std::set<std::filesystem::path> queued(to_compress_.begin(), to_compress_.end());
  for (const auto& dir : dirs) recover_commits(dir, names, queued);
  if (job_.gz != nullptr) queued.insert(job_.log);
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const auto f = parse_file_name(e.path().filename().string());
      if (!f || names.count(f->session) == 0 || f->day >= today_) continue;
      if (!f->gz) {
        if (queued.insert(e.path()).second) to_compress_.push_back(e.path());
      } else if (opts_.retention_days != 0 &&
                 f->day < today_ - static_cast<std::int32_t>(opts_.retention_days)) {
        std::error_code rm;
        if (std::filesystem::remove(e.path(), rm))
          files_deleted_.fetch_add(1, std::memory_order_relaxed);
        else if (rm)
          error("retention: remove " + e.path().string() + ": " + rm.message());
      }
    }
    if (ec) error("list " + dir.string() + ": " + ec.message());
  }
}

bool MessageLogWriter::compress_step() {
  if (job_.gz == nullptr) {
    if (to_compress_.empty()) return false;
    job_.log = to_compress_.front();
    to_compress_.pop_front();
    job_.in = ::open(job_.log.c_str(), O_RDONLY | O_CLOEXEC);
    if (job_.in < 0) {
      if (errno != ENOENT) {  // Gone already (compressed by an earlier sweep): nothing to do.
        compress_errors_.fetch_add(1, std::memory_order_relaxed);
        error(errno_text("compress: open", job_.log));
      }
      job_ = {};
      return false;
    }
    const std::filesystem::path part = part_path(job_.log);
    job_.gz = ::gzopen(part.c_str(), "wb");
    if (job_.gz == nullptr) {
      abandon_compression(errno_text("compress: create", part));
      return false;
    }
  }
  const ssize_t got = ::read(job_.in, chunk_.data(), chunk_.size());
  if (got < 0) {
    if (errno != EINTR) abandon_compression(errno_text("compress: read", job_.log));
    return true;
  }
  if (got > 0) {
    if (::gzwrite(static_cast<gzFile>(job_.gz), chunk_.data(), static_cast<unsigned>(got)) !=
        static_cast<int>(got)) {
      abandon_compression("compress: gzwrite " + part_path(job_.log).string());
    }
    return true;
  }
  // End of file. If a session is still appending to it (late lines of the
  // old day), close that first and read on, so nothing written is lost.
  const auto parsed = parse_file_name(job_.log.filename().string());
  for (std::uint16_t s = 0; s < files_.size(); ++s) {
    if (parsed && files_[s].fd >= 0 && files_[s].day == parsed->day &&
        sessions_[s].name == parsed->session && sessions_[s].dir == job_.log.parent_path()) {
      close_file(s);
      return true;
    }
  }
  finish_compression();
  return true;
}

void MessageLogWriter::finish_compression() {
  const std::filesystem::path part = part_path(job_.log);
  const std::filesystem::path gz = gz_path(job_.log);
  const int rc = ::gzclose(static_cast<gzFile>(job_.gz));
  job_.gz = nullptr;
  ::close(job_.in);
  job_.in = -1;
  if (rc != Z_OK) {
    abandon_compression("compress: gzclose " + part.string());
    return;
  }
  // Durable before the plain file goes: or the plain file stays.
  {
    const int fd = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (!synced) {
      const std::string why = errno_text("compress: fsync", part);
      if (fd >= 0) ::close(fd);
      abandon_compression(why);
      return;
    }
    ::close(fd);
  }
  // 1. The plain file says the commit has begun, and how long .gz was.
  std::error_code ec;
  const bool had_gz = std::filesystem::exists(gz, ec);
  const std::uint64_t gz_bytes = had_gz ? std::filesystem::file_size(gz, ec) : 0;
  if (ec) {
    abandon_compression("compress: size of " + gz.string() + ": " + ec.message());
    return;
  }
  const std::filesystem::path committing = committing_path(job_.log, gz_bytes);
  if (std::filesystem::exists(committing, ec)) {
    // A commit of this day that could not be undone (recover_commits() said
    // so): never renamed over.
    abandon_compression("compress: " + committing.string() + " is in the way");
    return;
  }
  std::filesystem::rename(job_.log, committing, ec);
  if (ec || !sync_dir(job_.log.parent_path())) {
    if (!ec) std::filesystem::rename(committing, job_.log, ec);
    abandon_compression("compress: begin the commit of " + job_.log.string());
    return;
  }
  // 2. The compressed copy in place.
  bool ok = true;
  std::string why;
  if (had_gz) {
    // Late lines of a day already compressed: a further gzip member.
    const int in = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    const int out = ::open(gz.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ok = in >= 0 && out >= 0;
    while (ok) {
      const ssize_t got = ::read(in, chunk_.data(), chunk_.size());
      if (got <= 0) {
        ok = got == 0;
        break;
      }
      ok = write_all(out, chunk_.data(), static_cast<std::size_t>(got));
    }
    if (ok) ok = ::fsync(out) == 0;
    if (!ok) why = errno_text("compress: append to", gz);
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    if (ok) std::filesystem::remove(part, ec);
  } else {
    std::filesystem::rename(part, gz, ec);
    ok = !ec && sync_dir(job_.log.parent_path());
    if (!ok) why = "compress: rename " + part.string() + (ec ? ": " + ec.message() : "");
  }
  if (!ok) {
    // Back to before step 1, so that the next sweep starts over; where even
    // that fails, the next start's recover_commits() tries again.
    std::string undo_why;
    if (!undo_commit(job_.log, committing, gz_bytes, undo_why)) why += "; " + undo_why;
    abandon_compression(why);
    return;
  }
  // 3. Committed: the plain copy goes.
  std::filesystem::remove(committing, ec);
  files_compressed_.fetch_add(1, std::memory_order_relaxed);
  job_ = {};
}

void MessageLogWriter::abandon_compression(const std::string& why) {
  if (job_.gz != nullptr) ::gzclose(static_cast<gzFile>(job_.gz));
  if (job_.in >= 0) ::close(job_.in);
  std::error_code ec;
  std::filesystem::remove(part_path(job_.log), ec);
  if (!why.empty()) {
    compress_errors_.fetch_add(1, std::memory_order_relaxed);
    error(why);
  }
  // The .log stays; the next sweep (next day, or next start) tries again.
  job_ = {};
}

}  // namespace riskgate::msglog
