// A stop (SIGTERM, SIGINT) ends every FIX session the way FIX ends one: a
// Logout, answered, then the disconnect. Without it the venue and the
// engines see a planned restart as a crash (a dropped connection), and a
// venue's cancel-on-disconnect fires where a clean Logout was meant.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/app/gateway.hpp"
#include "gateway/app/gateway_slot.hpp"

namespace riskgate::app {

void Gateway::log_out_for_stop() {
  if (!io_ || !io_started_) return;
  io_started_ = false;  // Once: the destructor's stop() finds the I/O thread gone.
  std::int64_t longest_s = 0;
  for (const auto& d : cfg_.sessions)
    longest_s = std::max<std::int64_t>(longest_s, d.logout_timeout_s);
  // Engines first, then the exchange legs: an engine's CancelOnDisconnect
  // cancels, sent as its session ends, need the exchange leg still up.
  for (const bool exchange : {false, true}) {
    commands_.enqueue(Command{
        Command::kStop, risk::KillScope::kGlobal, exchange ? 1u : 0u, {}, "riskgate is stopping"});
    io_->wake();
    // Each session ends by its own LogoutTimeout at the latest (an answer
    // that never comes, a socket that never drains); the second is for the
    // tick that publishes the last state. Polled: a stop is once per process.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(longest_s) +
                          std::chrono::seconds(1);
    const auto ended = [this, exchange] {
      return std::all_of(slots_.begin(), slots_.end(), [exchange](const auto& s) {
        if (!s || (s->connector != nullptr) != exchange) return true;
        // Relaxed: the I/O thread's published snapshot; join() in stop()
        // synchronises everything that follows.
        const auto st = static_cast<session::State>(s->state.load(std::memory_order_relaxed));
        return st != session::State::kActive && st != session::State::kLogoutSent;
      });
    };
    // A session still active here has not yet sent its Logout (the command
    // publishes the new state at once), so it is waited for, not missed.
    while (!ended() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Gateway::logout_for_stop(std::string_view why, bool exchange) {
  if (!exchange) {
    // No engine connects from here, and one still before its Logon goes.
    for (auto& l : listeners_) l->close();
    expired_.clear();
    for (auto& p : pending_)
      if (p.conn->open()) expired_.push_back(p.conn.get());
    // disconnect() may remove the entry from pending_: not while iterating.
    for (net::TcpConnection* c : expired_) c->disconnect(why);
  }
  for (auto& s : slots_) {
    if (!s || (s->connector != nullptr) != exchange) continue;
    if (s->connector) s->connector->stop();  // No reconnect after its Logout.
    // Active: a Logout, answered or timed out. Before its Logon: closed.
    s->session->logout(why);
    // Published now rather than at the next tick, so the waiting thread
    // sees kLogoutSent (or kDisconnected) and not the stale kActive.
    s->state.store(static_cast<std::uint8_t>(s->session->state()), std::memory_order_relaxed);
  }
}

}  // namespace riskgate::app
