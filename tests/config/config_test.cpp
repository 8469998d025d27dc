#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace riskgate::config {
namespace {

const std::string kSrc = RISKGATE_SOURCE_DIR;
const std::string kData = kSrc + "/tests/config/data/";

// A small valid config; tests append to it or replace one line of it.
// Line numbers matter to some assertions: keep them in step.
const std::string kMinimal =
    R"([[session]]
Name = "ENGINE1"
ConnectionType = "acceptor"
BeginString = "FIX.4.4"
SenderCompID = "RISKGATE"
TargetCompID = "ENGINE1"
SocketAcceptPort = 9878
Route = "EXCH"

[[session]]
Name = "EXCH"
ConnectionType = "initiator"
BeginString = "FIX.4.2"
SenderCompID = "RISKGATE"
TargetCompID = "EXCHANGE"
SocketConnectHost = "127.0.0.1"
SocketConnectPort = 9880

[risk]
[[risk.symbol]]
symbol = "AAPL"
reference_price = 190.00

[[risk.symbol]]
symbol = "MSFT"
reference_price = 410

[[risk.account]]
name = "ACC1"
)";

std::string replace_line(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// Parses `text` expecting failure; returns the message.
std::string error_of(const std::string& text, const std::string& name = "test.toml") {
  try {
    (void)parse_config(text, name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "config was accepted:\n" << text;
  return {};
}

std::string load_error_of(const std::string& path) {
  try {
    (void)load_config(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "config was accepted: " << path;
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// ---------------------------------------------------------------------------
// The shipped files

TEST(DefaultConfig, LoadsAndDescribesTheLoopbackDemo) {
  const Config c = load_config(kSrc + "/config/riskgate.toml");
  ASSERT_EQ(c.sessions.size(), 3u);
  const SessionDef* e1 = c.find_session("ENGINE1");
  const SessionDef* e2 = c.find_session("ENGINE2");
  const SessionDef* ex = c.find_session("EXCH");
  ASSERT_TRUE(e1 && e2 && ex);
  EXPECT_EQ(e1->connection_type, ConnectionType::kAcceptor);
  EXPECT_EQ(e1->socket_accept_port, 9878);
  EXPECT_EQ(e2->socket_accept_port, 9878);
  EXPECT_EQ(e1->target_comp_id, "ENGINE1");
  EXPECT_EQ(e2->target_comp_id, "ENGINE2");
  EXPECT_EQ(e1->route, "EXCH");
  EXPECT_EQ(e2->route, "EXCH");
  EXPECT_EQ(e1->cl_ord_id_prefix, "E1-");
  EXPECT_EQ(e2->cl_ord_id_prefix, "E2-");
  EXPECT_TRUE(e1->identity_required);
  EXPECT_EQ(ex->connection_type, ConnectionType::kInitiator);
  EXPECT_EQ(ex->socket_connect_host, "127.0.0.1");
  EXPECT_EQ(ex->socket_connect_port, 9880);
  EXPECT_EQ(ex->target_comp_id, "EXCHANGE");
  EXPECT_FALSE(ex->resend_application);

  EXPECT_EQ(c.gateway.manifest, "build/release/manifest.toml");
  EXPECT_EQ(c.gateway.admin_host, "127.0.0.1");
  EXPECT_EQ(c.gateway.admin_port, 8081);

  ASSERT_EQ(c.risk.symbols.size(), 4u);
  EXPECT_EQ(c.risk.symbols[0].symbol, "AAPL");
  EXPECT_EQ(c.risk.symbols[0].reference_price, 190'000'000);
  EXPECT_EQ(c.risk.symbols[1].reference_price, 410'000'000);
  EXPECT_EQ(c.risk.accounts.size(), 2u);
  EXPECT_EQ(c.risk.defaults.max_order_qty, 10'000);
  EXPECT_EQ(c.risk.defaults.price_collar_bps, 500);
  EXPECT_EQ(c.risk.defaults.typical_size_seed, 400);
  EXPECT_FALSE(c.risk.flow.rules.empty());
  EXPECT_TRUE(c.risk.auto_kill.on_parent_child_breach);
  EXPECT_FALSE(c.risk.auto_kill.on_typical_size_breach);
  EXPECT_EQ(c.risk.parent_child.parent_id_tag, 7001u);
  EXPECT_EQ(c.risk.parent_child.parent_qty_tag, 7002u);
  EXPECT_DOUBLE_EQ(c.risk.parent_child.max_sent_multiple, 1.0);
  EXPECT_EQ(c.risk.session_rates.max_orders_per_sec, 2000);
  EXPECT_EQ(c.risk.session_rates.max_cancels_per_sec, 5000);
  EXPECT_FALSE(c.source_bytes.empty());
}

TEST(DefaultConfig, LetsNormalSizesPassButNotAThousandfoldFatFinger) {
  // The demo's normal flow sends 100-500 shares; a fat finger is 1000x that.
  const Config c = load_config(kSrc + "/config/riskgate.toml");
  const auto& d = c.risk.defaults;
  ASSERT_TRUE(d.max_order_qty && d.typical_size_multiple && d.typical_size_seed);
  EXPECT_GE(*d.max_order_qty, 500);
  EXPECT_LT(*d.max_order_qty, 100 * 1000);
  EXPECT_GE(*d.typical_size_multiple * static_cast<double>(*d.typical_size_seed), 500.0);
  // 500 shares of the dearest symbol at +1% fits the notional limit.
  ASSERT_TRUE(d.max_order_notional);
  EXPECT_GE(*d.max_order_notional, 500 * 410'000'000LL * 101 / 100);
  EXPECT_GE(*d.price_collar_bps, 100);
}

// ---------------------------------------------------------------------------
// [risk.flow]

TEST(Config, ParsesFlowRulesWithNotionalsInCurrencyUnits) {
  const Config c = parse_config(kMinimal + R"(
[risk.flow]
warmup_ms = 60000
throttle_orders_per_sec = 5

[[risk.flow.rule]]
metric = "net_qty"
window_ms = 5000
limit = 250000
min_one_sided = 0.5
action = "kill"

[[risk.flow.rule]]
metric = "exec_notional"
window_ms = 60000
limit = 1000000.5
multiple = 20
seed = 250
action = "throttle"
)",
                                "test.toml");
  const auto& f = c.risk.flow;
  EXPECT_EQ(f.warmup_ms, 60'000);
  EXPECT_EQ(f.throttle_orders_per_sec, 5);
  ASSERT_EQ(f.rules.size(), 2u);
  EXPECT_EQ(f.rules[0].metric, risk::FlowMetric::kNetQty);
  EXPECT_EQ(f.rules[0].action, risk::FlowAction::kKill);
  EXPECT_EQ(f.rules[0].limit, 250'000);
  EXPECT_DOUBLE_EQ(f.rules[0].min_one_sided, 0.5);
  EXPECT_EQ(f.rules[1].metric, risk::FlowMetric::kExecNotional);
  EXPECT_EQ(f.rules[1].limit, 1'000'000'500'000);
  EXPECT_EQ(f.rules[1].seed, 250'000'000);
  EXPECT_DOUBLE_EQ(f.rules[1].multiple, 20.0);
}

TEST(ConfigErrors, AnUnknownFlowMetricOrActionIsRefusedWithTheRuleAndLine) {
  const auto msg = error_of(kMinimal + R"(
[[risk.flow.rule]]
metric = "net_quantity"
window_ms = 5000
limit = 1
action = "halt"
)");
  EXPECT_CONTAINS(msg, "risk.flow.rule[0]: metric: must be exec_qty");
  EXPECT_CONTAINS(msg, "risk.flow.rule[0]: action: must be refuse, throttle or kill");
}

TEST(ConfigErrors, AFlowRuleWithNoLimitOrAWindowOutOfRangeIsRefused) {
  EXPECT_CONTAINS(error_of(kMinimal + R"(
[[risk.flow.rule]]
metric = "fills"
window_ms = 5000
action = "kill"
)"),
                  "set limit, multiple (with seed), or both");
  EXPECT_CONTAINS(error_of(kMinimal + R"(
[[risk.flow.rule]]
metric = "fills"
window_ms = 900000
limit = 5
action = "kill"
)"),
                  "window_ms");
  EXPECT_CONTAINS(error_of(kMinimal + R"(
[[risk.flow.rule]]
metric = "fills"
window_ms = 5000
limit = 5
min_one_sided = 0.5
action = "kill"
)"),
                  "min_one_sided applies to metric \"net_qty\" only");
}

TEST(ConfigErrors, TheSplitQuantityMultiplierSwitchNamesItsReplacements) {
  EXPECT_CONTAINS(error_of(kMinimal + R"(
[risk.auto_kill]
on_quantity_multiplier_breach = true
)"),
                  "on_parent_child_breach");
}

TEST(DefaultTokens, LoadWithBothRoles) {
  const auto t = load_tokens(kSrc + "/config/tokens.toml");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].role, AdminRole::kOperator);
  EXPECT_EQ(t[1].role, AdminRole::kAdmin);
}

// ---------------------------------------------------------------------------
// Defaults and layering

TEST(Config, FillsDocumentedDefaults) {
  const Config c = parse_config(kMinimal, "test.toml");
  const SessionDef& a = c.sessions[0];
  const SessionDef& i = c.sessions[1];
  EXPECT_EQ(a.heart_bt_int, 30);
  EXPECT_EQ(a.cl_ord_id_prefix, "ENGINE1-");
  EXPECT_EQ(a.socket_accept_host, "127.0.0.1");
  EXPECT_TRUE(a.resend_application);
  EXPECT_FALSE(i.resend_application);
  EXPECT_FALSE(a.identity_required);  // No manifest configured.
  EXPECT_EQ(i.begin_string, BeginString::kFix42);
  EXPECT_EQ(i.reconnect_interval_s, 1);
  EXPECT_EQ(c.gateway.audit_log, "var/audit.log");
  EXPECT_EQ(c.gateway.kill_file, "var/KILL");
  EXPECT_EQ(c.gateway.build_digest_tag, 9001u);
  EXPECT_EQ(a.line, 1);
  EXPECT_EQ(i.line, 10);
}

TEST(Config, IdentityIsRequiredByDefaultWhenAManifestIsConfigured) {
  const Config c =
      parse_config("[gateway]\nManifest = \"m.toml\"\nStateDir = \"/tmp/s\"\n" + kMinimal, "t");
  EXPECT_TRUE(c.sessions[0].identity_required);
  EXPECT_EQ(c.gateway.audit_log, "/tmp/s/audit.log");
}

TEST(Config, PutsLayeredLimitsInTheRightStructs) {
  const Config c = parse_config(kMinimal + R"(
[[risk.account]]
name = "ACC2"
permitted_symbols = ["AAPL"]

[risk.defaults]
max_order_qty = 1000
max_order_notional = 250000.5
price_collar_pct = 2.5

[[risk.override]]
account = "ACC2"
max_order_qty = 10

[[risk.override]]
symbol = "MSFT"
price_collar_bps = 75

[[risk.override]]
account = "ACC1"
symbol = "AAPL"
max_open_notional = 1.25
typical_size_multiple = 7.5

[risk.session_rates]
max_orders_per_sec = 11
max_messages_per_sec = 12
max_cancels_per_sec = 13

[risk.throttles]
repeated_exec_max_fills = 4
duplicate_max_identical = 3
duplicate_window_ms = 250

[risk.auto_kill]
session_refusals = 9
on_parent_child_breach = true

[risk.capacities]
max_parents = 77
max_account_symbols = 78
)",
                                "t.toml");
  const auto& r = c.risk;
  EXPECT_EQ(r.defaults.max_order_qty, 1000);
  EXPECT_EQ(r.defaults.max_order_notional, 250'000'500'000);
  EXPECT_EQ(r.defaults.price_collar_bps, 250);
  EXPECT_FALSE(r.defaults.max_open_orders.has_value());  // Unset stays unset: rule off.
  ASSERT_EQ(r.overrides.size(), 3u);
  EXPECT_EQ(r.overrides[0].account, "ACC2");
  EXPECT_EQ(r.overrides[0].symbol, "");
  EXPECT_EQ(r.overrides[0].limits.max_order_qty, 10);
  EXPECT_FALSE(r.overrides[0].limits.price_collar_bps.has_value());
  EXPECT_EQ(r.overrides[1].symbol, "MSFT");
  EXPECT_EQ(r.overrides[1].limits.price_collar_bps, 75);
  EXPECT_EQ(r.overrides[2].account, "ACC1");
  EXPECT_EQ(r.overrides[2].symbol, "AAPL");
  EXPECT_EQ(r.overrides[2].limits.max_open_notional, 1'250'000);
  EXPECT_DOUBLE_EQ(*r.overrides[2].limits.typical_size_multiple, 7.5);
  ASSERT_EQ(r.accounts.size(), 2u);
  EXPECT_EQ(r.accounts[1].permitted_symbols, std::vector<std::string>{"AAPL"});
  EXPECT_EQ(r.session_rates.max_orders_per_sec, 11);
  EXPECT_EQ(r.session_rates.max_messages_per_sec, 12);
  EXPECT_EQ(r.session_rates.max_cancels_per_sec, 13);
  EXPECT_EQ(r.throttles.repeated_exec_max_fills, 4);
  EXPECT_EQ(r.throttles.duplicate_max_identical, 3);
  EXPECT_EQ(r.throttles.duplicate_window_ms, 250);
  EXPECT_EQ(r.throttles.typical_size_min_history, 20);  // Default kept.
  EXPECT_EQ(r.auto_kill.session_refusals, 9);
  EXPECT_TRUE(r.auto_kill.on_parent_child_breach);
  EXPECT_FALSE(r.auto_kill.on_typical_size_breach);
  EXPECT_EQ(r.capacities.max_parents, 77u);
  EXPECT_EQ(r.capacities.max_account_symbols, 78u);
  EXPECT_EQ(r.capacities.max_symbols, 4096u);
}

TEST(Config, KeepsRestrictedListAndSymbolFlagConsistent) {
  std::string text = replace_line(kMinimal, "reference_price = 410\n",
                                  "reference_price = 410\nrestricted = true\n");
  text = replace_line(text, "[risk]\n", "[risk]\nrestricted_symbols = [\"AAPL\"]\n");
  const Config c = parse_config(text, "t.toml");
  EXPECT_TRUE(c.risk.symbols[0].restricted);
  EXPECT_TRUE(c.risk.symbols[1].restricted);
  EXPECT_EQ(c.risk.restricted_symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
}

// ---------------------------------------------------------------------------
// Exact decimal conversion

TEST(Config, ConvertsPricesToMicrosExactlyFromTheWrittenDecimal) {
  // Values whose nearest double lies just below the decimal: truncating
  // x * 1e6 would be off by one micro.
  struct Case {
    const char* text;
    std::int64_t micros;
  };
  const Case cases[] = {{"190.1", 190'100'000}, {"0.29", 290'000}, {"4.35", 4'350'000},
                        {"1.005", 1'005'000},   {"0.000001", 1},   {"1_000.5", 1'000'500'000},
                        {"1.5e2", 150'000'000}, {"2.5E-3", 2'500}, {"123.456789", 123'456'789},
                        {"9.99", 9'990'000}};
  std::string text = kMinimal;
  int n = 0;
  for (const auto& c : cases) {
    text += "[[risk.symbol]]\nsymbol = \"S" + std::to_string(n++) +
            "\"\nreference_price = " + c.text + "\n";
  }
  const Config cfg = parse_config(text, "t.toml");
  for (std::size_t k = 0; k < std::size(cases); ++k) {
    EXPECT_EQ(cfg.risk.symbols[k + 2].reference_price, cases[k].micros) << cases[k].text;
  }
}

TEST(Config, FindsTheWrittenDecimalAfterMultiByteCharactersOnTheLine) {
  // toml++ counts columns in code points; the price follows a UTF-8 string on
  // its line. Seven decimals prove the exact path located the text: had it
  // fallen back to rounding the double, there would be no such error.
  const std::string text =
      replace_line(kMinimal, "[[risk.symbol]]\nsymbol = \"AAPL\"\nreference_price = 190.00\n",
                   "symbol = [{ symbol = \"\u00c9\u00c9\u00c9\", reference_price = 1.1234567 }]\n");
  const auto msg = error_of(
      replace_line(text, "[[risk.symbol]]\nsymbol = \"MSFT\"\nreference_price = 410\n", ""));
  EXPECT_CONTAINS(msg, "reference_price: at most 6 decimal places (micro-units), got 1.1234567");
}

TEST(Config, ConvertsEveryCentPriceExactly) {
  // 2000 prices x.yz: every one must land on an exact multiple of 10'000.
  std::string text = kMinimal;
  for (int k = 1; k <= 2000; ++k) {
    char price[32];
    std::snprintf(price, sizeof price, "%d.%02d", k / 7, k % 100);
    text += "[[risk.symbol]]\nsymbol = \"P" + std::to_string(k) + "\"\nreference_price = " + price +
            "\n";
  }
  const Config cfg = parse_config(text, "t.toml");
  for (int k = 1; k <= 2000; ++k) {
    const std::int64_t want = (k / 7) * 1'000'000LL + (k % 100) * 10'000LL;
    if (want == 0) continue;
    ASSERT_EQ(cfg.risk.symbols[static_cast<std::size_t>(k) + 1].reference_price, want) << k;
  }
}

TEST(Config, RefusesAPriceFinerThanAMicro) {
  const auto msg =
      error_of(replace_line(kMinimal, "reference_price = 190.00", "reference_price = 190.0000001"));
  EXPECT_CONTAINS(msg, "test.toml:22: risk.symbol \"AAPL\": reference_price: at most 6 decimal");
}

TEST(Config, ConvertsCollarPercentToExactBasisPoints) {
  const Config c = parse_config(kMinimal + "[risk.defaults]\nprice_collar_pct = 0.29\n", "t");
  EXPECT_EQ(c.risk.defaults.price_collar_bps, 29);
  const auto msg = error_of(kMinimal + "[risk.defaults]\nprice_collar_pct = 0.125\n");
  EXPECT_CONTAINS(msg, "risk.defaults: price_collar_pct: at most 2 decimal places");
  const auto both =
      error_of(kMinimal + "[risk.defaults]\nprice_collar_pct = 1\nprice_collar_bps = 100\n");
  EXPECT_CONTAINS(both, "not both");
}

// ---------------------------------------------------------------------------
// Errors name the file, the line, the key and the reason

TEST(ConfigErrors, PortOutOfRangeNamesFileLineSessionKeyAndValue) {
  const auto msg = load_error_of(kData + "bad_port.toml");
  EXPECT_CONTAINS(msg,
                  "bad_port.toml:8: session \"ENGINE1\": SocketAcceptPort: must be "
                  "0..65535, got 70000");
}

TEST(ConfigErrors, MisspeltLimitIsRejectedNotIgnored) {
  const auto msg = load_error_of(kData + "unknown_limit_key.toml");
  EXPECT_CONTAINS(msg,
                  "unknown_limit_key.toml:26: risk.defaults: max_order_qtty: unknown key "
                  "(did you mean max_order_qty?)");
}

TEST(ConfigErrors, UnknownSessionKeyIsRejectedWithItsLine) {
  const auto msg =
      error_of(replace_line(kMinimal, "SocketAcceptPort = 9878", "SocketAcceptPrt = 9878"));
  EXPECT_CONTAINS(msg,
                  "test.toml:7: session \"ENGINE1\": SocketAcceptPrt: unknown key (did you "
                  "mean SocketAcceptPort?)");
  // The missing port is reported too: every problem in one go.
  EXPECT_CONTAINS(msg, "SocketAcceptPort: required key missing");
}

TEST(ConfigErrors, UnknownTopLevelTableIsRejected) {
  EXPECT_CONTAINS(error_of(kMinimal + "[limits]\nmax_order_qty = 5\n"),
                  "test.toml:30: limits: unknown key");
}

TEST(ConfigErrors, MissingRequiredKeyAndUnknownRouteAreBothReported) {
  const auto msg = load_error_of(kData + "missing_target.toml");
  EXPECT_CONTAINS(msg,
                  "missing_target.toml:11: session \"EXCH\": TargetCompID: required key "
                  "missing");
  EXPECT_CONTAINS(msg,
                  "missing_target.toml:9: session \"ENGINE1\": Route: no session named "
                  "\"EXCHANGE\"");
}

TEST(ConfigErrors, SyntaxErrorNamesLineAndColumn) {
  const auto msg = load_error_of(kData + "syntax_error.toml");
  EXPECT_CONTAINS(msg, "syntax_error.toml:3:");
  EXPECT_CONTAINS(msg, "TOML syntax error");
}

TEST(ConfigErrors, UnreadableFileNamesThePath) {
  EXPECT_CONTAINS(load_error_of(kData + "no_such_file.toml"), "no_such_file.toml: cannot read");
}

TEST(ConfigErrors, WrongTypeSaysWhatWasExpected) {
  const auto msg =
      error_of(replace_line(kMinimal, "SocketAcceptPort = 9878", "SocketAcceptPort = \"9878\""));
  EXPECT_CONTAINS(msg,
                  "test.toml:7: session \"ENGINE1\": SocketAcceptPort: expected an integer, "
                  "got a string");
}

TEST(ConfigErrors, OrderMassStatusOnAFix42VenueIsRefusedWithTheReason) {
  // kMinimal's exchange speaks FIX.4.2, which has no OrderMassStatusRequest.
  const std::string text = replace_line(kMinimal, "SocketConnectPort = 9880",
                                        "SocketConnectPort = 9880\nSupportsOrderMassStatus = true");
  EXPECT_CONTAINS(error_of(text),
                  "session \"EXCH\": SupportsOrderMassStatus: OrderMassStatusRequest (35=AF) is "
                  "FIX 4.3 and later");
  const std::string fix44 =
      replace_line(text, "BeginString = \"FIX.4.2\"", "BeginString = \"FIX.4.4\"");
  EXPECT_TRUE(parse_config(fix44, "test.toml").sessions[1].supports_order_mass_status);
}

TEST(ConfigErrors, PacingStatusRequestsThatAreNeverSentIsRefused) {
  const std::string text =
      replace_line(kMinimal, "SocketConnectPort = 9880",
                   "SocketConnectPort = 9880\nOrderStatusRequestsPerSecond = 50");
  EXPECT_CONTAINS(error_of(text),
                  "session \"EXCH\": OrderStatusRequestsPerSecond: paces OrderStatusRequest "
                  "(35=H), which this session does not send");
  const std::string both =
      replace_line(text, "OrderStatusRequestsPerSecond = 50",
                   "OrderStatusRequestsPerSecond = 50\nSupportsOrderStatus = true");
  EXPECT_EQ(parse_config(both, "test.toml").sessions[1].order_status_requests_per_second, 50u);
  EXPECT_CONTAINS(error_of(replace_line(both, "= 50", "= -1")), "OrderStatusRequestsPerSecond");
}

TEST(ConfigErrors, RouteMustNameAnInitiator) {
  std::string text = replace_line(kMinimal, "Route = \"EXCH\"", "Route = \"ENGINE1\"");
  EXPECT_CONTAINS(error_of(text),
                  "test.toml:8: session \"ENGINE1\": Route: \"ENGINE1\" is an "
                  "acceptor");
}

TEST(ConfigErrors, DuplicateSessionNamesAndCompIDsAreRefused) {
  const std::string second = R"(
[[session]]
Name = "ENGINE1"
ConnectionType = "acceptor"
BeginString = "FIX.4.4"
SenderCompID = "RISKGATE"
TargetCompID = "ENGINE1"
SocketAcceptPort = 9878
Route = "EXCH"
ClOrdIDPrefix = "X-"
)";
  const auto msg = error_of(kMinimal + second);
  EXPECT_CONTAINS(msg, "session \"ENGINE1\": Name: duplicate session name (first at line 1)");
  EXPECT_CONTAINS(msg,
                  "TargetCompID: acceptor sessions \"ENGINE1\" and \"ENGINE1\" have the same "
                  "SenderCompID/TargetCompID");
}

TEST(ConfigErrors, AmbiguousClOrdIDPrefixesOnOneRouteAreRefused) {
  const std::string second = R"(
[[session]]
Name = "ENGINE2"
ConnectionType = "acceptor"
BeginString = "FIX.4.4"
SenderCompID = "RISKGATE"
TargetCompID = "ENGINE2"
SocketAcceptPort = 9878
Route = "EXCH"
ClOrdIDPrefix = "ENGINE1-X"
)";
  const auto msg = error_of(kMinimal + second);
  EXPECT_CONTAINS(msg,
                  "test.toml:39: session \"ENGINE2\": ClOrdIDPrefix: \"ENGINE1-X\" and "
                  "\"ENGINE1-\"");
  EXPECT_CONTAINS(msg, "one is a prefix of the other");
}

TEST(ConfigErrors, UnsupportedBeginStringAndZeroHeartbeatAreRefused) {
  std::string text =
      replace_line(kMinimal, "BeginString = \"FIX.4.2\"", "BeginString = \"FIXT.1.1\"");
  text = replace_line(text, "Route = \"EXCH\"", "Route = \"EXCH\"\nHeartBtInt = 0");
  const auto msg = error_of(text);
  EXPECT_CONTAINS(msg,
                  "test.toml:14: session \"EXCH\": BeginString: supported: \"FIX.4.2\", "
                  "\"FIX.4.4\"; got \"FIXT.1.1\"");
  EXPECT_CONTAINS(msg, "test.toml:9: session \"ENGINE1\": HeartBtInt: must be 1..3600, got 0");
}

TEST(ConfigErrors, KeyOfTheOtherRoleIsRefused) {
  const auto msg = error_of(replace_line(kMinimal, "SocketConnectPort = 9880",
                                         "SocketConnectPort = 9880\nRoute = \"EXCH\""));
  EXPECT_CONTAINS(msg, "test.toml:18: session \"EXCH\": Route: only valid for acceptor sessions");
}

TEST(ConfigErrors, IdentityRequiredWithoutManifestIsRefused) {
  const auto msg = error_of(
      replace_line(kMinimal, "Route = \"EXCH\"", "Route = \"EXCH\"\nIdentityRequired = true"));
  EXPECT_CONTAINS(msg, "test.toml:9: session \"ENGINE1\": IdentityRequired: needs a manifest");
}

TEST(ConfigErrors, BadReferenceDataIsRefused) {
  std::string text =
      replace_line(kMinimal, "reference_price = 410", "reference_price = 0\nlot_size = 0");
  text += "[[risk.symbol]]\nsymbol = \"AAPL\"\nreference_price = -1.5\n";
  const auto msg = error_of(text);
  EXPECT_CONTAINS(msg, "test.toml:26: risk.symbol \"MSFT\": reference_price: must be > 0, got 0");
  EXPECT_CONTAINS(msg, "test.toml:27: risk.symbol \"MSFT\": lot_size: must be >= 1, got 0");
  EXPECT_CONTAINS(msg, "risk.symbol \"AAPL\": symbol: duplicate symbol (first at line 20)");
  EXPECT_CONTAINS(msg, "reference_price: must be > 0, got -1.5");
}

TEST(ConfigErrors, NegativeLimitsAreRefused) {
  const auto msg = error_of(kMinimal +
                            "[risk.defaults]\nmax_order_qty = -1\nmax_order_notional = -0.01\n"
                            "[risk.session_rates]\nmax_orders_per_sec = -5\n");
  EXPECT_CONTAINS(msg, "test.toml:31: risk.defaults: max_order_qty: must be >= 0, got -1");
  EXPECT_CONTAINS(msg, "test.toml:32: risk.defaults: max_order_notional: must be >= 0, got -0.01");
  EXPECT_CONTAINS(msg,
                  "test.toml:34: risk.session_rates: max_orders_per_sec: must be >= 0, got -5");
}

TEST(ConfigErrors, OverridesAndPermissionsMustNameKnownAccountsAndSymbols) {
  const auto msg = error_of(kMinimal + R"(permitted_symbols = ["APPL"]
[[risk.override]]
account = "ACC9"
symbol = "GOOG"
max_order_qty = 1
[[risk.override]]
max_order_qty = 2
)");
  EXPECT_CONTAINS(msg,
                  "test.toml:30: risk.account \"ACC1\": permitted_symbols: \"APPL\" is not a "
                  "[[risk.symbol]]");
  EXPECT_CONTAINS(msg,
                  "test.toml:32: risk.override account=\"ACC9\" symbol=\"GOOG\": account: "
                  "\"ACC9\" is not a [[risk.account]]");
  EXPECT_CONTAINS(msg, "symbol: \"GOOG\" is not a [[risk.symbol]]");
  EXPECT_CONTAINS(msg,
                  "risk.override #2: account: an override needs an account, a symbol, or both");
}

TEST(ConfigErrors, MultiplesMustBePositive) {
  const auto msg = error_of(kMinimal +
                            "[risk.defaults]\ntypical_size_multiple = 0\n"
                            "[risk.parent_child]\nmax_sent_multiple = -0.5\n");
  EXPECT_CONTAINS(msg, "test.toml:31: risk.defaults: typical_size_multiple: must be > 0, got 0");
  EXPECT_CONTAINS(msg, "test.toml:33: risk.parent_child: max_sent_multiple: must be > 0, got -0.5");
}

TEST(ConfigErrors, RestrictedSymbolsMustBeKnown) {
  const auto msg =
      error_of(replace_line(kMinimal, "[risk]\n", "[risk]\nrestricted_symbols = [\"IBM\"]\n"));
  EXPECT_CONTAINS(msg, "test.toml:20: risk: restricted_symbols: \"IBM\" is not a [[risk.symbol]]");
}

TEST(ConfigErrors, ParentChildTagsMustBothBeSetAndUnused) {
  const auto one = error_of(kMinimal + "[risk.parent_child]\nparent_id_tag = 7001\n");
  EXPECT_CONTAINS(one, "risk.parent_child: parent_qty_tag: set both");
  const auto reserved =
      error_of(kMinimal + "[risk.parent_child]\nparent_id_tag = 7001\nparent_qty_tag = 38\n");
  EXPECT_CONTAINS(reserved,
                  "test.toml:32: risk.parent_child: parent_qty_tag: tag 38 already has "
                  "a meaning");
}

TEST(ConfigErrors, ConfigWithoutExchangeSessionOrRiskIsRefused) {
  const auto msg = error_of("[gateway]\nIoThreads = 1\n");
  EXPECT_CONTAINS(msg, "test.toml: session: need at least one acceptor");
  EXPECT_CONTAINS(msg, "test.toml: risk: required table [risk] missing");
}

TEST(ConfigErrors, BadGatewayValuesAreRefused) {
  const auto msg = error_of(
      "[gateway]\nAdminListen = \"localhost\"\nUnknownAppMessages = \"drop\"\n"
      "BuildDigestTag = 44\nIoThreads = 0\n" +
      kMinimal);
  EXPECT_CONTAINS(msg, "test.toml:2: gateway: AdminListen: expected \"host:port\"");
  EXPECT_CONTAINS(msg,
                  "test.toml:3: gateway: UnknownAppMessages: must be \"reject\" or "
                  "\"forward\", got \"drop\"");
  EXPECT_CONTAINS(msg, "test.toml:4: gateway: BuildDigestTag: must be a user-defined tag");
  EXPECT_CONTAINS(msg, "test.toml:5: gateway: IoThreads: must be 1..64, got 0");
}

TEST(ConfigErrors, ErrorsAreAlsoAvailableOneByOne) {
  try {
    (void)parse_config(kMinimal + "[risk.defaults]\nmax_order_qty = -1\nfoo = 1\n", "t.toml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.errors().size(), 2u);
    EXPECT_EQ(e.errors()[0].rfind("t.toml:31:", 0), 0u) << e.errors()[0];
    EXPECT_EQ(e.errors()[1].rfind("t.toml:32:", 0), 0u) << e.errors()[1];
  }
}

TEST(TokenErrors, ShortOrDuplicateSecretsAndUnknownRolesAreRefused) {
  try {
    (void)parse_tokens(R"([[token]]
name = "a"
role = "root"
token = "short"
[[token]]
name = "b"
role = "admin"
token = "0123456789abcdef"
[[token]]
name = "c"
role = "operator"
token = "0123456789abcdef"
)",
                       "tokens.toml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_CONTAINS(m, "tokens.toml:3: token \"a\": role: must be \"operator\" or \"admin\"");
    EXPECT_CONTAINS(m, "tokens.toml:4: token \"a\": token: must be at least 16 characters");
    EXPECT_CONTAINS(m, "tokens.toml:12: token \"c\": token: same secret as token \"b\"");
  }
}

}  // namespace
}  // namespace riskgate::config

// ---------------------------------------------------------------------------
// Bounded waits and resources (issue 10, item 4)

namespace riskgate::config {
namespace {

TEST(BoundedConfig, TimeoutsCapsAndMessageSizesHaveDocumentedDefaultsByRole) {
  const Config c = parse_config(kMinimal, "test.toml");
  const SessionDef& acceptor = c.sessions[0];
  const SessionDef& initiator = c.sessions[1];
  EXPECT_EQ(c.gateway.max_pending_connections, 64u);
  EXPECT_EQ(c.gateway.max_pending_per_address, 8u);
  for (const SessionDef* s : {&acceptor, &initiator}) {
    EXPECT_EQ(s->logon_timeout_s, 10) << s->name;
    EXPECT_EQ(s->logout_timeout_s, 2) << s->name;
    EXPECT_EQ(s->resend_request_timeout_s, 10) << s->name;
  }
  // Orders are small; a venue's execution report need not be.
  EXPECT_EQ(acceptor.max_message_size, 8192u);
  EXPECT_EQ(initiator.max_message_size, 65536u);
}

TEST(BoundedConfig, SessionTimeoutsAndCapsAreReadFromTheFile) {
  std::string text = "[gateway]\nMaxPendingConnections = 100\nMaxPendingPerAddress = 3\n" +
                     replace_line(kMinimal, "SocketConnectPort = 9880\n",
                                  "SocketConnectPort = 9880\nLogonTimeout = 5\nLogoutTimeout = 1\n"
                                  "ResendRequestTimeout = 7\nMaxMessageSize = 4096\n");
  const Config c = parse_config(text, "t.toml");
  EXPECT_EQ(c.gateway.max_pending_connections, 100u);
  EXPECT_EQ(c.gateway.max_pending_per_address, 3u);
  const SessionDef* x = c.find_session("EXCH");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->logon_timeout_s, 5);
  EXPECT_EQ(x->logout_timeout_s, 1);
  EXPECT_EQ(x->resend_request_timeout_s, 7);
  EXPECT_EQ(x->max_message_size, 4096u);  // An explicit value wins over the role's default.
}

TEST(BoundedConfig, ATimeoutOfZeroOrAPerAddressCapAboveTheTotalIsRefused) {
  EXPECT_CONTAINS(error_of(replace_line(kMinimal, "Route = \"EXCH\"\n",
                                        "Route = \"EXCH\"\nLogonTimeout = 0\n")),
                  "LogonTimeout");
  EXPECT_CONTAINS(error_of(replace_line(kMinimal, "Route = \"EXCH\"\n",
                                        "Route = \"EXCH\"\nLogoutTimeout = 0\n")),
                  "LogoutTimeout");
  EXPECT_CONTAINS(
      error_of("[gateway]\nMaxPendingConnections = 4\nMaxPendingPerAddress = 5\n" + kMinimal),
      "MaxPendingPerAddress (5) must be <= MaxPendingConnections (4)");
  EXPECT_CONTAINS(error_of("[gateway]\nMaxPendingConnections = 0\n" + kMinimal),
                  "MaxPendingConnections");
}

TEST(AuditDiskConfig, WatermarksDefaultToOneGibAndOneHundredTwentyEightMib) {
  const Config c = parse_config(kMinimal, "t.toml");
  EXPECT_EQ(c.gateway.audit_disk_low_mib, 1024u);
  EXPECT_EQ(c.gateway.audit_disk_hard_mib, 128u);
}

TEST(AuditDiskConfig, WatermarksAreReadAndTheHardOneMayNotExceedTheLowOne) {
  const Config c = parse_config(
      "[gateway]\nAuditDiskLowMiB = 500\nAuditDiskHardMiB = 50\n" + kMinimal, "t.toml");
  EXPECT_EQ(c.gateway.audit_disk_low_mib, 500u);
  EXPECT_EQ(c.gateway.audit_disk_hard_mib, 50u);
  EXPECT_CONTAINS(error_of("[gateway]\nAuditDiskLowMiB = 10\nAuditDiskHardMiB = 20\n" + kMinimal),
                  "AuditDiskHardMiB (20) must be <= AuditDiskLowMiB (10)");
  EXPECT_CONTAINS(error_of("[gateway]\nAuditDiskLowMiB = -1\n" + kMinimal), "AuditDiskLowMiB");
}

TEST(MessageLogConfig, LogsAreOnByDefaultUnderTheStateDirWithASixteenMibRing) {
  const Config c = parse_config("[gateway]\nStateDir = \"/srv/rg\"\n" + kMinimal, "t.toml");
  EXPECT_EQ(c.gateway.file_log_path, "/srv/rg/msglog");
  EXPECT_EQ(c.gateway.message_log_ring_mib, 16u);
  EXPECT_EQ(c.gateway.message_log_retention_days, 0u);
  for (const SessionDef& s : c.sessions) EXPECT_FALSE(s.file_log_path) << s.name;
}

TEST(MessageLogConfig, TheKeysAreReadASessionMayOverrideAndTheRingMustBeAPowerOfTwo) {
  std::string text =
      "[gateway]\nFileLogPath = \"\"\nMessageLogRingMiB = 64\n"
      "MessageLogRetentionDays = 1830\n" +
      kMinimal;
  text.replace(text.find("Route = \"EXCH\""), 14, "Route = \"EXCH\"\nFileLogPath = \"/logs/e1\"");
  const Config c = parse_config(text, "t.toml");
  EXPECT_EQ(c.gateway.file_log_path, "");  // Off, but for ENGINE1.
  EXPECT_EQ(c.gateway.message_log_ring_mib, 64u);
  EXPECT_EQ(c.gateway.message_log_retention_days, 1830u);
  EXPECT_EQ(c.find_session("ENGINE1")->file_log_path, std::optional<std::string>("/logs/e1"));
  EXPECT_FALSE(c.find_session("EXCH")->file_log_path);
  EXPECT_CONTAINS(error_of("[gateway]\nMessageLogRingMiB = 24\n" + kMinimal),
                  "MessageLogRingMiB: must be a power of two, got 24");
  EXPECT_CONTAINS(error_of("[gateway]\nMessageLogRingMiB = 0\n" + kMinimal), "MessageLogRingMiB");
  EXPECT_CONTAINS(error_of("[gateway]\nMessageLogRetentionDays = -1\n" + kMinimal),
                  "MessageLogRetentionDays");
}

TEST(DictionaryConfig, ValidationIsOnByDefaultWithQuickFixDefaultsOnTheEngineLeg) {
  const Config c = parse_config(kMinimal, "t.toml");
  for (const SessionDef& s : c.sessions) {
    const bool engine_leg = s.connection_type == ConnectionType::kAcceptor;
    EXPECT_TRUE(s.use_data_dictionary) << s.name;
    EXPECT_TRUE(s.data_dictionary.empty()) << s.name;  // The built-in one.
    EXPECT_TRUE(s.validate_fields_out_of_order) << s.name;
    // The exchange leg lets unknown tags through (once each): a refused
    // report would be a fill the engine never sees.
    EXPECT_EQ(s.validate_user_defined_fields, engine_leg) << s.name;
    EXPECT_EQ(s.allow_unknown_msg_fields, !engine_leg) << s.name;
  }
}

TEST(DictionaryConfig, TheSwitchesAndTheFileAreReadPerSession) {
  const Config c = parse_config(
      replace_line(kMinimal, "SocketConnectPort = 9880\n",
                   "SocketConnectPort = 9880\nDataDictionary = \"venue.xml\"\n"
                   "ValidateFieldsOutOfOrder = false\nValidateUserDefinedFields = false\n"
                   "AllowUnknownMsgFields = true\nValidateFieldsHaveValues = true\n"),
      "t.toml");
  const SessionDef* x = c.find_session("EXCH");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->data_dictionary, "venue.xml");
  EXPECT_FALSE(x->validate_fields_out_of_order);
  EXPECT_FALSE(x->validate_user_defined_fields);
  EXPECT_TRUE(x->allow_unknown_msg_fields);
  const Config strict =
      parse_config(replace_line(kMinimal, "SocketConnectPort = 9880\n",
                                "SocketConnectPort = 9880\nValidateUserDefinedFields = true\n"
                                "AllowUnknownMsgFields = false\n"),
                   "t.toml");
  EXPECT_TRUE(strict.find_session("EXCH")->validate_user_defined_fields);
  EXPECT_FALSE(strict.find_session("EXCH")->allow_unknown_msg_fields);
}

TEST(DictionaryConfig, ContradictoryOrUnsupportedSettingsAreRefusedWithTheReason) {
  EXPECT_CONTAINS(
      error_of(replace_line(kMinimal, "SocketConnectPort = 9880\n",
                            "SocketConnectPort = 9880\nValidateFieldsHaveValues = false\n")),
      "riskgate always rejects empty fields");
  EXPECT_CONTAINS(error_of(replace_line(kMinimal, "SocketConnectPort = 9880\n",
                                        "SocketConnectPort = 9880\nUseDataDictionary = false\n"
                                        "DataDictionary = \"venue.xml\"\n")),
                  "set, but UseDataDictionary = false");
}

TEST(BoundedConfig, TheShippedConfigDocumentsEveryNewKey) {
  const std::string text = [] {
    std::ifstream in(kSrc + "/config/riskgate.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  for (const char* key :
       {"MaxPendingConnections", "MaxPendingPerAddress", "LogonTimeout", "LogoutTimeout",
        "ResendRequestTimeout", "MaxMessageSize", "UseDataDictionary", "DataDictionary",
        "ValidateFieldsOutOfOrder", "ValidateUserDefinedFields", "AllowUnknownMsgFields",
        "ValidateFieldsHaveValues"})
    EXPECT_CONTAINS(text, key);
}

}  // namespace
}  // namespace riskgate::config

// ---------------------------------------------------------------------------
// Schedules (issue 11, item 5)

namespace riskgate::config {
namespace {

TEST(Schedule, WithoutScheduleKeysTheDayStartsAtMidnightUtcAndSessionsNeverEnd) {
  const Config c = parse_config(kMinimal, "test.toml");
  EXPECT_EQ(c.gateway.trading_day.start_s, 0);
  EXPECT_EQ(c.gateway.trading_day.zone.name(), "UTC");
  EXPECT_FALSE(c.find_session("ENGINE1")->schedule.has_value());
}

TEST(Schedule, TheGatewayDayAndASessionWindowAreReadWithQuickFixKeys) {
  const std::string text =
      "[gateway]\nStartTime = \"17:00:00\"\nTimeZone = \"UTC-05:00\"\n" +
      replace_line(kMinimal, "Route = \"EXCH\"\n",
                   "Route = \"EXCH\"\nStartTime = \"08:00:00\"\nEndTime = \"16:30:00\"\n"
                   "StartDay = \"Mon\"\nEndDay = \"Friday\"\n");
  const Config c = parse_config(text, "test.toml");
  EXPECT_EQ(c.gateway.trading_day.start_s, 17 * 3600);
  EXPECT_EQ(c.gateway.trading_day.zone.offset_at(0), -5 * 3600);
  const auto& s = c.find_session("ENGINE1")->schedule;
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->start_s, 8 * 3600);
  EXPECT_EQ(s->end_s, 16 * 3600 + 1800);
  EXPECT_EQ(s->start_day, 1);
  EXPECT_EQ(s->end_day, 5);
  EXPECT_EQ(s->zone.name(), "UTC-05:00");  // The gateway's zone by default.
}

TEST(Schedule, ATimeZoneMayBeAZoneNameOfTheTzDatabaseWithItsDaylightSavingTime) {
  const std::string text =
      "[gateway]\nStartTime = \"17:00:00\"\nTimeZone = \"America/New_York\"\n" +
      replace_line(kMinimal, "Route = \"EXCH\"\n",
                   "Route = \"EXCH\"\nStartTime = \"09:30:00\"\nEndTime = \"16:00:00\"\n"
                   "TimeZone = \"Europe/London\"\n");
  const Config c = parse_config(text, "test.toml");
  EXPECT_EQ(c.gateway.trading_day.zone.name(), "America/New_York");
  EXPECT_EQ(c.gateway.trading_day.zone.offset_at(1'767'225'600), -5 * 3600);  // 2026-01-01
  EXPECT_EQ(c.gateway.trading_day.zone.offset_at(1'782'864'000), -4 * 3600);  // 2026-07-01
  const auto& s = c.find_session("ENGINE1")->schedule;
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->zone.name(), "Europe/London");
  EXPECT_EQ(s->zone.offset_at(1'782'864'000), 3600);
}

TEST(Schedule, BadScheduleValuesNameTheKeyAndTheReason) {
  const std::string bad_time = replace_line(kMinimal, "Route = \"EXCH\"\n",
                                            "Route = \"EXCH\"\nStartTime = \"8:00\"\n"
                                            "EndTime = \"16:00:00\"\n");
  EXPECT_CONTAINS(error_of(bad_time), "session \"ENGINE1\": StartTime: expected \"HH:MM:SS\"");
  const std::string only_start =
      replace_line(kMinimal, "Route = \"EXCH\"\n", "Route = \"EXCH\"\nStartTime = \"08:00:00\"\n");
  EXPECT_CONTAINS(error_of(only_start), "StartTime: set StartTime and EndTime together");
  const std::string bad_day = replace_line(kMinimal, "Route = \"EXCH\"\n",
                                           "Route = \"EXCH\"\nStartTime = \"08:00:00\"\n"
                                           "EndTime = \"16:00:00\"\nStartDay = \"Funday\"\n"
                                           "EndDay = \"Fri\"\n");
  EXPECT_CONTAINS(error_of(bad_day), "StartDay: expected a weekday");
  const std::string typo = "[gateway]\nTimeZone = \"Europe/Londn\"\n" + kMinimal;
  EXPECT_CONTAINS(error_of(typo), "TimeZone: \"Europe/Londn\" is not UTC, a fixed offset");
  const std::string gw_end = "[gateway]\nEndTime = \"16:00:00\"\n" + kMinimal;
  EXPECT_CONTAINS(error_of(gw_end), "EndTime: the gateway's trading day is a daily boundary");
  const std::string both = replace_line(kMinimal, "Route = \"EXCH\"\n",
                                        "Route = \"EXCH\"\nNonStopSession = true\n"
                                        "StartTime = \"08:00:00\"\nEndTime = \"16:00:00\"\n");
  EXPECT_CONTAINS(error_of(both), "NonStopSession: true, but the session also sets schedule keys");
}

}  // namespace
}  // namespace riskgate::config
