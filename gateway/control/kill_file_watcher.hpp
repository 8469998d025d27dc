// Local emergency kill (issue 4: "a local emergency path that works when the
// network API does not: a signal or a file").
//
// Two triggers, both engaging the GLOBAL kill:
//  * A file: create <state_dir>/KILL (e.g. `echo "bad deploy on gw-8" > var/KILL`).
//    The first line of the file becomes the reason (empty → "kill file
//    <path> present"), actor "kill-file". Edge-triggered: one engagement per
//    appearance. To resume trading: remove the file, then release the global
//    kill through the admin API with a reason (release is always explicit).
//  * SIGUSR1: `kill -USR1 <pid>`. The gateway calls
//    install_emergency_signal_handler() at start; the handler only stores an
//    atomic flag (async-signal-safe). The watcher polls the flag and engages
//    with actor "signal", reason "SIGUSR1 received".
//
// Polling period 50-100 ms (default 50 ms) on the control thread's
// io_context: no inotify, so it works on any filesystem and whatever state
// the admin API is in. poll() is public so tests can step it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace riskgate::control {

// Set by the signal handler. std::atomic<bool> is lock-free on every target we
// build for (static_assert in the .cpp), hence async-signal-safe.
std::atomic<bool>& emergency_signal_flag() noexcept;
// The handler itself: stores true (release; pairs with the acquire exchange
// in consume_emergency_signal). Installable by hand if the gateway prefers.
extern "C" void riskgate_emergency_signal_handler(int) noexcept;
// sigaction(sig, handler, SA_RESTART). Throws std::system_error on failure.
void install_emergency_signal_handler(int sig /* = SIGUSR1 */);
// true once per delivered signal (exchange to false, acq_rel).
[[nodiscard]] bool consume_emergency_signal() noexcept;

class KillFileWatcher {
 public:
  // Called on the control thread with (reason, actor). The gateway engages
  // the global kill: flip the atomic, persist in KillStore, audit.
  using EngageFn = std::function<void(const std::string& reason, const std::string& actor)>;

  KillFileWatcher(std::filesystem::path kill_file, EngageFn engage,
                  std::chrono::milliseconds period = std::chrono::milliseconds(50));
  ~KillFileWatcher();

  // Schedules poll() every period on `ioc` (the admin server's io_context:
  // AdminServer::io_context()). Call before or after the server starts.
  void start(boost::asio::io_context& ioc);
  void stop();  // Cancels the timer; call from the control thread or after it stopped.

  // One check of the file and the signal flag. Returns true if it engaged.
  bool poll();

 private:
  void arm();

  std::filesystem::path path_;
  EngageFn engage_;
  std::chrono::milliseconds period_;
  bool file_was_present_ = false;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace riskgate::control
