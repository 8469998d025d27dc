// The trading day, driven on the I/O thread (issue 11, item 5).
//
// One gateway-wide daily boundary ([gateway] StartTime / TimeZone) and, per
// FIX session, an optional QuickFIX schedule ([[session]] StartTime, EndTime,
// StartDay, EndDay, TimeZone). on_tick() is called from the I/O thread's timer
// with the UTC time (the gateway's clock; a fake clock in tests) and does, in
// this order:
//   1. at the gateway's boundary: risk::Engine::reset_day() (per-day limits,
//      the parent table) and reset_session_day() for every client session
//      (its ClOrdID table), so a ClOrdID may be used again the next day;
//   2. for each session whose schedule started a new period: sequence numbers
//      reset, as QuickFIX does at StartTime. A disconnected session is reset
//      at once; one still connected is logged out first and reset as soon as
//      it is down (checked every tick), so no Logon is ever exchanged with
//      half-reset numbers;
//   3. one audit record for the roll (AuditEvent::kTradingDayRolled), and a
//      session event per sequence reset;
//   4. on_journal_rollover(new_day): the hook where the durable journal
//      (issue 11, item 3) will start its next day's file. Unset today.
// It also keeps each client leg's trading-hours flag: inside the leg's window
// and its exchange session's window (no schedule = always), else new orders
// and replaces are refused ("outside_trading_hours") while cancels pass.
//
// Why the I/O thread: reset_day() rewrites per-session state whose only
// writer is that thread, and the ClOrdID tables are the thread's own; doing
// it between two messages on that thread needs no lock and races nothing.
// The control thread reads only the published day number (relaxed).
//
// The first on_tick() learns the current day and periods without resetting
// anything: a process that starts mid-day starts with empty tables anyway.
// Clock steps backwards never roll a day back (the day number only grows).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/trading_schedule.hpp"
#include "gateway/route/route_group.hpp"

namespace riskgate::route {

class TradingDay {
 public:
  // `day`: the gateway's trading day. Setup (may allocate and throw).
  TradingDay(schedule::Schedule day, risk::Engine& engine, AuditSink& audit);

  // Setup: a route group and its exchange session's schedule (nullopt:
  // non-stop), then each of its client legs with theirs.
  void add_group(RouteGroup& group, std::optional<schedule::Schedule> exchange_schedule);
  void add_client(RouteGroup& group, ClientLeg& leg, std::optional<schedule::Schedule> schedule);

  // I/O thread. Cheap when nothing is due: one comparison.
  void on_tick(std::int64_t utc_ns) noexcept;

  // Called on the I/O thread after each roll, with the new day number. The
  // hook for the journal's rollover (issue 11, item 3); must not block.
  std::function<void(std::int64_t new_day)> on_journal_rollover;

  // Any thread (relaxed: a number for status; it changes once a day).
  [[nodiscard]] std::int64_t day() const noexcept { return day_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t next_boundary_ns() const noexcept {
    return next_boundary_ns_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t rolls() const noexcept {
    return rolls_.load(std::memory_order_relaxed);
  }

 private:
  struct Scheduled {
    RouteGroup* group = nullptr;
    ClientLeg* leg = nullptr;  // Null: the group's exchange session.
    std::optional<schedule::Schedule> schedule;
    std::int64_t period = 0;
    bool active = true;
    bool reset_pending = false;  // Logged out for a sequence reset; reset once down.
  };

  void roll(std::int64_t from, std::int64_t to, std::int64_t utc_ns) noexcept;
  void begin_seq_reset(Scheduled& s) noexcept;
  void finish_seq_resets() noexcept;
  [[nodiscard]] session::Session* session_of(const Scheduled& s) noexcept;

  schedule::Schedule schedule_;
  risk::Engine& engine_;
  AuditSink& audit_;
  std::vector<Scheduled> sessions_;  // Exchange legs and client legs, in add order.
  bool primed_ = false;
  bool resets_pending_ = false;
  std::int64_t next_event_ns_ = 0;  // Nothing to do before this (UTC ns).
  std::atomic<std::int64_t> day_{0};
  std::atomic<std::int64_t> next_boundary_ns_{0};
  std::atomic<std::uint64_t> rolls_{0};
};

}  // namespace riskgate::route
