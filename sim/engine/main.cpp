// engine-sim: a QuickFIX initiator playing a trading engine for riskgate's
// demo, integration tests and benchmarks. See sim/README.md for the options.
//
// Exit codes: 0 = it logged on and ran; 2 = no logon (refused or timed out);
// 1 = bad arguments or a setup error.
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/common/quickfix_support.hpp"
#include "sim/engine/engine_app.hpp"
#include "sim/engine/order_flow.hpp"

namespace {
using riskgate::sim::format_price;
using riskgate::sim::format_qty;
using riskgate::sim::quoted;
using riskgate::sim::say;
using Clock = std::chrono::steady_clock;

constexpr int kAccount = 1, kClOrdID = 11, kHandlInst = 21, kMsgSeqNum = 34, kMsgType = 35,
              kOrderQty = 38, kOrdType = 40, kOrigClOrdID = 41, kPrice = 44, kSide = 54,
              kSymbol = 55, kTimeInForce = 59, kTransactTime = 60, kMassCancelRequestType = 530;

std::string base36(unsigned long long v) {
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  do {
    s.insert(s.begin(), digits[v % 36]);
    v /= 36;
  } while (v != 0);
  return s;
}

std::string now_utc() {
  return FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3);
}

// Header tags QuickFIX fills itself at send time (Session::fill): their first
// occurrence is always the session's own value.
bool filled_header_tag(int tag) {
  return tag == 34 || tag == 49 || tag == 52 || tag == 56;
}

// "TAG=VALUE" for --repeat-tag; throws std::invalid_argument. Framing tags
// (8, 9, 10, 35) cannot be repeated through QuickFIX, nor other header tags.
void parse_repeat_tag(const std::string& spec, int& tag, std::string& value) {
  const auto eq = spec.find('=');
  const std::string bad = "bad --repeat-tag '" + spec + "', expected TAG=VALUE";
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    throw std::invalid_argument(bad);
  }
  char* end = nullptr;
  const std::string t = spec.substr(0, eq);
  const long n = std::strtol(t.c_str(), &end, 10);
  if (end == t.c_str() || *end != '\0' || n <= 0 || n > 99999) throw std::invalid_argument(bad);
  tag = static_cast<int>(n);
  if (tag == 8 || tag == 9 || tag == 10 || tag == 35 ||
      (FIX::Message::isHeaderField(tag) && !filled_header_tag(tag))) {
    throw std::invalid_argument("--repeat-tag " + t +
                                ": only body tags and header tags 34, 49, 52, 56 can be repeated");
  }
  value = spec.substr(eq + 1);
}

// The message as sent, SOH shown as '|'.
std::string printable(const FIX::Message& m) {
  std::string s = m.toString();
  for (char& c : s) {
    if (c == '\x01') c = '|';
  }
  return s;
}

struct Args {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string begin_string = "FIX.4.4";
  std::string sender = "ENGINE1";
  std::string target = "RISKGATE";
  int heartbeat = 30;
  std::string account = "ACC1";
  std::string symbols = "AAPL,MSFT";
  std::string ref_prices = "AAPL=190,MSFT=410";
  double rate = 100;
  int count = 10;
  double duration_seconds = 0;
  std::string pattern = "normal";
  unsigned long long seed = 1;
  int fat_finger_at = 3;
  int fat_finger_multiplier = 1000;
  long long parent_qty = 1000;
  long long child_qty = 100;
  int parent_id_tag = 7001;
  int parent_qty_tag = 7002;
  std::string parent_id;
  bool untagged = false;
  riskgate::sim::EngineIdentity identity;
  int retired_tag = 0;
  std::string retired_value;
  std::string repeat_tag;  // "TAG=VALUE" as given
  int repeat_tag_number = 0;
  std::string repeat_tag_value;
  int repeat_tag_at = 0;  // 1-based order index; 0 = every order
  double wait_seconds = 5;
  int gap_after = 0;
  int cancel_after_ms = 0;
  int cancel_unknown = 0;
  int replace_unknown = 0;
  bool mass_cancel_at_end = false;
  bool reset_on_logon = false;
  double logon_timeout_seconds = 10;
  std::string clordid_prefix;
  std::string store_dir;
  std::string json_summary;
  std::string exec_log;
  bool until_sigterm = false;
  bool verbose = false;
};

