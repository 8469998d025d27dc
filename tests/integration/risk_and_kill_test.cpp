// Risk checks, deployed-version verification and the kill switch through a
// running riskgate (issues 3 and 4): QuickFIX engine-sim -> riskgate ->
// QuickFIX exchange-sim, riskgatectl against the admin API, the audit log.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};
const Identity kEngine2{"ENGINE2", "ACC2", "0.1.0"};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Logged on, sent `count`, and every one refused naming the kill switch.
void expect_all_killed(const EngineRun& r, long count) {
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "acked"), 0) << r.describe();
  EXPECT_EQ(r.rule("kill_switch"), count) << r.describe();
}

// The limit of the shipped config's first net_qty flow rule with action kill
// (0 if none): what an untagged runaway should be stopped at.
long shipped_net_qty_kill_limit() {
  const config::Config cfg =
      config::load_config(std::string(RISKGATE_SOURCE_DIR) + "/config/riskgate.toml");
  for (const auto& r : cfg.risk.flow.rules) {
    if (r.metric == risk::FlowMetric::kNetQty && r.action == risk::FlowAction::kKill)
      return static_cast<long>(r.limit);
  }
  return 0;
}

void expect_all_filled(const EngineRun& r, long count) {
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), count) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 0) << r.describe();
}

// ---------------------------------------------------------------------------
// Issue 3: risk

TEST(GatewayRisk, FatFingerOrderIsRefusedByMaxOrderQtyAndNeverReachesTheExchange) {
  Stack s;
  const EngineRun r =
      s.run(kEngine1, {"--count", "5", "--pattern", "fat-finger", "--fat-finger-at", "3"});
  EXPECT_EQ(num(r.summary, "sent"), 5) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 1) << r.describe();
  EXPECT_EQ(r.rule("max_order_qty"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), 4) << r.describe();
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"order_refused\"", "\"rule\":\"max_order_qty\""}).empty());
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), num(r.summary, "sent") - 1);
  // Four normal orders of at most 500; the fat finger alone would be 100000+.
  EXPECT_LE(num(ex, "filled_qty"), 4 * 500);
}

TEST(GatewayRisk, RunawayChildOrdersAreStoppedAtTheParentQuantity) {
  constexpr long kParentQty = 1000;
  constexpr double kMaxSentMultiple = 1.0;  // [risk.parent_child] in config/riskgate.toml
  Stack s({"--fill-model", "full"});
  const EngineRun r = s.run(kEngine1, {"--pattern", "runaway", "--parent-qty", "1000",
                                       "--child-qty", "100", "--count", "50"});
  EXPECT_EQ(num(r.summary, "sent"), 50) << r.describe();
  EXPECT_EQ(r.rule("parent_child_sent"), 1) << r.describe();        // The first child too many...
  EXPECT_EQ(r.rule("kill_switch"), num(r.summary, "rejected") - 1)  // ...then the trip.
      << r.describe();
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"kill_tripped\"", "\"ENGINE1\""}).empty());
  const Summary ex = s.exchange.stop();
  const long shares = num(ex, "filled_qty");
  std::cout << "runaway: engine sent 50 children of 100 (5000 shares) for a parent of "
            << kParentQty << "; " << num(ex, "orders") << " orders and " << shares
            << " shares reached the exchange\n";
  EXPECT_GT(shares, 0);  // The flow was live until the breach.
  EXPECT_LE(shares, static_cast<long>(kParentQty * kMaxSentMultiple));
  EXPECT_LE(num(ex, "orders") * 100, static_cast<long>(kParentQty * kMaxSentMultiple));
}

