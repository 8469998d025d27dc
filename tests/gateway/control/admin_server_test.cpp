// The admin API over real sockets (127.0.0.1, ephemeral port).
#include "gateway/control/admin_server.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fake_gateway.hpp"
#include "gateway/control/ctl.hpp"
#include "gateway/control/http_client.hpp"
#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

Url local(std::uint16_t port) {
  return parse_url("http://127.0.0.1:" + std::to_string(port));
}

TEST(AdminServer, ServesStatusAndKillOverHttp) {
  testing::FakeGateway gw;
  AdminServer srv({"127.0.0.1", 0}, testing::test_tokens(), gw, nullptr);
  srv.start();
  ASSERT_NE(srv.port(), 0);
  const auto st =
      http_request(local(srv.port()), "GET", "/status", "operator-token-0123456789", "");
  EXPECT_EQ(st.status, 200u);
  EXPECT_EQ(nlohmann::json::parse(st.body)["instance"], "gw-test");
  const auto k = http_request(local(srv.port()), "POST", "/kill", "operator-token-0123456789",
                              R"({"scope":"session","target":"ENGINE1","reason":"drift"})");
  EXPECT_EQ(k.status, 200u) << k.body;
  const auto noauth =
      http_request(local(srv.port()), "POST", "/release", "", R"({"scope":"global"})");
  EXPECT_EQ(noauth.status, 401u);
  EXPECT_EQ(nlohmann::json::parse(noauth.body)["error"], "missing bearer token");
  srv.stop();
  ASSERT_EQ(gw.kills.size(), 1u);  // Read after stop(): the control thread has been joined.
  EXPECT_EQ(gw.kills[0].scope, Scope::kClientSession);
}

TEST(AdminServer, OversizedBodyIs413) {
  testing::FakeGateway gw;
  AdminServer::Options o{"127.0.0.1", 0};
  o.max_body = 128;
  AdminServer srv(o, testing::test_tokens(), gw, nullptr);
  srv.start();
  const auto r = http_request(local(srv.port()), "POST", "/kill", "admin-token-0123456789abc",
                              std::string(1000, ' '));
  EXPECT_EQ(r.status, 413u);
}

TEST(AdminServer, BindFailureNamesTheAddress) {
  testing::FakeGateway gw;
  AdminServer a({"127.0.0.1", 0}, {}, gw, nullptr);
  a.start();
  AdminServer b({"127.0.0.1", a.port()}, {}, gw, nullptr);
  try {
    b.start();
    FAIL() << "second bind on the same port should fail";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(a.port())),
              std::string::npos);
  }
}

class Ctl : public ::testing::Test {
 protected:
  Ctl() : srv_({"127.0.0.1", 0}, testing::test_tokens(), gw_, nullptr) {
    srv_.start();
    std::ofstream(dir_.path() / "operator.token") << "# operator\noperator-token-0123456789\n";
    std::ofstream(dir_.path() / "admin.token") << "token = \"admin-token-0123456789abc\"\n";
  }
  int run(std::vector<std::string> args, const char* token_file = "operator.token") {
    std::vector<std::string> full = {"riskgatectl", "--url",
                                     "http://127.0.0.1:" + std::to_string(srv_.port()),
                                     "--token-file", (dir_.path() / token_file).string()};
    full.insert(full.end(), args.begin(), args.end());
    out_.str("");
    err_.str("");
    return run_ctl(full, out_, err_);
  }
  testing::TempDir dir_;
  testing::FakeGateway gw_;
  AdminServer srv_;
  std::ostringstream out_, err_;
};

TEST_F(Ctl, StatusPrettyPrintsSessionsAndKills) {
  EXPECT_EQ(run({"status"}), kCtlOk) << err_.str();
  EXPECT_NE(out_.str().find("instance  gw-test"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("ENGINE1 [acceptor] logged_on  engine engine-sim 1.0.0"),
            std::string::npos)
      << out_.str();
}

TEST_F(Ctl, OperatorKillsButCannotRelease) {
  EXPECT_EQ(run({"kill", "--scope", "account", "--target", "ACC1", "--reason", "runaway"}), kCtlOk)
      << err_.str();
  EXPECT_EQ(run({"release", "--scope", "account", "--target", "ACC1", "--reason", "ok"}),
            kCtlDrift);
  EXPECT_NE(err_.str().find("403"), std::string::npos) << err_.str();
  EXPECT_EQ(
      run({"release", "--scope", "account", "--target", "ACC1", "--reason", "ok"}, "admin.token"),
      kCtlOk)
      << err_.str();
}

TEST_F(Ctl, UsageErrorsExit64) {
  EXPECT_EQ(run({"kill", "--scope", "account", "--reason", "x"}), kCtlUsage);  // No target.
  EXPECT_EQ(run({"kill", "--scope", "desk", "--target", "x", "--reason", "x"}), kCtlUsage);
  EXPECT_EQ(run({"release", "--scope", "global"}), kCtlUsage);  // No reason.
  EXPECT_EQ(run({"status"}, "missing.token"), kCtlUsage);
}

}  // namespace
}  // namespace riskgate::control
