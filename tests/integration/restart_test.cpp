// Restart with the durable journal (issue 11, item 4), end to end: QuickFIX
// engine-sim -> riskgate -> QuickFIX exchange-sim, riskgate kill -9'd and
// started again on the same StateDir, with no ResetOnLogon anywhere.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway/control/http_client.hpp"
#include "gateway/control/kill_store.hpp"
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

// engine-sim sends 10 orders under `prefix`; every second one rests at the
// exchange. Returns how many work (5 when all went well).
long rest_half_of_ten(Stack& s, const std::string& prefix) {
  const EngineRun run =
      s.run(kEngine1, {"--count", "10", "--wait-seconds", "1", "--clordid-prefix", prefix});
  EXPECT_EQ(num(run.summary, "acked"), 10) << run.describe();
  return open_orders(status(*s.gateway), "ACC1");
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
  const long working = rest_half_of_ten(s, "R1-");
  ASSERT_EQ(working, 5);
  const auto st0 = status(*s.gateway);
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
  // The restart's own "reconciling" line is on record, not refused (a
  // refused audit record raises a critical alert).
  EXPECT_EQ(st1.at("audit").at("refused").get<long>(), 0) << st1.dump(2);
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"session_event\"", "5 working orders restored from the journal"})
          .empty())
      << read_file(s.audit_log());

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

// The config file with its [[session]] blocks in another order: the last
// block first (riskgate.toml's exchange session goes before the engines).
std::string with_last_session_first(const std::string& text) {
  std::vector<std::size_t> starts;
  for (std::size_t at = text.find("\n[[session]]"); at != std::string::npos;
       at = text.find("\n[[session]]", at + 1))
    starts.push_back(at + 1);
  EXPECT_GE(starts.size(), 2u);
  if (starts.size() < 2) return text;
  // The last block ends at the next table header.
  std::size_t end = text.find("\n[", starts.back() + 1);
  end = end == std::string::npos ? text.size() : end + 1;
  const std::string last = text.substr(starts.back(), end - starts.back());
  return text.substr(0, starts.front()) + last +
         text.substr(starts.front(), starts.back() - starts.front()) + text.substr(end);
}

// The journal knows each session by the id it first gave it: a restart on a
// config whose [[session]] blocks moved, and every restart after it, find
// each session's orders and numbers under its own name.
TEST(GatewayRestart, ReorderedSessionBlocksKeepEveryOrderWithItsOwnerAcrossTwoRestarts) {
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE1", "CancelOnDisconnect", "false");
  Stack s({"--fill-model", "full,rest-every:2"}, cfg);
  const long working = rest_half_of_ten(s, "O1-");
  ASSERT_EQ(working, 5);

  const std::string moved = with_last_session_first(read_file(s.config_path));
  ASSERT_NE(moved, read_file(s.config_path));
  const std::size_t blocks = moved.find("\n[[session]]");
  ASSERT_LT(moved.find("\"EXCH\"", blocks), moved.find("\"ENGINE1\"", blocks));
  for (int restart = 1; restart <= 2; ++restart) {
    s.gateway->kill9();
    if (restart == 1) {
      std::ofstream(s.config_path, std::ios::trunc) << moved;
    }
    s.gateway.emplace(s.config_path);
    const std::string startup = s.gateway->startup_output();
    EXPECT_NE(startup.find("5 working orders restored"), std::string::npos)
        << "restart " << restart << ":\n"
        << startup;
    ASSERT_TRUE(s.exchange.wait_logon(restart + 1)) << "restart " << restart;
    const auto st = wait_status(*s.gateway, [](const nlohmann::json& j) {
      const auto* ex = session(j, "EXCH");
      return ex != nullptr && ex->at("state") == "active" && !ex->at("reconciling").get<bool>();
    });
    EXPECT_EQ(open_orders(st, "ACC1"), working) << "restart " << restart << "\n" << st.dump(2);
  }

  // Still ENGINE1's: its session kill cancels every one of them.
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);
  ASSERT_EQ(ctl(s.gateway->admin_url(), op,
                {"kill", "--scope", "session", "--target", "ENGINE1", "--reason",
                 "itest: after two restarts"})
                .exit_code,
            0);
  const auto st =
      wait_status(*s.gateway, [](const nlohmann::json& j) { return open_orders(j, "ACC1") == 0; });
  EXPECT_EQ(open_orders(st, "ACC1"), 0) << st.dump(2);
  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "canceled"), working);
  EXPECT_EQ(num(ex, "logons"), 3) << "both restarts logged on without a reset";
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
  const long working = rest_half_of_ten(s, "M1-");
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

