#include "gateway/control/ctl.hpp"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "gateway/control/audit_chain.hpp"
#include "gateway/control/ctl_attest.hpp"
#include "gateway/control/ctl_engine_secret.hpp"
#include "gateway/control/ctl_msglog.hpp"
#include "gateway/control/engine_secrets.hpp"
#include "gateway/control/http_client.hpp"
#include "gateway/control/types.hpp"
#include "gateway/journal/reader.hpp"

namespace riskgate::control {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string jstr(const nlohmann::json& j, const char* key, const char* dflt = "") {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return dflt;
}

std::string short_digest(const std::string& d) {
  if (d.empty()) return "<none>";
  return d.size() > 16 ? d.substr(0, 16) + "…" : d;
}

// Typed reads that tolerate a missing key or a value of another type: status
// comes from another process and may be older or newer than this tool.
bool jbool(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}
const nlohmann::json& jfield(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

struct InstanceReport {
  std::string url;
  std::string name;
  bool reachable = false;
  std::string build_sha;
  std::vector<std::string> lines;  // Printed under the instance.
  std::vector<std::string> drift;  // Reasons; empty = clean.
};

void check_instance(InstanceReport& r, const nlohmann::json& st, const config::Manifest& m) {
  r.name = jstr(st, "instance", "?");
  r.build_sha = jstr(st, "binary_sha256");
  // The running config: the gateway reports the digest of the last file it
  // applied, so a reload shows here.
  const std::string cfg = jstr(st, "config_sha256");
  const config::DeploymentVerdict dv = m.verify_deployment(r.build_sha, cfg);
  r.lines.push_back("build   " + (r.build_sha.empty() ? "<none>" : r.build_sha) + "  (" +
                    jstr(st, "build_id", "?") + ", version " + jstr(st, "version", "?") + ")  " +
                    (dv.binary_ok ? "ok" : "DRIFT: manifest approves " + m.gateway.build_digest));
  if (!dv.binary_ok)
    r.drift.push_back("build digest " + short_digest(r.build_sha) + " not approved");
  r.lines.push_back("config  " + (cfg.empty() ? "<none>" : cfg) + "  " +
                    (dv.config_ok ? "ok" : "DRIFT: manifest approves " + m.gateway.config_digest));
  if (!dv.config_ok)
    r.drift.push_back("running config digest " + short_digest(cfg) + " not approved");
  if (st.contains("manifest") && st["manifest"].is_object() && st["manifest"].contains("self_ok") &&
      st["manifest"]["self_ok"].is_boolean() && !st["manifest"]["self_ok"].get<bool>()) {
    r.drift.push_back("instance reports failed self-verification: " +
                      jstr(st["manifest"], "reason"));
  }
  const auto& sessions = st.contains("sessions") ? st["sessions"] : nlohmann::json::array();
  std::size_t engines = 0;
  for (const auto& s : sessions) {
    if (!s.is_object() || !s.contains("engine") || !s["engine"].is_object()) continue;
    ++engines;
    const auto& e = s["engine"];
    const std::string sess = jstr(s, "name", "?");
    const std::string comp = jstr(s, "sender_comp_id", sess.c_str());
    const std::string app = jstr(e, "app_name"), version = jstr(e, "version"),
                      vendor = jstr(e, "vendor"), digest = jstr(e, "digest");
    config::DeclaredIdentity id{app, version, vendor, digest};
    std::string why;
    // In the gateway's order: the attestation (checked at the Logon's time,
    // as the gateway did), then the declared identity.
    const std::string attestation = jstr(e, "attestation");
    const nlohmann::json& at = jfield(e, "logon_unix_s");
    const config::AttestationVerdict av = m.verify_attestation(
        comp, jstr(s, "peer_host"), id, attestation, std::to_string(attestation.size()),
        at.is_number_integer() ? at.get<std::int64_t>() : 0, m.gateway.version, &why);
    const bool ok = av == config::AttestationVerdict::kOk &&
                    m.verify_engine(comp, jstr(s, "peer_host"), id, m.gateway.version, &why) ==
                        config::IdentityVerdict::kApproved;
    std::string line = "engine  " + sess + " (" + comp + ", " + jstr(s, "state", "?") +
                       "): " + app + " " + version + " / " + vendor + " digest " +
                       short_digest(digest) + (m.attestation && ok ? " attested" : "") + "  ";
    if (ok) {
      line += "ok";
    } else {
      line += "DRIFT: " + why;
      r.drift.push_back(why);
    }
    r.lines.push_back(line);
  }
  if (engines == 0) r.lines.push_back("engine  (none connected)");
}

// A whole number, or "none" (null: no limit yet).
std::string number_text(const nlohmann::json& v) {
  if (!v.is_number()) return "none";
  return std::to_string(std::llround(v.get<double>()));
}

// "5s", "60s", "500ms": a window as short as it reads.
std::string window_text(const nlohmann::json& r) {
  const nlohmann::json& w = jfield(r, "window_ms");
  if (!w.is_number_integer()) return "";
  const auto ms = w.get<std::int64_t>();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// A session's flow envelope: one line per rule ("value / threshold"), or one
// "idle" line while nothing has moved, so a quiet fleet stays short.
void print_flow(const nlohmann::json& flow, std::ostream& out) {
  const nlohmann::json& rules = jfield(flow, "rules");
  if (!rules.is_array()) return;
  const bool throttled = jbool(flow, "throttled");
  bool active = throttled;
  for (const auto& r : rules) {
    const nlohmann::json& v = jfield(r, "value");
    if (jbool(r, "breached") || (v.is_number() && v.get<double>() != 0.0)) active = true;
  }
  if (!active) {
    out << "    flow  idle (" << rules.size() << " rules)\n";
    return;
  }
  if (throttled) out << "    flow  THROTTLED (held to the throttle rate)\n";
  for (const auto& r : rules) {
    const std::string value =
        jbool(r, "per_symbol") ? "per symbol" : number_text(jfield(r, "value"));
    char line[160];
    std::snprintf(line, sizeof line, "    flow  %-20s %5s %12s / %s", jstr(r, "rule", "?").c_str(),
                  window_text(r).c_str(), value.c_str(),
                  number_text(jfield(r, "threshold")).c_str());
    std::string text = line;
    const nlohmann::json& baseline = jfield(r, "baseline");
    if (baseline.is_number() && baseline.get<double>() > 0)
      text += "  baseline " + number_text(baseline);
    if (jbool(r, "breached")) text += "  BREACHED";
    out << text << "\n";
  }
}

int do_status(const Url& url, const std::string& token, std::chrono::milliseconds timeout,
              std::ostream& out, std::ostream& err) {
  const HttpResult res = http_request(url, "GET", "/status", token, "", timeout);
  if (res.status != 200) {
    err << "riskgatectl: " << url.to_string() << " answered " << res.status << ": " << res.body;
    return kCtlDrift;
  }
  const auto st = nlohmann::json::parse(res.body, nullptr, false);
  if (st.is_discarded() || !st.is_object()) {
    err << "riskgatectl: /status is not a JSON object\n";
    return kCtlDrift;
  }
  print_status(st, out);
  return kCtlOk;
}

int do_config(const Url& url, const std::string& token, std::chrono::milliseconds timeout,
              std::ostream& out, std::ostream& err) {
  const HttpResult res = http_request(url, "GET", "/config", token, "", timeout);
  if (res.status != 200) {
    err << "riskgatectl: " << url.to_string() << " answered " << res.status << ": " << res.body;
    return kCtlDrift;
  }
  out << res.body;
  return kCtlOk;
}

int do_post(const Url& url, const std::string& token, std::chrono::milliseconds timeout,
            const std::string& path, const nlohmann::json& body, std::ostream& out,
            std::ostream& err) {
  const HttpResult res = http_request(url, "POST", path, token, body.dump(), timeout);
  const auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status != 200) {
    err << "riskgatectl: " << path << " refused (" << res.status
        << "): " << (j.is_object() ? jstr(j, "error", res.body.c_str()) : res.body) << "\n";
    return kCtlDrift;
  }
  out << (j.is_object() ? jstr(j, "message", "ok") : "ok") << "\n";
  if (j.is_object() && j.contains("detail") && !j["detail"].empty())
    out << j["detail"].dump(2) << "\n";
  return kCtlOk;
}

}  // namespace

void print_status(const nlohmann::json& st, std::ostream& out) {
  out << "instance  " << jstr(st, "instance", "?") << "  version " << jstr(st, "version", "?")
      << "  build " << jstr(st, "build_id", "?") << "\n";
  out << "binary    " << jstr(st, "binary_sha256", "?") << "\n";
  out << "config    " << jstr(st, "config_sha256", "?") << "\n";
  if (st.contains("manifest") && st["manifest"].is_object()) {
    out << "manifest  " << jstr(st["manifest"], "path") << ": "
        << jstr(st["manifest"], "reason", "?") << "\n";
  }
  if (st.contains("audit") && st["audit"].is_object())
    out << "audit     " << st["audit"].dump() << "\n";
  if (st.contains("message_log") && st["message_log"].is_object())
    out << "msglog    " << st["message_log"].dump() << "\n";
  if (st.contains("alerts") && st["alerts"].is_array() && !st["alerts"].empty()) {
    out << "alerts:\n";
    for (const auto& a : st["alerts"]) out << "  ! " << jstr(a, "text", "?") << "\n";
  }
  out << "sessions:\n";
  if (st.contains("sessions") && st["sessions"].is_array()) {
    for (const auto& s : st["sessions"]) {
      out << "  " << jstr(s, "name", "?") << " [" << jstr(s, "role", "?") << "] "
          << jstr(s, "state", "?");
      if (s.contains("engine") && s["engine"].is_object()) {
        const auto& e = s["engine"];
        const bool ok =
            e.contains("approved") && e["approved"].is_boolean() && e["approved"].get<bool>();
        out << "  engine " << jstr(e, "app_name") << " " << jstr(e, "version") << " ("
            << jstr(e, "vendor") << ") "
            << (ok ? "approved" : "NOT APPROVED: " + jstr(e, "reason"));
      }
      if (jbool(s, "killed")) out << "  KILLED";
      out << "\n";
      if (s.contains("flow")) print_flow(s["flow"], out);
    }
  }
  out << "kills:\n";
  if (st.contains("kills") && st["kills"].is_array() && !st["kills"].empty()) {
    for (const auto& k : st["kills"]) {
      out << "  " << jstr(k, "scope", "?")
          << (jstr(k, "target").empty() ? "" : " " + jstr(k, "target")) << "  by "
          << jstr(k, "actor", "?") << " at " << jstr(k, "ts", "?") << ": " << jstr(k, "reason")
          << "\n";
    }
  } else {
    out << "  (none)\n";
  }
  if (st.contains("tables") && st["tables"].is_object()) {
    out << "tables   ";
    for (const auto& [name, t] : st["tables"].items()) {
      const nlohmann::json& pct = jfield(t, "pct");
      out << " " << name << " " << number_text(jfield(t, "used")) << "/"
          << number_text(jfield(t, "capacity")) << " ("
          << (pct.is_number() ? pct.get<double>() : 0.0) << "%)";
    }
    out << "\n";
  }
  if (st.contains("limits")) out << "limits:\n" << st["limits"].dump(2) << "\n";
  if (st.contains("flows_disabled") && st["flows_disabled"].is_array() &&
      !st["flows_disabled"].empty()) {
    out << "flows disabled:\n" << st["flows_disabled"].dump(2) << "\n";
  }
}

std::string read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read token file " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  // TOML form first (`token = "..."`), so a file shared with other tools works.
  try {
    const toml::table t = toml::parse(text, path.string());
    if (auto v = t["token"].value<std::string>(); v && !v->empty()) return *v;
  } catch (const toml::parse_error&) {
    // Not TOML: a bare token.
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (!line.empty() && line[0] != '#') return line;
  }
  throw std::runtime_error("token file " + path.string() + " holds no token");
}

