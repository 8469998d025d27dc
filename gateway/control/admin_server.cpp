#include "gateway/control/admin_server.hpp"

#include <openssl/crypto.h>
#include <toml++/toml.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "gateway/control/audit_log.hpp"
#include "gateway/control/metrics_text.hpp"
#include "gateway/control/private_file.hpp"
#include "gateway/control/web_console.hpp"

namespace riskgate::control {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string_view to_string(Role r) noexcept {
  return r == Role::kAdmin ? "admin" : "operator";
}

std::vector<ApiToken> parse_api_tokens(std::string_view text, std::string_view source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ": " << e.description();
    throw std::runtime_error(os.str());
  }
  std::vector<ApiToken> out;
  const auto* arr = doc["token"].as_array();
  if (arr == nullptr) return out;
  std::size_t i = 0;
  for (const auto& n : *arr) {
    const std::string where = std::string(source) + ": token[" + std::to_string(i++) + "]";
    const auto* t = n.as_table();
    if (t == nullptr) throw std::runtime_error(where + " must be a table");
    auto get = [&](const char* key) {
      const auto v = (*t)[key].value<std::string>();
      if (!v || v->empty()) throw std::runtime_error(where + "." + key + " missing");
      return *v;
    };
    ApiToken tok;
    tok.name = get("name");
    const std::string role = get("role");
    if (role == "operator") {
      tok.role = Role::kOperator;
    } else if (role == "admin") {
      tok.role = Role::kAdmin;
    } else {
      throw std::runtime_error(where + ".role must be \"operator\" or \"admin\", got \"" + role +
                               "\"");
    }
    tok.token = get("token");
    if (tok.token.size() < 16)
      throw std::runtime_error(where + ".token must be at least 16 characters");
    for (const auto& o : out) {
      if (o.token == tok.token)
        throw std::runtime_error(where + ".token duplicates token " + o.name);
    }
    out.push_back(std::move(tok));
  }
  return out;
}

std::vector<ApiToken> load_api_tokens(const std::filesystem::path& path) {
  require_private_file(path, "AdminTokensFile");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("admin tokens: cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_api_tokens(ss.str(), path.string());
}

// ---------------------------------------------------------------------------
// One HTTP/1.1 connection: read a request, answer, repeat while keep-alive.

class AdminServer::Connection : public std::enable_shared_from_this<AdminServer::Connection> {
 public:
  Connection(tcp::socket sock, AdminServer& srv) : stream_(std::move(sock)), srv_(srv) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(srv_.opts_.max_body);
    stream_.expires_after(srv_.opts_.io_timeout);
    http::async_read(
        stream_, buf_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpReply r =
          srv_.refuse(413, "request body over " + std::to_string(srv_.opts_.max_body) + " bytes",
                      "-", "?", "?", peer_);
      respond(r, false);
      return;
    }
    if (ec) {
      close();
      return;
    }
    auto& req = parser_->get();
    auto header = [&req](http::field f) -> std::string_view {
      const auto it = req.find(f);
      if (it == req.end()) return {};
      return {it->value().data(), it->value().size()};
    };
    AdminRequest ar;
    ar.method = std::string_view(req.method_string().data(), req.method_string().size());
    ar.target = std::string_view(req.target().data(), req.target().size());
    ar.authorization = header(http::field::authorization);
    ar.body = req.body();
    ar.peer = peer_;
    ar.content_type = header(http::field::content_type);
    ar.origin = header(http::field::origin);
    ar.host = header(http::field::host);
    const HttpReply r = srv_.handle(ar);
    respond(r, req.keep_alive());
  }

  void respond(const HttpReply& r, bool keep_alive) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<http::status>(r.status));
    res_.set(http::field::server, "riskgate-admin");
    for (const auto& [name, value] : kSecurityHeaders)
      res_.set(beast::string_view(name.data(), name.size()),
               beast::string_view(value.data(), value.size()));
    if (!r.allow.empty()) res_.set(http::field::allow, r.allow);
    res_.keep_alive(keep_alive);
    if (!r.content_type.empty()) {
      res_.set(http::field::content_type,
               beast::string_view(r.content_type.data(), r.content_type.size()));
      res_.body() = r.raw_body.empty() ? r.text : std::string(r.raw_body);
    } else {
      res_.set(http::field::content_type, "application/json");
      res_.body() = r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    res_.prepare_payload();
    stream_.expires_after(srv_.opts_.io_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  AdminServer& srv_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::string peer_ = "?";
};

// ---------------------------------------------------------------------------

AdminServer::AdminServer(Options opts, std::vector<ApiToken> tokens, GatewayControl& gw,
                         AuditLog* audit)
    : opts_(std::move(opts)), tokens_(std::move(tokens)), gw_(gw), audit_(audit), acceptor_(ioc_) {}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::start() {
  if (started_) return;
  const std::string where = opts_.host + ":" + std::to_string(opts_.port);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(opts_.host, ec);
  if (ec) throw std::system_error(ec, "admin API: bad listen address " + where);
  const tcp::endpoint ep(addr, opts_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "admin API: cannot listen on " + where);
  bound_port_ = acceptor_.local_endpoint().port();
  started_ = true;
  do_accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

void AdminServer::stop() {
  if (!started_) return;
  started_ = false;
  asio::post(ioc_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    accept_pause_.cancel();
    ioc_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

void AdminServer::do_accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec || ec == asio::error::connection_aborted) {
      if (!ec) {
        accept_wait_ = std::chrono::milliseconds(10);
        std::make_shared<Connection>(std::move(sock), *this)->read();
      }
      do_accept();
      return;
    }
    accept_pause_.expires_after(accept_wait_);
    accept_wait_ = std::min(accept_wait_ * 2, std::chrono::milliseconds(1000));
    accept_pause_.async_wait([this](beast::error_code tec) {
      if (!tec && acceptor_.is_open()) do_accept();
    });
  });
}

