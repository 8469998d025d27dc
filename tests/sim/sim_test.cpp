// exchange-sim and engine-sim against each other over loopback, as child
// processes. These pin the behaviour the gateway's integration tests and the
// demo rely on: the printed port, the summary lines and each simulator option.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/summary.hpp"

namespace {

using namespace std::chrono_literals;
using riskgate::testing::ChildProcess;
using riskgate::testing::num;
using riskgate::testing::parse_summary;

struct Exchange {
  ChildProcess proc;
  int port = 0;
};

Exchange start_exchange(std::vector<std::string> extra) {
  std::vector<std::string> argv{RISKGATE_EXCHANGE_SIM, "--port", "0", "--target", "ENGINE1",
                                "--run-seconds",       "50"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Exchange ex{ChildProcess::spawn(argv), 0};
  auto line = ex.proc.wait_for_line_containing("exchange-sim listening on port ", 10s);
  if (!line) throw std::runtime_error("exchange-sim did not print its port");
  std::istringstream in(line->substr(std::string("exchange-sim listening on port ").size()));
  in >> ex.port;
  return ex;
}

ChildProcess start_engine(int port, std::vector<std::string> extra) {
  std::vector<std::string> argv{RISKGATE_ENGINE_SIM,
                                "--port",
                                std::to_string(port),
                                "--sender",
                                "ENGINE1",
                                "--target",
                                "EXCHANGE",
                                "--rate",
                                "0",
                                "--wait-seconds",
                                "10",
                                "--logon-timeout-seconds",
                                "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return ChildProcess::spawn(argv);
}

struct EngineRun {
  int exit_code = -1;
  std::map<std::string, std::string> summary;
  std::vector<std::string> lines;
};

// Runs engine-sim to completion against `port` and parses its summary.
EngineRun run_engine(int port, std::vector<std::string> extra) {
  ChildProcess engine = start_engine(port, std::move(extra));
  EngineRun r;
  auto line = engine.wait_for_line_containing("engine-sim summary:", 40s);
  engine.drain(5s);
  auto code = engine.wait_exit(10s);
  r.exit_code = code ? *code : engine.terminate(1s);
  if (line) r.summary = parse_summary(*line);
  r.lines = engine.lines();
  return r;
}

std::map<std::string, std::string> stop_exchange(Exchange& ex) {
  ex.proc.signal(SIGTERM);
  auto line = ex.proc.wait_for_line_containing("exchange-sim summary:", 20s);
  EXPECT_EQ(ex.proc.wait_exit(10s), std::optional<int>(0));
  return line ? parse_summary(*line) : std::map<std::string, std::string>{};
}

void expect_normal_flow_filled(const std::string& begin_string) {
  Exchange ex = start_exchange({"--begin-string", begin_string});
  EngineRun r = run_engine(ex.port, {"--begin-string", begin_string, "--count", "20"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(num(r.summary, "sent"), 20);
  EXPECT_EQ(num(r.summary, "acked"), 20);
  EXPECT_EQ(num(r.summary, "filled_orders"), 20);
  EXPECT_EQ(num(r.summary, "rejected"), 0);
  EXPECT_EQ(num(r.summary, "session_rejects"), 0);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "orders"), 20);
  EXPECT_EQ(num(exs, "filled_orders"), 20);
  EXPECT_EQ(num(exs, "filled_qty"), num(r.summary, "filled_shares"));
  // Normal sizes are 1..5 round lots of 100.
  EXPECT_GE(num(r.summary, "filled_shares"), 20 * 100);
  EXPECT_LE(num(r.summary, "filled_shares"), 20 * 500);
}

TEST(Simulators, NormalFlowOfTwentyOrdersIsAckedAndFilledOverFix44) {
  expect_normal_flow_filled("FIX.4.4");
}

TEST(Simulators, NormalFlowOfTwentyOrdersIsAckedAndFilledOverFix42) {
  expect_normal_flow_filled("FIX.4.2");
}

TEST(Simulators, PartialFillModelSplitsEveryOrderIntoThatManyFills) {
  Exchange ex = start_exchange({"--fill-model", "partial:4"});
  EngineRun r = run_engine(ex.port, {"--count", "20"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(num(r.summary, "filled_orders"), 20);
  EXPECT_EQ(num(r.summary, "partial_fills"), 20 * 3);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "filled_qty"), num(r.summary, "filled_shares"));
}

TEST(Simulators, RejectEveryKRejectsEveryKthOrderAndTheEngineCountsTheRule) {
  Exchange ex = start_exchange({"--fill-model", "full,reject-every:5"});
  EngineRun r = run_engine(ex.port, {"--count", "20"});
  EXPECT_EQ(num(r.summary, "rejected"), 4);
  EXPECT_EQ(num(r.summary, "filled_orders"), 16);
  bool rule_seen = false;
  for (const auto& l : r.lines) rule_seen |= l == "engine-sim reject_rule: exchange_reject_every=4";
  EXPECT_TRUE(rule_seen);
  stop_exchange(ex);
}

TEST(Simulators, WorkingOrdersAreCanceledAndUnknownOrdersGetCancelRejects) {
  Exchange ex = start_exchange({"--fill-model", "ack"});
  EngineRun r = run_engine(ex.port, {"--count", "5", "--cancel-after-ms", "20", "--cancel-unknown",
                                     "2", "--replace-unknown", "1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(num(r.summary, "acked"), 5);
  EXPECT_EQ(num(r.summary, "cancels_sent"), 5);
  EXPECT_EQ(num(r.summary, "canceled"), 5);
  EXPECT_EQ(num(r.summary, "cancel_rejects"), 3);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "canceled"), 5);
  EXPECT_EQ(num(exs, "cancel_rejects"), 3);
}

TEST(Simulators, MassCancelCancelsEveryWorkingOrderWhenTheVenueSupportsIt) {
  Exchange ex = start_exchange({"--fill-model", "ack", "--mass-cancel"});
  EngineRun r = run_engine(ex.port, {"--count", "5", "--mass-cancel-at-end"});
  EXPECT_EQ(num(r.summary, "mass_cancel_reports"), 1);
  EXPECT_EQ(num(r.summary, "canceled"), 5);
  stop_exchange(ex);
}

TEST(Simulators, MassCancelGetsABusinessRejectWhenTheVenueDoesNotSupportIt) {
  Exchange ex = start_exchange({"--fill-model", "ack"});
  EngineRun r = run_engine(ex.port, {"--count", "2", "--mass-cancel-at-end"});
  EXPECT_EQ(num(r.summary, "business_rejects"), 1);
  EXPECT_EQ(num(r.summary, "mass_cancel_reports"), 0);
  EXPECT_EQ(num(r.summary, "canceled"), 0);
  stop_exchange(ex);
}

TEST(Simulators, RepeatTagSendsTheTagTwiceAndTheIncomingLogHoldsTheRawBytes) {
  const char* base = std::getenv("TMPDIR");
  std::string dir =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/riskgate-simtest.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string log = dir + "/incoming.log";
  Exchange ex = start_exchange({"--incoming-log", log});
  EngineRun r = run_engine(ex.port, {"--count", "2", "--repeat-tag", "38=1000000",
                                     "--repeat-tag-at", "1", "--clordid-prefix", "rep-"});
  const auto exs = stop_exchange(ex);
  std::ifstream in(log, std::ios::binary);
  const std::string incoming((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);

  std::string sent, rejected;
  for (const auto& l : r.lines) {
    if (l.rfind("engine-sim repeated_tag_sent: clordid=rep-1 ", 0) == 0) sent = l;
    if (l.rfind("engine-sim session_reject: ", 0) == 0) rejected = l;
  }
  // Exactly as QuickFIX put it on the wire: 38 twice, in the order added.
  EXPECT_NE(sent.find("|38=1000000|"), std::string::npos) << sent;
  EXPECT_NE(sent.find("|38="), sent.rfind("|38=")) << sent;          // two occurrences
  EXPECT_EQ(sent.rfind("|38="), sent.find("|38=1000000|")) << sent;  // the given one last
  EXPECT_NE(incoming.find("\x01"
                          "38=1000000\x01"),
            std::string::npos)
      << incoming;
  // exchange-sim's QuickFIX refuses it itself (373=13), so its application
  // never counts it: only the incoming log shows that it arrived.
  EXPECT_NE(rejected.find("ref_seq=2 ref_tag=38 reason=13 ref_msg_type=D clordid=rep-1 "),
            std::string::npos)
      << rejected;
  EXPECT_EQ(num(r.summary, "session_rejects"), 1);
  EXPECT_EQ(num(r.summary, "filled_orders"), 1);  // The next order is normal.
  EXPECT_EQ(num(exs, "orders"), 1);
}

TEST(Simulators, FatFingerPatternSendsOneOrderAThousandTimesItsUsualSize) {
  Exchange ex = start_exchange({});
  EngineRun r =
      run_engine(ex.port, {"--count", "5", "--pattern", "fat-finger", "--fat-finger-at", "2"});
  EXPECT_EQ(num(r.summary, "filled_orders"), 5);
  // Four normal orders are at most 500 each; the fat finger is at least 100 * 1000.
  EXPECT_GE(num(r.summary, "filled_shares"), 100 * 1000);
  EXPECT_LE(num(r.summary, "filled_shares"), 500 * 1000 + 4 * 500);
  stop_exchange(ex);
}

TEST(Simulators, RunawayPatternKeepsSendingChildrenAfterTheParentIsFilled) {
  Exchange ex = start_exchange({});
  EngineRun r = run_engine(ex.port, {"--count", "10", "--pattern", "runaway", "--parent-qty", "300",
                                     "--child-qty", "100"});
  EXPECT_EQ(num(r.summary, "sent"), 10);
  EXPECT_EQ(num(r.summary, "filled_shares"), 1000);  // > parent qty 300: the Knight failure
  stop_exchange(ex);
}

// A FIX field as it appears between SOH delimiters: field("55=IBM").
std::string field(const std::string& tag_value) {
  return '\x01' + tag_value + '\x01';
}
bool has_tag(const std::string& message, int tag) {
  return message.find('\x01' + std::to_string(tag) + '=') != std::string::npos;
}

// The NewOrderSingles engine-sim logged with --verbose (QuickFIX's screen log).
std::vector<std::string> orders_sent(const EngineRun& r) {
  std::vector<std::string> out;
  for (const auto& l : r.lines)
    if (l.find(field("35=D")) != std::string::npos) out.push_back(l);
  return out;
}

TEST(Simulators, KnightPatternSpreadsMarketableChildrenOverTheSymbolsTaggedWithTheParent) {
  Exchange ex = start_exchange({});
  EngineRun r =
      run_engine(ex.port, {"--count", "4", "--pattern", "knight", "--symbols", "AAPL,MSFT",
                           "--ref-prices", "AAPL=190,MSFT=410", "--verbose"});
  EXPECT_EQ(num(r.summary, "filled_shares"), 400);
  const auto orders = orders_sent(r);
  ASSERT_EQ(orders.size(), 4u);
  // Round-robin over the symbols, a cent through the reference, a cent more
  // for each further child of the symbol.
  const char* prices[] = {"44=190.01", "44=410.01", "44=190.02", "44=410.02"};
  for (std::size_t i = 0; i < orders.size(); ++i) {
    EXPECT_NE(orders[i].find(field(prices[i])), std::string::npos) << orders[i];
    EXPECT_TRUE(has_tag(orders[i], 7001)) << orders[i];
    EXPECT_NE(orders[i].find(field("7002=1000")), std::string::npos) << orders[i];
  }
  stop_exchange(ex);
}

TEST(Simulators, UntaggedKnightChildrenCarryNoParentTags) {
  Exchange ex = start_exchange({});
  EngineRun r = run_engine(ex.port, {"--count", "6", "--pattern", "knight", "--untagged",
                                     "--symbols", "AAPL,MSFT,IBM", "--verbose"});
  EXPECT_EQ(num(r.summary, "filled_orders"), 6);
  const auto orders = orders_sent(r);
  ASSERT_EQ(orders.size(), 6u);
  for (const auto& o : orders) {
    EXPECT_FALSE(has_tag(o, 7001)) << o;
    EXPECT_FALSE(has_tag(o, 7002)) << o;
  }
  EXPECT_NE(orders[2].find(field("55=IBM")), std::string::npos) << orders[2];
  stop_exchange(ex);
}

TEST(Simulators, UntaggedRunawayChildrenCarryNoParentTags) {
  Exchange ex = start_exchange({});
  EngineRun r =
      run_engine(ex.port, {"--count", "3", "--pattern", "runaway", "--untagged", "--verbose"});
  const auto orders = orders_sent(r);
  ASSERT_EQ(orders.size(), 3u);
  for (const auto& o : orders) EXPECT_FALSE(has_tag(o, 7001)) << o;
  stop_exchange(ex);
}

TEST(Simulators, RestEveryKLeavesEveryKthOrderWorkingAndFillsTheOthers) {
  Exchange ex = start_exchange({"--fill-model", "full,rest-every:3"});
  EngineRun r = run_engine(ex.port, {"--count", "9", "--wait-seconds", "1"});
  EXPECT_EQ(num(r.summary, "acked"), 9);
  EXPECT_EQ(num(r.summary, "filled_orders"), 6);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "filled_orders"), 6);
}

TEST(Simulators, EngineSimExitsWithTwoWhenItCannotLogOn) {
  Exchange ex = start_exchange({});
  // exchange-sim knows only ENGINE1, so it drops a Logon from anyone else.
  ChildProcess engine = ChildProcess::spawn({RISKGATE_ENGINE_SIM, "--port", std::to_string(ex.port),
                                             "--sender", "NOBODY", "--target", "EXCHANGE",
                                             "--count", "1", "--logon-timeout-seconds", "2"});
  EXPECT_EQ(engine.wait_exit(20s), std::optional<int>(2));
  engine.drain(1s);
  stop_exchange(ex);
}

TEST(Simulators, ExchangeSimSequenceGapIsRecoveredByResend) {
  Exchange ex = start_exchange({"--gap-after", "3"});
  EngineRun r = run_engine(ex.port, {"--count", "10"});
  EXPECT_GE(num(r.summary, "resend_requests_sent"), 1);
  EXPECT_EQ(num(r.summary, "filled_orders"), 10);
  EXPECT_EQ(num(r.summary, "session_rejects"), 0);
  EXPECT_TRUE(ex.proc.wait_for_line_containing("exchange-sim gap: skipped", 5s));
  stop_exchange(ex);
}

TEST(Simulators, EngineSimSequenceGapIsRecoveredWithoutDuplicatingOrders) {
  Exchange ex = start_exchange({});
  EngineRun r = run_engine(ex.port, {"--count", "10", "--gap-after", "3"});
  EXPECT_GE(num(r.summary, "resend_requests_received"), 1);
  EXPECT_EQ(num(r.summary, "filled_orders"), 10);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "orders"), 10);  // the resent order was a PossDup, ignored
}

