// FIX interop through riskgate (issue 2): QuickFIX engine-sim -> riskgate ->
// QuickFIX exchange-sim, as real processes on loopback. Session behaviour:
// logon on both legs, resend recovery on each leg, silent-peer detection,
// reconnect after a drop, two engines on one exchange session, unknown CompIDs.
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <string>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};
const Identity kEngine2{"ENGINE2", "ACC2", "0.1.0"};

// Every order acked and filled, nothing refused or misrouted.
void expect_all_filled(const EngineRun& r, long count) {
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "acked"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 0) << r.describe();
  EXPECT_EQ(num(r.summary, "session_rejects"), 0) << r.describe();
  EXPECT_EQ(num(r.summary, "unknown_reports"), 0) << r.describe();
}

TEST(GatewayInterop, OrderReachesExchangeAndFillsReachEngine) {
  Stack s;
  const EngineRun r = s.run(kEngine1, {"--count", "20"});
  expect_all_filled(r, 20);
  EXPECT_EQ(num(r.summary, "logons"), 1);
  EXPECT_EQ(num(r.summary, "logon_refused"), 0);
  // Normal sizes are 1..5 round lots of 100.
  EXPECT_GE(num(r.summary, "filled_shares"), 20 * 100);
  EXPECT_LE(num(r.summary, "filled_shares"), 20 * 500);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_accepted\"", "\"ENGINE1\""}).empty());
  ASSERT_EQ(s.gateway->stop(), 0);
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "logons"), 1);
  EXPECT_EQ(num(ex, "orders"), 20);
  EXPECT_EQ(num(ex, "filled_orders"), 20);
  EXPECT_EQ(num(ex, "filled_qty"), num(r.summary, "filled_shares"));
}

TEST(GatewayInterop, NormalFlowOfTwoHundredOrdersGetsZeroRefusals) {
  Stack s;
  const EngineRun r = s.run(kEngine1, {"--count", "200", "--seed", "7"});
  expect_all_filled(r, 200);
  EXPECT_TRUE(r.reject_rules.empty()) << r.describe();
  EXPECT_TRUE(audit_lines(s.audit_log(), {"\"order_refused\""}).empty());
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 200);
}

TEST(GatewayInterop, SequenceGapOnTheExchangeLegIsRecoveredByResend) {
  // --verbose: exchange-sim logs the FIX traffic, so riskgate's ResendRequest
  // (35=2) is visible. Keep the flow short: the log goes through a pipe.
  Stack s({"--gap-after", "3", "--verbose"});
  const EngineRun r = s.run(kEngine1, {"--count", "10"});
  expect_all_filled(r, 10);  // No report lost, none forwarded twice.
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 10);
  bool gap = false;
  bool resend_request = false;
  for (const auto& l : s.exchange.proc().lines()) {
    gap |= l.rfind("exchange-sim gap: skipped outbound MsgSeqNum", 0) == 0;
    resend_request |= l.find(
                          "\x01"
                          "35=2\x01") != std::string::npos &&
                      l.find(
                          "\x01"
                          "49=RISKGATE\x01") != std::string::npos;
  }
  EXPECT_TRUE(gap);
  EXPECT_TRUE(resend_request) << "riskgate never sent a ResendRequest to the exchange";
}

TEST(GatewayInterop, SequenceGapOnTheClientLegIsRecoveredByResendWithoutDuplicateOrders) {
  Stack s;
  const EngineRun r = s.run(kEngine1, {"--count", "10", "--gap-after", "3"});
  expect_all_filled(r, 10);
  EXPECT_GE(num(r.summary, "resend_requests_received"), 1) << r.describe();
  bool gap = false;
  for (const auto& l : r.lines) gap |= l.rfind("engine-sim gap: skipped", 0) == 0;
  EXPECT_TRUE(gap) << r.describe();
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 10);  // The replayed order was not sent twice.
}

