#include "config/manifest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/config/manifest_errors.hpp"

namespace riskgate::config {
namespace {

const std::string kSrc = RISKGATE_SOURCE_DIR;
const std::string kDigestA(64, 'a');
const std::string kDigestB(64, 'b');

using test_support::manifest_error_of;

Manifest sample() {
  return parse_manifest(R"(test_setup = true
[gateway]
version = "1.2.0"
build_digest = ")" + kDigestA +
                            R"("
config_digest = "any"

[[engine]]
sender_comp_id = "ENGINE1"
app_name = "algo"
version = "3.1"
vendor = "acme"
build_digest = ")" + std::string(64, 'B') +
                            R"("

[[engine]]
sender_comp_id = "ENGINE1"
host = "10.0.0.9"
app_name = "algo"
version = "3.0"
vendor = "acme"
build_digest = "any"

[[compatibility]]
gateway_versions = ["1.1.0", "1.2.0"]
app_name = "algo"
engine_versions = ["3.0", "3.1"]

[[retired]]
tag = 9700
value = "PWRPEG"
note = "power peg"

[[retired]]
tag = 9800
)",
                        "m.toml");
}

TEST(DefaultManifest, LoadsAndApprovesTheDemoEngines) {
  const Manifest m = load_manifest(kSrc + "/config/manifest.toml");
  EXPECT_EQ(m.gateway.version, "0.1.0");
  EXPECT_EQ(m.gateway.build_digest, "any");
  for (const char* sender : {"ENGINE1", "ENGINE2"}) {
    const EngineApproval* e = m.find_engine(sender, "127.0.0.1");
    ASSERT_NE(e, nullptr) << sender;
    EXPECT_EQ(e->app_name, "engine-sim");
    EXPECT_TRUE(m.engine_approved_for_gateway(*e, m.gateway.version));
  }
  const RetiredValue* r = m.find_retired(9700, "PWRPEG");
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->note.empty());
  EXPECT_EQ(m.find_retired(9700, "PEG"), nullptr);
}

TEST(Manifest, HostSpecificApprovalWinsOverHostless) {
  const Manifest m = sample();
  ASSERT_NE(m.find_engine("ENGINE1", "10.0.0.9"), nullptr);
  EXPECT_EQ(m.find_engine("ENGINE1", "10.0.0.9")->version, "3.0");
  EXPECT_EQ(m.find_engine("ENGINE1", "10.0.0.1")->version, "3.1");
  EXPECT_EQ(m.find_engine("ENGINE1", "")->version, "3.1");
  EXPECT_EQ(m.find_engine("ENGINE7", "10.0.0.9"), nullptr);
}

TEST(Manifest, StoresDigestsLowercase) {
  const Manifest m = sample();
  EXPECT_EQ(m.engines[0].build_digest, std::string(64, 'b'));
  EXPECT_TRUE(digest_matches(m.engines[0].build_digest, std::string(64, 'B')));
  EXPECT_TRUE(digest_matches("any", "whatever"));
  EXPECT_FALSE(digest_matches(kDigestA, kDigestB));
  EXPECT_FALSE(digest_matches(kDigestA, ""));
}

TEST(Manifest, CompatibilityNeedsBothTheEngineAndTheGatewayVersion) {
  const Manifest m = sample();
  const EngineApproval& e = m.engines[0];
  EXPECT_TRUE(m.engine_approved_for_gateway(e, "1.2.0"));
  EXPECT_TRUE(m.engine_approved_for_gateway(e, "1.1.0"));
  EXPECT_FALSE(m.engine_approved_for_gateway(e, "2.0.0"));
  EngineApproval other = e;
  other.version = "4.0";
  EXPECT_FALSE(m.engine_approved_for_gateway(other, "1.2.0"));
  other = e;
  other.app_name = "other";
  EXPECT_FALSE(m.engine_approved_for_gateway(other, "1.2.0"));
}

TEST(Manifest, RetiredTagWithoutValueMatchesEveryValue) {
  const Manifest m = sample();
  EXPECT_NE(m.find_retired(9800, "anything"), nullptr);
  EXPECT_NE(m.find_retired(9700, "PWRPEG"), nullptr);
  EXPECT_EQ(m.find_retired(9700, "OTHER"), nullptr);
  EXPECT_EQ(m.find_retired(9701, "PWRPEG"), nullptr);
}

TEST(Manifest, FindRetiredComparesAfterNormalisingCaseAndWhitespace) {
  const Manifest m = sample();
  for (const char* v : {"PWRPEG", "pwrpeg", "PwrPeg", " PWRPEG", "PWRPEG ", " PwrPeg ",
                        "\tpwrpeg\t", "PWR PEG", "Pwr\t Peg\r\n"}) {
    const RetiredValue* r = m.find_retired(9700, v);
    ASSERT_NE(r, nullptr) << v;
    EXPECT_EQ(r->note, "power peg");
  }
  for (const char* v : {"PWRPEGX", "PWR-PEG", "PWR\xC2\xA0PEG", "   "})
    EXPECT_EQ(m.find_retired(9700, v), nullptr) << v;
}