bool stopping() {
  return riskgate::sim::signal_flags().stop.load(std::memory_order_relaxed);
}

// SIGUSR2 ends the order flow early, as if --count had been reached, but not
// the process. Sticky: the signal flag is consumed, the answer stays.
bool flow_stopped() {
  static bool stopped = false;
  stopped =
      stopped || riskgate::sim::signal_flags().usr2.exchange(false, std::memory_order_relaxed);
  return stopped || stopping();
}

// Sends and returns whether QuickFIX accepted it for the wire.
bool send(FIX::Message& msg, const FIX::SessionID& sid) {
  try {
    return FIX::Session::sendToTarget(msg, sid);
  } catch (const FIX::SessionNotFound&) {
    return false;
  }
}

class Engine {
 public:
  Engine(const Args& a, riskgate::sim::EngineApp& app, const FIX::SessionID& sid)
      : a_(a), app_(app), sid_(sid) {}

  void send_order(const riskgate::sim::PlannedOrder& p, int index) {
    const std::string clordid = a_.clordid_prefix + std::to_string(index);
    FIX::Message m;
    m.getHeader().setField(kMsgType, "D");
    m.setField(kClOrdID, clordid);
    if (!a_.account.empty()) m.setField(kAccount, a_.account);
    m.setField(kHandlInst, "1");  // required in 4.2, harmless in 4.4
    m.setField(kSymbol, p.symbol);
    m.setField(kSide, std::string(1, p.side));
    m.setField(kTransactTime, now_utc());
    m.setField(kOrderQty, format_qty(p.qty));
    m.setField(kOrdType, "2");
    m.setField(kPrice, format_price(p.price));
    m.setField(kTimeInForce, "0");
    if (p.child) {
      m.setField(a_.parent_id_tag, p.parent_id);
      m.setField(a_.parent_qty_tag, format_qty(p.parent_qty));
    }
    if (a_.retired_tag > 0) m.setField(a_.retired_tag, a_.retired_value);
    const bool repeat =
        a_.repeat_tag_number > 0 && (a_.repeat_tag_at == 0 || a_.repeat_tag_at == index);
    if (repeat) add_repeated_tag(m);
    if (!app_.logged_on()) {
      app_.note_send_failed();
      return;
    }
    app_.register_order(clordid, p.qty, p.symbol, p.side);
    if (send(m, sid_)) {
      app_.note_sent();
      ++sent_;
      if (repeat) {
        // Session::send filled the header in place: these are the bytes sent.
        say("engine-sim repeated_tag_sent: clordid=" + clordid +
            " seq=" + riskgate::sim::get_string_or(m.getHeader(), kMsgSeqNum, "?") +
            " tag=" + std::to_string(a_.repeat_tag_number) + " raw=" + printable(m));
      }
      maybe_gap();
    } else {
      app_.forget_order(clordid);
      app_.note_send_failed();
    }
  }

  void send_due_cancels() {
    // While logged out a cancel would only be stored and replayed PossDup
    // at the next logon; it stays due instead and goes out when logged on.
    if (a_.cancel_after_ms <= 0 || !app_.logged_on()) return;
    for (const auto& t : app_.due_for_cancel(std::chrono::milliseconds(a_.cancel_after_ms))) {
      const std::string clordid = a_.clordid_prefix + "C" + std::to_string(++extra_seq_);
      app_.note_cancel_sent(t.clordid, clordid);
      FIX::Message m = cancel_like("F", clordid, t.clordid, t.symbol, t.side, t.qty);
      send(m, sid_);
    }
  }

