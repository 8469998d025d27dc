// Deployment attestations (issue 12, item 5): the strict parser and the one
// verifier, Manifest::verify_attestation, with each verdict and its reason.
#include "config/attestation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/address_range.hpp"
#include "config/manifest.hpp"
#include "tests/config/manifest_errors.hpp"
#include "tests/support/ed25519_key.hpp"

namespace riskgate::config {
namespace {

const std::string kBuild(64, 'e');
constexpr std::int64_t kRelease = 1'764'460'800;  // 2025-11-30T00:00:00Z
constexpr std::int64_t kNow = kRelease + 3600;

std::string manifest_text(const std::string& public_key_hex) {
  return "test_setup = true\n"
         "[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"any\"\nconfig_digest = \"any\"\n"
         "[[engine]]\nsender_comp_id = \"ENGINE1\"\napp_name = \"engine-sim\"\n"
         "version = \"0.1.0\"\nvendor = \"riskgate\"\nbuild_digest = \"" +
         kBuild +
         "\"\n"
         "[[compatibility]]\ngateway_versions = [\"0.1.0\"]\napp_name = \"engine-sim\"\n"
         "engine_versions = [\"0.1.0\", \"0.0.9\"]\n"
         "[attestation]\npublic_key = \"" +
         public_key_hex + "\"\nrelease_issued_at = \"2025-11-30T00:00:00Z\"\n";
}

class Attestations : public ::testing::Test {
 protected:
  Attestations() : m_(parse_manifest(manifest_text(key_.public_key_hex()), "m.toml")) {}

  static AttestationClaims claims() {
    return testing::engine1_claims("0.1.0", kBuild, kRelease + 60, 86400 - 60);
  }

  // What ENGINE1 declares at Logon from 127.0.0.1, unless a test changes it.
  AttestationVerdict verify(const std::string& line, std::string* reason,
                            DeclaredIdentity id = {"engine-sim", "0.1.0", "riskgate", kBuild},
                            std::int64_t now = kNow) const {
    return m_.verify_attestation("ENGINE1", "127.0.0.1", id, line, std::to_string(line.size()), now,
                                 "0.1.0", reason);
  }

