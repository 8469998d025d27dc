// The trading day (issue 11, item 5) on the order path, driven by the test
// clock: route::TradingDay stepped by hand over one route group with real
// sessions and the real risk engine (tests/support/route_harness.hpp).
//
// The harness clock starts at 2024-01-02 03:04:05 UTC.
#include "gateway/route/trading_day.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/codec/tags.hpp"
#include "tests/support/route_harness.hpp"

namespace {

namespace tag = riskgate::codec::tag;
namespace schedule = riskgate::schedule;
using riskgate::audit::AuditEvent;
using riskgate::route::TradingDay;
using riskgate::testing::Parsed;
using riskgate::testing::RouteHarness;
using riskgate::testing::timestamp;

constexpr std::int64_t kMsPerHour = 3'600'000;

schedule::Schedule daily(std::string_view start, std::string_view end) {
  schedule::Spec s;
  s.start_s = schedule::parse_time_of_day(start);
  s.end_s = schedule::parse_time_of_day(end);
  return schedule::Schedule(s);
}

riskgate::config::Config small_day_config() {
  auto cfg = RouteHarness::default_config();
  // Two filled orders of 100 x 190.50 (19,050 each) fit; a third does not.
  cfg.risk.defaults.max_gross_notional_day = 50'000'000'000;  // 50,000.00
  return cfg;
}

class TradingDayTest : public ::testing::Test {
 protected:
  RouteHarness h{small_day_config()};
  // The gateway's day starts at 04:00:00 UTC: 55m55s after the clock's start.
  TradingDay day{daily("04:00:00", "04:00:00"), h.engine(), h.audit};

  void SetUp() override { h.log_on_all(); }