TEST(Manifest, StoresRetiredValuesNormalised) {
  const Manifest m = parse_manifest(R"(test_setup = true
[gateway]
version = "1.0"
build_digest = "any"
config_digest = "any"

[[retired]]
tag = 9700
value = "  pwr\tPeg "
)",
                                    "m.toml");
  ASSERT_EQ(m.retired.size(), 1u);
  EXPECT_EQ(m.retired[0].value, "PWRPEG");
  EXPECT_NE(m.find_retired(9700, "PWRPEG"), nullptr);
}

TEST(Manifest, RetiredTagWithoutValueMatchesEveryValueInAnySpelling) {
  const Manifest m = sample();
  for (const char* v : {"1", "pwrpeg", " x ", "\t"})
    EXPECT_NE(m.find_retired(9800, v), nullptr) << v;
}

TEST(Manifest, VerifiesADeclaredIdentity) {
  const Manifest m = sample();
  const std::string digest(64, 'b');
  std::string why;
  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "3.1", "acme", digest}, "1.2.0", &why),
            IdentityVerdict::kApproved);

  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "3.0", "acme", digest}, "1.2.0", &why),
            IdentityVerdict::kWrongVersion);
  EXPECT_EQ(why,
            "TradingSystemVersion(1604) \"3.0\" is not approved for ENGINE1 (expected \"3.1\")");

  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "3.1", "acme", kDigestA}, "1.2.0"),
            IdentityVerdict::kWrongDigest);
  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "3.1", "evil", digest}, "1.2.0"),
            IdentityVerdict::kWrongVendor);
  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algx", "3.1", "acme", digest}, "1.2.0"),
            IdentityVerdict::kWrongAppName);
  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "3.1", "acme", digest}, "9.9.9", &why),
            IdentityVerdict::kIncompatibleWithGateway);
  EXPECT_EQ(why, "algo 3.1 is not approved with riskgate 9.9.9");

  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.1", {"algo", "", "acme", ""}, "1.2.0", &why),
            IdentityVerdict::kMissing);
  EXPECT_EQ(why, "Logon does not declare TradingSystemVersion(1604), build digest");

  EXPECT_EQ(m.verify_engine("ENGINE9", "10.0.0.1", {"algo", "3.1", "acme", digest}, "1.2.0", &why),
            IdentityVerdict::kUnknownEngine);
  EXPECT_CONTAINS(why, "ENGINE9");
  // "any" digest: the digest tag may be absent.
  EXPECT_EQ(m.verify_engine("ENGINE1", "10.0.0.9", {"algo", "3.0", "acme", ""}, "1.2.0"),
            IdentityVerdict::kApproved);
}

TEST(ManifestErrors, BadDigestNamesFileLineAndKey) {
  try {
    (void)load_manifest(kSrc + "/tests/config/data/manifest_bad_digest.toml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(),
                    "manifest_bad_digest.toml:12: engine \"ENGINE1\": build_digest: must "
                    "be a SHA-256 as 64 hex characters; got \"abc123\"");
  }
}

TEST(ManifestErrors, MissingKeysUnknownKeysAndDuplicatesAreReported) {
  const auto msg = manifest_error_of(R"([gateway]
version = "1.0"
build_digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

[[engine]]
sender_comp_id = "E1"
app_name = "a"
version = "1"
vendor = "v"
build_digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
verison = "2"

[[engine]]
sender_comp_id = "E1"
app_name = "a"
version = "2"
vendor = "v"
build_digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

[[compatibility]]
app_name = "a"
gateway_versions = []
engine_versions = ["1"]

[[retired]]
value = "X"
)");
  EXPECT_CONTAINS(msg, "m.toml:1: gateway: config_digest: required key missing");
  EXPECT_CONTAINS(msg, "m.toml:11: engine \"E1\": verison: unknown key (did you mean version?)");
  EXPECT_CONTAINS(msg,
                  "m.toml:14: engine \"E1\": sender_comp_id: a second approval for the same "
                  "SenderCompID and host (first at line 5)");
  EXPECT_CONTAINS(msg, "m.toml:22: compatibility \"a\": gateway_versions: must list at least one");
  EXPECT_CONTAINS(msg, "m.toml:25: retired #1: tag: required key missing");
}

const std::string kGatewayOnly = R"([gateway]
version = "1.0"
build_digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
config_digest = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)";

TEST(ManifestErrors, ARetiredValueThatDiffersOnlyInCaseOrSpacingIsADuplicate) {
  const auto msg = manifest_error_of(kGatewayOnly + R"(
[[retired]]
tag = 9700
value = "PWRPEG"

[[retired]]
tag = 9700
value = " pwr peg"
)");
  EXPECT_CONTAINS(msg,
                  "m.toml:12: retired #2: value: duplicate retired entry: tag 9700 value "
                  "\"PWRPEG\" (after normalising case and whitespace) is already retired at "
                  "line 6");
}