  testing::Ed25519TestKey key_;
  Manifest m_;
};

TEST_F(Attestations, AValidAttestationIsAcceptedAndSaysWhatItAttests) {
  std::string why;
  EXPECT_EQ(verify(key_.attest(claims()), &why), AttestationVerdict::kOk) << why;
  EXPECT_CONTAINS(why, "engine-sim 0.1.0 on 127.0.0.1");
}

TEST_F(Attestations, TheHostMatchesHoweverTheAddressIsWrittenAndNoOtherAddress) {
  std::string why;
  const std::string line = key_.attest(claims());  // host=127.0.0.1
  DeclaredIdentity id{"engine-sim", "0.1.0", "riskgate", kBuild};
  // A dual-stack listener sees the IPv4 peer as an IPv4-mapped IPv6 address.
  EXPECT_EQ(m_.verify_attestation("ENGINE1", "::ffff:127.0.0.1", id, line,
                                  std::to_string(line.size()), kNow, "0.1.0", &why),
            AttestationVerdict::kOk)
      << why;
  EXPECT_EQ(m_.verify_attestation("ENGINE1", "::ffff:127.0.0.2", id, line,
                                  std::to_string(line.size()), kNow, "0.1.0", &why),
            AttestationVerdict::kWrongHost);
  EXPECT_TRUE(same_address("fd00::1", "FD00:0:0:0:0:0:0:1"));
  EXPECT_FALSE(same_address("fd00::1", "fd00::2"));
  EXPECT_TRUE(same_address("gw-host", "gw-host"));
  EXPECT_FALSE(same_address("gw-host", "127.0.0.1"));
}

TEST_F(Attestations, ASignerRefusesTimesTheParserCouldNotRead) {
  auto c = claims();
  c.expires_at = 1'000'000'000'000;  // 13 digits.
  EXPECT_THROW((void)attestation_payload(c), std::invalid_argument);
}

TEST_F(Attestations, TheLineHasTheDocumentedFieldsInTheirOrder) {
  const std::string line = key_.attest(claims());
  EXPECT_EQ(line.rfind("RGA1|comp=ENGINE1|host=127.0.0.1|app=engine-sim|ver=0.1.0|vendor=riskgate|"
                       "build=" +
                           kBuild + "|iat=1764460860|exp=1764547200|sig=",
                       0),
            0u)
      << line;
  ParsedAttestation p;
  ASSERT_TRUE(parse_attestation(line, p));
  EXPECT_EQ(p.signed_bytes, line.substr(0, line.find("|sig=")));
  EXPECT_EQ(p.claims.issued_at, 1764460860);
}

TEST_F(Attestations, AMissingAttestationIsRefusedAsMissing) {
  std::string why;
  EXPECT_EQ(verify("", &why), AttestationVerdict::kMissing);
  EXPECT_CONTAINS(why, "RawData(96)");
}

TEST_F(Attestations, ARawDataLengthThatDisagreesIsMalformed) {
  const std::string line = key_.attest(claims());
  std::string why;
  const DeclaredIdentity id{"engine-sim", "0.1.0", "riskgate", kBuild};
  EXPECT_EQ(m_.verify_attestation("ENGINE1", "127.0.0.1", id, line, "12", kNow, "0.1.0", &why),
            AttestationVerdict::kMalformed);
  EXPECT_CONTAINS(why, "RawDataLength(95) \"12\"");
  EXPECT_EQ(m_.verify_attestation("ENGINE1", "127.0.0.1", id, line, "", kNow, "0.1.0", &why),
            AttestationVerdict::kMalformed);
  EXPECT_CONTAINS(why, "RawDataLength(95) is absent");
}

TEST_F(Attestations, MalformedLinesAreRefusedAsMalformedWithTheReason) {
  const std::string good = key_.attest(claims());
  const std::string sig = good.substr(good.find("|sig=") + 5);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string line;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"garbage", "RGA1|"},
      {"RGA1", "RGA1|"},
      {with("RGA1|", "RGA2|"), "RGA1|"},
      {with("|host=127.0.0.1", ""), "field 2 is not host="},
      {with("|host=127.0.0.1", "|host=127.0.0.1|host=127.0.0.1"), "field 3 is not app="},
      {with("|app=engine-sim|ver=0.1.0", "|ver=0.1.0|app=engine-sim"), "field 3 is not app="},
      {with("|vendor=riskgate", "|vendor=riskgate|color=red"), "field 6 is not build="},
      {with("comp=", "Comp="), "field 1 is not comp="},
      {with("comp=ENGINE1", "comp ENGINE1"), "field 1 is not comp="},
      {good + "|extra=1", "unexpected data after sig"},
      {good + "\n", "sig is not an Ed25519 signature"},
      {with("comp=ENGINE1", "comp="), "comp is empty"},
      {with("app=engine-sim", "app=engine\x01sim"), "app holds a byte"},
      {with("vendor=riskgate", "vendor=risk\xC3\xA9gate"), "vendor holds a byte"},
      {with("iat=1764460860", "iat=-1764460860"), "iat is not unix seconds"},
      {with("iat=1764460860", "iat=+1764460860"), "iat is not unix seconds"},
      {with("iat=1764460860", "iat= 1764460860"), "iat is not unix seconds"},
      {with("iat=1764460860", "iat=1764460860.5"), "iat is not unix seconds"},
      {with("iat=1764460860", "iat=0001764460860"), "iat is not unix seconds"},
      {with("iat=1764460860", "iat="), "iat is not unix seconds"},
      {with("exp=1764547200", "exp=1e9"), "exp is not unix seconds"},
      {with("exp=1764547200", "exp=1764460860"), "exp is not after iat"},
      {with("build=" + kBuild, "build=" + kBuild.substr(1)), "build is not a SHA-256"},
      {with("build=" + kBuild, "build=" + std::string(64, 'E')), "build is not a SHA-256"},
      {with("build=" + kBuild, "build=" + std::string(64, 'g')), "build is not a SHA-256"},
      {with(sig, sig.substr(1)), "sig is not an Ed25519 signature"},
      {with(sig, std::string(128, 'A')), "sig is not an Ed25519 signature"},
      {with("|sig=", "|sig:"), "field 9 is not sig="},
      {with("|sig=" + sig, ""), "field 9 is not sig="},
      {with("vendor=riskgate", "vendor=" + std::string(kMaxAttestationBytes, 'v')), "longer than"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    ParsedAttestation p;
    std::string why;
    EXPECT_FALSE(parse_attestation(c.line, p, &why));
    EXPECT_CONTAINS(why, c.says);
    EXPECT_EQ(verify(c.line, &why), AttestationVerdict::kMalformed);
    EXPECT_CONTAINS(why, "attestation malformed");
  }
}

TEST_F(Attestations, AWrongSignatureIsRefusedAsBadSignature) {
  testing::Ed25519TestKey other;
  std::string why;
  EXPECT_EQ(verify(other.attest(claims()), &why), AttestationVerdict::kBadSignature);
  EXPECT_CONTAINS(why, "release key");
  // A field edited after signing: the signature no longer covers it.
  std::string edited = key_.attest(claims());
  edited.replace(edited.find("ver=0.1.0"), 9, "ver=0.1.1");
  EXPECT_EQ(verify(edited, &why, {"engine-sim", "0.1.1", "riskgate", kBuild}),
            AttestationVerdict::kBadSignature);
}

TEST_F(Attestations, AnAttestationForAnotherHostIsRefusedAsWrongHost) {
  AttestationClaims c = claims();
  c.host = "10.0.0.8";
  std::string why;
  EXPECT_EQ(verify(key_.attest(c), &why), AttestationVerdict::kWrongHost);
  EXPECT_CONTAINS(why, "host \"10.0.0.8\" but the engine connects from \"127.0.0.1\"");
}

TEST_F(Attestations, ATupleThatDiffersFromTheDeclaredIdentityIsAMismatchNamingTheField) {
  const std::string line = key_.attest(claims());
  // DeclaredIdentity holds views (of the Logon's bytes, in the gateway): the
  // strings it names must outlive it, so no temporaries below.
  const std::string other_build(64, 'f');
  struct Case {
    DeclaredIdentity id;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{"other-app", "0.1.0", "riskgate", kBuild}, "app (ApplicationSystemName(1603))"},
      {{"engine-sim", "0.2.0", "riskgate", kBuild}, "ver (TradingSystemVersion(1604))"},
      {{"engine-sim", "0.1.0", "acme", kBuild}, "vendor (ApplicationSystemVendor(1605))"},
      {{"engine-sim", "0.1.0", "riskgate", other_build}, "build"},
      {{"engine-sim", "0.1.0", "riskgate", ""}, "but the Logon declares none"},
  };
  for (const Case& c : cases) {
    std::string why;
    EXPECT_EQ(verify(line, &why, c.id), AttestationVerdict::kMismatch) << c.field;
    EXPECT_CONTAINS(why, c.field);
  }
  // The build digest compares like every digest: case does not matter.
  std::string upper = kBuild;
  for (char& ch : upper) ch = 'E';
  std::string why;
  EXPECT_EQ(verify(line, &why, {"engine-sim", "0.1.0", "riskgate", upper}), AttestationVerdict::kOk)
      << why;
  // An attestation for another engine is a mismatch of comp.
  AttestationClaims other = claims();
  other.comp = "ENGINE2";
  EXPECT_EQ(verify(key_.attest(other), &why), AttestationVerdict::kMismatch);
  EXPECT_CONTAINS(why, "comp \"ENGINE2\" is not \"ENGINE1\"");
}

