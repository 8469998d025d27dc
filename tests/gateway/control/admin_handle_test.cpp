// The admin API's request logic, without sockets (AdminServer::handle).
#include <gtest/gtest.h>

#include "admin_fixture.hpp"
#include "gateway/control/admin_server.hpp"
#include "gateway/control/metrics_text.hpp"

namespace riskgate::control {
namespace {

using testing::kAdminAuth;
using testing::kOperatorAuth;

class AdminHandle : public testing::AdminFixture {
 protected:
  HttpReply call(std::string_view method, std::string_view path, std::string_view auth,
                 std::string_view body = "") {
    return server_.handle(method, path, auth, body, "127.0.0.1:5555");
  }
};

TEST_F(AdminHandle, OperatorCanReadStatus) {
  const auto r = call("GET", "/status", kOperatorAuth);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["instance"], "gw-test");
}

TEST_F(AdminHandle, OperatorCanScrapeMetricsAsPrometheusTextNotJson) {
  const auto r = call("GET", "/metrics", kOperatorAuth);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, kMetricsContentType);
  EXPECT_EQ(r.text, "");  // FakeGateway exports nothing: an empty exposition.
  EXPECT_EQ(call("GET", "/metrics", kAdminAuth).status, 200u);
  EXPECT_EQ(call("GET", "/metrics", "").status, 401u);
  const auto post = call("POST", "/metrics", kOperatorAuth);
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.allow, "GET");
}

TEST_F(AdminHandle, OperatorCanReadTheRunningConfigAsTomlText) {
  EXPECT_EQ(call("GET", "/config", kOperatorAuth).status, 404u) << "none to show";
  gw_.config_text = "# riskgate config\n[risk]\n";
  const auto r = call("GET", "/config", kOperatorAuth);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.text, gw_.config_text);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(call("GET", "/config", "").status, 401u);
  EXPECT_EQ(call("POST", "/config", kAdminAuth).status, 405u);
}

TEST_F(AdminHandle, OperatorCanKillAndTheActorIsTheTokenName) {
  const auto r =
      call("POST", "/kill", kOperatorAuth,
           R"({"scope":"account","target":"ACC1","reason":"runaway","actor":"spoofed"})");
  EXPECT_EQ(r.status, 200u) << r.body.dump();
  ASSERT_EQ(gw_.kills.size(), 1u);
  EXPECT_EQ(gw_.kills[0].scope, Scope::kAccount);
  EXPECT_EQ(gw_.kills[0].target, "ACC1");
  EXPECT_EQ(gw_.kills[0].actor, "olivia");
  const auto lines = audit_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["action"], "kill");
  EXPECT_EQ(lines[0]["actor"], "olivia");
  EXPECT_EQ(lines[0]["reason"], "runaway");
  EXPECT_EQ(lines[0]["affected"]["cancels_sent"], 2);
}

TEST_F(AdminHandle, OperatorCannotReleaseOrReloadAndIsAudited) {
  EXPECT_EQ(call("POST", "/release", kOperatorAuth, R"({"scope":"global","reason":"x"})").status,
            403u);
  EXPECT_EQ(call("POST", "/reload", kOperatorAuth, "{}").status, 403u);
  EXPECT_TRUE(gw_.releases.empty());
  EXPECT_EQ(gw_.reloads, 0);
  const auto lines = audit_lines();
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_EQ(l["action"], "admin_refused");
    EXPECT_EQ(l["actor"], "olivia");
    EXPECT_EQ(l["status"], 403);
  }
  EXPECT_EQ(lines[0]["path"], "/release");
  EXPECT_EQ(lines[1]["path"], "/reload");
}