  // Requests with no order behind them; each must come back as 35=9 or 35=j.
  int send_extras() {
    int expected = 0;
    for (int i = 0; i < a_.cancel_unknown; ++i, ++expected) {
      FIX::Message m = cancel_like("F", a_.clordid_prefix + "UC" + std::to_string(i),
                                   "UNKNOWN-" + std::to_string(i), first_symbol(), '1', 100);
      send(m, sid_);
    }
    for (int i = 0; i < a_.replace_unknown; ++i, ++expected) {
      FIX::Message m = cancel_like("G", a_.clordid_prefix + "UR" + std::to_string(i),
                                   "UNKNOWN-R" + std::to_string(i), first_symbol(), '1', 200);
      m.setField(kHandlInst, "1");
      m.setField(kOrdType, "2");
      m.setField(kPrice, "1.00");
      send(m, sid_);
    }
    if (a_.mass_cancel_at_end) {
      FIX::Message m;
      m.getHeader().setField(kMsgType, "q");
      m.setField(kClOrdID, a_.clordid_prefix + "MC");
      m.setField(kMassCancelRequestType, "7");  // all orders
      m.setField(kTransactTime, now_utc());
      send(m, sid_);
      ++expected;
    }
    return expected;
  }

  int sent() const { return sent_; }

 private:
  // A second occurrence of --repeat-tag's tag. FieldMap::setField(field, false)
  // appends instead of overwriting. With no first occurrence, a body tag's
  // value stands alone (a field that the order would not otherwise carry); a
  // header tag gets the session's value first, which Session::fill rewrites in
  // place at send time, so the given value always stays the second one.
  void add_repeated_tag(FIX::Message& m) {
    const int tag = a_.repeat_tag_number;
    const FIX::FieldBase second(tag, a_.repeat_tag_value);
    if (filled_header_tag(tag)) {
      FIX::FieldMap& h = m.getHeader();
      if (tag == 49) h.setField(tag, sid_.getSenderCompID().getValue());
      if (tag == 56) h.setField(tag, sid_.getTargetCompID().getValue());
      if (tag == 52) h.setField(tag, now_utc());
      if (tag == 34) h.setField(tag, "1");  // overwritten with the real number
      h.setField(second, false);
    } else {
      m.setField(second, false);
    }
  }

  std::string first_symbol() const {
    auto syms = riskgate::sim::split(a_.symbols, ',');
    return syms.empty() ? "AAPL" : syms.front();
  }

  FIX::Message cancel_like(const char* type, const std::string& clordid, const std::string& orig,
                           const std::string& symbol, char side, std::int64_t qty) {
    FIX::Message m;
    m.getHeader().setField(kMsgType, type);
    m.setField(kClOrdID, clordid);
    m.setField(kOrigClOrdID, orig);
    if (!a_.account.empty()) m.setField(kAccount, a_.account);
    m.setField(kSymbol, symbol);
    m.setField(kSide, std::string(1, side));
    m.setField(kOrderQty, format_qty(qty));
    m.setField(kTransactTime, now_utc());
    return m;
  }

  void maybe_gap() {
    if (a_.gap_after <= 0 || gap_done_ || sent_ < a_.gap_after) return;
    gap_done_ = true;
    if (const int skipped = riskgate::sim::skip_outbound_seq(sid_)) {
      say("engine-sim gap: skipped outbound MsgSeqNum " + std::to_string(skipped));
    }
  }

  const Args& a_;
  riskgate::sim::EngineApp& app_;
  FIX::SessionID sid_;
  int sent_ = 0;
  int extra_seq_ = 0;
  bool gap_done_ = false;
};

void sleep_until(Clock::time_point t) {
  while (!stopping() && Clock::now() < t) {
    const auto left = t - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(5)));
  }
}

