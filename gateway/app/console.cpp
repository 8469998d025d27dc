#include "gateway/app/console.hpp"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace riskgate::app {
namespace {

// Lines held while a stream stalls. 4096 lines of ~100 bytes: under 1 MiB.
// Raise it if operators see "lines dropped" on a console that was only slow.
constexpr std::size_t kMaxQueuedLines = 4096;

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
                          "riskgate: console: " + std::to_string(dropped_unreported_) +
                              " lines dropped (output stalled)\n");
      dropped_unreported_ = 0;
    }
    line.push_back('\n');
    queue_.emplace_back(s, std::move(line));
    cv_.notify_one();
  }

  void flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    (void)drained_.wait_for(lock, timeout, [this] { return queue_.empty() && !writing_; });
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

void console(Stream s, std::string line) {
  writer().push(s, std::move(line));
}

void console_flush(std::chrono::milliseconds timeout) {
  writer().flush(timeout);
}

std::uint64_t console_dropped() {
  return writer().dropped();
}

}  // namespace riskgate::app