// [gateway] StartTime `seconds` from now, as "HH:MM:SS" UTC.
std::string start_time_in(int seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  (void)::gmtime_r(&t, &tm);
  char buf[16];
  (void)std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return std::string("\"") + buf + "\"";
}

TEST(GatewayRestart, AfterTheDayRolledLiveTheNextDaysFileAloneRestoresTheWorkingOrders) {
  // The trading day starts 15 s from now: time to rest orders before it.
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE1", "CancelOnDisconnect", "false");
  cfg.gateway_keys.emplace_back("StartTime", start_time_in(15));
  Stack s({"--fill-model", "full,rest-every:2"}, cfg);
  const long working = rest_half_of_ten(s, "D1-");
  ASSERT_EQ(working, 5);
  const auto st0 = status(*s.gateway);
  if (st0.at("journal").at("day_files").get<long>() != 0)
    GTEST_SKIP() << "the host took longer than 15 s to rest the orders";
  const double notional = st0.at("limits").at("ACC1").at("open_notional").get<double>();
  const std::string file = st0.at("journal").at("file").get<std::string>();

  // The roll: the journal starts the new day's file, the old day's is kept.
  const auto st1 = wait_status(*s.gateway, [](const nlohmann::json& st) {
    return st.at("journal").at("day_files").get<long>() == 1;
  });
  ASSERT_EQ(st1.at("journal").at("day_files").get<long>(), 1) << st1.dump(2);
  EXPECT_EQ(st1.at("journal").at("day_roll_failures").get<long>(), 0);
  // `<file>.<yyyymmdd>` (not the lock file beside it).
  bool kept = false;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(file).parent_path())) {
    const std::string p = e.path().string();
    kept = kept || (p.size() == file.size() + 9 && p.rfind(file + ".", 0) == 0 &&
                    p.find_first_not_of("0123456789", file.size() + 1) == std::string::npos);
  }
  EXPECT_TRUE(kept) << "the old day's file is kept next to " << file;

  s.gateway->kill9();
  s.gateway.emplace(s.config_path);
  const std::string startup = s.gateway->startup_output();
  EXPECT_NE(startup.find("5 working orders restored"), std::string::npos) << startup;
  ASSERT_TRUE(s.exchange.wait_logon(2));
  const auto st2 = wait_status(*s.gateway, [](const nlohmann::json& st) {
    const auto* ex = session(st, "EXCH");
    return ex != nullptr && ex->at("state") == "active" && !ex->at("reconciling").get<bool>();
  });
  EXPECT_EQ(open_orders(st2, "ACC1"), working) << st2.dump(2);
  EXPECT_DOUBLE_EQ(st2.at("limits").at("ACC1").at("open_notional").get<double>(), notional);
  // A new day: the gross notional is what still works, no more.
  EXPECT_DOUBLE_EQ(st2.at("limits").at("ACC1").at("gross_notional_day").get<double>(), notional);
  // Yesterday's ClOrdIDs: D1-1 (filled yesterday) passes riskgate and goes
  // out (exchange-sim, which never forgets an id, refuses it itself); D1-2
  // still works at the exchange and stays a duplicate.
  const EngineRun again = s.run(kEngine1, {"--count", "2", "--clordid-prefix", "D1-"});
  EXPECT_EQ(again.rule("exchange_duplicate_clordid"), 1) << again.describe();
  EXPECT_EQ(again.rule("duplicate_cl_ord_id"), 1) << again.describe();

  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);
  ASSERT_EQ(ctl(s.gateway->admin_url(), op,
                {"kill", "--scope", "global", "--reason", "itest: after the day roll"})
                .exit_code,
            0);
  const auto st3 = wait_status(
      *s.gateway, [](const nlohmann::json& st) { return open_orders(st, "ACC1") == 0; });
  EXPECT_EQ(open_orders(st3, "ACC1"), 0) << st3.dump(2);
}

