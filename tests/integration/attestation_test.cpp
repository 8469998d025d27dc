// Deployment attestations (issue 12, item 5), end to end: riskgatectl makes a
// release key and signs attestations, engine-sim presents them at Logon in
// RawData(96), riskgate verifies them against the manifest's [attestation].
// A valid one logs on; a wrong signature, another host, an expired one, a
// tuple that differs from the declared identity, one from the previous
// release and none at all are each refused with the reason, and audited.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const std::string kBuild(64, 'b');  // What engine-sim declares in tag 9001 and is attested.

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `public_key = "<hex>"` as attest-keygen prints it -> the hex.
std::string keygen(const std::string& path) {
  const CtlResult r = riskgatectl({"attest-keygen", "--out", path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string prefix = "public_key = \"";
  const auto at = r.output.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("attest-keygen printed: " + r.output);
  return r.output.substr(at + prefix.size(), 64);
}

class Attestation : public ::testing::Test {
 protected:
  Attestation() {
    public_key_ = keygen(keys_.file("release.pem"));
    (void)keygen(keys_.file("other.pem"));
    // The shipped test manifest (config/manifest.toml) plus an [attestation]
    // whose release was issued an hour ago.
    manifest_ = keys_.file("manifest.toml");
    write_file(manifest_, read_file(std::string(RISKGATE_SOURCE_DIR) + "/config/manifest.toml") +
                              "\n[attestation]\npublic_key = \"" + public_key_ +
                              "\"\nrelease_issued_at = " + std::to_string(release_) + "\n");
    GatewayConfig cfg;
    cfg.manifest = manifest_;
    cfg.session_keys.emplace_back("ENGINE2", "OnUnapprovedIdentity", "\"kill\"");
    s_.emplace(std::vector<std::string>{}, cfg);
  }

  // An attestation file for ENGINE1 on 127.0.0.1 as approved, valid for an
  // hour from now; `changes` are extra riskgatectl attest options (the last
  // occurrence of an option wins).
  std::string attest(const std::string& name, const std::vector<std::string>& changes = {},
                     const std::string& key = "release.pem") {
    std::vector<std::string> args{
        "attest",    "--key",          keys_.file(key), "--comp",      "ENGINE1", "--host",
        "127.0.0.1", "--app",          "engine-sim",    "--version",   "0.1.0",   "--vendor",
        "riskgate",  "--build-digest", kBuild,          "--valid-for", "1h"};
    // CLI11 refuses a repeated single-value option: replace instead of append.
    for (std::size_t i = 0; i + 1 < changes.size(); i += 2) {
      bool replaced = false;
      for (std::size_t j = 1; j + 1 < args.size(); ++j) {
        if (args[j] == changes[i]) {
          args[j + 1] = changes[i + 1];
          replaced = true;
        }
      }
      if (!replaced) args.insert(args.end(), {changes[i], changes[i + 1]});
    }
    const CtlResult r = riskgatectl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const std::string path = keys_.file(name + ".attestation");
    write_file(path, r.output);
    return path;
  }

  EngineRun run(const std::string& sender, const std::string& attestation, int count = 3) {
    std::vector<std::string> extra{"--count", std::to_string(count),     "--build-digest",
                                   kBuild,    "--logon-timeout-seconds", "5"};
    if (!attestation.empty()) extra.insert(extra.end(), {"--attestation", attestation});
    return s_->run({sender, sender == "ENGINE1" ? "ACC1" : "ACC2", "0.1.0"}, extra);
  }

  TempDir keys_;
  std::int64_t release_ = unix_now() - 3600;
  std::string public_key_;
  std::string manifest_;
  std::optional<Stack> s_;
};

TEST_F(Attestation, AValidAttestationLogsOnTradesAndTheFleetAuditAgrees) {
  const std::string valid = attest("valid");
  ChildProcess engine = start_engine(
      s_->gateway->client_port(), {"ENGINE1", "ACC1", "0.1.0"},
      {"--count", "3", "--build-digest", kBuild, "--attestation", valid, "--until-sigterm"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 15s)) << "no logon";
  // riskgatectl audit verifies the attestation /status shows, with the same function.
  const std::string op = token_file(s_->dir, "operator.token", kOperatorToken);
  // The engine prints its logon when the gateway's answer arrives; the
  // gateway marks the session active on its I/O thread and /status shows it
  // from the next read, so the audit is asked again until it sees the engine
  // (at most 5 s).
  CtlResult audit;
  for (int i = 0; i < 50; ++i) {
    audit = ctl(s_->gateway->admin_url(), op,
                {"audit", "--instances", s_->gateway->admin_url(), "--manifest", manifest_});
    if (!contains(audit.output, "(none connected)")) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_TRUE(contains(audit.output, "attested")) << audit.output;
  engine.signal(SIGTERM);
  const EngineRun r = finish_engine(engine);
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), 3) << r.describe();
  EXPECT_FALSE(
      wait_audit(s_->audit_log(), {"\"logon_accepted\"", "\"ENGINE1\"", "(attested)"}).empty());
}

TEST_F(Attestation, EachInvalidAttestationIsRefusedWithItsReasonAndAudited) {
  const std::string hour_ago = std::to_string(unix_now() - 3000);
  const std::string day_ago = std::to_string(release_ - 86400);
  struct Case {
    const char* name;
    std::string attestation;  // Empty: none presented.
    std::string rule;
    std::string says;  // In the Logout text and the audit record.
  };
  const std::vector<Case> cases = {
      {"none", "", "attestation_missing", "carries no attestation in RawData(96)"},
      {"wrong signature", attest("other-key", {}, "other.pem"), "attestation_bad_signature",
       "does not verify with the manifest's release key"},
      {"another host", attest("host", {"--host", "10.1.2.3"}), "attestation_wrong_host",
       "but the engine connects from"},
      {"expired", attest("expired", {"--issued-at", hour_ago, "--valid-for", "10m"}),
       "attestation_expired", "attestation expired at"},
      {"another version", attest("version", {"--version", "0.2.0"}), "attestation_mismatch",
       "ver (TradingSystemVersion(1604))"},
      {"previous release", attest("previous", {"--issued-at", day_ago, "--valid-for", "30d"}),
       "attestation_previous_release", "predates release_issued_at"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const EngineRun r = run("ENGINE1", c.attestation, 1);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_EQ(num(r.summary, "logon_refused"), 1) << r.describe();
    EXPECT_EQ(num(r.summary, "sent"), 0) << r.describe();
    const std::string& text = r.summary.at("logout_text");
    EXPECT_TRUE(contains(text, "unapproved engine identity (" + c.rule + ")")) << text;
    EXPECT_TRUE(contains(text, c.says)) << text;
    EXPECT_FALSE(wait_audit(s_->audit_log(),
                            {"\"logon_refused\"", "\"" + c.rule + "\"", "\"ENGINE1\"", c.says})
                     .empty())
        << read_file(s_->audit_log());
  }
  const Summary ex = s_->exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 0);
}

TEST_F(Attestation, UnderTheKillPolicyOneFromThePreviousReleaseLogsOnKilled) {
  std::string previous = attest("previous", {"--comp", "ENGINE2", "--issued-at",
                                             std::to_string(release_ - 60), "--valid-for", "30d"});
  const EngineRun r = run("ENGINE2", previous, 3);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 3) << r.describe();
  EXPECT_EQ(r.rule("kill_switch"), 3) << r.describe();
  EXPECT_FALSE(wait_audit(s_->audit_log(), {"\"logon_accepted_killed\"",
                                            "\"attestation_previous_release\"", "\"ENGINE2\""})
                   .empty());
  const Summary ex = s_->exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 0);
}

}  // namespace
}  // namespace riskgate::itest
