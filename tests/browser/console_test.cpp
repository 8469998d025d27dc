// The ops console end to end in a real browser (issue 13, item 4).
//
// Who does what: this gtest owns the processes. It starts exchange-sim,
// riskgate and engine-sim with a live order flow through the integration
// harness (tests/integration/harness.hpp), which every end-to-end test
// already uses (ephemeral ports, readiness on printed lines, each process
// stopped by its own PID, nothing left behind if the test dies). node then
// drives Debian's chromium through console_test.mjs: log in, watch the flow,
// kill the engine session with a reason and a confirmation, see the refusals
// and cancels, no release for the operator (403), release as admin, the flow
// back. Finally this test checks what the page showed against the
// simulators' own counts, which only it can read: exchange-sim's cancels and
// engine-sim's refusals.
//
// Screenshots: build/tests/browser/console_test_output/*.png (one during the
// kill: 05-during-kill.png).
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

namespace fs = std::filesystem;

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A field of one session in riskgate's /status.
long session_field(const nlohmann::json& st, const std::string& session, const char* key) {
  for (const auto& s : st.value("sessions", nlohmann::json::array())) {
    if (s.value("name", "") == session && s.contains(key) && s[key].is_number())
      return s[key].get<long>();
  }
  return -1;
}

TEST(OpsConsole, AnOperatorKillsASessionInTheBrowserAndAnAdminReleasesIt) {
  const fs::path dir = RISKGATE_BROWSER_DIR;
  ASSERT_TRUE(fs::exists(RISKGATE_NODE))
      << "node not found (" << RISKGATE_NODE << "): run .ci/setup";
  ASSERT_TRUE(fs::exists(RISKGATE_CHROMIUM))
      << RISKGATE_CHROMIUM << " not found: run .ci/setup (Debian package chromium)";
  ASSERT_TRUE(fs::exists(dir / "node_modules/playwright-core/package.json"))
      << "playwright-core is not installed in " << dir
      << ": the build's `npm ci` failed (see the build output); run it there by hand";
  const fs::path out = dir / "console_test_output";
  fs::remove_all(out);
  fs::create_directories(out);

  // Every fifth order rests at the exchange, so the kill has orders to cancel.
  Stack s({"--fill-model", "full,rest-every:5"});
  // A flow that runs until stopped: 20 orders a second, normal sizes.
  ChildProcess engine =
      start_engine(s.gateway->client_port(), kEngine1,
                   {"--pattern", "normal", "--count", "0", "--until-sigterm", "--rate", "20"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 15s)) << joined(engine.lines());

  ChildProcess node = ChildProcess::spawn(
      {RISKGATE_NODE, (dir / "console_test.mjs").string(), "--url", s.gateway->admin_url(),
       "--operator-token", kOperatorToken, "--admin-token", kAdminToken, "--out", out.string(),
       "--chromium", RISKGATE_CHROMIUM, "--engine", "ENGINE1", "--exchange", "EXCH"},
      /*merge_stderr=*/true);
  // The script's own watchdog ends it after 120 s.
  const auto result = node.wait_for_line_containing("console-test result:", 150s);
  node.drain(5s);
  const auto code = node.wait_exit(10s);
  const int node_exit = code ? *code : node.terminate(2s);
  const std::string node_log = joined(node.lines());
  std::cout << node_log;
  ASSERT_TRUE(result) << node_log;
  ASSERT_EQ(node_exit, 0) << node_log;
  const auto seen = nlohmann::json::parse(result->substr(result->find('{')));

  // What riskgate counts, then the simulators' own counts.
  const HttpReply st = http_get(s.gateway->admin_url(), "/status", kOperatorToken);
  ASSERT_EQ(st.status, 200) << st.body;
  const auto status = nlohmann::json::parse(st.body.substr(st.body.find('{')));
  const long kill_cancels = session_field(status, "EXCH", "kill_cancels");
  // exchange-sim's counters now, while the engine is still logged on: its
  // logout at the end would add the cancels of CancelOnDisconnect.
  s.exchange.proc().signal(SIGUSR2);
  const auto book = s.exchange.proc().wait_for_line_containing("exchange-sim book:", 10s);
  ASSERT_TRUE(book) << "exchange-sim printed no book line on SIGUSR2";
  const Summary ex = riskgate::testing::parse_summary(*book);
  engine.signal(SIGTERM);
  const EngineRun run = finish_engine(engine);
  (void)s.exchange.stop();

  // Refused at the gateway while killed, as engine-sim saw them: at least as
  // many as the page showed while the kill held.
  EXPECT_GE(run.rule("kill_switch"), 5) << run.describe();
  EXPECT_EQ(num(run.summary, "unknown_reports"), 0) << run.describe();
  // Cancelled at the exchange by the kill: every cancel riskgate sent was
  // either done by exchange-sim or refused because its order had just filled.
  ASSERT_GT(kill_cancels, 0) << st.body;
  EXPECT_GE(seen.value("kill_cancels_shown", 0L), 1L);
  EXPECT_LE(seen.value("kill_cancels_shown", 0L), kill_cancels);
  EXPECT_GT(num(ex, "canceled"), 0);
  EXPECT_EQ(num(ex, "canceled") + num(ex, "cancel_rejects"), kill_cancels);
  // The flow went on after the release.
  EXPECT_GT(seen.value("forwarded_after_release", 0L), seen.value("forwarded_before_kill", 0L));
  EXPECT_EQ(seen.value("operator_release_status", 0), 403);
  // The kill, the operator's refused release and the admin's release are in
  // the audit, with the console's reasons and the tokens' names.
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"action\":\"kill\"", "demo-operator",
                                          "browser test: operator halts ENGINE1"})
                   .empty());
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"admin_refused\"", "\"status\":403", "/release"}).empty());
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"action\":\"release\"", "demo-admin", "checked, resume"})
          .empty());
  for (const char* png :
       {"01-login.png", "02-flow-live.png", "04-kill-confirm.png", "05-during-kill.png",
        "06-operator-cannot-release.png", "08-flow-resumed.png"}) {
    EXPECT_GT(fs::exists(out / png) ? fs::file_size(out / png) : 0, 10'000u) << png;
  }
}

}  // namespace
}  // namespace riskgate::itest
