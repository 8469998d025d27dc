// riskgatectl's release steps (issue 12, item 5), in-process through run_ctl:
// a new release key is private and never overwritten, a line signed with it
// verifies with the public key it printed, a key file others can read is
// refused, and the manifest step leaves no "any" behind.
#include "gateway/control/ctl_attest.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/attestation.hpp"
#include "config/manifest.hpp"
#include "gateway/control/build_info.hpp"
#include "gateway/control/ctl.hpp"
#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

struct CtlRun {
  int rc = -1;
  std::string out, err;
};

CtlRun ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"riskgatectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ostringstream out, err;
  CtlRun r;
  r.rc = run_ctl(argv, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

const std::string kBuild(64, 'b');

std::vector<std::string> attest_args(const std::string& key) {
  return {"attest",
          "--key",
          key,
          "--comp",
          "ENGINE1",
          "--host",
          "10.0.0.7",
          "--app",
          "engine-sim",
          "--version",
          "0.1.0",
          "--vendor",
          "riskgate",
          "--build-digest",
          kBuild,
          "--issued-at",
          "2025-11-30T00:00:00Z",
          "--valid-for",
          "2d"};
}

TEST(CtlAttest, AKeyIsPrivateNeverOverwrittenAndItsSignaturesVerifyWithThePrintedKey) {
  testing::TempDir dir;
  const std::string key = (dir.path() / "release.pem").string();
  const CtlRun gen = ctl({"attest-keygen", "--out", key});
  ASSERT_EQ(gen.rc, kCtlOk) << gen.err;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777u, 0600u);
  const std::string prefix = "public_key = \"";
  ASSERT_EQ(gen.out.rfind(prefix, 0), 0u) << gen.out;
  config::Ed25519PublicKey pub{};
  ASSERT_TRUE(parse_hex_bytes(gen.out.substr(prefix.size(), 64), pub.data(), pub.size()));

  const CtlRun again = ctl({"attest-keygen", "--out", key});
  EXPECT_EQ(again.rc, kCtlUsage);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << again.err;

  const CtlRun a = ctl(attest_args(key));
  ASSERT_EQ(a.rc, kCtlOk) << a.err;
  config::ParsedAttestation p;
  std::string why;
  const std::string line = a.out.substr(0, a.out.find('\n'));  // p views into it.
  ASSERT_TRUE(config::parse_attestation(line, p, &why)) << why;
  EXPECT_EQ(p.claims.host, "10.0.0.7");
  EXPECT_EQ(p.claims.issued_at, 1764460800);
  EXPECT_EQ(p.claims.expires_at, 1764460800 + 2 * 86400);
  EXPECT_TRUE(config::ed25519_verify(pub, p.signed_bytes, p.signature));
}

TEST(CtlAttest, AKeyFileOthersCanReadIsRefused) {
  testing::TempDir dir;
  const std::string key = (dir.path() / "release.pem").string();
  ASSERT_EQ(ctl({"attest-keygen", "--out", key}).rc, kCtlOk);
  std::filesystem::permissions(key, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  const CtlRun a = ctl(attest_args(key));
  EXPECT_EQ(a.rc, kCtlUsage);
  EXPECT_TRUE(a.out.empty()) << a.out;
  EXPECT_NE(a.err.find("has mode 0640"), std::string::npos) << a.err;
}

TEST(CtlAttest, BadFieldsAndDurationsAreRefusedNamingThem) {
  testing::TempDir dir;
  const std::string key = (dir.path() / "release.pem").string();
  ASSERT_EQ(ctl({"attest-keygen", "--out", key}).rc, kCtlOk);
  auto args = attest_args(key);
  args.back() = "2 days";
  CtlRun r = ctl(args);
  EXPECT_EQ(r.rc, kCtlUsage);
  EXPECT_NE(r.err.find("--valid-for"), std::string::npos) << r.err;
  args = attest_args(key);
  args[4] = "ENGINE|1";
  r = ctl(args);
  EXPECT_EQ(r.rc, kCtlUsage);
  EXPECT_NE(r.err.find("comp holds a byte"), std::string::npos) << r.err;
  EXPECT_EQ(parse_duration_s("90s"), 90);
  EXPECT_EQ(parse_duration_s("15m"), 900);
  EXPECT_EQ(parse_duration_s("30d"), 30 * 86400);
  for (const char* bad : {"", "d", "0d", "-1d", "1w", "1.5h", "10"})
    EXPECT_FALSE(parse_duration_s(bad).has_value()) << bad;
}

TEST(CtlManifest, WritesRealDigestsAndRefusesToLeaveAnyBehind) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    const auto p = dir.path() / name;
    std::ofstream(p) << text;
    return p.string();
  };
  const std::string gw = write("riskgate", "gateway bytes");
  const std::string cfg = write("riskgate.toml", "config bytes");
  const std::string eng = write("engine", "engine bytes");
  const std::string tmpl =
      write("template.toml",
            "test_setup = true\n[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"any\"\n"
            "config_digest = \"any\"\n[[engine]]\nsender_comp_id = \"ENGINE1\"\n"
            "app_name = \"engine-sim\"\nversion = \"0.1.0\"\nvendor = \"riskgate\"\n"
            "build_digest = \"any\"\n");
  const std::string out = (dir.path() / "manifest.toml").string();
  const CtlRun left =
      ctl({"manifest", "--from", tmpl, "--gateway-binary", gw, "--config", cfg, "--out", out});
  EXPECT_EQ(left.rc, kCtlUsage);
  EXPECT_NE(left.err.find("build_digest: \"any\" is refused"), std::string::npos) << left.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  const CtlRun ok =
      ctl({"manifest", "--from", tmpl, "--gateway-binary", gw, "--config", cfg, "--engine-binary",
           "engine-sim=" + eng, "--attestation-public-key", std::string(64, 'a'),
           "--release-issued-at", "2025-11-30T00:00:00Z", "--out", out});
  ASSERT_EQ(ok.rc, kCtlOk) << ok.err;
  const config::Manifest m = config::load_manifest(out);
  EXPECT_FALSE(m.test_setup);
  EXPECT_EQ(m.gateway.build_digest, sha256_hex("gateway bytes"));
  EXPECT_EQ(m.gateway.config_digest, sha256_hex("config bytes"));
  ASSERT_EQ(m.engines.size(), 1u);
  EXPECT_EQ(m.engines[0].build_digest, sha256_hex("engine bytes"));
  ASSERT_TRUE(m.attestation);
  EXPECT_EQ(m.attestation->release_issued_at, 1764460800);
}

}  // namespace
}  // namespace riskgate::control