TEST(ManifestErrors, TheSameRetiredValueOnDifferentTagsIsNotADuplicate) {
  const Manifest m = parse_manifest(kGatewayOnly + R"(
[[retired]]
tag = 9700
value = "PWRPEG"

[[retired]]
tag = 9701
value = "pwrpeg"
)",
                                    "m.toml");
  EXPECT_EQ(m.retired.size(), 2u);
}

TEST(ManifestErrors, ASecondWholeTagRetirementIsADuplicate) {
  EXPECT_CONTAINS(
      manifest_error_of(kGatewayOnly + "[[retired]]\ntag = 9800\n[[retired]]\ntag = 9800\n"),
      "retired #2: tag: duplicate retired entry: tag 9800 every value is already "
      "retired at line 5");
}

TEST(ManifestErrors, ARetiredValueThatIsEmptyAfterNormalisingIsRefused) {
  for (const char* v : {"   ", "\\t", " \\t \\r\\n "}) {
    const auto msg =
        manifest_error_of(kGatewayOnly + "[[retired]]\ntag = 9700\nvalue = \"" + v + "\"\n");
    EXPECT_CONTAINS(msg, "m.toml:7: retired #1: value: ");
    EXPECT_CONTAINS(msg, "is empty after removing whitespace (omit value to retire every value)");
  }
  EXPECT_CONTAINS(manifest_error_of(kGatewayOnly + "[[retired]]\ntag = 9700\nvalue = \"\"\n"),
                  "m.toml:7: retired #1: value: must not be empty (omit it to retire every value)");
}

TEST(ManifestErrors, ARetiredValueWithANonAsciiOrControlByteIsRefused) {
  // A non-breaking space pasted from a document, and an escaped DEL.
  for (const char* v : {"PWR\xC2\xA0PEG", "PWRPEG\\u007F"}) {
    EXPECT_CONTAINS(
        manifest_error_of(kGatewayOnly + "[[retired]]\ntag = 9700\nvalue = \"" + v + "\"\n"),
        "value: \"PWR");
    EXPECT_CONTAINS(
        manifest_error_of(kGatewayOnly + "[[retired]]\ntag = 9700\nvalue = \"" + v + "\"\n"),
        "must be printable ASCII");
  }
}

TEST(ManifestErrors, MissingGatewayTableIsReported) {
  EXPECT_CONTAINS(manifest_error_of("[[retired]]\ntag = 1\n"),
                  "m.toml: gateway: required table [gateway] missing");
}

// A minimal manifest for the rules of issue 12 (one verifier for every caller).
std::string gateway_table(const std::string& config_digest = "any") {
  return "test_setup = true\n[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"" + kDigestA +
         "\"\nconfig_digest = \"" + config_digest + "\"\n";
}
std::string engine(const std::string& version = "1.0.0") {
  return "[[engine]]\nsender_comp_id = \"ENGINE1\"\napp_name = \"engine-sim\"\nversion = \"" +
         version + "\"\nvendor = \"riskgate\"\nbuild_digest = \"any\"\n";
}
const std::string kCompatibility =
    "[[compatibility]]\ngateway_versions = [\"0.1.0\"]\napp_name = \"engine-sim\"\n"
    "engine_versions = [\"1.0.0\"]\n";

TEST(ManifestRules, NoCompatibilitySectionApprovesNoEngineAndSaysSo) {
  const Manifest m = parse_manifest(gateway_table() + engine(), "m.toml");
  std::string why;
  EXPECT_EQ(m.verify_engine("ENGINE1", "", {"engine-sim", "1.0.0", "riskgate", ""}, "0.1.0", &why),
            IdentityVerdict::kIncompatibleWithGateway);
  EXPECT_NE(why.find("no [[compatibility]] section"), std::string::npos) << why;
}

TEST(ManifestRules, DuplicateApprovalsAndMalformedDigestsAreConfigErrorsNamingTheKey) {
  try {
    (void)parse_manifest(gateway_table() + engine() + engine("2.0.0") + kCompatibility, "m.toml");
    ADD_FAILURE() << "a duplicate approval was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a second approval for the same SenderCompID"),
              std::string::npos)
        << e.what();
  }
  try {
    (void)parse_manifest(gateway_table("not-a-digest") + engine() + kCompatibility, "m.toml");
    ADD_FAILURE() << "a malformed digest was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("config_digest: must be a SHA-256 as 64 hex characters"),
              std::string::npos)
        << e.what();
  }
}

TEST(ManifestRules, TheDeploymentVerdictNamesEachDigestThatIsNotApproved) {
  const Manifest m = parse_manifest(gateway_table(kDigestB) + engine() + kCompatibility, "m.toml");
  EXPECT_TRUE(m.verify_deployment(kDigestA, kDigestB).ok());
  EXPECT_TRUE(m.config_approved(kDigestB));
  const DeploymentVerdict v = m.verify_deployment(std::string(64, '0'), "");
  EXPECT_FALSE(v.binary_ok);
  EXPECT_FALSE(v.config_ok);
  EXPECT_EQ(v.reason, "binary sha256 " + std::string(64, '0') + " is not the approved " + kDigestA +
                          "; config sha256 <none> is not the approved " + kDigestB);
}

}  // namespace
}  // namespace riskgate::config