const ApiToken* AdminServer::authenticate(std::string_view authorization) const noexcept {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return nullptr;
  }
  const std::string_view presented = authorization.substr(kBearer.size());
  const ApiToken* found = nullptr;
  // Compare against every token in constant time per token, so response time
  // does not reveal how much of a secret matched.
  for (const auto& t : tokens_) {
    if (t.token.size() == presented.size() &&
        CRYPTO_memcmp(t.token.data(), presented.data(), presented.size()) == 0) {
      found = &t;
    }
  }
  return found;
}

HttpReply AdminServer::refuse(unsigned status, std::string why, std::string_view actor,
                              std::string_view method, std::string_view path,
                              std::string_view peer) {
  if (audit_ != nullptr) {
    nlohmann::json fields = {{"actor", actor},   {"method", method}, {"path", path},
                             {"status", status}, {"reason", why},    {"peer", peer}};
    // A 401 needs no identity: anyone who reaches the port can cause one at
    // any rate, so they are summarised (one record per second, with a count)
    // and cannot fill the disk; the cause is the reason (missing or unknown
    // token), a fixed set. A 403 names a valid token: always in full.
    if (status == 401) {
      audit_->record_noise("admin_401:" + why, "admin_refused", std::move(fields));
    } else {
      audit_->record_control("admin_refused", std::move(fields));
    }
  }
  return HttpReply{status, {{"ok", false}, {"status", status}, {"error", std::move(why)}}, {}};
}

namespace {

struct Route {
  std::string_view path;
  std::string_view method;
  Role min_role;
};
constexpr Route kRoutes[] = {
    {"/status", "GET", Role::kOperator},
    {"/metrics", "GET", Role::kOperator},
    {"/config", "GET", Role::kOperator},
    {"/kill", "POST", Role::kOperator},
    {"/release", "POST", Role::kAdmin},
    {"/reload", "POST", Role::kAdmin},
    {"/flows/reenable", "POST", Role::kAdmin},
    // The browser ops console (web_console.hpp).
    {"/whoami", "GET", Role::kOperator},
    {"/refusals", "GET", Role::kOperator},
};

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// Reads a string field; nullopt if absent. Throws std::invalid_argument if
// present but not a string.
std::optional<std::string> opt_str(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_string())
    throw std::invalid_argument(std::string("field \"") + key + "\" must be a string");
  return j[key].get<std::string>();
}