TEST_F(Attestations, AnExpiredAttestationIsRefusedWithItsReason) {
  const std::string line = key_.attest(claims());
  std::string why;
  EXPECT_EQ(verify(line, &why, {"engine-sim", "0.1.0", "riskgate", kBuild}, kRelease + 86400),
            AttestationVerdict::kOk)
      << "valid up to and including exp";
  EXPECT_EQ(verify(line, &why, {"engine-sim", "0.1.0", "riskgate", kBuild}, kRelease + 86401),
            AttestationVerdict::kExpired);
  EXPECT_CONTAINS(why, "expired at 2025-12-01T00:00:00Z");
}

TEST_F(Attestations, AnAttestationIssuedInTheFutureBeyondTheClockSkewIsRefused) {
  AttestationClaims c = claims();
  c.issued_at = kNow + kAttestationClockSkewS;
  std::string why;
  EXPECT_EQ(verify(key_.attest(c), &why), AttestationVerdict::kOk) << why;
  c.issued_at = kNow + kAttestationClockSkewS + 1;
  EXPECT_EQ(verify(key_.attest(c), &why), AttestationVerdict::kExpired);
  EXPECT_CONTAINS(why, "is in the future");
}

TEST_F(Attestations, OneFromThePreviousReleaseIsRefusedAsPreviousRelease) {
  AttestationClaims c = claims();
  c.issued_at = kRelease - 1;
  std::string why;
  EXPECT_EQ(verify(key_.attest(c), &why), AttestationVerdict::kPreviousRelease);
  EXPECT_CONTAINS(why, "predates release_issued_at 2025-11-30T00:00:00Z");
  c.issued_at = kRelease;
  EXPECT_EQ(verify(key_.attest(c), &why), AttestationVerdict::kOk) << why;
}

