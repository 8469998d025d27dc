#include "tests/integration/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace riskgate::itest {

namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/riskgate-itest.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_private_file(const std::string& path, const std::string& text) {
  // Created 0600 (and made so if it existed): riskgate refuses secret files
  // that group or others can read.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot create " + path);
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) throw std::runtime_error("cannot write " + path);
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("config template has no '" + from + "'");
  if (text.find(from, at + from.size()) != std::string::npos) {
    throw std::runtime_error("config template has '" + from + "' more than once");
  }
  return text.replace(at, from.size(), to);
}

std::string set_session_key(std::string text, const std::string& session, const std::string& key,
                            const std::string& value) {
  const std::string name_line = "Name = \"" + session + "\"";
  const auto start = text.find(name_line);
  if (start == std::string::npos) throw std::runtime_error("no session " + session);
  auto end = text.find("\n[", start);
  if (end == std::string::npos) end = text.size();
  const auto key_at = text.find("\n" + key + " = ", start);
  if (key_at != std::string::npos && key_at < end) {
    const auto eol = text.find('\n', key_at + 1);
    return text.replace(key_at + 1, eol - key_at - 1, key + " = " + value);
  }
  const auto eol = text.find('\n', start);
  return text.insert(eol + 1, key + " = " + value + "\n");
}

// ---------------------------------------------------------------------------

Exchange::Exchange(const std::vector<std::string>& extra)
    : proc_([&] {
        // --run-seconds bounds a leaked simulator even if the PDEATHSIG failed.
        std::vector<std::string> argv{
            RISKGATE_EXCHANGE_SIM, "--port", "0", "--sender", "EXCHANGE", "--target", "RISKGATE",
            "--run-seconds",       "90"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return ChildProcess::spawn(argv);
      }()) {
  const std::string prefix = "exchange-sim listening on port ";
  auto line = proc_.wait_for_line_containing(prefix, 10s);
  if (!line) throw std::runtime_error("exchange-sim did not print its port");
  port_ = std::stoi(line->substr(line->find(prefix) + prefix.size()));
}

bool Exchange::wait_logon(int n, std::chrono::milliseconds timeout) {
  auto count = [&] {
    int c = 0;
    for (const auto& l : proc_.lines()) c += l.rfind("exchange-sim logon ", 0) == 0 ? 1 : 0;
    return c;
  };
  if (count() >= n) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (count() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms || !proc_.read_line(left)) return false;
  }
  return true;
}

Summary Exchange::stop() {
  proc_.signal(SIGTERM);
  auto line = proc_.wait_for_line_containing("exchange-sim summary:", 20s);
  (void)proc_.wait_exit(10s);
  return line ? riskgate::testing::parse_summary(*line) : Summary{};
}

// ---------------------------------------------------------------------------

std::string write_gateway_config(const TempDir& dir, const GatewayConfig& cfg) {
  const std::string src = RISKGATE_SOURCE_DIR;
  std::string t = read_file(src + "/config/riskgate.toml");
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  // The journal's rings in the test's own directory rather than /dev/shm:
  // a gateway a test kill -9s leaves its ring behind by design, and the
  // directory goes with the test.
  t = replace_once(t, "StateDir = \"var\"", "StateDir = " + quoted(dir.file("state")));
  t = replace_once(t, "JournalRingDir = \"/dev/shm\"",
                   "JournalRingDir = " + quoted(dir.file("state")));
  t = replace_once(t, "AuditLog = \"var/audit.log\"",
                   "AuditLog = " + quoted(dir.file("audit.log")));
  t = replace_once(t, "KillFile = \"var/KILL\"", "KillFile = " + quoted(dir.file("KILL")));
  t = replace_once(t, "AdminListen = \"127.0.0.1:8081\"", "AdminListen = \"127.0.0.1:0\"");
  // A private copy: the repository's file is as readable as its checkout.
  write_private_file(dir.file("tokens.toml"), read_file(src + "/config/tokens.toml"));
  t = replace_once(t, "AdminTokensFile = \"config/tokens.toml\"",
                   "AdminTokensFile = " + quoted(dir.file("tokens.toml")));
  t = replace_once(
      t, "Manifest = \"build/release/manifest.toml\"",
      "Manifest = " + quoted(cfg.manifest.empty() ? src + "/config/manifest.toml" : cfg.manifest));
  t = set_session_key(t, "ENGINE1", "SocketAcceptPort", "0");
  t = set_session_key(t, "ENGINE2", "SocketAcceptPort", "0");
  t = replace_once(t, "SocketConnectPort = 9880",
                   "SocketConnectPort = " + std::to_string(cfg.exchange_port));
  if (cfg.exchange_heartbeat > 0) {
    t = set_session_key(t, "EXCH", "HeartBtInt", std::to_string(cfg.exchange_heartbeat));
  }
  for (const auto& [session, key, value] : cfg.session_keys) {
    t = set_session_key(t, session, key, value);
  }
  for (const auto& [key, value] : cfg.gateway_keys) {
    // A key the section already sets is replaced (TOML refuses it twice).
    const std::size_t section = t.find("\n[gateway]\n");
    const std::size_t end = section == std::string::npos ? section : t.find("\n[", section + 1);
    const std::size_t at =
        section == std::string::npos ? section : t.find("\n" + key + " = ", section);
    if (at != std::string::npos && at < end) {
      const std::size_t eol = t.find('\n', at + 1);
      t.replace(at + 1, eol - at - 1, key + " = " + value);
    } else {
      t = replace_once(t, "\n[gateway]\n", "\n[gateway]\n" + key + " = " + value + "\n");
    }
  }
  const std::string path = dir.file("riskgate.toml");
  write_file(path, t);
  return path;
}

