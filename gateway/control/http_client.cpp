#include "gateway/control/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace riskgate::control {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Url parse_url(std::string_view s) {
  std::string_view rest = s;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    throw std::invalid_argument("unsupported URL scheme in \"" + std::string(s) +
                                "\" (http:// only)");
  }
  Url u;
  const auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.base_path = std::string(rest.substr(slash));
    while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  }
  const auto colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    u.host = std::string(hostport.substr(0, colon));
    u.port = std::string(hostport.substr(colon + 1));
    if (u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument("bad port in URL \"" + std::string(s) + "\"");
    }
  } else {
    u.host = std::string(hostport);
  }
  if (u.host.empty()) throw std::invalid_argument("no host in URL \"" + std::string(s) + "\"");
  return u;
}

HttpResult http_request(const Url& url, std::string_view method, std::string_view path,
                        std::string_view token, std::string_view json_body,
                        std::chrono::milliseconds timeout) {
  // beast::tcp_stream timeouts apply to asynchronous operations only, so the
  // exchange is written as an async chain driven to completion by run().
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  const char* step = "resolve";
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(url.host, url.port, ec);
  if (ec) throw UnreachableError(url.to_string() + ": resolve: " + ec.message());

  http::request<http::string_body> req;
  req.version(11);
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(url.base_path + std::string(path));
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "riskgatectl");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
  // The admin API refuses a POST that is not declared JSON (415), whatever
  // its body: the same rule keeps cross-site forms out of the console.
  if (!json_body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(json_body);
  }
  req.keep_alive(false);
  req.prepare_payload();

  beast::flat_buffer buf;
  http::response<http::string_body> res;
  step = "connect";
  stream.expires_after(timeout);
  stream.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) {
    if (e) {
      ec = e;
      return;
    }
    step = "write";
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code e2, std::size_t) {
      if (e2) {
        ec = e2;
        return;
      }
      step = "read";
      stream.expires_after(timeout);
      http::async_read(stream, buf, res, [&](beast::error_code e3, std::size_t) { ec = e3; });
    });
  });
  ioc.run();
  if (ec) throw UnreachableError(url.to_string() + ": " + step + ": " + ec.message());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return HttpResult{res.result_int(), std::move(res.body())};
}

}  // namespace riskgate::control
