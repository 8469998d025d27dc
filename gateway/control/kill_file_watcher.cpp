#include "gateway/control/kill_file_watcher.hpp"

#include <csignal>
#include <fstream>
#include <system_error>

namespace riskgate::control {
namespace {
std::atomic<bool> g_emergency{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handler needs a lock-free flag");
}  // namespace

std::atomic<bool>& emergency_signal_flag() noexcept {
  return g_emergency;
}

extern "C" void riskgate_emergency_signal_handler(int) noexcept {
  g_emergency.store(true, std::memory_order_release);
}

void install_emergency_signal_handler(int sig) {
  struct sigaction sa {};
  sa.sa_handler = riskgate_emergency_signal_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(sig, &sa, nullptr) != 0) {
    throw std::system_error(errno, std::system_category(), "sigaction for the emergency kill");
  }
}

bool consume_emergency_signal() noexcept {
  return g_emergency.exchange(false, std::memory_order_acq_rel);
}

KillFileWatcher::KillFileWatcher(std::filesystem::path kill_file, EngageFn engage,
                                 std::chrono::milliseconds period)
    : path_(std::move(kill_file)), engage_(std::move(engage)), period_(period) {}

KillFileWatcher::~KillFileWatcher() {
  stop();
}

void KillFileWatcher::start(boost::asio::io_context& ioc) {
  timer_ = std::make_unique<boost::asio::steady_timer>(ioc);
  arm();
}

void KillFileWatcher::stop() {
  *alive_ = false;
  if (timer_) timer_->cancel();
}

void KillFileWatcher::arm() {
  timer_->expires_after(period_);
  std::weak_ptr<bool> alive = alive_;
  timer_->async_wait([this, alive](const boost::system::error_code& ec) {
    const auto a = alive.lock();
    if (ec || !a || !*a) return;
    poll();
    arm();
  });
}

bool KillFileWatcher::poll() {
  bool engaged = false;
  if (consume_emergency_signal()) {
    engage_("SIGUSR1 received", "signal");
    engaged = true;
  }
  std::error_code ec;
  const bool present = std::filesystem::exists(path_, ec) && !ec;
  if (present && !file_was_present_) {
    std::string line;
    {
      std::ifstream in(path_);
      std::getline(in, line);
    }
    if (line.size() > 256) line.resize(256);
    if (line.empty()) line = "kill file " + path_.string() + " present";
    engage_(line, "kill-file");
    engaged = true;
  }
  file_was_present_ = present;
  return engaged;
}

}  // namespace riskgate::control