Gateway::Gateway(const std::string& config_path)
    : proc_(ChildProcess::spawn({RISKGATE_GATEWAY, "--config", config_path, "--instance", "itest"},
                                /*merge_stderr=*/true)) {
  // Console lines start with a timestamp and a level (gateway/app/console.hpp),
  // so the markers are searched anywhere in the line.
  const std::string accepting = "riskgate: accepting trading engines on 127.0.0.1:";
  const std::string admin = "riskgate: admin API on ";
  const std::string not_started = "riskgate: not started";
  auto started = proc_.read_line_until(
      [&](const std::string& l) {
        return l.find(not_started) != std::string::npos ||
               (l.find("riskgate: ") != std::string::npos &&
                l.find(" started (") != std::string::npos);
      },
      20s);
  std::string all;
  for (const auto& l : proc_.lines()) all += l + "\n";
  if (!started || started->find(not_started) != std::string::npos) {
    throw std::runtime_error("riskgate did not start:\n" + all);
  }
  for (const auto& l : proc_.lines()) {
    if (auto at = l.find(accepting); at != std::string::npos)
      client_port_ = std::stoi(l.substr(at + accepting.size()));
    if (auto at = l.find(admin); at != std::string::npos) admin_url_ = l.substr(at + admin.size());
  }
  if (client_port_ == 0 || admin_url_.empty()) {
    throw std::runtime_error("riskgate did not print its ports:\n" + all);
  }
  startup_lines_ = proc_.lines().size();
}

std::string Gateway::startup_output() const {
  std::string out;
  for (std::size_t i = 0; i < startup_lines_; ++i) out += proc_.lines()[i] + "\n";
  return out;
}

void Gateway::kill9() {
  proc_.signal(SIGKILL);
  (void)proc_.wait_exit(10s);
}

int Gateway::stop() {
  return proc_.terminate(10s);
}

// ---------------------------------------------------------------------------

