// Verified reloads (issue 12): a reload, by SIGHUP or the admin API, hashes
// the config file and checks the digest with the release manifest before
// anything changes. A refused reload keeps the running limits; every reload
// is audited with its actor, both digests and the verdict; /status and
// `riskgatectl audit` report the digest of the config that is running.
// QuickFIX engine-sim -> riskgate -> QuickFIX exchange-sim on loopback.
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <string>
#include <thread>

#include "gateway/control/build_info.hpp"
#include "gateway/control/ctl.hpp"
#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string sha256_of(const std::string& text) {
  return control::sha256_hex(text);
}

// The shipped manifest approving exactly one config digest ("any" otherwise).
std::string manifest_approving(const std::string& config_digest) {
  return replace_once(read_file(std::string(RISKGATE_SOURCE_DIR) + "/config/manifest.toml"),
                      "config_digest = \"any\"", "config_digest = \"" + config_digest + "\"");
}

// GET /status polled until it reports `digest` as the running config.
bool status_shows(const std::string& url, const std::string& digest,
                  std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const HttpReply r = http_get(url, "/status", kOperatorToken);
    if (contains(r.body, "\"config_sha256\":\"" + digest + "\"")) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

class VerifiedReload : public ::testing::Test {
 protected:
  VerifiedReload() {
    write_file(manifest_, manifest_approving("any"));
    GatewayConfig cfg;
    cfg.manifest = manifest_;
    s_.emplace(std::vector<std::string>{}, cfg);
    url_ = s_->gateway->admin_url();
    op_ = token_file(s_->dir, "operator.token", kOperatorToken);
    admin_ = token_file(s_->dir, "admin.token", kAdminToken);
    started_ = read_file(s_->config_path);
    // Tighter than the shipped 10,000 per order, so its effect is visible
    // with ordinary orders: each one is refused by max_order_qty.
    tight_ = replace_once(started_, "max_order_qty = 10000", "max_order_qty = 1");
  }

  CtlResult audit() {
    return ctl(url_, op_, {"audit", "--instances", url_, "--manifest", manifest_});
  }

  TempDir own_;  // Outlives the stack: it holds the manifest the gateway reads.
  std::string manifest_ = own_.file("manifest.toml");
  std::optional<Stack> s_;
  std::string url_, op_, admin_, started_, tight_;
};

TEST_F(VerifiedReload, AnUnapprovedConfigIsRefusedAuditedAndChangesNothing) {
  const std::string running = sha256_of(started_);
  ASSERT_TRUE(status_shows(url_, running));
  // The release approves the tight limits; the file on disk says something else.
  write_file(manifest_, manifest_approving(sha256_of(tight_)));
  const std::string unapproved = tight_ + "# edited by hand after the release\n";
  write_file(s_->config_path, unapproved);

  s_->gateway->proc().signal(SIGHUP);
  const auto by_signal =
      wait_audit(s_->audit_log(),
                 {"\"config_reload\"", "\"verdict\":\"refused\"", "\"actor\":\"signal:SIGHUP\"",
                  "\"old_sha256\":\"" + running, "\"new_sha256\":\"" + sha256_of(unapproved)});
  EXPECT_EQ(by_signal.size(), 1u);

  const CtlResult by_admin = ctl(url_, admin_, {"reload", "--reason", "try it"});
  EXPECT_EQ(by_admin.exit_code, control::kCtlDrift) << by_admin.output;
  EXPECT_TRUE(contains(by_admin.output,
                       "reload refused, running limits kept: not approved by "
                       "the manifest"))
      << by_admin.output;
  EXPECT_EQ(wait_audit(s_->audit_log(),
                       {"\"config_reload\"", "\"verdict\":\"refused\"", "\"actor\":\"demo-admin\""})
                .size(),
            1u);

  // The running limits stay: ordinary orders still fill.
  const EngineRun r = s_->run(kEngine1, {"--count", "3"});
  EXPECT_EQ(num(r.summary, "rejected"), 0) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), 3) << r.describe();
  EXPECT_TRUE(status_shows(url_, running));
  EXPECT_TRUE(
      audit_lines(s_->audit_log(), {"\"config_reload\"", "\"verdict\":\"accepted\""}).empty());
}