TEST_F(Attestations, ASignedIdentityTheManifestDoesNotApproveIsNotApproved) {
  AttestationClaims c = claims();
  c.version = "0.0.9";  // Compatible, but ENGINE1's approval is 0.1.0.
  std::string why;
  EXPECT_EQ(verify(key_.attest(c), &why, {"engine-sim", "0.0.9", "riskgate", kBuild}),
            AttestationVerdict::kNotApproved);
  EXPECT_CONTAINS(why, "TradingSystemVersion(1604) \"0.0.9\" is not approved");
}

TEST_F(Attestations, VerdictsHaveStableRuleNames) {
  EXPECT_EQ(to_string(AttestationVerdict::kOk), "attestation_ok");
  EXPECT_EQ(to_string(AttestationVerdict::kMissing), "attestation_missing");
  EXPECT_EQ(to_string(AttestationVerdict::kMalformed), "attestation_malformed");
  EXPECT_EQ(to_string(AttestationVerdict::kBadSignature), "attestation_bad_signature");
  EXPECT_EQ(to_string(AttestationVerdict::kWrongHost), "attestation_wrong_host");
  EXPECT_EQ(to_string(AttestationVerdict::kMismatch), "attestation_mismatch");
  EXPECT_EQ(to_string(AttestationVerdict::kExpired), "attestation_expired");
  EXPECT_EQ(to_string(AttestationVerdict::kPreviousRelease), "attestation_previous_release");
  EXPECT_EQ(to_string(AttestationVerdict::kNotApproved), "attestation_not_approved");
}

TEST(AttestationPayload, RefusesFieldsTheParserWouldRefuse) {
  AttestationClaims c;
  c.comp = "E|1";
  c.host = "h";
  c.app = "a";
  c.version = "1";
  c.vendor = "v";
  c.build = kBuild;
  c.issued_at = 1;
  c.expires_at = 2;
  EXPECT_THROW((void)attestation_payload(c), std::invalid_argument);
  c.comp = "E1";
  c.expires_at = 1;
  EXPECT_THROW((void)attestation_payload(c), std::invalid_argument);
}

TEST(AttestationManifest, WithoutTheSectionNoAttestationIsRequired) {
  const Manifest m = parse_manifest(
      "test_setup = true\n[gateway]\nversion = \"1\"\nbuild_digest = \"any\"\n"
      "config_digest = \"any\"\n",
      "m.toml");
  EXPECT_FALSE(m.attestation.has_value());
  EXPECT_EQ(m.verify_attestation("E", "h", {}, "", "", 0, "1"), AttestationVerdict::kOk);
}