std::vector<std::string> parse_instances(const std::string& file_or_list) {
  std::vector<std::string> out;
  std::error_code ec;
  if (std::filesystem::is_regular_file(file_or_list, ec)) {
    std::ifstream in(file_or_list);
    std::string line;
    while (std::getline(in, line)) {
      if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      line = trim(line);
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }
  std::stringstream ss(file_or_list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int audit_fleet(const std::vector<std::string>& urls, const config::Manifest& manifest,
                const std::string& token, std::ostream& out, std::chrono::milliseconds timeout) {
  std::vector<InstanceReport> reports;
  for (const auto& u : urls) {
    InstanceReport r;
    r.url = u;
    try {
      const HttpResult res = http_request(parse_url(u), "GET", "/status", token, "", timeout);
      if (res.status != 200) {
        r.drift.push_back("GET /status answered " + std::to_string(res.status));
        r.name = "?";
      } else {
        const auto st = nlohmann::json::parse(res.body, nullptr, false);
        if (st.is_discarded() || !st.is_object()) {
          r.drift.push_back("GET /status is not a JSON object");
        } else {
          r.reachable = true;
          check_instance(r, st, manifest);
        }
      }
    } catch (const UnreachableError& e) {
      r.drift.push_back(std::string("UNREACHABLE: ") + e.what());
    } catch (const std::invalid_argument& e) {
      r.drift.push_back(std::string("UNREACHABLE: bad URL: ") + e.what());
    }
    reports.push_back(std::move(r));
  }

  // Fleet consistency: eight servers must run one build (Knight's eighth did not).
  std::map<std::string, std::size_t> builds;
  for (const auto& r : reports) {
    if (r.reachable) ++builds[r.build_sha];
  }
  if (builds.size() > 1) {
    std::size_t best = 0;
    std::size_t ties = 0;
    std::string majority;
    for (const auto& [sha, n] : builds) {
      if (n > best) {
        best = n;
        majority = sha;
        ties = 1;
      } else if (n == best) {
        ++ties;
      }
    }
    for (auto& r : reports) {
      if (!r.reachable) continue;
      if (ties > 1) {
        r.drift.push_back("fleet runs " + std::to_string(builds.size()) + " different builds");
      } else if (r.build_sha != majority) {
        r.drift.push_back("build differs from the fleet majority (" + short_digest(majority) +
                          " on " + std::to_string(best) + " instances)");
      }
    }
  }

  std::size_t drifted = 0;
  std::size_t unreachable = 0;
  std::string drifted_names;
  for (const auto& r : reports) {
    const bool bad = !r.drift.empty();
    out << (bad ? "DRIFT " : "OK    ") << r.url << " (" << (r.name.empty() ? "?" : r.name) << ")\n";
    for (const auto& l : r.lines) out << "    " << l << "\n";
    for (const auto& d : r.drift) out << "    ! " << d << "\n";
    if (bad) {
      ++drifted;
      drifted_names += (drifted_names.empty() ? "" : ", ") + r.url + " (" + r.name + ")";
    }
    if (!r.reachable) ++unreachable;
  }
  out << "audit: " << reports.size() << " instances, " << drifted << " drifted, " << unreachable
      << " unreachable" << (drifted > 0 ? ": " + drifted_names : std::string()) << "\n";
  if (unreachable > 0) return kCtlUnreachable;
  return drifted > 0 ? kCtlDrift : kCtlOk;
}

int verify_audit_log(const std::vector<std::filesystem::path>& files, std::ostream& out) {
  const ChainReport rep = verify_audit_chain(files);
  for (const auto& n : rep.notes) out << "note: " << n << "\n";
  if (rep.broken) {
    const ChainBreak& b = *rep.broken;
    out << "BROKEN: " << b.file.string();
    if (b.line != 0) out << ":" << b.line;
    out << ": " << b.what << " (" << rep.records << " records intact before it)\n";
    return kCtlDrift;
  }
  out << "OK, " << rep.records << " records in " << files.size()
      << (files.size() == 1 ? " file" : " files") << "\n";
  return kCtlOk;
}

int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "riskgatectl: operate riskgate instances (status, kill, release, reload, audit, "
      "journal, audit-log, msglog) and make releases (manifest, attest-keygen, attest)"};
  app.require_subcommand(1);
  std::string url = "http://127.0.0.1:8081";
  std::string token_file;
  int timeout_ms = 5000;
  app.add_option("--url", url, "Admin API base URL");
  app.add_option("--token-file", token_file,
                 "File holding the bearer token (default: $RISKGATE_TOKEN_FILE)");
  app.add_option("--timeout-ms", timeout_ms, "Per-step network timeout")
      ->check(CLI::PositiveNumber);

  auto* status =
      app.add_subcommand("status", "Sessions, verified versions, limit usage, kill states");
  auto* config = app.add_subcommand(
      "config", "The config the instance runs (its startup config with reloaded limits), as TOML");
  std::string scope;
  std::string target;
  std::string reason;
  const std::vector<std::string> scopes = {"global", "exchange", "session", "account", "symbol"};
  auto* kill = app.add_subcommand("kill", "Engage a kill switch");
  auto* release = app.add_subcommand("release", "Release a kill switch (admin)");
  for (auto* sc : {kill, release}) {
    sc->add_option("--scope", scope, "global|exchange|session|account|symbol")
        ->required()
        ->check(CLI::IsMember(scopes));
    sc->add_option("--target", target, "Session, account or symbol name (not for global)");
    sc->add_option("--reason", reason, "Why (recorded in the audit)")->required();
  }
  auto* reload = app.add_subcommand("reload", "Reload config and limits (admin)");
  reload->add_option("--reason", reason, "Why (recorded in the audit)");
  std::string instances;
  std::string manifest_path;
  auto* audit = app.add_subcommand("audit", "Compare a fleet of instances with the manifest");
  audit->add_option("--instances", instances, "File with one URL per line, or URL,URL,...")
      ->required();
  audit->add_option("--manifest", manifest_path, "Release manifest (TOML)")->required();

  std::string journal_file;
  std::string journal_session;
  std::string journal_order;
  auto* journal =
      app.add_subcommand("journal", "Print a journal file, or one session's or order's history");
  journal->add_option("file", journal_file, "Journal file")->required();
  journal->add_option("--session", journal_session, "Only records of this session (its name)");
  journal->add_option("--order", journal_order,
                      "Only this ClOrdID's order events and the messages carrying it (11 or 41)");

  EngineSecretRequest secret;
  auto* engine_secret = app.add_subcommand(
      "engine-secret", "Make an EngineSecretsFile entry; the password is read from stdin");
  engine_secret->add_option("--session", secret.session, "The engine's [[session]] Name")
      ->required();
  engine_secret->add_option("--username", secret.username,
                            "Username(553) the engine sends (default: the session name)");
  engine_secret->add_option("--iterations", secret.iterations, "PBKDF2 iterations")
      ->check(CLI::Range(kMinPbkdf2Iterations, kMaxPbkdf2Iterations));
  engine_secret->add_option("--file", secret.file,
                            "Append to this secrets file (created 0600) instead of printing");

  MsglogRequest msglog_req;
  auto* msglog = app.add_subcommand(
      "msglog", "One order's whole conversation on both legs, from the FIX message logs");
  msglog->add_option("--dir", msglog_req.dir, "The FileLogPath directory")->required();
  msglog->add_option("--cl-ord-id", msglog_req.cl_ord_id, "The engine's ClOrdID")->required();
  msglog->add_option("--date", msglog_req.date, "YYYYMMDD (UTC; default: today)");
  msglog->add_option("--session", msglog_req.session,
                     "The engine session the ClOrdID is from (default: every one)");

  std::vector<std::string> audit_log_files;
  auto* audit_log = app.add_subcommand("audit-log", "Offline checks of audit log files");
  audit_log->require_subcommand(1);
  auto* audit_log_verify = audit_log->add_subcommand(
      "verify", "Check the hash chain of one file, or of rotated files given oldest first");
  audit_log_verify->add_option("files", audit_log_files, "Audit log files, oldest first")
      ->required()
      ->check(CLI::ExistingFile);

  AttestCommands attest;  // attest-keygen, attest, manifest: the release steps.
  add_attest_commands(app, attest);

  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, out, err);
    return rc == 0 ? kCtlOk : kCtlUsage;
  }

  if (*engine_secret) return run_engine_secret(secret, std::cin, out, err);
  if (auto rc = run_attest_commands(attest, out, err)) return *rc;
  if (*msglog) return run_msglog(msglog_req, out, err);
  // Offline: reads files, needs no gateway and no token.
  if (*audit_log_verify) {
    return verify_audit_log({audit_log_files.begin(), audit_log_files.end()}, out);
  }
  if (*journal) {
    try {
      const journal::JournalFile file(journal_file);
      journal::PrintFilter filter;
      if (!journal_session.empty()) filter.session = journal_session;
      if (!journal_order.empty()) filter.cl_ord_id = journal_order;
      journal::print_journal(file, filter, out);
      return kCtlOk;
    } catch (const std::exception& e) {
      err << "riskgatectl: " << e.what() << "\n";
      return kCtlUsage;
    }
  }

  if (token_file.empty()) {
    if (const char* env = std::getenv("RISKGATE_TOKEN_FILE"); env != nullptr) token_file = env;
  }
  std::string token;
  try {
    if (token_file.empty()) {
      err << "riskgatectl: no token: pass --token-file or set RISKGATE_TOKEN_FILE\n";
      return kCtlUsage;
    }
    token = read_token_file(token_file);
  } catch (const std::exception& e) {
    err << "riskgatectl: " << e.what() << "\n";
    return kCtlUsage;
  }
  const std::chrono::milliseconds timeout(timeout_ms);

  try {
    if (*audit) {
      config::Manifest m;
      try {
        m = config::load_manifest(manifest_path);
      } catch (const config::ConfigError& e) {
        // Every problem, one per line with file, line and key (a duplicate
        // approval or a malformed digest makes the whole manifest invalid).
        for (const auto& line : e.errors()) err << "riskgatectl: " << line << "\n";
        return kCtlUsage;
      } catch (const std::exception& e) {
        err << "riskgatectl: " << e.what() << "\n";
        return kCtlUsage;
      }
      const auto urls = parse_instances(instances);
      if (urls.empty()) {
        err << "riskgatectl: --instances names no instance\n";
        return kCtlUsage;
      }
      return audit_fleet(urls, m, token, out, timeout);
    }
    const Url u = parse_url(url);
    if (*status) return do_status(u, token, timeout, out, err);
    if (*config) return do_config(u, token, timeout, out, err);
    if (*kill || *release) {
      if (scope != "global" && target.empty()) {
        err << "riskgatectl: --target is required for scope " << scope << "\n";
        return kCtlUsage;
      }
      nlohmann::json body = {{"scope", scope}, {"reason", reason}};
      if (scope != "global") body["target"] = target;
      return do_post(u, token, timeout, *kill ? "/kill" : "/release", body, out, err);
    }
    if (*reload) return do_post(u, token, timeout, "/reload", {{"reason", reason}}, out, err);
  } catch (const UnreachableError& e) {
    err << "riskgatectl: unreachable: " << e.what() << "\n";
    return kCtlUnreachable;
  } catch (const std::invalid_argument& e) {
    err << "riskgatectl: " << e.what() << "\n";
    return kCtlUsage;
  }
  return kCtlUsage;
}

}  // namespace riskgate::control
