// GET /metrics end to end (issue 13, item 2): engine-sim -> riskgate ->
// exchange-sim; the endpoint is scraped during the flow and after it, every
// scrape is parsed strictly (tests/support/prom_text.hpp), and the counters
// are checked against what the simulators counted themselves. The shipped
// alert rules are then checked against the families the live endpoint
// declares (tests/deploy/check_rules.py --metrics).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "tests/integration/harness.hpp"
#include "tests/support/prom_text.hpp"

namespace riskgate::itest {
namespace {

using riskgate::testing::parse_prom_text;
using riskgate::testing::PromText;

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

PromText scrape(const Stack& s) {
  const HttpReply r = http_get(s.gateway->admin_url(), "/metrics", kOperatorToken);
  EXPECT_EQ(r.status, 200) << r.body;
  // parse_prom_text throws with the line and the reason on any violation.
  return parse_prom_text(r.body);
}

TEST(Metrics, CountersScrapedDuringAndAfterAFlowMatchTheSimulatorsOwnCounts) {
  Stack s;
  // 3 s of flow at 100 orders/s; the 150th is a fat finger (max_order_qty).
  ChildProcess engine = start_engine(
      s.gateway->client_port(), kEngine1,
      {"--count", "300", "--rate", "100", "--pattern", "fat-finger", "--fat-finger-at", "150"});

  // During: scraped while orders flow; both legs up, counts part way.
  double during = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    const PromText m = scrape(s);
    during = m.value("riskgate_orders_received_total", {{"session", "ENGINE1"}});
    if (during >= 50) {
      EXPECT_EQ(m.value("riskgate_session_up", {{"session", "ENGINE1"}, {"leg", "engine"}}), 1);
      EXPECT_EQ(m.value("riskgate_session_up", {{"session", "EXCH"}, {"leg", "exchange"}}), 1);
      EXPECT_EQ(m.value("riskgate_session_state", {{"session", "EXCH"}, {"state", "active"}}), 1);
      EXPECT_EQ(m.value("riskgate_kill_engaged", {{"scope", "global"}}), 0);
      EXPECT_EQ(m.value("riskgate_audit_healthy"), 1);
      EXPECT_EQ(m.value("riskgate_build_info"), 1);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(during, 50) << "never scraped mid-flow";
  EXPECT_LT(during, 300) << "the flow was over before the first scrape";

  const EngineRun r = finish_engine(engine);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(num(r.summary, "sent"), 300) << r.describe();
  ASSERT_EQ(r.rule("max_order_qty"), 1) << r.describe();

  // After: every report has reached the engine (engine-sim waits for them);
  // the exchange's own counts come from its summary once it stops.
  const PromText m = scrape(s);
  const std::map<std::string, std::string> eng{{"session", "ENGINE1"}};
  const std::map<std::string, std::string> exch{{"session", "EXCH"}};
  EXPECT_EQ(m.value("riskgate_orders_received_total", eng),
            num(r.summary, "sent") + num(r.summary, "cancels_sent"));
  EXPECT_EQ(
      m.value("riskgate_orders_refused_total", {{"session", "ENGINE1"}, {"rule", "max_order_qty"}}),
      r.rule("max_order_qty"));
  EXPECT_EQ(m.sum("riskgate_orders_refused_total", eng), num(r.summary, "rejected"));
  for (const auto& [rule, n] : r.reject_rules) {
    EXPECT_EQ(m.value("riskgate_orders_refused_total", {{"session", "ENGINE1"}, {"rule", rule}}), n)
        << rule;
  }
  EXPECT_EQ(m.value("riskgate_requests_refused_total", eng), num(r.summary, "rejected"));
  // Messages: at least the orders and the Logon each way.
  EXPECT_GE(m.value("riskgate_session_messages_received_total", {{"session", "ENGINE1"}}),
            num(r.summary, "sent") + 1);
  const double forwarded = m.value("riskgate_orders_forwarded_total", eng);
  EXPECT_GE(m.value("riskgate_session_messages_sent_total", exch), forwarded + 1);
  // Latency samples: one in 32 orders (kLatencySampleEvery).
  EXPECT_GE(m.value("riskgate_order_step_duration_seconds_count", {{"exchange", "EXCH"}}),
            300 / 32);
  // Exposure: every order filled, nothing open.
  EXPECT_EQ(m.value("riskgate_account_open_orders", {{"account", "ACC1"}}), 0);
  EXPECT_GT(m.value("riskgate_account_gross_traded_notional", {{"account", "ACC1"}}), 0);
  const double reports_in = m.value("riskgate_exchange_reports_received_total", exch);
  const double fills = m.value("riskgate_exchange_fills_total", exch);
  const double filled_shares = m.value("riskgate_exchange_filled_shares_total", exch);
  // Every exchange report reached the engine (riskgate's own rejects are
  // counted as refusals, not here).
  EXPECT_EQ(m.value("riskgate_execution_reports_sent_total", eng), reports_in);
  EXPECT_EQ(filled_shares, num(r.summary, "filled_shares"));
  EXPECT_EQ(fills, num(r.summary, "filled_orders") + num(r.summary, "partial_fills"));
  // The message logs (on by default) wrote lines and lost none.
  EXPECT_EQ(m.value("riskgate_message_log_enabled"), 1);
  EXPECT_EQ(m.value("riskgate_message_log_dropped_total"), 0);
  EXPECT_EQ(m.value("riskgate_message_log_write_errors_total"), 0);
  EXPECT_EQ(m.value("riskgate_message_log_lines_lost_total"), 0);
  EXPECT_EQ(m.value("riskgate_message_log_below_disk_reserve"), 0);

  // The alert rules name only families this endpoint declares.
  const HttpReply raw = http_get(s.gateway->admin_url(), "/metrics", kOperatorToken);
  const std::string dump = s.dir.file("metrics.txt");
  write_file(dump, raw.body);
  const std::string cmd = std::string("python3 ") + RISKGATE_SOURCE_DIR +
                          "/tests/deploy/check_rules.py " + RISKGATE_SOURCE_DIR +
                          "/deploy/prometheus/riskgate.rules.yml --metrics " + dump;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // The writer polls every 10 ms: within a second of the flow it has
  // written at least one line per message riskgate received from the engine.
  double lines = 0;
  for (int i = 0; i < 100 && lines < forwarded; ++i) {
    lines = scrape(s).value("riskgate_message_log_lines_total");
    if (lines < forwarded) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(lines, forwarded);

  const Summary ex = s.exchange.stop();
  EXPECT_EQ(forwarded, num(ex, "orders"));
  EXPECT_EQ(reports_in, num(ex, "exec_reports"));
  EXPECT_EQ(filled_shares, num(ex, "filled_qty"));
  EXPECT_EQ(fills, num(ex, "filled_orders") + num(ex, "partial_fills"));
}

TEST(Metrics, TheScrapeNeedsAnOperatorOrAdminToken) {
  Stack s;
  EXPECT_EQ(http_get_status(s.gateway->admin_url(), "/metrics"), 401);
  EXPECT_EQ(http_get(s.gateway->admin_url(), "/metrics", "not-a-token-of-this-gateway").status,
            401);
  const HttpReply admin = http_get(s.gateway->admin_url(), "/metrics", kAdminToken);
  EXPECT_EQ(admin.status, 200);
  EXPECT_NO_THROW((void)parse_prom_text(admin.body));
}

TEST(Metrics, AKillShowsAsEngagedInItsScope) {
  Stack s;
  const std::string tok = token_file(s.dir, "op.token", kOperatorToken);
  const CtlResult k =
      ctl(s.gateway->admin_url(), tok,
          {"kill", "--scope", "account", "--target", "ACC1", "--reason", "metrics test"});
  ASSERT_EQ(k.exit_code, 0) << k.output;
  const PromText m = scrape(s);
  EXPECT_EQ(m.value("riskgate_kill_engaged", {{"scope", "account"}, {"target", "ACC1"}}), 1);
  EXPECT_EQ(m.value("riskgate_kill_engaged", {{"scope", "global"}}), 0);
}

}  // namespace
}  // namespace riskgate::itest
