// Engines prove who they are (issue 12, item 4), end to end: a Logon from a
// disallowed address or with a wrong password is refused before the session
// serves anything, and audited. The impostor is the attack from the issue: a
// local engine-sim with ENGINE1's declared identity and a QuickFIX store
// whose next outbound MsgSeqNum is high and whose next expected one is 1, so
// that, once logged on, it asks for (and would be sent) every past report.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "gateway/control/engine_secrets.hpp"
#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Lines of the impostor's --exec-log that are replays (PossDupFlag=Y).
long replayed_reports(const std::string& exec_log) {
  std::ifstream in(exec_log);
  long n = 0;
  for (std::string line; std::getline(in, line);) n += contains(line, "poss_dup=Y") ? 1 : 0;
  return n;
}

long reports(const std::string& exec_log) {
  std::ifstream in(exec_log);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// engine-sim as ENGINE1 with a copied identity and a store that makes it
// ask for everything riskgate ever sent ENGINE1 (see the file comment).
// `credentials`: --username/--password or nothing.
EngineRun run_impostor(int port, const TempDir& dir, const std::string& name,
                       const std::vector<std::string>& credentials) {
  const std::string store = dir.file(name);
  std::filesystem::create_directories(store);
  // QuickFIX FileStore: "<next sender> : <next target>".
  write_file(store + "/FIX.4.4-ENGINE1-RISKGATE.seqnums", "0000000500 : 0000000001");
  std::vector<std::string> argv{RISKGATE_ENGINE_SIM,
                                "--port",
                                std::to_string(port),
                                "--sender",
                                "ENGINE1",
                                "--target",
                                "RISKGATE",
                                "--account",
                                "ACC1",
                                "--rate",
                                "0",
                                "--count",
                                "1",
                                "--wait-seconds",
                                "3",
                                "--logon-timeout-seconds",
                                "4",
                                "--app-name",
                                "engine-sim",
                                "--app-version",
                                "0.1.0",
                                "--app-vendor",
                                "riskgate",
                                "--store-dir",
                                store,
                                "--exec-log",
                                store + "/exec.log"};
  argv.insert(argv.end(), credentials.begin(), credentials.end());
  ChildProcess p = ChildProcess::spawn(argv);
  return finish_engine(p);
}

TEST(EngineAuth, AWrongPasswordIsRefusedBeforeAnyResendAndAudited) {
  TempDir secrets_dir;
  const std::string secrets = secrets_dir.file("engines.secrets");
  // The minimum work factor: the test checks the protocol, not the hash's strength.
  write_private_file(secrets, control::make_engine_secret_line("ENGINE1", "e1", "right-password",
                                                               control::kMinPbkdf2Iterations) +
                                  "\n");
  GatewayConfig cfg;
  cfg.gateway_keys = {{"EngineSecretsFile", "\"" + secrets + "\""}};
  Stack s({}, cfg);
  // The real engine trades: riskgate now holds ENGINE1's reports for resend.
  const EngineRun real =
      s.run(kEngine1, {"--count", "5", "--username", "e1", "--password", "right-password"});
  ASSERT_EQ(real.exit_code, 0) << real.describe();
  ASSERT_EQ(num(real.summary, "filled_orders"), 5) << real.describe();

  // The impostor with a wrong password, then with none: refused, nothing replayed.
  const EngineRun wrong = run_impostor(s.gateway->client_port(), secrets_dir, "wrong",
                                       {"--username", "e1", "--password", "guess"});
  EXPECT_EQ(num(wrong.summary, "logon_refused"), 1) << wrong.describe();
  EXPECT_EQ(num(wrong.summary, "logons"), 0) << wrong.describe();
  EXPECT_TRUE(contains(wrong.summary.at("logout_text"), "wrong Username(553)/Password(554)"))
      << wrong.describe();
  EXPECT_EQ(reports(secrets_dir.file("wrong/exec.log")), 0);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_refused\"", "\"bad_credentials\"", "\"ENGINE1\"",
                                          "peer 127.0.0.1"})
                   .empty());

  const EngineRun none = run_impostor(s.gateway->client_port(), secrets_dir, "none", {});
  EXPECT_EQ(num(none.summary, "logon_refused"), 1) << none.describe();
  EXPECT_EQ(reports(secrets_dir.file("none/exec.log")), 0);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_refused\"", "\"no_credentials\"", "\"ENGINE1\"",
                                          "peer 127.0.0.1"})
                   .empty());

  // The control: the same setup with the right password is logged on and is
  // sent the past reports, so the refusals above are what kept them back.
  const EngineRun right = run_impostor(s.gateway->client_port(), secrets_dir, "right",
                                       {"--username", "e1", "--password", "right-password"});
  EXPECT_EQ(num(right.summary, "logons"), 1) << right.describe();
  EXPECT_GE(replayed_reports(secrets_dir.file("right/exec.log")), 5) << right.describe();
}

TEST(EngineAuth, AnEngineFromADisallowedAddressIsRefusedBeforeLogonAndAudited) {
  TempDir dir;
  GatewayConfig cfg;
  // Connections from 127.0.0.1 (every engine-sim here) are then not allowed.
  cfg.session_keys = {{"ENGINE1", "AllowedRemoteAddresses", "[\"127.0.0.2\"]"}};
  Stack s({}, cfg);
  const EngineRun r = run_impostor(s.gateway->client_port(), dir, "impostor", {});
  EXPECT_EQ(num(r.summary, "logons"), 0) << r.describe();
  EXPECT_EQ(reports(dir.file("impostor/exec.log")), 0);
  EXPECT_FALSE(wait_audit(s.audit_log(), {"\"logon_refused\"", "\"address_not_allowed\"",
                                          "\"ENGINE1\"", "peer 127.0.0.1"})
                   .empty());
  // ENGINE2 has no address list and logs on from the same host.
  const EngineRun other = s.run({"ENGINE2", "ACC2", "0.1.0"}, {"--count", "1"});
  EXPECT_EQ(num(other.summary, "logons"), 1) << other.describe();
}

}  // namespace
}  // namespace riskgate::itest
