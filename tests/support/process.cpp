#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace riskgate::testing {

using Clock = std::chrono::steady_clock;

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, bool merge_stderr) {
  if (argv.empty()) throw std::runtime_error("spawn: empty argv");
  // Everything the child needs is prepared before fork(): after fork() in a
  // multi-threaded parent only async-signal-safe calls are allowed.
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("spawn: pipe2: ") + std::strerror(errno));
  }
  // The exec-error pipe reports an execv failure back to the parent: closed by
  // exec on success (CLOEXEC), or carrying errno on failure.
  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    throw std::runtime_error(std::string("spawn: pipe2: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {pipefd[0], pipefd[1], errpipe[0], errpipe[1]}) ::close(fd);
    throw std::runtime_error(std::string("spawn: fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(pipefd[1], STDOUT_FILENO);
    if (merge_stderr) ::dup2(pipefd[1], STDERR_FILENO);
    ::execv(cargv[0], cargv.data());
    const int err = errno;
    [[maybe_unused]] const auto n = ::write(errpipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(pipefd[1]);
  ::close(errpipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(errpipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(errpipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("spawn: exec " + argv[0] + ": " + std::strerror(child_errno));
  }
  return ChildProcess(pid, pipefd[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      fd_(std::exchange(other.fd_, -1)),
      eof_(other.eof_),
      buffer_(std::move(other.buffer_)),
      lines_(std::move(other.lines_)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    reset();
    pid_ = std::exchange(other.pid_, -1);
    fd_ = std::exchange(other.fd_, -1);
    eof_ = other.eof_;
    buffer_ = std::move(other.buffer_);
    lines_ = std::move(other.lines_);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  reset();
}

void ChildProcess::reset() noexcept {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  exit_code_.reset();
  close_fd();
}

void ChildProcess::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool ChildProcess::fill(Clock::time_point deadline) {
  if (fd_ < 0 || eof_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(left.count()));
  if (r <= 0) return false;
  char buf[4096];
  const ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && errno == EINTR) return true;
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> ChildProcess::pop_line() {
  const auto nl = buffer_.find('\n');
  if (nl == std::string::npos) {
    if (eof_ && !buffer_.empty()) {  // last line without a newline
      std::string line = std::exchange(buffer_, std::string());
      lines_.push_back(line);
      return line;
    }
    return std::nullopt;
  }
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  lines_.push_back(line);
  return line;
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto line = pop_line()) return line;
    if (!fill(deadline)) return pop_line();
  }
}

std::optional<std::string> ChildProcess::read_line_until(
    const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto line = read_line(std::max(left, std::chrono::milliseconds(0)));
    if (!line) return std::nullopt;
    if (pred(*line)) return line;
  }
}

std::optional<std::string> ChildProcess::wait_for_line_containing(
    const std::string& needle, std::chrono::milliseconds timeout) {
  return read_line_until([&](const std::string& l) { return l.find(needle) != std::string::npos; },
                         timeout);
}

void ChildProcess::drain(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!eof_ && Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!read_line(left)) break;
  }
  while (pop_line()) {
  }
}

void ChildProcess::signal(int sig) const {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto code = wait_exit(grace)) return *code;
  signal(SIGKILL);
  auto code = wait_exit(std::chrono::seconds(10));
  return code ? *code : -1;
}

}  // namespace riskgate::testing