std::string req_str(const nlohmann::json& j, const char* key) {
  auto v = opt_str(j, key);
  if (!v || blank(*v))
    throw std::invalid_argument(std::string("field \"") + key + "\" is required");
  return *v;
}

nlohmann::json result_body(const ControlResult& r) {
  return {{"ok", true}, {"message", r.message}, {"detail", r.detail}};
}

}  // namespace

HttpReply AdminServer::handle(std::string_view method, std::string_view target,
                              std::string_view authorization, std::string_view body,
                              std::string_view peer) {
  AdminRequest r;
  r.method = method;
  r.target = target;
  r.authorization = authorization;
  r.body = body;
  r.peer = peer;
  r.content_type = "application/json";
  return handle(r);
}

HttpReply AdminServer::handle(const AdminRequest& in) {
  const std::string_view method = in.method;
  const std::string_view authorization = in.authorization;
  const std::string_view body = in.body;
  const std::string_view peer = in.peer;
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  // The console's files carry no data: served without a token (and not
  // audited), so the login page can load. Everything else needs one.
  if (method == "GET") {
    if (const ConsoleAsset* a = find_console_asset(path)) {
      HttpReply r;
      r.content_type = a->content_type;
      r.raw_body = a->body;
      return r;
    }
  }
  const ApiToken* tok = authenticate(authorization);
  if (tok == nullptr) {
    return refuse(401, authorization.empty() ? "missing bearer token" : "unknown bearer token", "-",
                  method, path, peer);
  }
  const std::string& actor = tok->name;
  const Route* route = nullptr;
  for (const auto& r : kRoutes) {
    if (r.path == path) route = &r;
  }
  if (route == nullptr) return refuse(404, "no such endpoint", actor, method, path, peer);
  if (route->method != method) {
    HttpReply r = refuse(405, std::string(path) + " takes " + std::string(route->method), actor,
                         method, path, peer);
    r.allow = route->method;
    return r;
  }
  if (static_cast<int>(tok->role) < static_cast<int>(route->min_role)) {
    return refuse(
        403, "role " + std::string(to_string(tok->role)) + " may not call " + std::string(path),
        actor, method, path, peer);
  }
  if (path == "/status") {
    try {
      return HttpReply{200, gw_.status(), {}};
    } catch (const std::exception& e) {
      return refuse(500, std::string("status failed: ") + e.what(), actor, method, path, peer);
    }
  }
  if (path == "/metrics") {
    try {
      HttpReply r{200, {}};
      r.content_type = kMetricsContentType;
      r.text = gw_.metrics();
      return r;
    } catch (const std::exception& e) {
      return refuse(500, std::string("metrics failed: ") + e.what(), actor, method, path, peer);
    }
  }
  if (path == "/config") {
    try {
      HttpReply r{200, {}};
      r.text = gw_.running_config();
      if (r.text.empty())
        return refuse(404, "no running config to show", actor, method, path, peer);
      r.content_type = "text/plain; charset=utf-8";
      return r;
    } catch (const std::exception& e) {
      return refuse(500, std::string("config failed: ") + e.what(), actor, method, path, peer);
    }
  }
  if (path == "/whoami") {
    return HttpReply{
        200, {{"ok", true}, {"name", actor}, {"role", std::string(to_string(tok->role))}}, {}};
  }
  if (path == "/refusals") {
    nlohmann::json list = nlohmann::json::array();
    std::uint64_t seen = 0;
    if (audit_ != nullptr) {
      for (const std::string& line : audit_->recent_refusals()) {
        // The writer's own JSON text: always parses; skipped rather than
        // sent as a discarded value if it ever did not.
        auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_discarded()) list.push_back(std::move(j));
      }
      seen = audit_->refusals_seen();
    }
    return HttpReply{200, {{"ok", true}, {"refusals", std::move(list)}, {"seen", seen}}, {}};
  }
  // Everything below changes state (POST).
  if (const auto no = check_state_change(in.content_type, in.origin, in.host))
    return refuse(no->status, no->why, actor, method, path, peer);

  nlohmann::json req;
  if (!body.empty()) {
    req = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded()) return refuse(400, "body is not valid JSON", actor, method, path, peer);
  } else {
    req = nlohmann::json::object();
  }
  if (!req.is_object()) return refuse(400, "body must be a JSON object", actor, method, path, peer);

  // Release/reload/re-enable loosen control: not without an audit trail.
  const bool audited = audit_ == nullptr || audit_->healthy();
  if (path != "/kill" && !audited) {
    return refuse(503, "audit log unhealthy: only kill is allowed", actor, method, path, peer);
  }

  try {
    if (path == "/kill" || path == "/release") {
      KillRequest kr;
      const std::string scope_name = req_str(req, "scope");
      const auto scope = parse_scope(scope_name);
      if (!scope) {
        throw std::invalid_argument(
            "field \"scope\" must be global, exchange, session, account or symbol, got \"" +
            scope_name + "\"");
      }
      kr.scope = *scope;
      if (kr.scope != Scope::kGlobal) kr.target = req_str(req, "target");
      kr.reason = req_str(req, "reason");
      kr.actor = actor;
      const bool is_kill = path == "/kill";
      const ControlResult res = is_kill ? gw_.kill(kr) : gw_.release(kr);
      if (audit_ != nullptr) {
        audit_->record_control(is_kill ? "kill" : "release", {{"actor", actor},
                                                              {"scope", to_string(kr.scope)},
                                                              {"target", kr.target},
                                                              {"reason", kr.reason},
                                                              {"ok", res.ok},
                                                              {"message", res.message},
                                                              {"affected", res.detail},
                                                              {"peer", peer}});
      }
      if (!res.ok)
        return HttpReply{409, {{"ok", false}, {"status", 409}, {"error", res.message}}, {}};
      return HttpReply{200, result_body(res), {}};
    }
    if (path == "/reload") {
      const std::string reason = opt_str(req, "reason").value_or("");
      const ControlResult res = gw_.reload(actor, reason);
      if (audit_ != nullptr) {
        audit_->record_control("reload", {{"actor", actor},
                                          {"reason", reason},
                                          {"ok", res.ok},
                                          {"message", res.message},
                                          {"affected", res.detail},
                                          {"peer", peer}});
      }
      if (!res.ok)
        return HttpReply{409, {{"ok", false}, {"status", 409}, {"error", res.message}}, {}};
      return HttpReply{200, result_body(res), {}};
    }
    // /flows/reenable
    FlowRequest fr;
    fr.account = req_str(req, "account");
    fr.symbol = req_str(req, "symbol");
    const std::string side = req_str(req, "side");
    if (side == "buy" || side == "1") {
      fr.side = '1';
    } else if (side == "sell" || side == "2") {
      fr.side = '2';
    } else if (side == "sell_short" || side == "5") {
      fr.side = '5';
    } else {
      throw std::invalid_argument("field \"side\" must be buy, sell or sell_short, got \"" + side +
                                  "\"");
    }
    fr.reason = req_str(req, "reason");
    fr.actor = actor;
    const ControlResult res = gw_.reenable_flow(fr);
    if (audit_ != nullptr) {
      audit_->record_control("flow_reenable", {{"actor", actor},
                                               {"account", fr.account},
                                               {"symbol", fr.symbol},
                                               {"side", std::string(1, fr.side)},
                                               {"reason", fr.reason},
                                               {"ok", res.ok},
                                               {"message", res.message},
                                               {"peer", peer}});
    }
    if (!res.ok)
      return HttpReply{409, {{"ok", false}, {"status", 409}, {"error", res.message}}, {}};
    return HttpReply{200, result_body(res), {}};
  } catch (const std::invalid_argument& e) {
    return refuse(400, e.what(), actor, method, path, peer);
  } catch (const std::exception& e) {
    // The gateway threw (e.g. KillStateError: engaged in memory, not durable).
    // Never let it unwind into the io_context: the control thread must survive.
    return refuse(500, std::string("gateway error: ") + e.what(), actor, method, path, peer);
  }
}

}  // namespace riskgate::control
