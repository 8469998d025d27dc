#include "gateway/app/console.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace riskgate::app {
namespace {

// Lines held while a stream stalls. 4096 lines of ~100 bytes: under 1 MiB.
// Raise it if operators see "lines dropped" on a console that was only slow.
constexpr std::size_t kMaxQueuedLines = 4096;

enum class Stream : std::uint8_t { kOut, kErr };

// Read by every logging thread, written once at start: relaxed, it guards
// no other data.
std::atomic<Level> g_min_level{Level::kInfo};

// journald is detected once: JOURNAL_STREAM is "<dev>:<inode>" of the stream
// systemd connected to stdout/stderr (systemd.exec(5)). The variable is
// inherited, so it counts only if stderr still is that stream: a riskgate
// started by hand from a shell inside a service, with its output sent to a
// file, keeps its timestamps.
bool under_journald() {
  static const bool yes = [] {
    const char* v = std::getenv("JOURNAL_STREAM");
    if (v == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(v, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
  }();
  return yes;
}

class Writer {
 public:
  void push(Stream s, std::string line) {
    std::unique_lock lock(mu_);
    if (!started_) {
      started_ = true;
      // Detached: at exit it may be blocked in write(2) on a stalled pipe,
      // and exit must not wait for it. The Writer is never destroyed.
      std::thread([this] { run(); }).detach();
    }
    if (queue_.size() >= kMaxQueuedLines) {
      ++dropped_;
      ++dropped_unreported_;
      return;
    }
    if (dropped_unreported_ > 0) {
      queue_.emplace_back(Stream::kErr,
                          format_line(Level::kWarn, now_utc_ns(),
                                      "riskgate: console: " + std::to_string(dropped_unreported_) +
                                          " lines dropped (output stalled)",
                                      under_journald()));
      dropped_unreported_ = 0;
    }
    queue_.emplace_back(s, std::move(line));
    cv_.notify_one();
  }

  void flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    (void)drained_.wait_for(lock, timeout, [this] { return queue_.empty() && !writing_; });
  }

  static std::int64_t now_utc_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  std::uint64_t dropped() {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return !queue_.empty(); });
      auto [s, line] = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      lock.unlock();
      write_all(s == Stream::kOut ? STDOUT_FILENO : STDERR_FILENO, line);
      lock.lock();
      writing_ = false;
      if (queue_.empty()) drained_.notify_all();
    }
  }

  static void write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return;  // Closed or broken stream: the line is lost, nothing else to do.
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_;
  std::deque<std::pair<Stream, std::string>> queue_;
  std::uint64_t dropped_ = 0;
  std::uint64_t dropped_unreported_ = 0;
  bool started_ = false;
  bool writing_ = false;
};

Writer& writer() {
  static Writer* w = new Writer;  // Leaked on purpose: see push().
  return *w;
}

}  // namespace

std::string_view to_string(Level l) noexcept {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view s) noexcept {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return std::nullopt;
}

void set_log_level(Level min) {
  g_min_level.store(min, std::memory_order_relaxed);
}

std::string format_line(Level level, std::int64_t utc_ns, std::string_view line, bool journald) {
  std::string out;
  out.reserve(line.size() + 40);
  if (journald) {
    // sd-daemon(3) priorities: 3 err, 4 warning, 6 info, 7 debug.
    static constexpr const char* kPrio[] = {"<7>", "<6>", "<4>", "<3>"};
    out += kPrio[static_cast<int>(level)];
  } else {
    const std::time_t secs = static_cast<std::time_t>(utc_ns / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[40];
    const int n = std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>((utc_ns % 1'000'000'000) / 1'000));
    out.append(stamp, static_cast<std::size_t>(n));
    static constexpr const char* kName[] = {"DEBUG ", "INFO  ", "WARN  ", "ERROR "};
    out += kName[static_cast<int>(level)];
  }
  out += line;
  out.push_back('\n');
  return out;
}

void log(Level level, std::string line) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  writer().push(level >= Level::kWarn ? Stream::kErr : Stream::kOut,
                format_line(level,
                            std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count(),
                            line, under_journald()));
}

void console_flush(std::chrono::milliseconds timeout) {
  writer().flush(timeout);
}

std::uint64_t console_dropped() {
  return writer().dropped();
}

}  // namespace riskgate::app
