// EngineSecretsFile (gateway/control/engine_secrets.hpp), the owner-only
// check shared with AdminTokensFile, and `riskgatectl engine-secret`.
#include "gateway/control/engine_secrets.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "gateway/control/admin_server.hpp"
#include "gateway/control/ctl_engine_secret.hpp"
#include "gateway/control/private_file.hpp"
#include "tests/gateway/control/temp_dir.hpp"

namespace riskgate::control {
namespace {

// The floor: tests hash many times; strength is not what they check.
constexpr std::uint32_t kFast = kMinPbkdf2Iterations;

std::string write(const std::filesystem::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  ::chmod(p.c_str(), mode);
  return p.string();
}

std::string what_of_load(const std::string& path) {
  try {
    (void)EngineSecrets::load(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "loaded";
}

std::string what_of_parse(const std::string& text) {
  try {
    (void)EngineSecrets::parse(text, "secrets");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "parsed";
}

TEST(EngineSecrets, AnEntryVerifiesItsOwnPasswordAndUsernameOnly) {
  const auto s =
      EngineSecrets::parse(make_engine_secret_line("ENGINE1", "e1", "s3cret", kFast), "t");
  const EngineSecret* e = s.find("ENGINE1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->username, "e1");
  EXPECT_EQ(e->iterations, kFast);
  EXPECT_TRUE(verify_engine_password(*e, "e1", "s3cret"));
  EXPECT_FALSE(verify_engine_password(*e, "e1", "s3cret "));
  EXPECT_FALSE(verify_engine_password(*e, "e1", "S3cret"));
  EXPECT_FALSE(verify_engine_password(*e, "e2", "s3cret"));
  EXPECT_FALSE(verify_engine_password(*e, "e1", ""));
  EXPECT_EQ(s.find("ENGINE2"), nullptr);
}

TEST(EngineSecrets, TheFileHoldsASaltedHashNeverThePassword) {
  const std::string a = make_engine_secret_line("ENGINE1", "e1", "s3cret", kFast);
  const std::string b = make_engine_secret_line("ENGINE1", "e1", "s3cret", kFast);
  EXPECT_EQ(a.find("s3cret"), std::string::npos);
  EXPECT_EQ(a.rfind("ENGINE1 e1 pbkdf2-sha256 1000 ", 0), 0u) << a;
  // A fresh random salt per entry: the same password never hashes alike.
  EXPECT_NE(a, b);
  const auto sa = EngineSecrets::parse(a, "t");
  const auto sb = EngineSecrets::parse(b, "t");
  EXPECT_NE(sa.entries()[0].salt, sb.entries()[0].salt);
  EXPECT_NE(sa.entries()[0].hash, sb.entries()[0].hash);
}

TEST(EngineSecrets, AKnownVectorMatchesPbkdf2HmacSha256) {
  // Computed independently with
  // `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:passwd
  //  -kdfopt hexsalt:000102030405060708090a0b0c0d0e0f -kdfopt iter:1000 PBKDF2`
  // (and Python's hashlib.pbkdf2_hmac), so the file is portable to other tools.
  const auto s = EngineSecrets::parse(
      "E u pbkdf2-sha256 1000 000102030405060708090a0b0c0d0e0f "
      "7853e4b9a879d4d50cfbd6b4f2ad8a6dcf6004ff4546d71d98548d3ef52a8615",
      "t");
  ASSERT_EQ(s.entries().size(), 1u);
  EXPECT_TRUE(verify_engine_password(s.entries()[0], "u", "passwd"));
}

TEST(EngineSecrets, CommentsAndBlankLinesAreSkippedAndEntriesKeepTheirOrder) {
  const std::string text = "# engines\n\n" + make_engine_secret_line("A", "a", "pa", kFast) +
                           "\r\n   \n" + make_engine_secret_line("B", "b", "pb", 2000) + "\n";
  const auto s = EngineSecrets::parse(text, "t");
  ASSERT_EQ(s.entries().size(), 2u);
  EXPECT_EQ(s.entries()[1].session, "B");
  EXPECT_EQ(s.entries()[1].iterations, 2000u);
  EXPECT_TRUE(verify_engine_password(*s.find("A"), "a", "pa"));
  EXPECT_TRUE(verify_engine_password(*s.find("B"), "b", "pb"));
}

TEST(EngineSecrets, MalformedEntriesAreRefusedWithTheirLine) {
  const std::string salt = "000102030405060708090a0b0c0d0e0f";
  const std::string hash(64, 'a');
  EXPECT_EQ(what_of_parse("A a pbkdf2-sha256 1000 " + salt),
            "secrets:1: expected \"<session> <username> pbkdf2-sha256 <iterations> <salt> "
            "<hash>\", got 5 fields");
  EXPECT_EQ(what_of_parse("\nA a sha1 1000 " + salt + " " + hash),
            "secrets:2: unsupported scheme \"sha1\" (expected pbkdf2-sha256)");
  EXPECT_EQ(what_of_parse("A a pbkdf2-sha256 999 " + salt + " " + hash),
            "secrets:1: iterations must be 1000..5000000, got \"999\"");
  EXPECT_EQ(what_of_parse("A a pbkdf2-sha256 1k " + salt + " " + hash),
            "secrets:1: iterations must be 1000..5000000, got \"1k\"");
  EXPECT_EQ(what_of_parse("A a pbkdf2-sha256 1000 0011 " + hash),
            "secrets:1: salt must be 32 hex digits");
  EXPECT_EQ(what_of_parse("A a pbkdf2-sha256 1000 " + salt + " " + std::string(63, 'a') + "g"),
            "secrets:1: hash must be 64 hex digits");
  const std::string line = "A a pbkdf2-sha256 1000 " + salt + " " + hash + "\n";
  EXPECT_EQ(what_of_parse(line + line), "secrets:2: session \"A\" has a second entry");
}

TEST(EngineSecrets, MakingAnEntryRefusesWhatTheFileCouldNotHold) {
  EXPECT_THROW((void)make_engine_secret_line("", "u", "p", kFast), std::invalid_argument);
  EXPECT_THROW((void)make_engine_secret_line("A B", "u", "p", kFast), std::invalid_argument);
  EXPECT_THROW((void)make_engine_secret_line("A", "u v", "p", kFast), std::invalid_argument);
  EXPECT_THROW((void)make_engine_secret_line("A", "u", "", kFast), std::invalid_argument);
  EXPECT_THROW((void)make_engine_secret_line("A", "u", "p", 10), std::invalid_argument);
}

TEST(EngineSecrets, AFileOthersCanReadIsRefusedNamingItsMode) {
  testing::TempDir dir;
  const std::string line = make_engine_secret_line("ENGINE1", "e1", "pw", kFast) + "\n";
  const std::string open = write(dir.path() / "world", line, 0644);
  EXPECT_EQ(what_of_load(open), "EngineSecretsFile: " + open +
                                    " has mode 0644: it holds secrets and must not be accessible "
                                    "to group or others (chmod 600 " +
                                    open + ")");
  const std::string group = write(dir.path() / "group", line, 0640);
  EXPECT_NE(what_of_load(group).find("has mode 0640"), std::string::npos);
  const std::string mine = write(dir.path() / "mine", line, 0600);
  EXPECT_EQ(what_of_load(mine), "loaded");
  EXPECT_NE(what_of_load((dir.path() / "missing").string()).find("cannot read"), std::string::npos);
}

TEST(AdminTokensFile, AFileOthersCanReadIsRefusedNamingItsMode) {
  testing::TempDir dir;
  const std::string text =
      "[[token]]\nname = \"op\"\nrole = \"operator\"\ntoken = \"0123456789abcdefgh\"\n";
  const std::string open = write(dir.path() / "tokens.toml", text, 0644);
  try {
    (void)load_api_tokens(open);
    FAIL() << "a 0644 token file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("AdminTokensFile: " + open + " has mode 0644", 0), 0u)
        << e.what();
  }
  ::chmod(open.c_str(), 0600);
  EXPECT_EQ(load_api_tokens(open).size(), 1u);
}

TEST(RiskgatectlEngineSecret, PrintsAnEntryForThePasswordOnStdin) {
  std::istringstream in("pa ss\n");
  std::ostringstream out, err;
  EngineSecretRequest r;
  r.session = "ENGINE1";
  r.iterations = kFast;
  ASSERT_EQ(run_engine_secret(r, in, out, err), 0) << err.str();
  const auto s = EngineSecrets::parse(out.str(), "out");
  ASSERT_NE(s.find("ENGINE1"), nullptr);
  EXPECT_EQ(s.find("ENGINE1")->username, "ENGINE1");  // Default: the session name.
  EXPECT_TRUE(verify_engine_password(*s.find("ENGINE1"), "ENGINE1", "pa ss"));
}

TEST(RiskgatectlEngineSecret, AppendsToAPrivateFileAndRefusesASecondEntry) {
  testing::TempDir dir;
  const std::string file = (dir.path() / "engines.secrets").string();
  EngineSecretRequest r;
  r.session = "ENGINE1";
  r.username = "e1";
  r.iterations = kFast;
  r.file = file;
  std::ostringstream out, err;
  std::istringstream in1("one\n");
  ASSERT_EQ(run_engine_secret(r, in1, out, err), 0) << err.str();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::istringstream in2("two\n");
  EXPECT_EQ(run_engine_secret(r, in2, out, err), 64);
  EXPECT_NE(err.str().find("already has an entry for ENGINE1"), std::string::npos) << err.str();
  r.session = "ENGINE2";
  std::istringstream in3("two\n");
  ASSERT_EQ(run_engine_secret(r, in3, out, err), 0) << err.str();
  const auto s = EngineSecrets::load(file);
  EXPECT_TRUE(verify_engine_password(*s.find("ENGINE1"), "e1", "one"));
  EXPECT_TRUE(verify_engine_password(*s.find("ENGINE2"), "e1", "two"));
}

TEST(RiskgatectlEngineSecret, RefusesToAppendToAFileOthersCanRead) {
  testing::TempDir dir;
  const std::string file = write(dir.path() / "s", "", 0644);
  EngineSecretRequest r;
  r.session = "ENGINE1";
  r.iterations = kFast;
  r.file = file;
  std::istringstream in("pw\n");
  std::ostringstream out, err;
  EXPECT_EQ(run_engine_secret(r, in, out, err), 64);
  EXPECT_NE(err.str().find("has mode 0644"), std::string::npos) << err.str();
}

TEST(RiskgatectlEngineSecret, NoPasswordOnStdinIsAUsageError) {
  std::istringstream in("");
  std::ostringstream out, err;
  EngineSecretRequest r;
  r.session = "ENGINE1";
  EXPECT_EQ(run_engine_secret(r, in, out, err), 64);
}

}  // namespace
}  // namespace riskgate::control