TEST(Simulators, DropAfterNDisconnectsAndTheEngineLogsOnAgain) {
  Exchange ex = start_exchange({"--drop-after", "3"});
  EngineRun r = run_engine(ex.port, {"--count", "12", "--rate", "4"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(num(r.summary, "logons"), 2);
  EXPECT_EQ(num(r.summary, "sent") + num(r.summary, "send_failed"), 12);
  EXPECT_GE(num(r.summary, "send_failed"), 0);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "logons"), 2);
  EXPECT_EQ(num(exs, "drops"), 1);
}

TEST(Simulators, SigusrOneLogsTheSessionOutAndItLogsOnAgain) {
  Exchange ex = start_exchange({"--drop-style", "logout"});
  ChildProcess engine = start_engine(ex.port, {"--count", "0"});
  ASSERT_TRUE(ex.proc.wait_for_line_containing("exchange-sim logon", 10s));
  ex.proc.signal(SIGUSR1);
  ASSERT_TRUE(ex.proc.wait_for_line_containing("exchange-sim logout", 10s));
  ASSERT_TRUE(ex.proc.wait_for_line_containing("exchange-sim logon", 10s));
  // The exchange prints its logon before the engine has read the answer:
  // wait for the engine's own two logons, or SIGTERM may beat the second.
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 10s));
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 10s));
  engine.signal(SIGTERM);
  auto line = engine.wait_for_line_containing("engine-sim summary:", 20s);
  ASSERT_TRUE(line);
  EXPECT_EQ(num(parse_summary(*line), "logons"), 2);
  EXPECT_EQ(parse_summary(*line)["logout_text"], "exchange-sim: dropping the session");
  EXPECT_EQ(engine.wait_exit(10s), std::optional<int>(0));
  stop_exchange(ex);
}

TEST(Simulators, BlackholeAnswersLogonThenStaysSilentUntilThePeerGivesUp) {
  ChildProcess hole = ChildProcess::spawn(
      {RISKGATE_EXCHANGE_SIM, "--mode", "blackhole", "--port", "0", "--run-seconds", "30"});
  auto port_line = hole.wait_for_line_containing("exchange-sim listening on port ", 10s);
  ASSERT_TRUE(port_line);
  const int port =
      std::stoi(port_line->substr(std::string("exchange-sim listening on port ").size()));
  // QuickFIX's initiator sends a TestRequest after 1.2 x HeartBtInt of silence
  // and disconnects after 2.4 x; the blackhole must see it go.
  ChildProcess engine = start_engine(port, {"--count", "0", "--heartbeat", "1"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 10s));
  ASSERT_TRUE(hole.wait_for_line_containing("blackhole: logon answered for ENGINE1", 5s));
  EXPECT_TRUE(hole.wait_for_line_containing("blackhole: peer closed after", 15s));
  engine.terminate(10s);
  EXPECT_EQ(hole.terminate(5s), 0);
}

}  // namespace
