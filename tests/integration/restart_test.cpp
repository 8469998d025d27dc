// Restart with the durable journal (issue 11, item 4), end to end: QuickFIX
// engine-sim -> riskgate -> QuickFIX exchange-sim, riskgate kill -9'd and
// started again on the same StateDir, with no ResetOnLogon anywhere.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "gateway/control/http_client.hpp"
#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

using namespace std::chrono_literals;

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

nlohmann::json status(const Gateway& gw) {
  const auto res = control::http_request(control::parse_url(gw.admin_url()), "GET", "/status",
                                         kOperatorToken, "");
  EXPECT_EQ(res.status, 200) << res.body;
  return nlohmann::json::parse(res.body);
}

const nlohmann::json* session(const nlohmann::json& st, const std::string& name) {
  for (const auto& s : st.at("sessions"))
    if (s.at("name") == name) return &s;
  return nullptr;
}

// Polls /status until `pred` holds (or 15 s pass); returns the last status.
template <typename Pred>
nlohmann::json wait_status(const Gateway& gw, Pred pred) {
  nlohmann::json st;
  for (int i = 0; i < 150; ++i) {
    st = status(gw);
    if (pred(st)) break;
    std::this_thread::sleep_for(100ms);
  }
  return st;
}

long open_orders(const nlohmann::json& st, const std::string& account) {
  return st.at("limits").at(account).at("open_orders").get<long>();
}

TEST(GatewayRestart,
     AfterKillNineBothLegsLogOnWithoutAResetAndAGlobalKillCancelsTheRestoredOrders) {
  // Every second order rests at the exchange: the restart has working
  // orders to remember.
  // The engine's orders outlive its session (no CancelOnDisconnect), as a
  // GTC book does.
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE1", "CancelOnDisconnect", "false");
  Stack s({"--fill-model", "full,rest-every:2"}, cfg);
  const EngineRun before =
      s.run(kEngine1, {"--count", "10", "--wait-seconds", "1", "--clordid-prefix", "R1-"});
  ASSERT_EQ(num(before.summary, "acked"), 10) << before.describe();
  const auto st0 = status(*s.gateway);
  const long working = open_orders(st0, "ACC1");
  ASSERT_EQ(working, 5) << st0.dump(2);
  const double notional = st0.at("limits").at("ACC1").at("open_notional").get<double>();
  const double gross = st0.at("limits").at("ACC1").at("gross_notional_day").get<double>();

  s.gateway->kill9();
  s.gateway.emplace(s.config_path);  // Same StateDir, same journal.
  const std::string startup = s.gateway->startup_output();
  EXPECT_NE(startup.find("5 working orders restored"), std::string::npos) << startup;
  // The exchange leg logs on again with the numbers it had: exchange-sim
  // would refuse MsgSeqNum 1 as too low.
  ASSERT_TRUE(s.exchange.wait_logon(2));
  const auto st1 = wait_status(*s.gateway, [](const nlohmann::json& st) {
    const auto* ex = session(st, "EXCH");
    return ex != nullptr && ex->at("state") == "active" && !ex->at("reconciling").get<bool>();
  });
  EXPECT_EQ(open_orders(st1, "ACC1"), working) << st1.dump(2);
  EXPECT_DOUBLE_EQ(st1.at("limits").at("ACC1").at("open_notional").get<double>(), notional);
  EXPECT_DOUBLE_EQ(st1.at("limits").at("ACC1").at("gross_notional_day").get<double>(), gross);
  EXPECT_EQ(st1.at("journal").at("restored_working_orders").get<long>(), working);

  // The ClOrdIDs the engine used before the restart are still duplicates
  // today (engine-sim numbers its orders from 1 under a given prefix).
  const EngineRun dup = s.run(kEngine1, {"--count", "1", "--clordid-prefix", "R1-"});
  EXPECT_EQ(dup.rule("duplicate_cl_ord_id"), 1) << dup.describe();

  // A global kill cancels every order the previous process left working.
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);
  ASSERT_EQ(ctl(s.gateway->admin_url(), op,
                {"kill", "--scope", "global", "--reason", "itest: after restart"})
                .exit_code,
            0);
  const auto st2 = wait_status(
      *s.gateway, [](const nlohmann::json& st) { return open_orders(st, "ACC1") == 0; });
  EXPECT_EQ(open_orders(st2, "ACC1"), 0) << st2.dump(2);
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "canceled"), working);
  EXPECT_EQ(num(ex, "logons"), 2);
}

// SupportsOrderMassStatus: the restarted gateway asks QuickFIX exchange-sim
// (FIX 4.4) for its working orders with one OrderMassStatusRequest, not one
// 35=H per order, and takes new orders once the last report is in.
TEST(GatewayRestart, AVenueThatAnswersOrderMassStatusIsAskedOnceForEveryRestoredOrder) {
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE1", "CancelOnDisconnect", "false");
  cfg.session_keys.emplace_back("EXCH", "SupportsOrderStatus", "true");
  cfg.session_keys.emplace_back("EXCH", "SupportsOrderMassStatus", "true");
  Stack s({"--fill-model", "full,rest-every:2"}, cfg);
  const EngineRun before =
      s.run(kEngine1, {"--count", "10", "--wait-seconds", "1", "--clordid-prefix", "M1-"});
  ASSERT_EQ(num(before.summary, "acked"), 10) << before.describe();
  const long working = open_orders(status(*s.gateway), "ACC1");
  ASSERT_EQ(working, 5);

  s.gateway->kill9();
  s.gateway.emplace(s.config_path);
  ASSERT_TRUE(s.exchange.wait_logon(2));
  const auto st = wait_status(*s.gateway, [](const nlohmann::json& j) {
    const auto* ex = session(j, "EXCH");
    return ex != nullptr && ex->at("state") == "active" && !ex->at("reconciling").get<bool>();
  });
  const auto* ex = session(st, "EXCH");
  ASSERT_NE(ex, nullptr);
  EXPECT_FALSE(ex->at("reconciling").get<bool>()) << st.dump(2);
  EXPECT_EQ(open_orders(st, "ACC1"), working) << "every one reported working, every one kept";
  // Ended by the venue's last report, not by the 5 s timeout.
  const std::string audit = read_file(s.audit_log());
  EXPECT_NE(audit.find("reported every restored working order"), std::string::npos) << audit;

  // New orders go again, and a kill cancels what the venue reported working.
  const EngineRun after = s.run(kEngine1, {"--count", "2", "--clordid-prefix", "M2-"});
  EXPECT_EQ(num(after.summary, "acked"), 2) << after.describe();
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);
  ASSERT_EQ(ctl(s.gateway->admin_url(), op,
                {"kill", "--scope", "global", "--reason", "itest: after mass status"})
                .exit_code,
            0);
  const auto st2 =
      wait_status(*s.gateway, [](const nlohmann::json& j) { return open_orders(j, "ACC1") == 0; });
  EXPECT_EQ(open_orders(st2, "ACC1"), 0) << st2.dump(2);
  const Summary exs = s.exchange.stop();
  EXPECT_EQ(num(exs, "mass_status_requests"), 1);
  EXPECT_EQ(num(exs, "status_requests"), 0);
}

}  // namespace
}  // namespace riskgate::itest