TEST(GatewayRisk, AnUntaggedRunawayIsTrippedByTheFlowEnvelopeWhileANormalEngineOnItsAccountTrades) {
  // Knight's shape at Knight's pace: 100-share marketable buy children over
  // four symbols, no parent tags (so the parent/child check cannot see them),
  // 1,500 a second. The shipped [risk.flow] rule that should stop it: shares
  // net one way within a few seconds, action kill (its limit from the config).
  const long net_limit = shipped_net_qty_kill_limit();
  ASSERT_GT(net_limit, 0) << "config/riskgate.toml has no net_qty flow rule with action kill";
  // Every 10th order rests at the exchange (as passive children do): the
  // kill has working orders to cancel.
  Stack s({"--fill-model", "full,rest-every:10"});
  const int port = s.gateway->client_port();
  // The runaway and the normal engine share account ACC1.
  const Identity runaway_id{"ENGINE2", "ACC1", "0.1.0"};
  ChildProcess normal = start_engine(
      port, kEngine1,
      {"--pattern", "normal", "--count", "400", "--rate", "50", "--wait-seconds", "2"});
  ChildProcess runaway =
      start_engine(port, runaway_id,
                   {"--pattern", "knight", "--untagged", "--symbols", "AAPL,MSFT,GOOG,IBM",
                    "--ref-prices", "AAPL=190,MSFT=410,GOOG=170,IBM=220", "--child-qty", "100",
                    "--count", "12000", "--rate", "1500", "--wait-seconds", "3"});
  const EngineRun r = finish_engine(runaway, 60s);
  const EngineRun n = finish_engine(normal, 60s);

  // The runaway: every child looked normal, none was refused until the trip,
  // then every one was, and what it had working was cancelled.
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), 12000) << r.describe();
  EXPECT_GT(num(r.summary, "rejected"), 0) << r.describe();
  EXPECT_EQ(r.rule("kill_switch"), num(r.summary, "rejected")) << r.describe();
  for (const auto& t : r.reject_texts) EXPECT_TRUE(contains(t, "auto_flow_envelope")) << t;
  EXPECT_GT(num(r.summary, "canceled"), 0) << r.describe();
  EXPECT_EQ(num(r.summary, "unknown_reports"), 0) << r.describe();

  // Tripped by the flow envelope's one-sided rule, and audited naming it.
  const auto trip =
      wait_audit(s.audit_log(), {"\"kill_tripped\"", "\"ENGINE2\"", "\"rule\":\"flow_net_qty\""});
  ASSERT_EQ(trip.size(), 1u);
  EXPECT_TRUE(contains(trip[0], "session kill switch engaged (auto_flow_envelope): flow_net_qty: "))
      << trip[0];
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"auto_kill\"", "ENGINE2", "\"reason\":\"auto_flow_envelope\""})
          .empty());
  EXPECT_FALSE(wait_audit(s.audit_log(),
                          {"\"cancel_sent\"", "\"text\":\"auto_flow_envelope: flow_net_qty\""})
                   .empty());
  EXPECT_TRUE(audit_lines(s.audit_log(), {"\"kill_tripped\"", "ENGINE1"}).empty());

  // The normal engine on the same account, through the same gateway, before,
  // during and after the trip: acked, filled (or resting), never refused,
  // never cancelled.
  EXPECT_EQ(n.exit_code, 0) << n.describe();
  EXPECT_EQ(num(n.summary, "sent"), 400) << n.describe();
  EXPECT_EQ(num(n.summary, "acked"), 400) << n.describe();
  EXPECT_EQ(num(n.summary, "rejected"), 0) << n.describe();
  EXPECT_EQ(num(n.summary, "canceled"), 0) << n.describe();
  EXPECT_GT(num(n.summary, "filled_orders"), 200) << n.describe();
  EXPECT_EQ(num(n.summary, "unknown_reports"), 0) << n.describe();

  // riskgatectl status: ENGINE2 killed by the envelope, with its flow lines.
  const CtlResult st =
      ctl(s.gateway->admin_url(), token_file(s.dir, "operator.token", kOperatorToken), {"status"});
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_TRUE(contains(st.output, "session ENGINE2  by auto:auto_flow_envelope")) << st.output;
  EXPECT_TRUE(contains(st.output, "    flow  flow_net_qty")) << st.output;
  EXPECT_FALSE(contains(st.output, "session ENGINE1  by")) << st.output;

  // At the exchange: the kill cancelled the runaway's resting children only;
  // ENGINE1's resting orders were cancelled when it logged out at the end
  // (CancelOnDisconnect), after its summary. What the runaway executed stayed
  // near the rule's limit.
  const Summary ex = s.exchange.stop();
  const long normal_resting = num(n.summary, "acked") - num(n.summary, "filled_orders");
  EXPECT_EQ(num(ex, "canceled"), num(r.summary, "canceled") + normal_resting);
  const long runaway_shares = num(r.summary, "filled_shares");
  std::cout << "untagged runaway: sent 12000 children of 100 at 1500/s; " << num(r.summary, "acked")
            << " reached the exchange, " << runaway_shares << " shares executed, "
            << num(r.summary, "canceled") << " cancelled by the kill, "
            << num(r.summary, "rejected")
            << " refused; ENGINE1 meanwhile: " << num(n.summary, "filled_orders")
            << " filled, 0 refused\n";
  EXPECT_GE(runaway_shares, net_limit);
  EXPECT_LE(runaway_shares, 2 * net_limit);
}