  // Setup, before the first tick: the group and its legs, with schedules.
  void wire(std::optional<schedule::Schedule> exchange = std::nullopt,
            std::optional<schedule::Schedule> client0 = std::nullopt) {
    day.add_group(h.group(), std::move(exchange));
    day.add_client(h.group(), h.leg(0), std::move(client0));
    day.add_client(h.group(), h.leg(1), std::nullopt);
    tick();
  }
  void tick() { day.on_tick(h.clock.utc); }
  void to_next_boundary() {
    const std::int64_t ms = (day.next_boundary_ns() - h.clock.utc) / 1'000'000;
    ASSERT_GT(ms, 0);
    h.clock.advance_ms(ms);
    tick();
  }
  void send(int i, const std::string& bytes) { ASSERT_EQ(h.from_client(i, bytes), bytes.size()); }
  void from_exchange(const std::string& bytes) { ASSERT_EQ(h.from_exchange(bytes), bytes.size()); }
  // Sends an order and returns true if it reached the exchange.
  bool forwarded(const std::string& cl_ord_id) {
    const std::size_t before = h.exchange_wire.sent.size();
    send(0, h.order(0, cl_ord_id));
    return h.exchange_wire.sent.size() > before;
  }
  void fill(const std::string& exch_id) {
    from_exchange(h.report(exch_id, '0', '0', 100, 0, 0));
    from_exchange(h.report(exch_id, 'F', '2', 100, 100, 100));
  }
  // The Text of the last ExecutionReport sent to client 0.
  std::string last_reject_text() {
    for (auto it = h.client_wire[0].sent.rbegin(); it != h.client_wire[0].sent.rend(); ++it) {
      const Parsed p(*it);
      if (p.type() == "8" && p.get(tag::kOrdStatus) == "8") return p.get(tag::kText);
    }
    return "(no reject)";
  }
  std::string cancel(const std::string& id, const std::string& orig) {
    return h.client_peer[0].make(
        "F", "11=" + id + "|41=" + orig +
                 "|1=ACC1|55=AAPL|54=1|38=100|60=" + timestamp(h.clock.utc) + "|");
  }
};

TEST_F(TradingDayTest, DailyLimitsResetAtTheDayBoundary) {
  wire();
  ASSERT_TRUE(forwarded("C1"));
  fill("E1-C1");
  ASSERT_TRUE(forwarded("C2"));
  fill("E1-C2");
  EXPECT_FALSE(forwarded("C3")) << "38,100 traded + 19,050 > 50,000";
  EXPECT_NE(last_reject_text().find("max_gross_notional_day"), std::string::npos)
      << last_reject_text();

  to_next_boundary();
  EXPECT_EQ(day.rolls(), 1u);
  EXPECT_TRUE(forwarded("C4")) << "a new day: the day's gross notional starts again";
  EXPECT_EQ(h.engine().account_usage("ACC1").gross_notional_day, 19'050'000'000);
}

TEST_F(TradingDayTest, TheSameClOrdIdIsADuplicateTheSameDayAndAcceptedTheNextDay) {
  wire();
  ASSERT_TRUE(forwarded("SAME"));
  fill("E1-SAME");
  EXPECT_FALSE(forwarded("SAME"));
  EXPECT_NE(last_reject_text().find("duplicate_cl_ord_id"), std::string::npos)
      << last_reject_text();
  h.clock.advance_ms(50 * 60 * 1000);  // 03:54:05: still the same day.
  tick();
  EXPECT_FALSE(forwarded("SAME"));

  to_next_boundary();
  EXPECT_TRUE(forwarded("SAME")) << "ClOrdIDs may be reused the next day";
  EXPECT_FALSE(forwarded("SAME")) << "but not twice in that day";
}

// Yesterday's ended orders are forgotten at the roll, as a restart from the
// new day's journal file (which does not hold them) would: a bust of one is
// then audited only, live and after a restart alike.
TEST_F(TradingDayTest, TheRollForgetsTheDaysEndedOrders) {
  wire();
  ASSERT_TRUE(forwarded("C1"));
  fill("E1-C1");
  ASSERT_NE(h.group().ended_order("E1-C1"), nullptr);
  to_next_boundary();
  EXPECT_EQ(h.group().ended_order("E1-C1"), nullptr);
  EXPECT_EQ(h.group().ended_orders(), 0u);
  from_exchange(h.exchange_peer.make(
      "8",
      "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|151=0|14=0|32=100|"
      "31=190.50|6=0|"));
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").position, 100);
}

TEST_F(TradingDayTest, TheRollIsAuditedAndCallsTheJournalHookWithTheNewDay) {
  std::vector<std::int64_t> hooked;
  day.on_journal_rollover = [&](std::int64_t d) { hooked.push_back(d); };
  wire();
  const std::int64_t first = day.day();
  to_next_boundary();
  ASSERT_EQ(hooked.size(), 1u);
  EXPECT_EQ(hooked[0], first + 1);
  EXPECT_EQ(day.day(), first + 1);
  const auto& r = h.audit.records.back();
  EXPECT_EQ(r.event, AuditEvent::kTradingDayRolled);
  EXPECT_EQ(r.value, first + 1);
  EXPECT_EQ(r.limit, first);
  EXPECT_NE(std::string(r.text).find("ClOrdID tables reset"), std::string::npos) << r.text;
  // Ticks within the day change nothing.
  h.clock.advance_ms(23 * kMsPerHour);
  tick();
  EXPECT_EQ(hooked.size(), 1u);
}

TEST_F(TradingDayTest, AnOrderOutsideTheSessionWindowIsRefusedWithTheReason) {
  wire(std::nullopt, daily("08:00:00", "16:00:00"));  // 03:04: closed.
  EXPECT_FALSE(forwarded("EARLY"));
  EXPECT_NE(last_reject_text().find("outside_trading_hours"), std::string::npos)
      << last_reject_text();
  const Parsed rej(h.client_wire[0].sent.back());
  EXPECT_EQ(rej.get(tag::kOrdRejReason), "2");  // Exchange closed.
  EXPECT_EQ(h.audit.records.back().event, AuditEvent::kOrderRefused);
  EXPECT_EQ(std::string(h.audit.records.back().rule), "outside_trading_hours");
  // The other engine, without a schedule, trades.
  const std::size_t before = h.exchange_wire.sent.size();
  send(1, h.order(1, "OPEN"));
  EXPECT_EQ(h.exchange_wire.sent.size(), before + 1);
}

TEST_F(TradingDayTest, AnExchangeSessionOutsideItsWindowClosesEveryEngineRoutedToIt) {
  wire(daily("08:00:00", "16:00:00"));
  EXPECT_FALSE(forwarded("EARLY"));
  EXPECT_NE(last_reject_text().find("outside_trading_hours"), std::string::npos);
}

TEST_F(TradingDayTest, CancelsPassOutsideTradingHours) {
  wire(std::nullopt, daily("00:00:00", "04:00:00"));  // 03:04: open for 56 minutes.
  ASSERT_TRUE(forwarded("C1"));
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  h.clock.advance_ms(56 * 60 * 1000);  // 04:00:05: closed.
  tick();
  EXPECT_FALSE(forwarded("C2"));
  EXPECT_NE(last_reject_text().find("outside_trading_hours"), std::string::npos);
  h.exchange_wire.sent.clear();
  send(0, cancel("X1", "C1"));
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const Parsed out(h.exchange_wire.sent[0]);
  EXPECT_EQ(out.type(), "F");
  EXPECT_EQ(out.get(tag::kOrigClOrdID), "E1-C1");
}

TEST_F(TradingDayTest, ALoggedOnSessionIsLoggedOutAtItsStartTimeAndResetOnceDown) {
  wire(std::nullopt, daily("04:00:00", "03:30:00"));  // Overnight: 04:00 to 03:30.
  ASSERT_TRUE(forwarded("C1"));
  ASSERT_GT(h.client(0).store().next_sender_seq(), 1u);
  to_next_boundary();
  EXPECT_EQ(h.client(0).state(), riskgate::session::State::kLogoutSent);
  const Parsed logout(h.client_wire[0].sent.back());
  EXPECT_EQ(logout.type(), "5");
  EXPECT_NE(logout.get(tag::kText).find("sequence numbers reset"), std::string::npos);
  EXPECT_GT(h.client(0).store().next_sender_seq(), 1u) << "not reset while still connected";

  h.client(0).on_disconnected();
  tick();
  EXPECT_EQ(h.client(0).store().next_sender_seq(), 1u);
  EXPECT_EQ(h.client(0).store().next_target_seq(), 1u);
  bool audited = false;
  for (const auto& r : h.audit.records)
    audited = audited || (r.event == AuditEvent::kSessionEvent &&
                          std::string(r.text).find("sequence numbers reset") != std::string::npos);
  EXPECT_TRUE(audited);
  // A session without a schedule keeps its numbers.
  EXPECT_GT(h.client(1).store().next_sender_seq(), 1u);
}

TEST_F(TradingDayTest, ADisconnectedSessionIsResetAtItsStartTimeAtOnce) {
  wire(daily("04:00:00", "04:00:00"));
  h.exchange().on_disconnected();
  ASSERT_GT(h.exchange().store().next_target_seq(), 1u);
  to_next_boundary();
  EXPECT_EQ(h.exchange().store().next_sender_seq(), 1u);
  EXPECT_EQ(h.exchange().store().next_target_seq(), 1u);
}

// The new FIX session day of the exchange leg starts its numbering again:
// reports the venue sent before that riskgate never read (here, while the
// link was down) cannot be resent, and the orders still working are flagged
// (exchange_reset_test.cpp covers the status requests that follow).
TEST_F(TradingDayTest, AnExchangeSessionDayResetWithOrdersWorkingIsAuditedAsAnAnomaly) {
  wire(daily("04:00:00", "04:00:00"));
  ASSERT_TRUE(forwarded("C1"));
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  h.exchange().on_disconnected();
  to_next_boundary();
  ASSERT_EQ(h.exchange().store().next_target_seq(), 1u);
  h.group().on_tick();
  bool audited = false;
  for (const auto& r : h.audit.records)
    audited =
        audited || (r.event == AuditEvent::kReportAnomaly &&
                    std::string(r.text).find("exchange numbering reset with 1 order working") !=
                        std::string::npos);
  EXPECT_TRUE(audited);
}

}  // namespace
