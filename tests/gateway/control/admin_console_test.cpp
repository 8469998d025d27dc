// The admin API's routes for the browser ops console (issue 13), without
// sockets (AdminServer::handle): the console's files without a token, the API
// still behind one, /whoami, /refusals, and the Content-Type and Origin rules
// for state-changing requests. The headers on the wire are in
// admin_console_http_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "admin_fixture.hpp"
#include "gateway/audit/audit_record.hpp"
#include "gateway/control/admin_server.hpp"

namespace riskgate::control {
namespace {

using testing::kAdminAuth;
using testing::kOperatorAuth;

constexpr const char* kKillBody = R"({"scope":"session","target":"ENGINE1","reason":"console"})";

class AdminConsole : public testing::AdminFixture {
 protected:
  HttpReply browser(std::string_view method, std::string_view path, std::string_view auth,
                    std::string_view body = "", std::string_view content_type = "",
                    std::string_view origin = "") {
    AdminRequest r;
    r.method = method;
    r.target = path;
    r.authorization = auth;
    r.body = body;
    r.peer = "127.0.0.1:5555";
    r.content_type = content_type;
    r.origin = origin;
    r.host = "127.0.0.1:8081";
    return server_.handle(r);
  }
};

TEST_F(AdminConsole, ThePageAndItsFilesAreServedWithoutATokenAndNotAudited) {
  const HttpReply page = browser("GET", "/", "");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.raw_body.find("<title>riskgate ops console</title>"), std::string_view::npos);
  const HttpReply js = browser("GET", "/console/console.js", "");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(browser("GET", "/console/console.css", "").content_type, "text/css; charset=utf-8");
  // A query string does not change what is served.
  EXPECT_EQ(browser("GET", "/?x=1", "").content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(audit_lines().empty());
}

TEST_F(AdminConsole, TheApiStillNeedsATokenAndUnknownFilesAreNotServed) {
  EXPECT_EQ(browser("GET", "/status", "").status, 401u);
  EXPECT_EQ(browser("GET", "/whoami", "").status, 401u);
  EXPECT_EQ(browser("GET", "/refusals", "").status, 401u);
  // Nothing outside the embedded list: no path into the file system.
  EXPECT_EQ(browser("GET", "/console/../admin_server.cpp", "").status, 401u);
  EXPECT_EQ(browser("GET", "/console/", "").status, 401u);
  // Only GET serves a file; a POST to "/" is an API request like any other.
  EXPECT_EQ(browser("POST", "/", "", "{}", "application/json").status, 401u);
  EXPECT_TRUE(browser("GET", "/status", "").content_type.empty());  // JSON error body.
}

TEST_F(AdminConsole, WhoamiNamesTheTokenAndItsRole) {
  const HttpReply op = browser("GET", "/whoami", kOperatorAuth);
  EXPECT_EQ(op.status, 200u);
  EXPECT_EQ(op.body["name"], "olivia");
  EXPECT_EQ(op.body["role"], "operator");
  const HttpReply admin = browser("GET", "/whoami", kAdminAuth);
  EXPECT_EQ(admin.body["name"], "adam");
  EXPECT_EQ(admin.body["role"], "admin");
  EXPECT_EQ(browser("POST", "/whoami", kAdminAuth, "{}", "application/json").status, 405u);
}

TEST_F(AdminConsole, RefusalsListsTheLatestOrderRefusalsNewestFirst) {
  audit::AuditProducer& io = audit_.add_producer("io-0");
  for (int i = 1; i <= 3; ++i) {
    audit::AuditRecord rec;
    rec.event = i == 2 ? audit::AuditEvent::kCancelSent : audit::AuditEvent::kOrderRefused;
    rec.utc_ns = 1'700'000'000'000'000'000 + i;
    audit::AuditRecord::set(rec.session, "ENGINE1");
    audit::AuditRecord::set(rec.cl_ord_id, "ORD" + std::to_string(i));
    audit::AuditRecord::set(rec.rule, "kill_switch");
    audit::AuditRecord::set(rec.text, "kill_switch: session ENGINE1 killed");
    ASSERT_TRUE(io.try_record(rec));
  }
  audit_.flush();
  const HttpReply r = browser("GET", "/refusals", kOperatorAuth);
  ASSERT_EQ(r.status, 200u) << r.body.dump();
  const auto& list = r.body["refusals"];
  // The cancel is not a refusal: two entries, the newer first.
  ASSERT_EQ(list.size(), 2u) << r.body.dump();
  EXPECT_EQ(list[0]["cl_ord_id"], "ORD3");
  EXPECT_EQ(list[1]["cl_ord_id"], "ORD1");
  EXPECT_EQ(list[0]["rule"], "kill_switch");
  EXPECT_EQ(list[0]["session"], "ENGINE1");
  EXPECT_FALSE(list[0].contains("prev"));
  EXPECT_EQ(r.body["seen"], 2);
}

TEST_F(AdminConsole, APostThatIsNotDeclaredJsonIs415AndAudited) {
  // What a cross-site <form> can send without a preflight.
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""}) {
    const HttpReply r = browser("POST", "/kill", kOperatorAuth, kKillBody, type);
    EXPECT_EQ(r.status, 415u) << type;
    EXPECT_NE(r.body["error"].get<std::string>().find("application/json"), std::string::npos);
  }
  EXPECT_TRUE(gw_.kills.empty());
  const auto lines = audit_lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["action"], "admin_refused");
  EXPECT_EQ(lines[0]["status"], 415);
  EXPECT_EQ(lines[0]["actor"], "olivia");
  // Parameters and case do not matter.
  EXPECT_EQ(
      browser("POST", "/kill", kOperatorAuth, kKillBody, "Application/JSON; charset=utf-8").status,
      200u);
}

TEST_F(AdminConsole, APostFromAnotherOriginIs403EvenWithAValidToken) {
  // (https://<the same host> passes: the console behind a TLS proxy.)
  for (const char* origin : {"http://evil.example", "http://127.0.0.1:9999", "null",
                             "https://127.0.0.1:9999", "http://127.0.0.1:8081.evil.example"}) {
    const HttpReply r = browser("POST", "/kill", kAdminAuth, kKillBody, "application/json", origin);
    EXPECT_EQ(r.status, 403u) << origin;
    EXPECT_NE(r.body["error"].get<std::string>().find("cross-origin"), std::string::npos);
  }
  EXPECT_TRUE(gw_.kills.empty());
  EXPECT_EQ(audit_lines().size(), 5u);
  // The console's own origin, and a client that sends none (riskgatectl).
  EXPECT_EQ(browser("POST", "/kill", kOperatorAuth, kKillBody, "application/json",
                    "http://127.0.0.1:8081")
                .status,
            200u);
  EXPECT_EQ(browser("POST", "/kill", kOperatorAuth, kKillBody, "application/json").status, 200u);
  EXPECT_EQ(gw_.kills.size(), 2u);
}

TEST_F(AdminConsole, AnOperatorReleaseFromTheConsoleIsStill403) {
  const HttpReply r = browser("POST", "/release", kOperatorAuth, kKillBody, "application/json",
                              "http://127.0.0.1:8081");
  EXPECT_EQ(r.status, 403u);
  EXPECT_TRUE(gw_.releases.empty());
  EXPECT_EQ(browser("POST", "/release", kAdminAuth, kKillBody, "application/json",
                    "http://127.0.0.1:8081")
                .status,
            200u);
}

}  // namespace
}  // namespace riskgate::control
