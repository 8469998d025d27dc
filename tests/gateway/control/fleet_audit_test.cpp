// riskgatectl audit against eight in-process instances (Knight had eight servers).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "fake_gateway.hpp"
#include "gateway/control/ctl.hpp"
#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

const std::string kGoodBuild(64, 'a');
const std::string kOldBuild(64, '0');

class Fleet : public ::testing::Test {
 protected:
  static constexpr int kInstances = 8;
  Fleet() {
    for (int i = 0; i < kInstances; ++i) {
      gws_[i].instance = "gw-" + std::to_string(i + 1);
      servers_.push_back(std::make_unique<AdminServer>(AdminServer::Options{"127.0.0.1", 0},
                                                       testing::test_tokens(), gws_[i], nullptr));
    }
    manifest_path_ = dir_.path() / "manifest.toml";
    write_manifest(kGoodBuild);
    std::ofstream(dir_.path() / "token") << "operator-token-0123456789\n";
  }
  void write_manifest(const std::string& build) {
    std::ofstream(manifest_path_)
        << "test_setup = true\n[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"" << build
        << "\"\nconfig_digest = \"any\"\n"
        << "[[engine]]\nsender_comp_id = \"ENGINE1\"\napp_name = \"engine-sim\"\n"
        << "version = \"1.0.0\"\nvendor = \"riskgate\"\nbuild_digest = \"any\"\n"
        << "[[compatibility]]\ngateway_versions = [\"0.1.0\"]\napp_name = \"engine-sim\"\n"
        << "engine_versions = [\"1.0.0\"]\n";
  }
  void start_all() {
    for (auto& s : servers_) s->start();
  }
  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const auto& s : servers_) out.push_back("http://127.0.0.1:" + std::to_string(s->port()));
    return out;
  }
  std::string url_list() const {
    std::string s;
    for (const auto& u : urls()) s += (s.empty() ? "" : ",") + u;
    return s;
  }
  int audit(std::ostringstream& out) {
    return audit_fleet(urls(), config::load_manifest(manifest_path_), "operator-token-0123456789",
                       out, std::chrono::milliseconds(2000));
  }

  testing::TempDir dir_;
  std::array<testing::FakeGateway, kInstances> gws_;
  std::vector<std::unique_ptr<AdminServer>> servers_;
  std::filesystem::path manifest_path_;
};

TEST_F(Fleet, CleanFleetPasses) {
  start_all();
  std::ostringstream out;
  EXPECT_EQ(audit(out), kCtlOk) << out.str();
  EXPECT_NE(out.str().find("8 instances, 0 drifted, 0 unreachable"), std::string::npos)
      << out.str();
}

TEST_F(Fleet, OneDriftedBuildAmongEightIsNamedAndExitsOne) {
  gws_[7].build_sha = kOldBuild;  // The eighth server runs the old code.
  start_all();
  std::ostringstream out;
  EXPECT_EQ(audit(out), kCtlDrift) << out.str();
  EXPECT_NE(out.str().find("1 drifted"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("DRIFT " + urls()[7] + " (gw-8)"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("DRIFT " + urls()[0]), std::string::npos) << out.str();
}

TEST_F(Fleet, DriftIsFoundEvenWhenTheManifestSaysAny) {
  write_manifest("any");
  gws_[3].build_sha = kOldBuild;
  start_all();
  std::ostringstream out;
  EXPECT_EQ(audit(out), kCtlDrift) << out.str();
  EXPECT_NE(out.str().find("DRIFT " + urls()[3] + " (gw-4)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("fleet majority"), std::string::npos) << out.str();
}

TEST_F(Fleet, UnapprovedEngineVersionIsDrift) {
  gws_[2].engine_version = "0.9.0";
  start_all();
  std::ostringstream out;
  EXPECT_EQ(audit(out), kCtlDrift) << out.str();
  EXPECT_NE(
      out.str().find(
          "TradingSystemVersion(1604) \"0.9.0\" is not approved for ENGINE1 (expected \"1.0.0\")"),
      std::string::npos)
      << out.str();
}

TEST_F(Fleet, UnreachableInstanceExitsTwo) {
  start_all();
  servers_[5]->stop();  // Port closed: connection refused.
  std::ostringstream out;
  EXPECT_EQ(audit(out), kCtlUnreachable) << out.str();
  EXPECT_NE(out.str().find("UNREACHABLE"), std::string::npos) << out.str();
}

// The real binary, as an operator would run it: exit code and output.
TEST_F(Fleet, RiskgatectlBinaryReportsTheDriftedInstance) {
  gws_[7].build_sha = kOldBuild;
  start_all();
  std::ofstream(dir_.path() / "instances.txt") << "# fleet\n"
                                               << [&] {
                                                    std::string s;
                                                    for (const auto& u : urls()) s += u + "\n";
                                                    return s;
                                                  }();
  const std::string cmd = std::string("RISKGATE_TOKEN_FILE=") + (dir_.path() / "token").string() +
                          " " + RISKGATECTL_PATH + " --timeout-ms 2000 audit --instances " +
                          (dir_.path() / "instances.txt").string() + " --manifest " +
                          manifest_path_.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) output += buf.data();
  const int status = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), kCtlDrift) << output;
  EXPECT_NE(output.find("(gw-8)"), std::string::npos) << output;
}

}  // namespace
}  // namespace riskgate::control