TEST(GatewayRisk, ARiskTableNearCapacityShowsInStatusAndIsAuditedOncePerCrossing) {
  // Room for five (session, symbol) rows: ENGINE1 trading four symbols fills 80%.
  Exchange exchange;
  TempDir dir;
  GatewayConfig cfg;
  cfg.exchange_port = exchange.port();
  const std::string path = write_gateway_config(dir, cfg);
  write_file(path, replace_once(read_file(path), "max_session_symbols = 65536",
                                "max_session_symbols = 5"));
  Gateway gw(path);
  ASSERT_TRUE(exchange.wait_logon(1));
  const std::string audit = dir.file("audit.log");
  const std::string op = token_file(dir, "operator.token", kOperatorToken);

  const CtlResult before = ctl(gw.admin_url(), op, {"status"});
  EXPECT_FALSE(contains(before.output, "alerts:")) << before.output;
  expect_all_filled(run_engine(gw.client_port(), kEngine1,
                               {"--count", "20", "--symbols", "AAPL,MSFT,GOOG,IBM", "--ref-prices",
                                "AAPL=190,MSFT=410,GOOG=170,IBM=220"}),
                    20);
  const std::string warning = "risk table session_symbols is 80.0% full (4 of 5)";
  EXPECT_FALSE(wait_audit(audit, {"\"table_capacity\"", warning}).empty());
  // Shown on every status call while it holds...
  for (int i = 0; i < 3; ++i) {
    const CtlResult st = ctl(gw.admin_url(), op, {"status"});
    EXPECT_TRUE(contains(st.output, "alerts:\n  ! " + warning)) << st.output;
    EXPECT_TRUE(contains(st.output, "session_symbols 4/5 (80%)")) << st.output;
  }
  // ...audited once: growing further (ENGINE2, a fifth row) is no new crossing.
  expect_all_filled(run_engine(gw.client_port(), kEngine2, {"--count", "2", "--symbols", "AAPL"}),
                    2);
  std::this_thread::sleep_for(300ms);  // Several control ticks.
  EXPECT_EQ(audit_lines(audit, {"\"table_capacity\""}).size(), 1u);
  // Operators watching the console see it too.
  EXPECT_TRUE(gw.proc().wait_for_line_containing("riskgate: WARNING: " + warning, 5s));
  EXPECT_EQ(gw.stop(), 0);
}

// ---------------------------------------------------------------------------
// Issue 4: versions

TEST(GatewayVersions, EngineWithAnUnapprovedVersionIsRefusedAtLogonNamingTheReason) {
  Stack s;
  const EngineRun r =
      s.run({"ENGINE1", "ACC1", "9.9.9"}, {"--count", "1", "--logon-timeout-seconds", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(num(r.summary, "logon_refused"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), 0) << r.describe();
  const std::string& text = r.summary.at("logout_text");
  EXPECT_TRUE(contains(text, "unapproved engine identity")) << text;
  EXPECT_TRUE(contains(text, "TradingSystemVersion(1604)")) << text;
  EXPECT_TRUE(contains(text, "9.9.9")) << text;
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"logon_refused\"", "\"wrong_version\"", "ENGINE1"}).empty());
}

TEST(GatewayVersions, EngineDeclaringNoIdentityIsRefusedAtLogonNamingTheReason) {
  Stack s;
  const EngineRun r =
      s.run({"ENGINE1", "ACC1", ""}, {"--count", "1", "--logon-timeout-seconds", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(num(r.summary, "logon_refused"), 1) << r.describe();
  const std::string& text = r.summary.at("logout_text");
  EXPECT_TRUE(contains(text, "unapproved engine identity")) << text;
  EXPECT_TRUE(contains(text, "ApplicationSystemName(1603)")) << text;
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_refused\"", "\"identity_missing\""}).empty());
}

TEST(GatewayVersions, WithKillPolicyAnUnapprovedEngineLogsOnButEveryOrderIsRefused) {
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE1", "OnUnapprovedIdentity", "\"kill\"");
  Stack s({}, cfg);
  const EngineRun r = s.run({"ENGINE1", "ACC1", "9.9.9"}, {"--count", "3"});
  expect_all_killed(r, 3);
  EXPECT_EQ(num(r.summary, "logon_refused"), 0) << r.describe();
  for (const auto& t : r.reject_texts) EXPECT_TRUE(contains(t, "version_mismatch")) << t;
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_accepted_killed\"", "ENGINE1"}).empty());
  // The kill is this session's only: ENGINE2, approved, trades.
  expect_all_filled(s.run(kEngine2, {"--count", "2"}), 2);
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 2);
}

