#include "gateway/route/trading_day.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "gateway/route/text_buf.hpp"

namespace riskgate::route {

TradingDay::TradingDay(schedule::Schedule day, risk::Engine& engine, AuditSink& audit)
    : schedule_(std::move(day)), engine_(engine), audit_(audit) {}

void TradingDay::add_group(RouteGroup& group, std::optional<schedule::Schedule> exchange_schedule) {
  sessions_.push_back(Scheduled{&group, nullptr, std::move(exchange_schedule)});
}

void TradingDay::add_client(RouteGroup& group, ClientLeg& leg,
                            std::optional<schedule::Schedule> schedule) {
  sessions_.push_back(Scheduled{&group, &leg, std::move(schedule)});
}

session::Session* TradingDay::session_of(const Scheduled& s) noexcept {
  return s.leg != nullptr ? &s.leg->session() : s.group->exchange();
}

void TradingDay::on_tick(std::int64_t utc_ns) noexcept {
  if (resets_pending_) finish_seq_resets();
  if (primed_ && utc_ns < next_event_ns_) return;

  // 1. The gateway's day: risk's per-day state first.
  const schedule::Period day = schedule_.period_at(utc_ns);
  const std::int64_t old_day = day_.load(std::memory_order_relaxed);
  const bool rolled = primed_ && day.number > old_day;
  if (rolled) {
    engine_.reset_day();
    for (Scheduled& s : sessions_) {
      if (s.leg != nullptr) engine_.reset_session_day(s.leg->risk_state());
      if (s.leg == nullptr) s.group->forget_ended();  // Once per group.
    }
  }
  if (!primed_ || rolled) day_.store(day.number, std::memory_order_relaxed);
  next_boundary_ns_.store(day.next_start_ns, std::memory_order_relaxed);
  std::int64_t next = day.next_start_ns;

  // 2. Each scheduled session: a new period resets its sequence numbers;
  // its window decides whether it takes new orders.
  for (Scheduled& s : sessions_) {
    if (!s.schedule) continue;
    const schedule::Period p = s.schedule->period_at(utc_ns);
    if (primed_ && p.number > s.period) begin_seq_reset(s);
    s.period = std::max(s.period, p.number);
    s.active = p.active(utc_ns);
    next = std::min(next, s.active ? p.end_ns : p.next_start_ns);
  }
  for (Scheduled& s : sessions_) {
    if (s.leg == nullptr) continue;
    bool open = s.active;
    for (const Scheduled& x : sessions_)
      if (x.leg == nullptr && x.group == s.group) open = open && x.active;
    s.leg->set_trading_hours(open);
  }
  next_event_ns_ = next;

  // 3 and 4.
  if (rolled) roll(old_day, day.number, utc_ns);
  primed_ = true;
}

void TradingDay::begin_seq_reset(Scheduled& s) noexcept {
  session::Session* ss = session_of(s);
  if (ss == nullptr) return;
  if (ss->state() != session::State::kDisconnected) {
    ss->logout("new FIX session day (StartTime): sequence numbers reset");
  }
  s.reset_pending = true;
  resets_pending_ = true;
  finish_seq_resets();
}

void TradingDay::finish_seq_resets() noexcept {
  bool still = false;
  for (Scheduled& s : sessions_) {
    if (!s.reset_pending) continue;
    session::Session* ss = session_of(s);
    // Down, or reconnected but no Logon processed yet: both sides start at 1.
    const session::State st = ss->state();
    if (st == session::State::kDisconnected || st == session::State::kAwaitingLogon) {
      ss->reset_sequence_numbers();
      s.reset_pending = false;
      s.group->note_session_event(s.leg, "sequence numbers reset",
                                  "new FIX session day (StartTime)");
    } else {
      still = true;
    }
  }
  resets_pending_ = still;
}

void TradingDay::roll(std::int64_t from, std::int64_t to, std::int64_t utc_ns) noexcept {
  rolls_.fetch_add(1, std::memory_order_relaxed);
  audit::AuditRecord r;
  r.utc_ns = utc_ns;
  r.event = audit::AuditEvent::kTradingDayRolled;
  r.value = to;
  r.limit = from;
  audit::AuditRecord::set(r.session, "gateway");
  audit::AuditRecord::set(r.rule, "trading_day");
  char text[sizeof r.text] = {};
  TextBuf t(text, sizeof text - 1);  // Truncates, never overruns.
  t.put("trading day ");
  t.put_int(from);
  t.put(" -> ");
  t.put_int(to);
  t.put(": per-day limits and ClOrdID tables reset");
  audit::AuditRecord::set(r.text, t.view());
  // The roll has happened whether or not the audit can take the record; a
  // failing audit log refuses new orders by itself (fail closed).
  (void)audit_.try_record(r);
  if (on_journal_rollover) on_journal_rollover(to);
}

}  // namespace riskgate::route
