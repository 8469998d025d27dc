// `riskgate --print-config` as a process: what an operator runs. The printer
// itself is tested in tests/config/print_config_test.cpp; here the binary's
// output, header and exit codes.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/print_config.hpp"
#include "gateway/control/build_info.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace riskgate {
namespace {

using namespace std::chrono_literals;

const std::string kSrc = RISKGATE_SOURCE_DIR;

struct GatewayRun {
  int exit_code = -1;
  std::string output;  // stdout, or stdout + stderr when merged.
};

GatewayRun run_gateway(const std::vector<std::string>& args, bool merge_stderr) {
  std::vector<std::string> argv{RISKGATE_GATEWAY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = testing::ChildProcess::spawn(argv, merge_stderr);
  child.drain(20s);
  GatewayRun r;
  r.exit_code = child.wait_exit(10s).value_or(-1);
  for (const auto& l : child.lines()) r.output += l + "\n";
  return r;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PrintConfigCli, TheShippedConfigPrintsAsTomlThatLoadsBackWithItsDigestAndBuild) {
  const std::string path = kSrc + "/config/riskgate.toml";
  const GatewayRun r = run_gateway({"--print-config", "-c", path}, false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NO_THROW((void)toml::parse(r.output)) << r.output;
  const config::Config back = config::parse_config(r.output, "printed.toml");
  EXPECT_EQ(back.sessions.size(), config::load_config(path).sessions.size());

  const std::string version = run_gateway({"--version"}, false).output;
  const std::string digest = control::sha256_hex(read(path));
  EXPECT_NE(r.output.find("# file:   " + path + "\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# sha256: " + digest + "\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# build:  " + version), std::string::npos) << r.output;
  // The binary prints what the printer prints for that file, nothing else.
  const std::string build_id = version.substr(0, version.find('\n'));
  EXPECT_EQ(r.output, config::print_config(config::load_config(path),
                                           config::PrintHeader{path, digest, build_id}));
}

TEST(PrintConfigCli, ABadConfigPrintsTheLoadersErrorsAndExitsLikeARefusedStart) {
  const GatewayRun r =
      run_gateway({"--print-config", "-c", kSrc + "/tests/config/data/bad_port.toml"}, true);
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("riskgate: not started: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SocketAcceptPort"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[gateway]"), std::string::npos) << r.output;
}

TEST(PrintConfigCli, LimitsTheRiskEngineRefusesAreRefusedAsAtAStart) {
  // Loads (the loader has no upper bound on a collar), but risk::Engine
  // refuses a collar of 100% or more.
  testing::TempDir dir;
  const std::string path = (dir.path() / "wide_collar.toml").string();
  std::string text = read(kSrc + "/tests/config/data/minimal.toml");
  text += "\n[risk.defaults]\nprice_collar_bps = 10000\n";
  std::ofstream(path) << text;
  ASSERT_NO_THROW((void)config::load_config(path));
  const GatewayRun r = run_gateway({"--print-config", "-c", path}, true);
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("price_collar_bps"), std::string::npos) << r.output;
}

// --check-config runs beside a live gateway before a reload or a restart:
// it must touch nothing a start would (state directory, journal, rings).
TEST(PrintConfigCli, CheckConfigCreatesNoStateDirectoryJournalOrRing) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "check.toml").string();
  const auto state = dir.path() / "state";
  const auto rings = dir.path() / "rings";
  std::ofstream(path) << "[gateway]\nStateDir = \"" << state.string() << "\"\nJournalRingDir = \""
                      << rings.string() << "\"\n"
                      << read(kSrc + "/tests/config/data/minimal.toml");
  const GatewayRun r = run_gateway({"--check-config", "-c", path}, true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config OK"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(state)) << r.output;
  EXPECT_FALSE(std::filesystem::exists(rings)) << r.output;
}

// A tokens file a start would refuse is a config error for --check-config
// too, with the same exit code (78) as any other, which the systemd unit's
// RestartPreventExitStatus stops on instead of restarting in a loop.
TEST(PrintConfigCli, CheckConfigRefusesATokensFileTheStartWouldRefuse) {
  testing::TempDir dir;
  const auto tokens = dir.path() / "tokens.toml";
  std::ofstream(tokens) << "[[token]]\nname = \"ops\"\nrole = \"viewer\"\ntoken = \""
                        << std::string(40, 'x') << "\"\n";
  std::filesystem::permissions(
      tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string path = (dir.path() / "tokens_cfg.toml").string();
  std::ofstream(path) << "[gateway]\nAdminTokensFile = \"" << tokens.string() << "\"\n"
                      << read(kSrc + "/tests/config/data/minimal.toml");
  for (const char* mode : {"--check-config", ""}) {
    SCOPED_TRACE(mode);
    std::vector<std::string> args{"-c", path};
    if (*mode != '\0') args.insert(args.begin(), mode);
    const GatewayRun r = run_gateway(args, true);
    EXPECT_EQ(r.exit_code, 78) << r.output;
    EXPECT_NE(r.output.find("viewer"), std::string::npos) << r.output;
  }
}

// A limit the loader accepts but the risk engine refuses (a collar of
// 100 %): --check-config refuses it as the start does, never "config OK".
TEST(PrintConfigCli, CheckConfigRefusesLimitsTheRiskEngineRefuses) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "wide_collar_check.toml").string();
  std::string text = read(kSrc + "/tests/config/data/minimal.toml");
  text += "\n[risk.defaults]\nprice_collar_bps = 10000\n";
  std::ofstream(path) << text;
  const GatewayRun r = run_gateway({"--check-config", "-c", path}, true);
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("price_collar_bps"), std::string::npos) << r.output;
}

TEST(PrintConfigCli, AThreadPinnedToACpuTheProcessMayNotUseStopsTheStartNamingTheKey) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "pinned.toml").string();
  std::ofstream(path) << "[gateway]\nJournalCpu = 1023\n"
                      << read(kSrc + "/tests/config/data/minimal.toml");
  ASSERT_EQ(config::load_config(path).gateway.journal_cpu, 1023);
  // --check-config makes the checks a start makes, and stops there.
  const GatewayRun r = run_gateway({"--check-config", "-c", path}, true);
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("JournalCpu = 1023: not a CPU this process may run on"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace riskgate