TEST(AttestationManifest, TheSectionAcceptsUnixSecondsAnRfc3339StringOrADateTime) {
  const std::string head =
      "test_setup = true\n[gateway]\nversion = \"1\"\nbuild_digest = \"any\"\n"
      "config_digest = \"any\"\n[attestation]\npublic_key = \"" +
      std::string(64, 'A') + "\"\n";
  for (const std::string t : {"1764460800", "\"2025-11-30T00:00:00Z\"", "2025-11-30T00:00:00Z",
                              "2025-11-30T01:00:00+01:00"}) {
    const Manifest m = parse_manifest(head + "release_issued_at = " + t + "\n", "m.toml");
    ASSERT_TRUE(m.attestation) << t;
    EXPECT_EQ(m.attestation->release_issued_at, kRelease) << t;
    EXPECT_EQ(m.attestation->public_key_hex, std::string(64, 'a'));
    EXPECT_EQ(m.attestation->public_key[0], 0xaa);
  }
}

using test_support::manifest_error_of;

TEST(AttestationManifest, ABadSectionIsAnErrorNamingTheLineAndKey) {
  const std::string head =
      "test_setup = true\n[gateway]\nversion = \"1\"\nbuild_digest = \"any\"\n"
      "config_digest = \"any\"\n[attestation]\n";
  EXPECT_CONTAINS(manifest_error_of(head + "public_key = \"abc\"\nrelease_issued_at = 1\n"),
                  "m.toml:7: attestation: public_key: must be the release key's raw Ed25519 "
                  "public key as 64 hex characters");
  EXPECT_CONTAINS(manifest_error_of(head + "public_key = \"" + std::string(64, 'a') + "\"\n"),
                  "attestation: release_issued_at: required key missing");
  EXPECT_CONTAINS(manifest_error_of(head + "public_key = \"" + std::string(64, 'a') +
                                    "\"\nrelease_issued_at = \"yesterday\"\n"),
                  "m.toml:8: attestation: release_issued_at: expected unix seconds");
  EXPECT_CONTAINS(manifest_error_of(head + "public_key = \"" + std::string(64, 'a') +
                                    "\"\nrelease_issued_at = 2025-11-30T00:00:00\n"),
                  "release_issued_at: expected unix seconds");  // No offset: which zone?
  EXPECT_CONTAINS(manifest_error_of(head + "public_key = \"" + std::string(64, 'a') +
                                    "\"\nrelease_issued_at = 1\nkey = \"x\"\n"),
                  "attestation: key: unknown key");
}

TEST(AttestationManifest, AnyIsRefusedUnlessTheManifestIsATestSetup) {
  const std::string body =
      "[gateway]\nversion = \"1\"\nbuild_digest = \"any\"\nconfig_digest = \"" +
      std::string(64, 'c') +
      "\"\n[[engine]]\nsender_comp_id = \"E1\"\napp_name = \"a\"\nversion = \"1\"\n"
      "vendor = \"v\"\nbuild_digest = \"any\"\n";
  const std::string msg = manifest_error_of(body);
  EXPECT_CONTAINS(msg, "m.toml:3: gateway: build_digest: \"any\" is refused in a release manifest");
  EXPECT_CONTAINS(msg, "set test_setup = true");
  EXPECT_CONTAINS(msg, "m.toml:10: engine \"E1\": build_digest: \"any\" is refused");
  EXPECT_CONTAINS(manifest_error_of("test_setup = false\n" + body), "\"any\" is refused");
  const Manifest m = parse_manifest("test_setup = true\n" + body, "m.toml");
  EXPECT_TRUE(m.test_setup);
  EXPECT_EQ(m.gateway.build_digest, "any");
}

TEST(UtcTime, ParsesUnixSecondsAndRfc3339UtcOnly) {
  EXPECT_EQ(parse_utc_time("0"), 0);
  EXPECT_EQ(parse_utc_time("1764460800"), kRelease);
  EXPECT_EQ(parse_utc_time("2025-11-30T00:00:00Z"), kRelease);
  EXPECT_EQ(parse_utc_time("2024-02-29T12:00:00Z"), 1709208000);
  for (const char* bad :
       {"", "-1", "2025-11-30", "2025-11-30T00:00:00", "2025-11-30T00:00:00+00:00",
        "2025-02-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-11-30 00:00:00Z",
        "1969-12-31T23:59:59Z", "now"})
    EXPECT_FALSE(parse_utc_time(bad).has_value()) << bad;
  EXPECT_EQ(format_utc_time(kRelease), "2025-11-30T00:00:00Z");
}

}  // namespace
}  // namespace riskgate::config