TEST_F(VerifiedReload, AnApprovedConfigTakesEffectIsAuditedAndIsTheDigestStatusAndAuditReport) {
  const std::string old_digest = sha256_of(started_);
  const std::string new_digest = sha256_of(tight_);
  write_file(manifest_, manifest_approving(new_digest));
  // Before the reload the instance runs a config the release no longer approves.
  const CtlResult before = audit();
  EXPECT_EQ(before.exit_code, control::kCtlDrift) << before.output;
  EXPECT_TRUE(contains(before.output, "running config digest")) << before.output;

  write_file(s_->config_path, tight_);
  const CtlResult reload = ctl(url_, admin_, {"reload", "--reason", "release 42"});
  EXPECT_EQ(reload.exit_code, control::kCtlOk) << reload.output;
  EXPECT_EQ(wait_audit(s_->audit_log(),
                       {"\"config_reload\"", "\"verdict\":\"accepted\"", "\"actor\":\"demo-admin\"",
                        "\"old_sha256\":\"" + old_digest, "\"new_sha256\":\"" + new_digest})
                .size(),
            1u);

  const EngineRun r = s_->run(kEngine1, {"--count", "3"});
  EXPECT_EQ(r.rule("max_order_qty"), 3) << r.describe();

  EXPECT_TRUE(status_shows(url_, new_digest));
  // What it runs now, as TOML, headed by the reloaded file's digest.
  const CtlResult running = ctl(url_, admin_, {"config"});
  EXPECT_EQ(running.exit_code, control::kCtlOk) << running.output;
  EXPECT_TRUE(contains(running.output, new_digest)) << running.output;
  EXPECT_FALSE(contains(running.output, old_digest)) << running.output;
  const CtlResult after = audit();
  EXPECT_EQ(after.exit_code, control::kCtlOk) << after.output;
  EXPECT_TRUE(contains(after.output, "config  " + new_digest + "  ok")) << after.output;

  // A later release approves another config this instance never loaded: drift.
  write_file(manifest_, manifest_approving(sha256_of(started_)));
  const CtlResult drifted = audit();
  EXPECT_EQ(drifted.exit_code, control::kCtlDrift) << drifted.output;
  EXPECT_TRUE(contains(drifted.output, "DRIFT " + url_ + " (itest)")) << drifted.output;
  EXPECT_TRUE(contains(drifted.output, "! running config digest " + new_digest.substr(0, 16)))
      << drifted.output;
}

// Only [risk] is applied live. A file that also changes a key read at start
// only (an engine's AllowedRemoteAddresses) is refused naming the key, so
// status never reports as running a digest whose file says otherwise.
TEST_F(VerifiedReload, AChangeOutsideRiskIsRefusedNamingTheKeyAndTheLimitsStay) {
  const std::string running = sha256_of(started_);
  // The first engine session's (ENGINE1's) allow list: the key is in every
  // engine's block, so the first one is edited by hand.
  std::string edited = tight_;
  const std::string key = "AllowedRemoteAddresses = [\"127.0.0.1\"]";
  const auto at = edited.find(key);
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, key.size(), "AllowedRemoteAddresses = [\"10.9.9.9\"]");
  write_file(s_->config_path, edited);
  const CtlResult r = ctl(url_, admin_, {"reload", "--reason", "allow list and limits"});
  EXPECT_NE(r.exit_code, control::kCtlOk) << r.output;
  EXPECT_TRUE(contains(r.output, "take effect at a restart only")) << r.output;
  EXPECT_TRUE(contains(r.output, "AllowedRemoteAddresses")) << r.output;
  EXPECT_TRUE(contains(r.output, "ENGINE1")) << r.output;
  // Neither change runs: the engine still logs on from 127.0.0.1, and the
  // tight max_order_qty in the same file was not applied.
  const EngineRun run = s_->run(kEngine1, {"--count", "2"});
  EXPECT_EQ(num(run.summary, "filled_orders"), 2) << run.describe();
  EXPECT_TRUE(status_shows(url_, running));

  // Undone, the limits alone reload.
  write_file(s_->config_path, tight_);
  const CtlResult ok = ctl(url_, admin_, {"reload", "--reason", "limits only"});
  EXPECT_EQ(ok.exit_code, control::kCtlOk) << ok.output;
}

// A test setup's manifest (test_setup = true: "any" digest passes) swapped
// in for the release one under a running gateway would approve any config
// from then on: the reload that would read it is refused.
TEST(ReleaseManifest, ASwapToATestSetupManifestIsRefusedAtTheReload) {
  const std::string src = RISKGATE_SOURCE_DIR;
  const std::string shipped = read_file(src + "/config/manifest.toml");
  // The shipped manifest as a release would have it: no test_setup, real
  // digests (this build's riskgate and engine-sim; no config approved, so
  // the gateway runs with its global kill, which this test does not need).
  std::string release = replace_once(shipped, "test_setup = true\n", "");
  release = replace_once(release, "build_digest = \"any\"\nconfig_digest = \"any\"",
                         "build_digest = \"" + control::sha256_hex(read_file(RISKGATE_GATEWAY)) +
                             "\"\nconfig_digest = \"" + std::string(64, '0') + "\"");
  const std::string engine = control::sha256_hex(read_file(RISKGATE_ENGINE_SIM));
  for (std::size_t at; (at = release.find("build_digest = \"any\"")) != std::string::npos;)
    release.replace(at, 21, "build_digest = \"" + engine + "\"");
  TempDir own;
  const std::string manifest = own.file("manifest.toml");
  write_file(manifest, release);
  GatewayConfig cfg;
  cfg.manifest = manifest;
  Stack s({}, cfg);
  const std::string admin = token_file(s.dir, "admin.token", kAdminToken);

  write_file(manifest, shipped);  // test_setup = true, every digest "any".
  const CtlResult r = ctl(s.gateway->admin_url(), admin, {"reload", "--reason", "swap"});
  EXPECT_NE(r.exit_code, control::kCtlOk) << r.output;
  EXPECT_TRUE(contains(r.output, "test_setup")) << r.output;
  EXPECT_FALSE(
      wait_audit(s.audit_log(), {"\"config_reload\"", "\"verdict\":\"refused\"", "test_setup"})
          .empty());
}

}  // namespace
}  // namespace riskgate::itest