void print_summary(const riskgate::sim::EngineStats& s, const Args& a, int exit_code) {
  say("engine-sim summary: sent=" + std::to_string(s.sent) +
      " send_failed=" + std::to_string(s.send_failed) + " acked=" + std::to_string(s.acked) +
      " filled_orders=" + std::to_string(s.filled_orders) + " filled_shares=" +
      std::to_string(s.filled_shares) + " partial_fills=" + std::to_string(s.partial_fills) +
      " rejected=" + std::to_string(s.rejected) + " canceled=" + std::to_string(s.canceled) +
      " replaced=" + std::to_string(s.replaced) + " expired=" + std::to_string(s.expired) +
      " cancels_sent=" + std::to_string(s.cancels_sent) + " cancel_rejects=" +
      std::to_string(s.cancel_rejects) + " business_rejects=" + std::to_string(s.business_rejects) +
      " session_rejects=" + std::to_string(s.session_rejects) +
      " mass_cancel_reports=" + std::to_string(s.mass_cancel_reports) + " unknown_reports=" +
      std::to_string(s.unknown_reports) + " logons=" + std::to_string(s.logons) +
      " logouts=" + std::to_string(s.logouts) + " logon_refused=" + (s.logon_refused ? "1" : "0") +
      " resend_requests_sent=" + std::to_string(s.resend_requests_sent) +
      " resend_requests_received=" + std::to_string(s.resend_requests_received) + " reset_logons=" +
      std::to_string(s.reset_logons) + " seq_resets=" + std::to_string(s.seq_resets) +
      " seq_too_low=" + std::to_string(s.seq_too_low) +
      " unanswered=" + std::to_string(s.unanswered) + " exit_code=" + std::to_string(exit_code) +
      " logout_text=" + quoted(s.logout_text));
  for (const auto& kv : s.reject_rules) {
    say("engine-sim reject_rule: " + kv.first + "=" + std::to_string(kv.second));
  }
  for (const auto& t : s.reject_texts) say("engine-sim reject_text: " + quoted(t));
  for (const auto& id : s.unanswered_ids) say("engine-sim unanswered: clordid=" + id);
  for (const auto& r : s.session_reject_details) {
    say("engine-sim session_reject: ref_seq=" + std::to_string(r.ref_seq) +
        " ref_tag=" + std::to_string(r.ref_tag) + " reason=" + std::to_string(r.reason) +
        " ref_msg_type=" + r.ref_msg_type + " clordid=" + r.clordid + " text=" + quoted(r.text));
  }
  if (a.json_summary.empty()) return;
  nlohmann::json j = {{"sent", s.sent},
                      {"send_failed", s.send_failed},
                      {"acked", s.acked},
                      {"filled_orders", s.filled_orders},
                      {"filled_shares", s.filled_shares},
                      {"partial_fills", s.partial_fills},
                      {"rejected", s.rejected},
                      {"canceled", s.canceled},
                      {"replaced", s.replaced},
                      {"expired", s.expired},
                      {"cancels_sent", s.cancels_sent},
                      {"cancel_rejects", s.cancel_rejects},
                      {"business_rejects", s.business_rejects},
                      {"session_rejects", s.session_rejects},
                      {"mass_cancel_reports", s.mass_cancel_reports},
                      {"unknown_reports", s.unknown_reports},
                      {"logons", s.logons},
                      {"logouts", s.logouts},
                      {"logon_refused", s.logon_refused},
                      {"resend_requests_sent", s.resend_requests_sent},
                      {"resend_requests_received", s.resend_requests_received},
                      {"reset_logons", s.reset_logons},
                      {"seq_resets", s.seq_resets},
                      {"seq_too_low", s.seq_too_low},
                      {"unanswered", s.unanswered},
                      {"logout_text", s.logout_text},
                      {"reject_texts", s.reject_texts},
                      {"reject_rules", s.reject_rules},
                      {"pattern", a.pattern},
                      {"untagged", a.untagged},
                      {"exit_code", exit_code}};
  std::ofstream(a.json_summary) << j.dump(2) << '\n';
}

