// One manifest, one verdict (issue 12): the same manifests go to
// config::Manifest (what the gateway calls at Logon, in its self-check and on
// a reload) and to `riskgatectl audit` (run_ctl against an instance's
// /status), and both must agree: approved, refused with the same reason, or
// not a valid manifest at all, with the same message.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/manifest.hpp"
#include "fake_gateway.hpp"
#include "gateway/control/ctl.hpp"
#include "temp_dir.hpp"
#include "tests/support/ed25519_key.hpp"

namespace riskgate::control {
namespace {

const std::string kBuild(64, 'a');         // FakeGateway's binary digest.
const std::string kConfig(64, 'c');        // FakeGateway's running config digest.
const std::string kEngineDigest(64, 'e');  // What FakeGateway reports ENGINE1 declared.

std::string gateway_table(const std::string& config_digest = "any") {
  return "test_setup = true\n[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"" + kBuild +
         "\"\nconfig_digest = \"" + config_digest + "\"\n";
}

std::string engine(const std::string& version = "1.0.0", const std::string& digest = "any") {
  return "[[engine]]\nsender_comp_id = \"ENGINE1\"\napp_name = \"engine-sim\"\nversion = \"" +
         version + "\"\nvendor = \"riskgate\"\nbuild_digest = \"" + digest + "\"\n";
}

const std::string kCompatibility =
    "[[compatibility]]\ngateway_versions = [\"0.1.0\"]\napp_name = \"engine-sim\"\n"
    "engine_versions = [\"1.0.0\"]\n";

struct Case {
  const char* name;
  std::string manifest;
};

class SingleVerifier : public ::testing::Test {
 protected:
  SingleVerifier()
      : server_(AdminServer::Options{"127.0.0.1", 0}, testing::test_tokens(), gw_, nullptr) {
    server_.start();
    std::ofstream(dir_.path() / "token") << "operator-token-0123456789\n";
  }

  // riskgatectl audit, through its command-line entry point.
  int ctl_audit(const std::string& manifest_text, std::string& output) {
    const auto path = dir_.path() / "manifest.toml";
    std::ofstream(path, std::ios::trunc) << manifest_text;
    std::ostringstream out;
    std::ostringstream err;
    const int rc =
        run_ctl({"riskgatectl", "--token-file", (dir_.path() / "token").string(), "--timeout-ms",
                 "2000", "audit", "--instances",
                 "http://127.0.0.1:" + std::to_string(server_.port()), "--manifest", path.string()},
                out, err);
    output = out.str() + err.str();
    return rc;
  }

