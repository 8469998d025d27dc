// The ops console over real HTTP (127.0.0.1, ephemeral port): the headers a
// browser acts on, on the page, on its files and on API answers alike.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <utility>

#include "fake_gateway.hpp"
#include "gateway/control/admin_server.hpp"
#include "gateway/control/web_console.hpp"

namespace riskgate::control {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct Sent {
  std::string method;
  std::string path;
  std::string authorization;
  std::string content_type;
  std::string origin;
  std::string body;
};

Sent get(std::string path, std::string authorization = "") {
  return {"GET", std::move(path), std::move(authorization), "", "", ""};
}
Sent post_kill(std::string authorization, std::string content_type, std::string origin) {
  return {"POST",
          "/kill",
          std::move(authorization),
          std::move(content_type),
          std::move(origin),
          R"({"scope":"global","reason":"csrf"})"};
}

http::response<http::string_body> send(std::uint16_t port, const Sent& s) {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(s.method);
  req.target(s.path);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!s.authorization.empty()) req.set(http::field::authorization, s.authorization);
  if (!s.content_type.empty()) req.set(http::field::content_type, s.content_type);
  if (!s.origin.empty()) req.set(http::field::origin, s.origin);
  req.body() = s.body;
  req.keep_alive(false);
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return res;
}

void expect_security_headers(const http::response<http::string_body>& res,
                             const std::string& what) {
  for (const auto& [name, value] : kSecurityHeaders) {
    const auto it = res.find(beast::string_view(name.data(), name.size()));
    ASSERT_NE(it, res.end()) << what << ": no " << name;
    EXPECT_EQ(std::string(it->value()), std::string(value)) << what << ": " << name;
  }
}

class AdminConsoleHttp : public ::testing::Test {
 protected:
  AdminConsoleHttp() : srv_({"127.0.0.1", 0}, testing::test_tokens(), gw_, nullptr) {
    srv_.start();
  }
  testing::FakeGateway gw_;
  AdminServer srv_;
};

TEST_F(AdminConsoleHttp, ThePageIsServedWithoutATokenUnderAStrictContentSecurityPolicy) {
  const auto page = send(srv_.port(), get("/"));
  EXPECT_EQ(page.result_int(), 200u);
  EXPECT_EQ(std::string(page[http::field::content_type]), "text/html; charset=utf-8");
  EXPECT_NE(page.body().find("console/console.js"), std::string::npos);
  expect_security_headers(page, "GET /");
  const std::string csp(page["Content-Security-Policy"]);
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  const auto js = send(srv_.port(), get("/console/console.js"));
  EXPECT_EQ(js.result_int(), 200u);
  EXPECT_EQ(std::string(js[http::field::content_type]), "text/javascript; charset=utf-8");
  expect_security_headers(js, "GET /console/console.js");
}

TEST_F(AdminConsoleHttp, ApiAnswersCarryTheSameHeadersAndAreNeverCached) {
  const auto denied = send(srv_.port(), get("/status"));
  EXPECT_EQ(denied.result_int(), 401u);
  EXPECT_EQ(std::string(denied[http::field::content_type]), "application/json");
  expect_security_headers(denied, "GET /status without a token");
  const auto ok = send(srv_.port(), get("/status", testing::kOperatorAuth));
  EXPECT_EQ(ok.result_int(), 200u);
  EXPECT_EQ(std::string(ok[http::field::cache_control]), "no-store");
  expect_security_headers(ok, "GET /status");
}

TEST_F(AdminConsoleHttp, ACrossSiteFormPostOrAForeignOriginCannotKill) {
  const std::string own = "http://127.0.0.1:" + std::to_string(srv_.port());
  // A form post can carry no bearer token: 401 before anything else.
  EXPECT_EQ(send(srv_.port(), post_kill("", "text/plain", "http://evil.example")).result_int(),
            401u);
  // Even with a token, a text/plain body or a foreign Origin is refused.
  EXPECT_EQ(send(srv_.port(), post_kill(testing::kOperatorAuth, "text/plain", "")).result_int(),
            415u);
  EXPECT_EQ(send(srv_.port(),
                 post_kill(testing::kOperatorAuth, "application/json", "http://evil.example"))
                .result_int(),
            403u);
  // The console's own origin is the scheme and the Host the browser used.
  EXPECT_EQ(
      send(srv_.port(), post_kill(testing::kOperatorAuth, "application/json", own)).result_int(),
      200u);
  srv_.stop();
  EXPECT_EQ(gw_.kills.size(), 1u);  // Read after stop(): the control thread has been joined.
}

}  // namespace
}  // namespace riskgate::control