TEST(GatewayInterop, SilentExchangeIsDetectedByTestRequestThenDisconnectedAndReconnected) {
  GatewayConfig cfg;
  cfg.exchange_heartbeat = 1;
  // The blackhole answers every Logon with MsgSeqNum 1: without a reset the
  // reconnect's Logon answer is "too low" and riskgate (rightly) drops it.
  cfg.session_keys.emplace_back("EXCH", "ResetOnLogon", "true");
  TempDir dir;
  Exchange hole({"--mode", "blackhole"});
  cfg.exchange_port = hole.port();
  Gateway gw(write_gateway_config(dir, cfg));
  auto& p = hole.proc();
  const std::string closed = "exchange-sim blackhole: peer closed after ";
  for (int connection = 1; connection <= 2; ++connection) {
    SCOPED_TRACE("connection " + std::to_string(connection));
    ASSERT_TRUE(p.wait_for_line_containing("blackhole: logon answered for RISKGATE", 15s));
    // HeartBtInt 1: a TestRequest after 1.2 s of silence, the disconnect
    // after 1.2 s more without an answer. Closing earlier means no TestRequest
    // was tried; never closing means the silence went unnoticed.
    auto line = p.wait_for_line_containing(closed, 10s);
    ASSERT_TRUE(line) << "riskgate did not give up on the silent exchange";
    const double lived = std::stod(line->substr(line->find(closed) + closed.size()));
    std::cout << "riskgate dropped the silent exchange after " << lived << " s\n";
    EXPECT_GE(lived, 2.0);
    EXPECT_LE(lived, 5.0);
  }
  EXPECT_EQ(gw.stop(), 0);
}

TEST(GatewayInterop, ExchangeDropIsFollowedByRelogonAndOrdersDuringTheOutageAreRefusedNotQueued) {
  GatewayConfig cfg;
  // A 5 s reconnect delay keeps the outage open long enough to trade into it,
  // even on a loaded machine.
  cfg.session_keys.emplace_back("EXCH", "ReconnectInterval", "5");
  Stack s({}, cfg);
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);

  expect_all_filled(s.run(kEngine1, {"--count", "5"}), 5);

  s.exchange.proc().signal(SIGUSR1);
  ASSERT_TRUE(s.exchange.proc().wait_for_line_containing("exchange-sim dropping connection", 10s));
  // Until riskgate has seen the close (status polled, no fixed sleep).
  bool down = false;
  for (int i = 0; i < 100 && !down; ++i) {
    const CtlResult st = ctl(s.gateway->admin_url(), op, {"status"});
    ASSERT_EQ(st.exit_code, 0) << st.output;
    down = st.output.find("EXCH [initiator] active") == std::string::npos;
  }
  ASSERT_TRUE(down) << "riskgate did not notice the dropped exchange link";

  const EngineRun during = s.run(kEngine1, {"--count", "3"});
  EXPECT_EQ(num(during.summary, "logons"), 1) << during.describe();  // The client leg is up.
  EXPECT_EQ(num(during.summary, "sent"), 3) << during.describe();
  EXPECT_EQ(num(during.summary, "rejected"), 3) << during.describe();
  EXPECT_EQ(during.rule("exchange_unavailable"), 3) << during.describe();
  EXPECT_EQ(num(during.summary, "acked"), 0) << during.describe();

  ASSERT_TRUE(s.exchange.wait_logon(2)) << "riskgate did not log on to the exchange again";
  expect_all_filled(s.run(kEngine1, {"--count", "5"}), 5);

  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "drops"), 1);
  EXPECT_EQ(num(ex, "logons"), 2);
  // 5 before + 5 after: the 3 refused during the outage were never queued.
  EXPECT_EQ(num(ex, "orders"), 10);
}

TEST(GatewayInterop, TwoEnginesOnOneExchangeSessionEachGetExactlyTheirOwnReports) {
  Stack s;
  // Both at 50 orders/s for about a second, started together: they overlap.
  ChildProcess e1 = start_engine(s.gateway->client_port(), kEngine1,
                                 {"--count", "50", "--rate", "50", "--seed", "1"});
  ChildProcess e2 = start_engine(s.gateway->client_port(), kEngine2,
                                 {"--count", "40", "--rate", "50", "--seed", "2"});
  const EngineRun r1 = finish_engine(e1);
  const EngineRun r2 = finish_engine(e2);
  expect_all_filled(r1, 50);
  expect_all_filled(r2, 40);
  // Acks and fills equal to what each sent, and none about the other's
  // ClOrdIDs (unknown_reports, checked above).
  EXPECT_EQ(num(r1.summary, "filled_orders") + num(r2.summary, "filled_orders"), 90);
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "logons"), 1);
  EXPECT_EQ(num(ex, "orders"), 90);
  EXPECT_EQ(num(ex, "filled_qty"),
            num(r1.summary, "filled_shares") + num(r2.summary, "filled_shares"));
}

TEST(GatewayInterop, LogonWithAnUnknownCompIdIsRefused) {
  Stack s;
  const EngineRun r =
      s.run({"ENGINE9", "ACC1", "0.1.0"}, {"--count", "1", "--logon-timeout-seconds", "3"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 0) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), 0) << r.describe();
  EXPECT_TRUE(
      s.gateway->proc().wait_for_line_containing("not a Logon for a configured, free session", 5s));
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 0);
}

}  // namespace
}  // namespace riskgate::itest
