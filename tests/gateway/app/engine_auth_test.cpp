// Who may log on as an engine session (gateway/app/engine_auth.hpp): the
// peer's address and the Logon's Username/Password. No sockets.
#include "gateway/app/engine_auth.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace riskgate::app {
namespace {

using V = EngineAuth::Verdict;
constexpr std::int64_t kSec = 1'000'000'000;

class SecretsFile {
 public:
  explicit SecretsFile(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("riskgate-engine-auth-" + std::to_string(::getpid()) + "-" + std::to_string(n_++));
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
    ::chmod(path_.c_str(), 0600);
  }
  ~SecretsFile() { std::filesystem::remove(path_); }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  static inline int n_ = 0;
  std::filesystem::path path_;
};

config::Config two_engines_and_an_exchange(const std::string& secrets_file) {
  config::Config c;
  c.gateway.engine_secrets_file = secrets_file;
  for (const char* name : {"ENGINE1", "ENGINE2", "EXCH"}) {
    config::SessionDef d;
    d.name = name;
    d.connection_type = std::string(name) == "EXCH" ? config::ConnectionType::kInitiator
                                                    : config::ConnectionType::kAcceptor;
    c.sessions.push_back(d);
  }
  return c;
}

TEST(EngineAuthAddress, ASessionWithoutAllowedAddressesTakesAnyPeer) {
  const auto cfg = two_engines_and_an_exchange("");
  const EngineAuth auth(cfg);
  const std::array<std::uint8_t, 4> peer{192, 0, 2, 7};
  EXPECT_EQ(auth.check_address(0, peer), V::kOk);
}

TEST(EngineAuthAddress, OnlyListedAddressesAndBlocksPass) {
  auto cfg = two_engines_and_an_exchange("");
  cfg.sessions[0].allowed_remote_addresses = {*config::parse_address_range("127.0.0.2"),
                                              *config::parse_address_range("10.1.0.0/16")};
  const EngineAuth auth(cfg);
  EXPECT_EQ(auth.check_address(0, std::array<std::uint8_t, 4>{127, 0, 0, 2}), V::kOk);
  EXPECT_EQ(auth.check_address(0, std::array<std::uint8_t, 4>{10, 1, 200, 3}), V::kOk);
  EXPECT_EQ(auth.check_address(0, std::array<std::uint8_t, 4>{127, 0, 0, 1}),
            V::kAddressNotAllowed);
  EXPECT_EQ(auth.check_address(0, std::array<std::uint8_t, 4>{10, 2, 0, 1}), V::kAddressNotAllowed);
  // A dual-stack listener sees an IPv4 peer as ::ffff:a.b.c.d.
  std::array<std::uint8_t, 16> mapped{};
  mapped[10] = mapped[11] = 0xff;
  mapped[12] = 127;
  mapped[15] = 2;
  EXPECT_EQ(auth.check_address(0, mapped), V::kOk);
  mapped[15] = 1;
  EXPECT_EQ(auth.check_address(0, mapped), V::kAddressNotAllowed);
  // The other engine session has no list.
  EXPECT_EQ(auth.check_address(1, std::array<std::uint8_t, 4>{127, 0, 0, 1}), V::kOk);
}

TEST(EngineAuthAddress, MalformedRangesDoNotParse) {
  for (const char* bad :
       {"", "127.0.0", "10.1.2.3/16", "10.0.0.0/33", "::1/129", "host", "10.0.0.0/", "10.0.0.0/8x"})
    EXPECT_FALSE(config::parse_address_range(bad).has_value()) << bad;
  const auto v6 = config::parse_address_range("fd00::/8");
  ASSERT_TRUE(v6.has_value());
  std::array<std::uint8_t, 16> a{};
  a[0] = 0xfd;
  a[15] = 1;
  EXPECT_TRUE(v6->contains(a));
  a[0] = 0xfe;
  EXPECT_FALSE(v6->contains(a));
}

TEST(EngineAuthPassword, ASessionWithAnEntryNeedsItsUsernameAndPassword) {
  const SecretsFile f(control::make_engine_secret_line("ENGINE1", "e1", "right", 1000) + "\n");
  const auto cfg = two_engines_and_an_exchange(f.path());
  EngineAuth auth(cfg);
  EXPECT_EQ(auth.check_password(0, "", "", 0), V::kNoCredentials);
  EXPECT_EQ(auth.check_password(0, "e1", "", 0), V::kNoCredentials);
  EXPECT_EQ(auth.check_password(0, "e1", "right", 0), V::kOk);
  EXPECT_EQ(auth.check_password(0, "e2", "right", 2 * kSec), V::kBadCredentials);
  // ENGINE2 has no entry: no password asked, and a warning says so.
  EXPECT_EQ(auth.check_password(1, "", "", 0), V::kOk);
  ASSERT_EQ(auth.warnings().size(), 1u);
  EXPECT_NE(auth.warnings()[0].find("ENGINE2"), std::string::npos);
}

TEST(EngineAuthPassword, AWrongPasswordStopsFurtherGuessesForASecondButNotTheVerifiedOne) {
  const SecretsFile f(control::make_engine_secret_line("ENGINE1", "e1", "right", 1000) + "\n");
  const auto cfg = two_engines_and_an_exchange(f.path());
  EngineAuth auth(cfg);
  EXPECT_EQ(auth.check_password(0, "e1", "wrong", 10 * kSec), V::kBadCredentials);
  // Not even the right password is hashed during the backoff: it has never
  // been verified, and hashing is what a guesser would make us do.
  EXPECT_EQ(auth.check_password(0, "e1", "right", 10 * kSec + 1), V::kBackoff);
  EXPECT_EQ(auth.check_password(0, "e1", "right", 11 * kSec), V::kOk);
  EXPECT_EQ(auth.check_password(0, "e1", "guess", 12 * kSec), V::kBadCredentials);
  EXPECT_EQ(auth.check_password(0, "e1", "guess2", 12 * kSec + 1), V::kBackoff);
  // The password already verified still logs on during a backoff.
  EXPECT_EQ(auth.check_password(0, "e1", "right", 12 * kSec + 2), V::kOk);
}

TEST(EngineAuthPassword, AnEntryForNoAcceptorSessionIsRefusedAtStartup) {
  const SecretsFile exch(control::make_engine_secret_line("EXCH", "x", "pw", 1000) + "\n");
  const auto with_exch = two_engines_and_an_exchange(exch.path());
  EXPECT_THROW(EngineAuth{with_exch}, std::runtime_error);
  const SecretsFile typo(control::make_engine_secret_line("ENGNE1", "x", "pw", 1000) + "\n");
  const auto with_typo = two_engines_and_an_exchange(typo.path());
  EXPECT_THROW(EngineAuth{with_typo}, std::runtime_error);
}

TEST(EngineAuthPassword, ASecretsFileOthersCanReadIsRefusedAtStartup) {
  const SecretsFile f(control::make_engine_secret_line("ENGINE1", "e1", "pw", 1000) + "\n");
  ::chmod(f.path().c_str(), 0604);
  try {
    const auto cfg = two_engines_and_an_exchange(f.path());
    EngineAuth auth(cfg);
    FAIL() << "a 0604 secrets file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(f.path() + " has mode 0604"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace riskgate::app
