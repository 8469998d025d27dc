// Child processes for integration tests: spawn a program with its stdout on a
// pipe, read that stdout line by line with timeouts, stop it, reap it.
//
// Only ever signals the one PID it spawned (never a process group or a name).
// The child gets PR_SET_PDEATHSIG=SIGKILL, so a crashed or killed test binary
// leaves no simulator behind. Not thread-safe: one test thread owns a child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace riskgate::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv. stderr is inherited (so it lands in the
  // test log) unless merge_stderr, which sends it to the same pipe as stdout.
  // Throws std::runtime_error when the program cannot be started.
  [[nodiscard]] static ChildProcess spawn(const std::vector<std::string>& argv,
                                          bool merge_stderr = false);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] int stdout_fd() const noexcept { return fd_; }

  // Next complete line of stdout (without '\n'), or nullopt on timeout or EOF.
  [[nodiscard]] std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads lines until one satisfies `pred` and returns it; nullopt on timeout/EOF.
  [[nodiscard]] std::optional<std::string> read_line_until(
      const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout);
  // Shorthand: the first line containing `needle`.
  [[nodiscard]] std::optional<std::string> wait_for_line_containing(
      const std::string& needle, std::chrono::milliseconds timeout);
  // Reads everything left until EOF or the timeout (use after the child exited).
  void drain(std::chrono::milliseconds timeout);
  // Every line read so far, in order (read_line* also record here).
  [[nodiscard]] const std::vector<std::string>& lines() const noexcept { return lines_; }

  // Sends `sig` to the child (no-op once reaped).
  void signal(int sig) const;
  // Exit code (or 128 + signal number) once the child has exited within
  // `timeout`; nullopt if it is still running.
  [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not exited after `grace`; returns the exit
  // code as wait_exit does.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  [[nodiscard]] bool running() const noexcept { return pid_ > 0 && !exit_code_; }

 private:
  ChildProcess(pid_t pid, int fd) noexcept : pid_(pid), fd_(fd) {}
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> pop_line();
  void close_fd() noexcept;
  void reset() noexcept;  // SIGKILL + reap if still running, close the pipe

  pid_t pid_ = -1;
  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
  std::vector<std::string> lines_;
  std::optional<int> exit_code_;
};

}  // namespace riskgate::testing
