// A small synchronous HTTP/1.1 client (Boost.Beast) for riskgatectl and tests.
// Plain http:// only: the admin API listens on loopback; reach remote
// instances through an SSH tunnel or a TLS-terminating proxy.
//
// Thread safety: each call is independent (own io_context). Blocking: every
// step (resolve, connect, write, read) is bounded by `timeout`.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace riskgate::control {

struct Url {
  std::string host;
  std::string port = "80";
  std::string base_path;  // Without the trailing '/', may be empty.
  [[nodiscard]] std::string to_string() const { return "http://" + host + ":" + port + base_path; }
};

// "http://host[:port][/base]" or "host:port". Throws std::invalid_argument.
[[nodiscard]] Url parse_url(std::string_view s);

// The peer could not be reached or did not answer in time (riskgatectl exit 2).
class UnreachableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

// Sends one request with `Authorization: Bearer <token>` (if token non-empty)
// and a JSON body (if non-empty). Throws UnreachableError on any network
// error or timeout; HTTP error statuses are returned, not thrown.
[[nodiscard]] HttpResult http_request(const Url& url, std::string_view method,
                                      std::string_view path, std::string_view token,
                                      std::string_view json_body,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace riskgate::control