TEST_F(AdminHandle, NoTokenIs401AndAuditedOncePerCausePerSecond) {
  EXPECT_EQ(call("POST", "/kill", "", R"({"scope":"global","reason":"x"})").status, 401u);
  EXPECT_EQ(call("GET", "/status", "Bearer wrong-token-0000000000").status, 401u);
  // Same cause as the one before, within the second: counted, not written.
  EXPECT_EQ(call("GET", "/status", "Basic b2xpdmlhOng=").status, 401u);
  EXPECT_TRUE(gw_.kills.empty());
  const auto lines = audit_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["status"], 401);
  EXPECT_EQ(lines[0]["actor"], "-");
  EXPECT_EQ(lines[0]["reason"], "missing bearer token");
  EXPECT_EQ(lines[1]["reason"], "unknown bearer token");
  EXPECT_EQ(lines[1]["cause"], "admin_401:unknown bearer token");
}

TEST_F(AdminHandle, AdminCanReleaseWithAReason) {
  const auto r = call("POST", "/release", kAdminAuth,
                      R"({"scope":"symbol","target":"AAPL","reason":"ok now"})");
  EXPECT_EQ(r.status, 200u) << r.body.dump();
  ASSERT_EQ(gw_.releases.size(), 1u);
  EXPECT_EQ(gw_.releases[0].actor, "adam");
  EXPECT_EQ(audit_lines().at(0)["action"], "release");
}

TEST_F(AdminHandle, ReleaseWithoutReasonIs400) {
  const auto r = call("POST", "/release", kAdminAuth, R"({"scope":"global"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body["error"].get<std::string>().find("reason"), std::string::npos);
  EXPECT_EQ(call("POST", "/release", kAdminAuth, R"({"scope":"global","reason":"  "})").status,
            400u);
  EXPECT_TRUE(gw_.releases.empty());
}

TEST_F(AdminHandle, MalformedRequestsAreRefusedWithClearErrors) {
  EXPECT_EQ(call("POST", "/kill", kAdminAuth, "{not json").status, 400u);
  EXPECT_EQ(call("POST", "/kill", kAdminAuth, "[1,2]").status, 400u);
  EXPECT_EQ(
      call("POST", "/kill", kAdminAuth, R"({"scope":"desk","target":"x","reason":"r"})").status,
      400u);
  EXPECT_EQ(call("POST", "/kill", kAdminAuth, R"({"scope":"account","reason":"r"})").status, 400u);
  EXPECT_EQ(call("POST", "/kill", kAdminAuth, R"({"scope":5,"reason":"r"})").status, 400u);
  EXPECT_EQ(call("GET", "/nope", kAdminAuth).status, 404u);
  const auto r = call("GET", "/kill", kAdminAuth);
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.allow, "POST");
  EXPECT_TRUE(gw_.kills.empty());
  EXPECT_EQ(audit_lines().size(), 7u);
}

TEST_F(AdminHandle, AdminCanReenableAFlow) {
  EXPECT_EQ(call("POST", "/flows/reenable", kAdminAuth,
                 R"({"account":"ACC1","symbol":"AAPL","side":"buy","reason":"checked"})")
                .status,
            200u);
  EXPECT_EQ(call("POST", "/flows/reenable", kOperatorAuth,
                 R"({"account":"ACC1","symbol":"AAPL","side":"buy","reason":"checked"})")
                .status,
            403u);
}

TEST(AdminHandleTokens, ParsesTheTokensTomlFormat) {
  const auto toks = parse_api_tokens(R"(
[[token]]
name = "demo-operator"
role = "operator"
token = "demo-operator-token-not-secret"
[[token]]
name = "demo-admin"
role = "admin"
token = "demo-admin-token-not-secret"
)",
                                     "tokens.toml");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[1].role, Role::kAdmin);
  EXPECT_THROW((void)parse_api_tokens(
                   "[[token]]\nname=\"a\"\nrole=\"root\"\ntoken=\"0123456789abcdefg\"\n", "t"),
               std::runtime_error);
  EXPECT_THROW(
      (void)parse_api_tokens("[[token]]\nname=\"a\"\nrole=\"admin\"\ntoken=\"short\"\n", "t"),
      std::runtime_error);
}

}  // namespace
}  // namespace riskgate::control