// A planned stop (SIGTERM) ends both legs as FIX ends a session: a Logout
// each way, not a dropped connection that the venue and the engine would
// read as a crash (and a venue's cancel-on-disconnect would act on).
TEST(GatewayStop, SigtermLogsOutTheEngineAndTheExchangeBeforeTheProcessExits) {
  TempDir logs;  // Before the stack: exchange-sim stops before its log goes.
  const std::string incoming = logs.file("exchange-incoming.log");
  // Orders rest (acked, never filled); ENGINE1 has CancelOnDisconnect.
  Stack s({"--incoming-log", incoming, "--fill-model", "ack"});
  ChildProcess engine =
      start_engine(s.gateway->client_port(), kEngine1, {"--count", "1", "--wait-seconds", "30"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 15s));
  for (int i = 0; i < 100 && status(*s.gateway).at("limits").at("ACC1").at("open_orders") != 1; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(status(*s.gateway).at("limits").at("ACC1").at("open_orders"), 1);

  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.gateway->stop(), 0);
  // Within two phases (engines, then the exchange) of the sessions'
  // LogoutTimeout (2 s) and a second, below the 10 s the harness allows.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);

  const auto logout = engine.wait_for_line_containing("engine-sim logout_received", 10s);
  ASSERT_TRUE(logout) << "the engine saw no Logout";
  EXPECT_NE(logout->find("riskgate is stopping"), std::string::npos) << *logout;

  const std::string all = read_file(incoming);
  const auto at = all.find(
      "\x01"
      "35=5\x01");
  ASSERT_NE(at, std::string::npos) << "exchange-sim received no Logout:\n" << all;
  EXPECT_NE(all.find("riskgate is stopping", at), std::string::npos) << all;
  // The engines went first, so the engine's CancelOnDisconnect cancel
  // reached the exchange before the exchange leg's own Logout.
  const auto cancel = all.find(
      "\x01"
      "35=F\x01");
  ASSERT_NE(cancel, std::string::npos) << "no cancel reached the exchange:\n" << all;
  EXPECT_LT(cancel, at) << all;
}

// A kill persisted on an account a later config no longer has: the start
// fails closed with the global kill, shows that global kill on the kill
// board with why, and both can be released (the stale entry first), so the
// next start trades again instead of engaging the global kill anew.
TEST(GatewayRestart, AKillOnATargetTheConfigNoLongerHasShowsItsGlobalKillAndCanBeReleased) {
  Stack s;
  const std::string state = s.dir.file("state");
  ASSERT_EQ(s.gateway->stop(), 0);
  {
    control::KillStore store(state);
    control::KillEntry k;
    k.scope = control::Scope::kAccount;
    k.target = "GONE";
    k.reason = "itest: account under review";
    k.actor = "demo-operator";
    ASSERT_TRUE(store.engage(k));
  }
  s.gateway.emplace(s.config_path);
  EXPECT_NE(s.gateway->startup_output().find("GLOBAL KILL engaged instead"), std::string::npos)
      << s.gateway->startup_output();
  const auto st = status(*s.gateway);
  EXPECT_TRUE(st.at("global_killed").get<bool>());
  bool global_on_board = false;
  for (const auto& k : st.at("kills"))
    if (k.at("scope") == "global" &&
        k.at("reason").get<std::string>().find("GONE") != std::string::npos)
      global_on_board = true;
  EXPECT_TRUE(global_on_board) << st.dump(2);

  const std::string admin = token_file(s.dir, "admin.token", kAdminToken);
  const CtlResult stale = ctl(
      s.gateway->admin_url(), admin,
      {"release", "--scope", "account", "--target", "GONE", "--reason", "itest: account closed"});
  EXPECT_EQ(stale.exit_code, 0) << stale.output;
  const CtlResult global = ctl(s.gateway->admin_url(), admin,
                               {"release", "--scope", "global", "--reason", "itest: resume"});
  EXPECT_EQ(global.exit_code, 0) << global.output;

  ASSERT_EQ(s.gateway->stop(), 0);
  s.gateway.emplace(s.config_path);
  EXPECT_FALSE(status(*s.gateway).at("global_killed").get<bool>()) << s.gateway->startup_output();
}

}  // namespace
}  // namespace riskgate::itest
