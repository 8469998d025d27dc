// The fleet audit against a running riskgate (issue 4): engines log on to the
// real gateway, which publishes what each declared at Logon in GET /status;
// `riskgatectl status` shows it and `riskgatectl audit` compares it with the
// release manifest. QuickFIX engine-sim -> riskgate -> QuickFIX exchange-sim,
// all on loopback with ephemeral ports.
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/control/ctl.hpp"
#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The first line of `text` starting with `prefix`; empty if none.
std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

std::string manifest_path() {
  return std::string(RISKGATE_SOURCE_DIR) + "/config/manifest.toml";
}

// An engine-sim that logs on, sends nothing and stays logged on (up to 45 s)
// until stop_engine(). Returns once it has printed its logon.
ChildProcess start_idle_engine(int port, const Identity& id) {
  ChildProcess engine = start_engine(port, id, {"--count", "0", "--wait-seconds", "45"});
  if (!engine.wait_for_line_containing("engine-sim logon ", 15s)) {
    engine.drain(1s);
    std::string said;
    for (const auto& l : engine.lines()) said += "  " + l + "\n";
    throw std::runtime_error(id.sender + " engine-sim did not log on:\n" + said);
  }
  return engine;
}

// SIGTERM: engine-sim logs out, prints its summary and exits 0.
EngineRun stop_engine(ChildProcess& engine) {
  engine.signal(SIGTERM);
  return finish_engine(engine, 15s);
}

// `riskgatectl status`, polled until a line starts with `prefix` and contains
// `needle` (riskgate publishes a session's state on its next 10 ms tick).
CtlResult wait_status(const std::string& url, const std::string& token, const std::string& prefix,
                      const std::string& needle, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    CtlResult r = ctl(url, token, {"status"});
    if (contains(line_starting(r.output, prefix), needle) ||
        std::chrono::steady_clock::now() >= deadline) {
      return r;
    }
    std::this_thread::sleep_for(50ms);
  }
}

CtlResult audit(const std::string& url, const std::string& token) {
  return ctl(url, token, {"audit", "--instances", url, "--manifest", manifest_path()});
}

TEST(FleetAudit, StatusAndAuditShowTheApprovedVersionOfALoggedOnEngine) {
  Stack s;
  const std::string url = s.gateway->admin_url();
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);

  // Before any logon the audit has no engine to check.
  const CtlResult before = audit(url, op);
  EXPECT_EQ(before.exit_code, control::kCtlOk) << before.output;
  EXPECT_TRUE(contains(before.output, "engine  (none connected)")) << before.output;

  ChildProcess engine = start_idle_engine(s.gateway->client_port(), kEngine1);

  const CtlResult st = wait_status(url, op, "  ENGINE1 [", "engine engine-sim 0.1.0");
  EXPECT_EQ(st.exit_code, control::kCtlOk) << st.output;
  const std::string row = line_starting(st.output, "  ENGINE1 [");
  EXPECT_TRUE(contains(row, " active")) << st.output;
  EXPECT_TRUE(contains(row, "engine engine-sim 0.1.0 (riskgate) approved")) << st.output;
  EXPECT_FALSE(contains(row, "NOT APPROVED")) << st.output;
  // ENGINE2 is not logged on: no engine shown for it.
  EXPECT_FALSE(contains(line_starting(st.output, "  ENGINE2 ["), "engine ")) << st.output;

  const CtlResult a = audit(url, op);
  EXPECT_EQ(a.exit_code, control::kCtlOk) << a.output;
  EXPECT_TRUE(contains(a.output, "OK    " + url + " (itest)")) << a.output;
  const std::string eng = line_starting(a.output, "    engine  ENGINE1 (ENGINE1, active): ");
  EXPECT_TRUE(contains(eng, ": engine-sim 0.1.0 / riskgate ")) << a.output;
  EXPECT_TRUE(eng.size() >= 2 && eng.compare(eng.size() - 2, 2, "ok") == 0) << a.output;
  EXPECT_FALSE(contains(a.output, "DRIFT")) << a.output;
  EXPECT_TRUE(contains(a.output, "audit: 1 instances, 0 drifted, 0 unreachable")) << a.output;

  const EngineRun r = stop_engine(engine);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
}