int run(int argc, char** argv) {
  Args a;
  CLI::App cli{"engine-sim: QuickFIX initiator sending orders at a rate and pattern"};
  // A repeated option takes its last value, so scripts can override defaults.
  cli.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cli.add_option("--host", a.host, "Gateway (or exchange-sim) host");
  cli.add_option("--port", a.port, "Port to connect to")->required()->check(CLI::Range(1, 65535));
  cli.add_option("--begin-string", a.begin_string, "FIX.4.2 or FIX.4.4")
      ->check(CLI::IsMember({"FIX.4.2", "FIX.4.4"}));
  cli.add_option("--sender", a.sender, "Our SenderCompID");
  cli.add_option("--target", a.target, "Counterparty TargetCompID");
  cli.add_option("--heartbeat", a.heartbeat, "HeartBtInt (seconds)")->check(CLI::Range(1, 3600));
  cli.add_option("--account", a.account, "Account (tag 1); empty = omit");
  cli.add_option("--symbols", a.symbols, "Comma-separated symbols");
  cli.add_option("--ref-prices", a.ref_prices, "Reference prices, e.g. AAPL=190,MSFT=410");
  cli.add_option("--rate", a.rate, "Orders per second (0 = as fast as possible)");
  cli.add_option("--count", a.count, "Orders to send (0 = unbounded; see --duration-seconds)");
  cli.add_option("--duration-seconds", a.duration_seconds, "Stop sending after this long");
  cli.add_option("--pattern", a.pattern, "normal | fat-finger | runaway | knight")
      ->check(CLI::IsMember({"normal", "fat-finger", "runaway", "knight"}));
  cli.add_option("--seed", a.seed, "Seed of the deterministic order flow");
  cli.add_option("--fat-finger-at", a.fat_finger_at, "fat-finger: 1-based index of the big order");
  cli.add_option("--fat-finger-multiplier", a.fat_finger_multiplier, "fat-finger: size factor");
  cli.add_option("--parent-qty", a.parent_qty, "runaway: parent quantity");
  cli.add_option("--child-qty", a.child_qty, "runaway: child quantity");
  cli.add_option("--parent-id", a.parent_id, "runaway: parent id (default <prefix>P1)");
  cli.add_option("--parent-id-tag", a.parent_id_tag, "Tag carrying the parent reference");
  cli.add_option("--parent-qty-tag", a.parent_qty_tag, "Tag carrying the parent quantity");
  cli.add_flag("--untagged", a.untagged,
               "runaway, knight: children carry no parent id / parent quantity tags");
  cli.add_option("--app-name", a.identity.app_name, "Logon 1603 ApplicationSystemName");
  cli.add_option("--app-version", a.identity.app_version, "Logon 1604 TradingSystemVersion");
  cli.add_option("--app-vendor", a.identity.app_vendor, "Logon 1605 ApplicationSystemVendor");
  cli.add_option("--build-digest", a.identity.build_digest, "Logon build digest value");
  cli.add_option("--build-digest-tag", a.identity.build_digest_tag, "Tag of the build digest");
  cli.add_option("--username", a.identity.username, "Logon 553 Username");
  // A simulator's convenience: a real engine reads its password from a
  // protected file, not from its command line (visible in ps).
  cli.add_option("--password", a.identity.password, "Logon 554 Password");
  std::string attestation_file;
  cli.add_option("--attestation", attestation_file,
                 "Send the attestation in FILE (riskgatectl attest) as Logon RawData(96)");
  cli.add_option("--retired-tag", a.retired_tag, "Put TAG=--retired-value on every order");
  cli.add_option("--retired-value", a.retired_value, "Value for --retired-tag");
  cli.add_option(
      "--repeat-tag", a.repeat_tag,
      "TAG=VALUE: also send a second occurrence of TAG with VALUE (after the usual one)");
  cli.add_option("--repeat-tag-at", a.repeat_tag_at,
                 "--repeat-tag on the N-th order only (1-based; 0 = every order)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--wait-seconds", a.wait_seconds,
                 "Max wait for reports after the last order (ends early once all are settled)");
  cli.add_option("--gap-after", a.gap_after, "Skip one outbound MsgSeqNum after N orders");
  cli.add_option("--cancel-after-ms", a.cancel_after_ms,
                 "Cancel each working order this long after its ack");
  cli.add_option("--cancel-unknown", a.cancel_unknown,
                 "At the end, send N cancels for unknown orders");
  cli.add_option("--replace-unknown", a.replace_unknown,
                 "At the end, send N cancel/replaces for unknown orders");
  cli.add_flag("--mass-cancel-at-end", a.mass_cancel_at_end,
               "At the end, send OrderMassCancelRequest (all orders)");
  cli.add_flag("--reset-on-logon", a.reset_on_logon, "Logon with ResetSeqNumFlag=Y");
  cli.add_option("--logon-timeout-seconds", a.logon_timeout_seconds, "Give up (exit 2) after");
  cli.add_option("--clordid-prefix", a.clordid_prefix,
                 "ClOrdID prefix (default <sender>-<time base36>-, unique per run)");
  cli.add_option("--store-dir", a.store_dir, "QuickFIX FileStore directory (default: memory)");
  cli.add_option("--json-summary", a.json_summary, "Also write the summary as JSON to FILE");
  cli.add_option("--exec-log", a.exec_log,
                 "Write one line per ExecutionReport received (exec_id= seq= clordid= ...) to "
                 "FILE");
  cli.add_flag("--until-sigterm", a.until_sigterm,
               "After the flow (count, duration or SIGUSR2), stay logged on until SIGTERM; "
               "with --count 0 and no --duration-seconds the flow is unbounded");
  cli.add_flag("--verbose", a.verbose, "Log FIX traffic and events to stdout");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (a.clordid_prefix.empty()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    a.clordid_prefix = a.sender + "-" + base36(static_cast<unsigned long long>(ms)) + "-";
  }
  if (a.parent_id.empty()) a.parent_id = a.clordid_prefix + "P1";
  if (!attestation_file.empty()) {
    try {
      a.identity.attestation = riskgate::sim::read_attestation_file(attestation_file);
    } catch (const std::exception& e) {
      std::cerr << "engine-sim: " << e.what() << "\n";
      return 64;
    }
  }
  if (!a.repeat_tag.empty())
    parse_repeat_tag(a.repeat_tag, a.repeat_tag_number, a.repeat_tag_value);

  riskgate::sim::FlowConfig flow_config;
  flow_config.pattern = riskgate::sim::parse_pattern(a.pattern);
  flow_config.seed = a.seed;
  const auto prices = riskgate::sim::parse_ref_prices(a.ref_prices);
  for (const auto& sym : riskgate::sim::split(a.symbols, ',')) {
    double px = 100.0;
    for (const auto& kv : prices) {
      if (kv.first == sym) px = kv.second;
    }
    flow_config.symbols.emplace_back(sym, px);
  }
  flow_config.fat_finger_at = a.fat_finger_at;
  flow_config.fat_finger_multiplier = a.fat_finger_multiplier;
  flow_config.parent_id = a.parent_id;
  flow_config.parent_qty = a.parent_qty;
  flow_config.child_qty = a.child_qty;
  flow_config.untagged = a.untagged;
  riskgate::sim::OrderFlow flow(flow_config);

  riskgate::sim::install_signal_handlers();

  FIX::SessionID sid(a.begin_string, a.sender, a.target);
  FIX::SessionSettings settings;
  FIX::Dictionary d = riskgate::sim::base_session_settings(a.begin_string, a.heartbeat);
  d.setString(FIX::CONNECTION_TYPE, "initiator");
  d.setString(FIX::SOCKET_CONNECT_HOST, a.host);
  d.setInt(FIX::SOCKET_CONNECT_PORT, a.port);
  d.setInt(FIX::RECONNECT_INTERVAL, 1);
  d.setBool(FIX::SOCKET_NODELAY, true);
  d.setBool(FIX::RESET_ON_LOGON, a.reset_on_logon);
  d.setString(FIX::SENDERCOMPID, a.sender);
  d.setString(FIX::TARGETCOMPID, a.target);
  if (!a.store_dir.empty()) d.setString(FIX::FILE_STORE_PATH, a.store_dir);
  // SocketInitiator reads ReconnectInterval (and SocketNodelay) from the
  // default section only; per-session values are silently ignored.
  settings.set(d);
  settings.set(sid, d);

  std::shared_ptr<riskgate::sim::LineFile> exec_log;
  if (!a.exec_log.empty()) exec_log = std::make_shared<riskgate::sim::LineFile>(a.exec_log);
  riskgate::sim::EngineApp app(a.identity, a.reset_on_logon, exec_log);
  std::unique_ptr<FIX::MessageStoreFactory> store;
  if (a.store_dir.empty()) {
    store.reset(new FIX::MemoryStoreFactory());
  } else {
    store.reset(new FIX::FileStoreFactory(a.store_dir));
  }
  std::unique_ptr<FIX::LogFactory> log;
  if (a.verbose) {
    log.reset(new FIX::ScreenLogFactory(true, true, true));
  } else {
    log.reset(new riskgate::sim::NullLogFactory());
  }
  FIX::SocketInitiator initiator(app, *store, settings, *log);
  initiator.start();

  const auto logon_deadline =
      Clock::now() +
      std::chrono::milliseconds(static_cast<long long>(a.logon_timeout_seconds * 1e3));
  while (!app.logged_on() && !app.logon_refused() && !stopping() && Clock::now() < logon_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!app.logged_on()) {
    initiator.stop(true);
    const auto s = app.stats();
    std::cerr << "engine-sim: no logon to " << a.host << ':' << a.port
              << (s.logon_refused ? " (refused: " + s.logout_text + ")" : " (timed out)") << '\n';
    print_summary(s, a, 2);
    return 2;
  }

  Engine engine(a, app, sid);
  const auto t0 = Clock::now();
  const auto end_of_sending =
      a.duration_seconds > 0
          ? t0 + std::chrono::milliseconds(static_cast<long long>(a.duration_seconds * 1e3))
          : Clock::time_point::max();
  const bool unbounded = a.until_sigterm && a.count == 0 && a.duration_seconds <= 0;
  for (int i = 0; !flow_stopped() && (a.count == 0 || i < a.count); ++i) {
    // Nothing to send: just wait below.
    if (a.count == 0 && a.duration_seconds <= 0 && !unbounded) break;
    if (a.rate > 0) {
      sleep_until(t0 + std::chrono::microseconds(static_cast<long long>(1e6 * i / a.rate)));
    }
    if (flow_stopped() || Clock::now() >= end_of_sending) break;
    engine.send_order(flow.next(), i + 1);
    engine.send_due_cancels();
  }

  if (a.until_sigterm) {
    // The flow is over; the session stays up (reconnecting as needed) so every
    // report still owed reaches this engine and its --exec-log.
    const auto s = app.stats();
    say("engine-sim flow stopped: sent=" + std::to_string(s.sent) + " send_failed=" +
        std::to_string(s.send_failed) + " cancels_sent=" + std::to_string(s.cancels_sent));
    while (!stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    initiator.stop();
    print_summary(app.stats(), a, 0);
    return 0;
  }

  // Wait for the answers: every order answered (and, when cancels will come,
  // done), then any extra requests answered; bounded by --wait-seconds overall.
  const auto wait_deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(a.wait_seconds * 1e3));
  const bool idle_run = engine.sent() == 0 && a.cancel_unknown == 0 && a.replace_unknown == 0 &&
                        !a.mass_cancel_at_end;
  const bool working_counts = a.cancel_after_ms > 0 || !a.mass_cancel_at_end;
  while (!stopping() && Clock::now() < wait_deadline) {
    engine.send_due_cancels();
    if (!idle_run && app.settled(working_counts)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!stopping() && app.logged_on()) {
    const std::int64_t before = app.extra_responses();
    const int expected = engine.send_extras();
    while (expected > 0 && !stopping() && Clock::now() < wait_deadline &&
           app.extra_responses() - before < expected) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (a.mass_cancel_at_end) {
      while (!stopping() && Clock::now() < wait_deadline && !app.settled(true)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  initiator.stop();
  print_summary(app.stats(), a, 0);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "engine-sim: " << e.what() << '\n';
    return 1;
  }
}
