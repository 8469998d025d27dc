#include "gateway/control/verify.hpp"

#include <gtest/gtest.h>

namespace riskgate::control {
namespace {

const std::string kBin(64, 'b');
const std::string kCfg(64, 'c');
const std::string kEng(64, 'e');

ManifestView manifest() {
  return parse_manifest_view(R"(
[gateway]
version = "0.1.0"
build_digest = ")" + kBin + R"("
config_digest = ")" + kCfg + R"("

[[engine]]
sender_comp_id = "ENGINE1"
app_name = "engine-sim"
version = "2.1.0"
vendor = "riskgate"
build_digest = ")" + kEng + R"("

[[engine]]
sender_comp_id = "ENGINE1"
host = "10.0.0.7"
app_name = "engine-sim"
version = "2.2.0"
vendor = "riskgate"
build_digest = "any"

[[compatibility]]
gateway_versions = ["0.1.0"]
app_name = "engine-sim"
engine_versions = ["2.1.0", "2.2.0"]

[[retired]]
tag = 9700
)",
                             "test.toml");
}

TEST(VerifySelf, MatchingDigestsAreOk) {
  const auto v = verify_self(manifest(), kBin, kCfg);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.reason, "ok");
}

TEST(VerifySelf, DigestsCompareIgnoringHexCase) {
  std::string upper = kBin;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(verify_self(manifest(), upper, kCfg).ok());
}

TEST(VerifySelf, WrongBinaryNamesBothDigests) {
  const std::string other(64, '9');
  const auto v = verify_self(manifest(), other, kCfg);
  EXPECT_FALSE(v.ok());
  EXPECT_FALSE(v.binary_ok);
  EXPECT_TRUE(v.config_ok);
  EXPECT_NE(v.reason.find(other), std::string::npos);
  EXPECT_NE(v.reason.find(kBin), std::string::npos);
}

TEST(VerifySelf, WrongConfigIsReported) {
  const auto v = verify_self(manifest(), kBin, "");
  EXPECT_FALSE(v.config_ok);
  EXPECT_NE(v.reason.find("config sha256"), std::string::npos);
}

TEST(VerifySelf, AnyIsAcceptedOnlyWhenTheManifestSaysSo) {
  auto m = manifest();
  m.build_digest = "any";
  EXPECT_TRUE(verify_self(m, "whatever", kCfg).ok());
  EXPECT_FALSE(
      verify_self(manifest(), "any", kCfg).ok());  // "any" as the actual value is not a wildcard.
}

TEST(VerifyEngine, ApprovedIdentityPasses) {
  const auto v = verify_engine_identity(manifest(), "ENGINE1", "127.0.0.1",
                                        {"engine-sim", "2.1.0", "riskgate", kEng});
  EXPECT_TRUE(v.approved) << v.reason;
}

TEST(VerifyEngine, WrongVersionNamesDeclaredAndApproved) {
  const auto v = verify_engine_identity(manifest(), "ENGINE1", "127.0.0.1",
                                        {"engine-sim", "2.0.0", "riskgate", kEng});
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, "ENGINE1: TradingSystemVersion(1604) 2.0.0 not approved (approved: 2.1.0)");
}

TEST(VerifyEngine, MissingTagIsRefused) {
  const auto v =
      verify_engine_identity(manifest(), "ENGINE1", "", {"engine-sim", "", "riskgate", kEng});
  EXPECT_FALSE(v.approved);
  EXPECT_NE(v.reason.find("TradingSystemVersion(1604) missing"), std::string::npos);
}

TEST(VerifyEngine, WrongDigestIsRefused) {
  const auto v = verify_engine_identity(manifest(), "ENGINE1", "",
                                        {"engine-sim", "2.1.0", "riskgate", std::string(64, '0')});
  EXPECT_FALSE(v.approved);
  EXPECT_NE(v.reason.find("build digest"), std::string::npos);
}

TEST(VerifyEngine, UnknownEngineIsRefused) {
  const auto v =
      verify_engine_identity(manifest(), "ENGINE9", "", {"engine-sim", "2.1.0", "riskgate", kEng});
  EXPECT_FALSE(v.approved);
  EXPECT_NE(v.reason.find("ENGINE9"), std::string::npos);
}

TEST(VerifyEngine, HostSpecificApprovalWinsOverHostless) {
  const EngineIdentity v22{"engine-sim", "2.2.0", "riskgate", "x"};
  EXPECT_TRUE(verify_engine_identity(manifest(), "ENGINE1", "10.0.0.7", v22).approved);
  EXPECT_FALSE(verify_engine_identity(manifest(), "ENGINE1", "10.0.0.8", v22).approved);
}

TEST(VerifyEngine, EngineNotCompatibleWithThisGatewayIsRefused) {
  auto m = manifest();
  m.gateway_version = "0.2.0";
  const auto v =
      verify_engine_identity(m, "ENGINE1", "", {"engine-sim", "2.1.0", "riskgate", kEng});
  EXPECT_FALSE(v.approved);
  EXPECT_NE(v.reason.find("gateway release 0.2.0"), std::string::npos);
}

TEST(ManifestView, MissingGatewayDigestIsAnErrorNamingTheKey) {
  try {
    (void)parse_manifest_view("[gateway]\nbuild_digest = \"any\"\n", "m.toml");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("m.toml: gateway.config_digest is missing"),
              std::string::npos)
        << e.what();
  }
}

TEST(ManifestView, ReadsTheRepositoryManifest) {
  // config/manifest.toml is the config helper's annotated example; keep both readers in step.
  if (!std::filesystem::exists("config/manifest.toml")) GTEST_SKIP() << "no config/manifest.toml";
  const auto m = load_manifest_view("config/manifest.toml");
  EXPECT_FALSE(m.build_digest.empty());
}

}  // namespace
}  // namespace riskgate::control