TEST(FleetAudit, AuditReportsDriftNamingTheEngineAndVersionOfAnUnapprovedEngineLoggedOnKilled) {
  GatewayConfig cfg;
  cfg.session_keys.emplace_back("ENGINE2", "OnUnapprovedIdentity", "\"kill\"");
  Stack s({}, cfg);
  const std::string url = s.gateway->admin_url();
  const std::string op = token_file(s.dir, "operator.token", kOperatorToken);

  // An approved engine beside it, so the audit must single ENGINE2 out.
  ChildProcess good = start_idle_engine(s.gateway->client_port(), kEngine1);
  ChildProcess bad = start_idle_engine(s.gateway->client_port(), {"ENGINE2", "ACC2", "9.9.9"});
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_accepted_killed\"", "ENGINE2"}).empty());

  const CtlResult st = wait_status(url, op, "  ENGINE2 [", "engine engine-sim 9.9.9");
  EXPECT_EQ(st.exit_code, control::kCtlOk) << st.output;
  const std::string row2 = line_starting(st.output, "  ENGINE2 [");
  EXPECT_TRUE(contains(row2, "engine engine-sim 9.9.9 (riskgate) NOT APPROVED: ")) << st.output;
  // The gateway's own verdict (its wording is config::Manifest's).
  EXPECT_TRUE(contains(row2, "TradingSystemVersion(1604)")) << st.output;
  EXPECT_TRUE(contains(row2, "ENGINE2")) << st.output;
  // Wait for ENGINE1 too, which logged on first but is published on a tick.
  const CtlResult st1 = wait_status(url, op, "  ENGINE1 [", "engine engine-sim 0.1.0");
  EXPECT_TRUE(contains(line_starting(st1.output, "  ENGINE1 ["),
                       "engine engine-sim 0.1.0 (riskgate) approved"))
      << st1.output;

  const CtlResult a = audit(url, op);
  EXPECT_EQ(a.exit_code, control::kCtlDrift) << a.output;
  EXPECT_TRUE(contains(a.output, "DRIFT " + url + " (itest)")) << a.output;
  const std::string eng2 = line_starting(a.output, "    engine  ENGINE2 (ENGINE2, active): ");
  EXPECT_TRUE(contains(eng2, ": engine-sim 9.9.9 / riskgate ")) << a.output;
  EXPECT_TRUE(contains(eng2,
                       "DRIFT: TradingSystemVersion(1604) \"9.9.9\" is not approved for ENGINE2 "
                       "(expected \"0.1.0\")"))
      << a.output;
  EXPECT_TRUE(contains(a.output, "    ! TradingSystemVersion(1604) \"9.9.9\" is not approved"))
      << a.output;
  const std::string eng1 = line_starting(a.output, "    engine  ENGINE1 (ENGINE1, active): ");
  EXPECT_TRUE(contains(eng1, ": engine-sim 0.1.0 / riskgate ")) << a.output;
  EXPECT_TRUE(eng1.size() >= 2 && eng1.compare(eng1.size() - 2, 2, "ok") == 0) << a.output;
  EXPECT_TRUE(
      contains(a.output, "audit: 1 instances, 1 drifted, 0 unreachable: " + url + " (itest)"))
      << a.output;

  // Both log out at once (each takes a QuickFIX logout round of ~2 s).
  bad.signal(SIGTERM);
  good.signal(SIGTERM);
  for (ChildProcess* e : {&bad, &good}) {
    const EngineRun r = finish_engine(*e, 15s);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  }
}

}  // namespace
}  // namespace riskgate::itest