ChildProcess start_engine(int port, const Identity& id, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{RISKGATE_ENGINE_SIM,
                                "--port",
                                std::to_string(port),
                                "--sender",
                                id.sender,
                                "--target",
                                "RISKGATE",
                                "--account",
                                id.account,
                                "--reset-on-logon",
                                "--rate",
                                "0",
                                "--wait-seconds",
                                "10",
                                "--logon-timeout-seconds",
                                "10"};
  if (!id.version.empty()) {
    argv.insert(argv.end(), {"--app-name", "engine-sim", "--app-version", id.version,
                             "--app-vendor", "riskgate"});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  return ChildProcess::spawn(argv);
}

EngineRun finish_engine(ChildProcess& engine, std::chrono::milliseconds timeout) {
  EngineRun r;
  auto line = engine.wait_for_line_containing("engine-sim summary:", timeout);
  engine.drain(5s);
  auto code = engine.wait_exit(10s);
  r.exit_code = code ? *code : engine.terminate(1s);
  if (line) r.summary = riskgate::testing::parse_summary(*line);
  r.lines = engine.lines();
  const std::string rule_prefix = "engine-sim reject_rule: ";
  const std::string text_prefix = "engine-sim reject_text: ";
  for (const auto& l : r.lines) {
    if (l.rfind(rule_prefix, 0) == 0) {
      const auto eq = l.rfind('=');
      r.reject_rules[l.substr(rule_prefix.size(), eq - rule_prefix.size())] =
          std::stol(l.substr(eq + 1));
    } else if (l.rfind(text_prefix, 0) == 0) {
      r.reject_texts.push_back(l.substr(text_prefix.size()));
    }
  }
  return r;
}

EngineRun run_engine(int port, const Identity& id, const std::vector<std::string>& extra) {
  ChildProcess engine = start_engine(port, id, extra);
  return finish_engine(engine);
}

std::string EngineRun::describe() const {
  std::string out = "engine-sim exit " + std::to_string(exit_code) + ":\n";
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

// ---------------------------------------------------------------------------

CtlResult riskgatectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{RISKGATE_CTL};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p = ChildProcess::spawn(argv, /*merge_stderr=*/true);
  p.drain(20s);
  CtlResult r;
  const auto code = p.wait_exit(10s);
  r.exit_code = code ? *code : p.terminate(1s);
  for (const auto& l : p.lines()) r.output += l + "\n";
  return r;
}

CtlResult ctl(const std::string& url, const std::string& token_file,
              const std::vector<std::string>& args) {
  std::vector<std::string> all{"--url", url, "--token-file", token_file};
  all.insert(all.end(), args.begin(), args.end());
  return riskgatectl(all);
}

std::string token_file(const TempDir& dir, const std::string& name, const std::string& token) {
  const std::string path = dir.file(name);
  write_private_file(path, "token = \"" + token + "\"\n");
  return path;
}

int http_get_status(const std::string& url, const std::string& path) {
  const std::string scheme = "http://127.0.0.1:";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("not a loopback URL: " + url);
  const int port = std::stoi(url.substr(scheme.size()));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      pollfd p{fd, POLLIN, 0};
      while (reply.find("\r\n") == std::string::npos && ::poll(&p, 1, 5000) > 0) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  // "HTTP/1.1 401 Unauthorized"
  const auto sp = reply.find(' ');
  return sp == std::string::npos ? -1 : std::atoi(reply.c_str() + sp + 1);
}

HttpReply http_get(const std::string& url, const std::string& path, const std::string& token,
                   std::chrono::milliseconds timeout) {
  const std::string scheme = "http://127.0.0.1:";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("not a loopback URL: " + url);
  const int port = std::stoi(url.substr(scheme.size()));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                            "\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left <= 0ms || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  HttpReply r;
  const auto sp = reply.find(' ');
  const auto body = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/", 0) != 0 || sp == std::string::npos || body == std::string::npos) {
    return r;
  }
  r.status = std::atoi(reply.c_str() + sp + 1);
  r.body = reply.substr(body + 4);
  return r;
}

int free_fixed_port() {
  int ephemeral_low = 32768;  // Linux's default net.ipv4.ip_local_port_range
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> ephemeral_low;
  // Below the ephemeral range and above the well-known ports; start at a
  // pid-dependent place so parallel tests rarely try the same port.
  const int low = 10000;
  const int high = std::max(low + 1, std::min(ephemeral_low, 32768));
  const int span = high - low;
  const int start = static_cast<int>(::getpid()) % span;
  for (int i = 0; i < span; ++i) {
    const int port = low + (start + i) % span;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free loopback port below the ephemeral range");
}

std::vector<std::string> audit_lines(const std::string& audit_log,
                                     const std::vector<std::string>& needles) {
  std::vector<std::string> out;
  std::ifstream in(audit_log);
  std::string line;
  while (std::getline(in, line)) {
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

std::vector<std::string> wait_audit(const std::string& audit_log,
                                    const std::vector<std::string>& needles,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto lines = audit_lines(audit_log, needles);
    if (!lines.empty() || std::chrono::steady_clock::now() >= deadline) return lines;
    std::this_thread::sleep_for(20ms);
  }
}

// ---------------------------------------------------------------------------

Stack::Stack(const std::vector<std::string>& exchange_args, GatewayConfig cfg)
    : exchange(exchange_args) {
  cfg.exchange_port = exchange.port();
  config_path = write_gateway_config(dir, cfg);
  gateway.emplace(config_path);
  if (!exchange.wait_logon(1)) throw std::runtime_error("riskgate did not log on to exchange-sim");
}

}  // namespace riskgate::itest