TEST(GatewayVersions, GatewayWhoseBuildDigestIsNotInTheManifestStartsWithTheGlobalKill) {
  TempDir manifests;
  const std::string manifest = manifests.file("manifest.toml");
  write_file(manifest,
             replace_once(read_file(std::string(RISKGATE_SOURCE_DIR) + "/config/manifest.toml"),
                          "version = \"0.1.0\"\nbuild_digest = \"any\"",
                          "version = \"0.1.0\"\nbuild_digest = \"" + std::string(64, 'a') + "\""));
  GatewayConfig cfg;
  cfg.manifest = manifest;
  Stack s({}, cfg);
  const std::string said = s.gateway->startup_output();
  EXPECT_TRUE(contains(said, "DEPLOYED VERSION MISMATCH")) << said;
  EXPECT_TRUE(contains(said, "GLOBAL KILL SWITCH ENGAGED")) << said;
  EXPECT_TRUE(contains(said, std::string(64, 'a'))) << said;

  const EngineRun r = s.run(kEngine1, {"--count", "3"});
  expect_all_killed(r, 3);
  for (const auto& t : r.reject_texts) EXPECT_TRUE(contains(t, "global engaged")) << t;
  // Not even an admin can release it: the binary is still not the approved one.
  const CtlResult rel = ctl(s.gateway->admin_url(), token_file(s.dir, "admin.token", kAdminToken),
                            {"release", "--scope", "global", "--reason", "itest"});
  EXPECT_NE(rel.exit_code, 0) << rel.output;
  EXPECT_TRUE(contains(rel.output, "the global kill stays")) << rel.output;
  EXPECT_FALSE(wait_audit(s.audit_log(), {"startup_warning", "DEPLOYED VERSION MISMATCH"}).empty());
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 0);
}

TEST(GatewayVersions, RetiredFlagIsRefusedAndTripsTheSessionKillSwitch) {
  Stack s;
  const EngineRun r =
      s.run(kEngine1, {"--count", "3", "--retired-tag", "9700", "--retired-value", "PWRPEG"});
  EXPECT_EQ(num(r.summary, "rejected"), 3) << r.describe();
  EXPECT_EQ(r.rule("retired_feature"), 1) << r.describe();
  EXPECT_EQ(r.rule("kill_switch"), 2) << r.describe();
  // Later orders without the flag are refused too: the session is tripped...
  expect_all_killed(s.run(kEngine1, {"--count", "2"}), 2);
  // ...and only that session.
  expect_all_filled(s.run(kEngine2, {"--count", "2"}), 2);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"retired_value\"", "ENGINE1"}).empty());
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"kill_tripped\"", "retired_feature"}).empty());
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 2);
}

TEST(GatewayVersions, RetiredFlagTripsTheSessionEvenWhileTheExchangeIsDown) {
  // The kill switch and retired values come before exchange availability:
  // a dormant flag must trip its session whatever the state of the exchange.
  int closed_port = 0;
  {
    Exchange gone;
    closed_port = gone.port();
    (void)gone.stop();
  }
  TempDir dir;
  GatewayConfig cfg;
  cfg.exchange_port = closed_port;
  Gateway gw(write_gateway_config(dir, cfg));
  const EngineRun r =
      run_engine(gw.client_port(), kEngine1,
                 {"--count", "2", "--retired-tag", "9700", "--retired-value", "PWRPEG"});
  EXPECT_EQ(num(r.summary, "rejected"), 2) << r.describe();
  EXPECT_EQ(r.rule("retired_feature"), 1) << r.describe();
  EXPECT_EQ(r.rule("kill_switch"), 1) << r.describe();
  EXPECT_EQ(r.rule("exchange_unavailable"), 0) << r.describe();
  EXPECT_EQ(gw.stop(), 0);
}

// ---------------------------------------------------------------------------
// Issue 4: the kill switch