  testing::TempDir dir_;
  testing::FakeGateway gw_;  // Reports ENGINE1 engine-sim 1.0.0 logged on, kBuild, kConfig.
  AdminServer server_;
};

TEST_F(SingleVerifier, EveryCallerGivesTheSameVerdictForTheSameManifest) {
  const std::vector<Case> cases = {
      {"approved", gateway_table() + engine() + kCompatibility},
      {"without [[compatibility]]", gateway_table() + engine()},
      {"an unapproved engine version", gateway_table() + engine("0.9.0") + kCompatibility},
      {"a duplicate approval", gateway_table() + engine() + engine("0.9.0") + kCompatibility},
      {"a malformed engine digest",
       gateway_table() + engine("1.0.0", std::string(63, 'e')) + kCompatibility},
      {"a malformed config digest", gateway_table("sha256:" + kConfig) + engine() + kCompatibility},
      {"an approved running config", gateway_table(kConfig) + engine() + kCompatibility},
      {"a running config that is not the approved one",
       gateway_table(std::string(64, 'd')) + engine() + kCompatibility},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string ctl_output;
    const int rc = ctl_audit(c.manifest, ctl_output);

    // What the gateway calls: config::load_manifest at start, then
    // verify_deployment (self-check, and the config half on each reload) and
    // verify_engine at each Logon.
    config::Manifest m;
    try {
      m = config::parse_manifest(c.manifest, "manifest.toml");
    } catch (const config::ConfigError& e) {
      ASSERT_FALSE(e.errors().empty());
      EXPECT_EQ(rc, kCtlUsage) << ctl_output;
      // The same message, with the line and key that are wrong.
      const std::string first = e.errors().front();
      EXPECT_NE(ctl_output.find(first.substr(first.find(':'))), std::string::npos)
          << "gateway: " << first << "\nriskgatectl: " << ctl_output;
      continue;
    }
    std::string engine_reason;
    const bool engine_ok =
        m.verify_engine("ENGINE1", "",
                        {"engine-sim", gw_.engine_version, "riskgate", kEngineDigest},
                        m.gateway.version, &engine_reason) == config::IdentityVerdict::kApproved;
    const config::DeploymentVerdict self = m.verify_deployment(kBuild, kConfig);
    const bool gateway_ok = engine_ok && self.ok();
    EXPECT_EQ(rc, gateway_ok ? kCtlOk : kCtlDrift) << ctl_output;
    if (!engine_ok) {
      EXPECT_NE(ctl_output.find("! " + engine_reason), std::string::npos) << ctl_output;
    }
    if (!self.config_ok) {
      EXPECT_NE(ctl_output.find("running config digest"), std::string::npos) << ctl_output;
    }
  }
}

// The attestation an engine presented (issue 12, item 5): riskgatectl audit
// re-verifies the line /status shows, at the time the gateway checked it,
// with Manifest::verify_attestation, and must reach the gateway's verdict.
TEST_F(SingleVerifier, EveryCallerGivesTheSameAttestationVerdict) {
  const riskgate::testing::Ed25519TestKey release_key;
  const riskgate::testing::Ed25519TestKey other_key;
  constexpr std::int64_t kReleaseAt = 1'764'460'800;
  constexpr std::int64_t kLogonAt = kReleaseAt + 600;
  const std::string manifest = gateway_table() + engine("1.0.0", kEngineDigest) + kCompatibility +
                               "[attestation]\npublic_key = \"" + release_key.public_key_hex() +
                               "\"\nrelease_issued_at = " + std::to_string(kReleaseAt) + "\n";
  auto claims = [&](std::string_view host, std::int64_t iat) {
    return riskgate::testing::engine1_claims("1.0.0", kEngineDigest, iat, 3600, host);
  };
  struct AttestationCase {
    const char* name;
    std::string line;  // What ENGINE1 presented in RawData(96).
  };
  const std::vector<AttestationCase> cases = {
      {"valid", release_key.attest(claims("127.0.0.1", kReleaseAt))},
      {"none", ""},
      {"another key", other_key.attest(claims("127.0.0.1", kReleaseAt))},
      {"another host", release_key.attest(claims("10.0.0.8", kReleaseAt))},
      {"the previous release", release_key.attest(claims("127.0.0.1", kReleaseAt - 60))},
      {"malformed", "RGA1|comp=ENGINE1"},
  };
  const config::Manifest m = config::parse_manifest(manifest, "manifest.toml");
  for (const AttestationCase& c : cases) {
    SCOPED_TRACE(c.name);
    gw_.engine_attestation = c.line;
    gw_.engine_logon_unix_s = kLogonAt;
    std::string ctl_output;
    const int rc = ctl_audit(manifest, ctl_output);
    // The gateway's Logon check: the attestation, then the identity.
    std::string why;
    const config::DeclaredIdentity id{"engine-sim", "1.0.0", "riskgate", kEngineDigest};
    const bool ok =
        m.verify_attestation("ENGINE1", "127.0.0.1", id, c.line, std::to_string(c.line.size()),
                             kLogonAt, "0.1.0", &why) == config::AttestationVerdict::kOk &&
        m.verify_engine("ENGINE1", "127.0.0.1", id, "0.1.0", &why) ==
            config::IdentityVerdict::kApproved;
    EXPECT_EQ(ok, std::string(c.name) == "valid");
    EXPECT_EQ(rc, ok ? kCtlOk : kCtlDrift) << ctl_output;
    if (!ok) {
      EXPECT_NE(ctl_output.find("! " + why), std::string::npos) << why << "\n" << ctl_output;
    } else {
      EXPECT_NE(ctl_output.find("attested"), std::string::npos) << ctl_output;
    }
  }
}

}  // namespace
}  // namespace riskgate::control
