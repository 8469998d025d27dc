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
#include <set>
#include <sstream>
#include <string>
#include <thread>
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
  // One exchange-sim process keeps both sides' sequence numbers across the
  // reconnect: no reset, no refusal.
  EXPECT_EQ(num(r.summary, "seq_too_low"), 0);
  EXPECT_EQ(num(r.summary, "reset_logons"), 0);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "logons"), 2);
  EXPECT_EQ(num(exs, "drops"), 1);
  EXPECT_EQ(num(exs, "seq_too_low"), 0);
  EXPECT_EQ(num(exs, "reset_logons"), 0);
  EXPECT_EQ(num(exs, "seq_resets"), 0);
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

// ---------------------------------------------------------------------------
// What the chaos test (tests/integration/chaos_test.cpp) reads from the
// simulators: ExecID logs, the book, duplicate orders, sequence resets.

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
struct ScratchDir {
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    path =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/riskgate-simtest.XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

// The records of a simulator's log or book file ("exec: exec_id=X1 ..."),
// read with the summary-line parser.
std::vector<std::map<std::string, std::string>> records(const std::string& path) {
  std::vector<std::map<std::string, std::string>> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(parse_summary(line));
  return out;
}

std::set<std::string> exec_ids(const std::string& path) {
  std::set<std::string> out;
  for (const auto& r : records(path)) out.insert(r.at("exec_id"));
  return out;
}

// SIGUSR2 to exchange-sim, then the book line it prints in answer.
std::map<std::string, std::string> request_book(Exchange& ex) {
  ex.proc.signal(SIGUSR2);
  auto line = ex.proc.wait_for_line_containing("exchange-sim book:", 10s);
  return line ? parse_summary(*line) : std::map<std::string, std::string>{};
}

TEST(Simulators, BothExecLogsHoldEveryExecIdAndTheBookHoldsTheRestingOrders) {
  ScratchDir dir;
  Exchange ex = start_exchange({"--fill-model", "partial:2,rest-every:3", "--exec-log",
                                dir.file("ex.log"), "--book-file", dir.file("book")});
  ChildProcess engine = start_engine(ex.port, {"--count", "9", "--until-sigterm", "--exec-log",
                                               dir.file("en.log"), "--clordid-prefix", "B-"});
  // The flow ends after 9 orders; the engine stays logged on until SIGTERM.
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim flow stopped: sent=9 ", 20s));
  // Every ExecID reaches the engine's log: wait for the last of 9 orders'
  // reports (3 resting: ack; 6 filled: ack and two fills = 21).
  for (int i = 0; i < 500 && records(dir.file("en.log")).size() < 21; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(exec_ids(dir.file("ex.log")).size(), 21u);
  EXPECT_EQ(exec_ids(dir.file("en.log")), exec_ids(dir.file("ex.log")));
  for (const auto& r : records(dir.file("en.log"))) EXPECT_EQ(r.at("poss_dup"), "N");

  const auto book = request_book(ex);
  EXPECT_EQ(num(book, "working"), 3);
  EXPECT_EQ(num(book, "duplicate_orders"), 0);
  const auto orders = records(dir.file("book"));
  ASSERT_EQ(orders.size(), 3u);
  // rest-every:3 rests orders 3, 6 and 9, whole.
  EXPECT_EQ(orders[0].at("clordid"), "B-3");
  EXPECT_EQ(orders[0].at("leaves_qty"), orders[0].at("order_qty"));
  EXPECT_EQ(orders[0].at("cum_qty"), "0");

  engine.signal(SIGTERM);
  auto line = engine.wait_for_line_containing("engine-sim summary:", 20s);
  ASSERT_TRUE(line);
  EXPECT_EQ(num(parse_summary(*line), "acked"), 9);
  EXPECT_EQ(num(parse_summary(*line), "unanswered"), 0);
  EXPECT_EQ(engine.wait_exit(10s), std::optional<int>(0));
  stop_exchange(ex);
}

TEST(Simulators, EngineSimCountsTheOrdersThatNeverGotAnAnswer) {
  ChildProcess hole = ChildProcess::spawn(
      {RISKGATE_EXCHANGE_SIM, "--mode", "blackhole", "--port", "0", "--run-seconds", "30"});
  auto port_line = hole.wait_for_line_containing("exchange-sim listening on port ", 10s);
  ASSERT_TRUE(port_line);
  const int port =
      std::stoi(port_line->substr(std::string("exchange-sim listening on port ").size()));
  // The blackhole takes the Logon and answers nothing else.
  EngineRun r = run_engine(port, {"--count", "3", "--wait-seconds", "1", "--clordid-prefix", "U-"});
  EXPECT_EQ(num(r.summary, "sent"), 3);
  EXPECT_EQ(num(r.summary, "unanswered"), 3);
  int listed = 0;
  for (const auto& l : r.lines) listed += l.rfind("engine-sim unanswered: clordid=U-", 0) == 0;
  EXPECT_EQ(listed, 3);
  hole.terminate(5s);
}

TEST(Simulators, SigusrTwoStopsAnUnboundedFlowAndTheEngineStaysLoggedOnUntilSigterm) {
  Exchange ex = start_exchange({});
  ChildProcess engine = start_engine(ex.port, {"--count", "0", "--until-sigterm", "--rate", "200"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim logon", 10s));
  // Let some orders flow, then stop it.
  std::map<std::string, std::string> book;
  for (int i = 0; i < 200; ++i) {
    book = request_book(ex);
    if (num(book, "orders") >= 20) break;
    std::this_thread::sleep_for(20ms);
  }
  engine.signal(SIGUSR2);
  auto stopped = engine.wait_for_line_containing("engine-sim flow stopped:", 10s);
  ASSERT_TRUE(stopped);
  const long sent = num(parse_summary(*stopped), "sent");
  EXPECT_GE(sent, 20);
  // Nothing more is sent once the flow has stopped, and the session stays up.
  for (int i = 0; i < 100; ++i) {
    book = request_book(ex);
    if (num(book, "orders") >= sent) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(num(book, "orders"), sent);
  std::this_thread::sleep_for(200ms);  // At 200/s, 40 more orders if the flow went on.
  book = request_book(ex);
  EXPECT_EQ(num(book, "orders"), sent);
  EXPECT_EQ(num(book, "logouts"), 0);
  engine.signal(SIGTERM);
  auto line = engine.wait_for_line_containing("engine-sim summary:", 20s);
  ASSERT_TRUE(line);
  EXPECT_EQ(num(parse_summary(*line), "sent"), sent);
  EXPECT_EQ(engine.wait_exit(10s), std::optional<int>(0));
  stop_exchange(ex);
}

TEST(Simulators, ExchangeSimCountsAClOrdIdReceivedTwiceAndWhetherItWasAcceptedAgain) {
  // Order 12 is rejected (reject-every:12). A second engine run whose ClOrdIDs
  // are "D1" + 1 and "D1" + 2 sends D11 (accepted the first time: refused
  // as a duplicate) and D12 (rejected the first time, so this venue takes it).
  // Each run logs on with a reset: a new engine-sim starts at MsgSeqNum 1.
  Exchange ex = start_exchange({"--fill-model", "full,reject-every:12"});
  EngineRun first =
      run_engine(ex.port, {"--count", "12", "--clordid-prefix", "D", "--reset-on-logon"});
  EXPECT_EQ(num(first.summary, "rejected"), 1);
  EngineRun second =
      run_engine(ex.port, {"--count", "2", "--clordid-prefix", "D1", "--reset-on-logon"});
  EXPECT_EQ(num(second.summary, "rejected"), 1);
  EXPECT_EQ(num(second.summary, "filled_orders"), 1);
  bool refused = false, accepted = false;
  ex.proc.drain(200ms);
  for (const auto& l : ex.proc.lines()) {
    refused |= l.rfind("exchange-sim duplicate_order: clordid=D11 ", 0) == 0 &&
               l.find(" poss_dup=N poss_resend=N accepted=0") != std::string::npos;
    accepted |= l.rfind("exchange-sim duplicate_order: clordid=D12 ", 0) == 0 &&
                l.find(" accepted=1") != std::string::npos;
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(accepted);
  const auto exs = stop_exchange(ex);
  EXPECT_EQ(num(exs, "duplicate_orders"), 2);
  EXPECT_EQ(num(exs, "duplicates_accepted"), 1);
  EXPECT_EQ(num(exs, "reset_logons"), 2);  // Both runs asked for 141=Y.
}

TEST(Simulators, AnExchangeSimRestartedWithoutItsStoreIsRefusedAsMsgSeqNumTooLowOnBothSides) {
  Exchange first = start_exchange({});
  const int port = first.port;
  ChildProcess engine = start_engine(port, {"--count", "3", "--until-sigterm"});
  ASSERT_TRUE(engine.wait_for_line_containing("engine-sim flow stopped:", 20s));
  const auto before = stop_exchange(first);
  EXPECT_EQ(num(before, "seq_too_low"), 0);
  EXPECT_EQ(num(before, "reset_logons"), 0);

  // A new process on the same port starts at MsgSeqNum 1; the engine, still
  // running, expects more and refuses its Logon.
  Exchange second = start_exchange({"--port", std::to_string(port)});
  auto sent = engine.wait_for_line_containing("engine-sim logout_sent:", 20s);
  ASSERT_TRUE(sent);
  EXPECT_NE(sent->find("MsgSeqNum too low, expecting "), std::string::npos) << *sent;
  EXPECT_NE(sent->find(" but received 1\""), std::string::npos) << *sent;
  auto received = second.proc.wait_for_line_containing("exchange-sim logout_received:", 10s);
  ASSERT_TRUE(received);
  EXPECT_NE(received->find("MsgSeqNum too low"), std::string::npos) << *received;
  engine.signal(SIGTERM);
  auto line = engine.wait_for_line_containing("engine-sim summary:", 20s);
  ASSERT_TRUE(line);
  EXPECT_GE(num(parse_summary(*line), "seq_too_low"), 1);
  EXPECT_EQ(num(parse_summary(*line), "reset_logons"), 0);
  (void)engine.wait_exit(10s);
  const auto after = stop_exchange(second);
  EXPECT_GE(num(after, "seq_too_low"), 1);
  EXPECT_EQ(num(after, "reset_logons"), 0);
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