TEST(GatewayKill, GlobalKillSurvivesKillNineAndAnAdminReleaseLetsOrdersFlowAgain) {
  GatewayConfig cfg;
  // A restarted riskgate has a fresh memory store: log on to the exchange
  // with a sequence reset, or exchange-sim refuses MsgSeqNum 1 as too low.
  cfg.session_keys.emplace_back("EXCH", "ResetOnLogon", "true");
  Stack s({}, cfg);
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);
  const std::string admin = token_file(s.dir, "admin.token", kAdminToken);
  const std::string reason = "itest: halt before restart";

  const CtlResult k =
      ctl(s.gateway->admin_url(), op, {"kill", "--scope", "global", "--reason", reason});
  ASSERT_EQ(k.exit_code, 0) << k.output;
  expect_all_killed(s.run(kEngine1, {"--count", "1"}), 1);

  s.gateway->kill9();
  s.gateway.emplace(s.config_path);  // Same StateDir.
  EXPECT_TRUE(contains(s.gateway->startup_output(), "kill restored from"))
      << s.gateway->startup_output();
  ASSERT_TRUE(s.exchange.wait_logon(2));

  const EngineRun after = s.run(kEngine1, {"--count", "2"});
  expect_all_killed(after, 2);
  for (const auto& t : after.reject_texts) EXPECT_TRUE(contains(t, "global engaged")) << t;
  const CtlResult st = ctl(s.gateway->admin_url(), op, {"status"});
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_TRUE(contains(st.output, "global  by demo-operator")) << st.output;
  EXPECT_TRUE(contains(st.output, reason)) << st.output;

  const CtlResult rel = ctl(s.gateway->admin_url(), admin,
                            {"release", "--scope", "global", "--reason", "itest: resume"});
  ASSERT_EQ(rel.exit_code, 0) << rel.output;
  expect_all_filled(s.run(kEngine1, {"--count", "2"}), 2);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"release\"", "demo-admin", "itest: resume"}).empty());
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 2);
}

// The kill file, the path for when the admin API is out of reach: its kill
// is on record like an API kill (actor, reason), and a release waits for the
// file's removal, since a file released around would never stop anything
// again until written anew.
TEST(GatewayKill, AKillFileKillIsAuditedAndCannotBeReleasedWhileTheFileIsThere) {
  Stack s;
  const std::string admin = token_file(s.dir, "admin.token", kAdminToken);
  const std::string kill_file = s.dir.file("KILL");
  write_file(kill_file, "itest: bad deploy on gw-8\n");
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"action\":\"kill\"", "\"actor\":\"kill-file\"",
                                          "itest: bad deploy on gw-8"})
                   .empty())
      << read_file(s.audit_log());
  expect_all_killed(s.run(kEngine1, {"--count", "1"}), 1);

  const std::vector<std::string> release{"release", "--scope", "global", "--reason",
                                         "itest: resume"};
  const CtlResult held = ctl(s.gateway->admin_url(), admin, release);
  EXPECT_NE(held.exit_code, 0) << held.output;
  EXPECT_TRUE(contains(held.output, "remove it first")) << held.output;
  expect_all_killed(s.run(kEngine1, {"--count", "1"}), 1);

  std::filesystem::remove(kill_file);
  const CtlResult rel = ctl(s.gateway->admin_url(), admin, release);
  ASSERT_EQ(rel.exit_code, 0) << rel.output;
  expect_all_filled(s.run(kEngine1, {"--count", "1"}), 1);
}

TEST(GatewayKill, UnauthenticatedRequestsAndAnOperatorReleaseAreRefusedAndAudited) {
  Stack s;
  const std::string url = s.gateway->admin_url();
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);

  EXPECT_EQ(http_get_status(url, "/status"), 401);
  const CtlResult bogus =
      ctl(url, token_file(s.dir, "bogus.token", "not-a-token-of-this-gateway"), {"status"});
  EXPECT_NE(bogus.exit_code, 0) << bogus.output;
  EXPECT_TRUE(contains(bogus.output, "401")) << bogus.output;

  ASSERT_EQ(
      ctl(url, op,
          {"kill", "--scope", "session", "--target", "ENGINE1", "--reason", "itest: operator kill"})
          .exit_code,
      0);
  const CtlResult rel = ctl(url, op,
                            {"release", "--scope", "session", "--target", "ENGINE1", "--reason",
                             "itest: operator may not"});
  EXPECT_NE(rel.exit_code, 0) << rel.output;
  EXPECT_TRUE(contains(rel.output, "403")) << rel.output;
  expect_all_killed(s.run(kEngine1, {"--count", "1"}), 1);  // The kill stayed.

  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"admin_refused\"", "\"status\":401", "missing bearer token"})
          .empty());
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"admin_refused\"", "\"status\":401", "unknown bearer token"})
          .empty());
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"admin_refused\"", "\"status\":403",
                                          "\"actor\":\"demo-operator\"", "/release"})
                   .empty());
}

}  // namespace
}  // namespace riskgate::itest
