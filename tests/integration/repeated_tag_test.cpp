// A tag repeated in an order, end to end (issue 10): QuickFIX engine-sim sends
// a NewOrderSingle carrying one tag twice (the first occurrence harmless, the
// second one what a venue reading the last occurrence would trade) through a
// running riskgate to QuickFIX exchange-sim. For each case riskgate must
// answer with a session-level Reject (35=3, 373=13, 371=<tag>, 45=<the
// order's MsgSeqNum>), forward none of it, and audit it. The very next order
// on the same session is the control: it reaches the exchange and is acked,
// so no case can pass by the gateway (or the session) being dead.
//
// "Zero bytes at the exchange" is read from exchange-sim's --incoming-log: every
// message its QuickFIX session received, raw, before any parsing. Its
// counters would not do: QuickFIX itself answers a repeated tag with a session
// Reject before the application sees the order, so a forwarded order would
// never be counted as one.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

struct Case {
  const char* name;  // gtest parameter name
  int tag;
  const char* second;  // the value of the second occurrence
};

// Every second occurrence would change what is traded or for whom.
const Case kCases[] = {
    {"OrderQty38", 38, "1000000"},                 // a size far over max_order_qty
    {"Price44", 44, "1900.00"},                    // ten times the reference price
    {"Symbol55", 55, "MSFT"},                      // another instrument
    {"Account1", 1, "ACC2"},                       // another engine's account
    {"Side54", 54, "5"},                           // sell short
    {"OrdType40", 40, "1"},                        // market: no price collar
    {"SenderCompIDInTheHeader49", 49, "ENGINE2"},  // another engine's identity
    {"TargetCompIDInTheHeader56", 56, "EXCHANGE"},
};

// gtest_discover_tests puts this in every ctest name: the case, not its bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.tag << "=" << c.second;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The value of ` key=` in a space-separated "engine-sim ...: k=v k=v" line.
std::string field(const std::string& line, const std::string& key) {
  const std::string k = " " + key + "=";
  const auto at = line.find(k);
  if (at == std::string::npos) return "";
  const auto start = at + k.size();
  return line.substr(start, line.find(' ', start) - start);
}

std::vector<std::string> lines_starting(const EngineRun& r, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : r.lines) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  }
  return out;
}

// Lines of exchange-sim's incoming log (raw FIX, SOH kept) containing `needle`.
std::vector<std::string> received(const std::string& incoming_log, const std::string& needle) {
  std::vector<std::string> out;
  const std::string all = read_file(incoming_log);
  std::size_t start = 0;
  while (start < all.size()) {
    auto end = all.find('\n', start);
    if (end == std::string::npos) end = all.size();
    const std::string line = all.substr(start, end - start);
    if (contains(line, needle)) out.push_back(line);
    start = end + 1;
  }
  return out;
}

class RepeatedTagThroughTheGateway : public ::testing::TestWithParam<Case> {};

TEST_P(RepeatedTagThroughTheGateway,
       IsASessionRejectToTheEngineWithZeroBytesAtTheExchangeAndAnAuditRecord) {
  const Case& c = GetParam();
  const std::string tag = std::to_string(c.tag);
  // Declared before the stack, so exchange-sim has stopped before it goes.
  TempDir logs;
  const std::string incoming = logs.file("exchange-incoming.log");
  Stack s({"--incoming-log", incoming});

  // Order 1 carries the tag twice; order 2, on the same session, is the control.
  const std::string prefix = "RT-" + tag + "-";
  const std::string bad_id = prefix + "1";
  const std::string control_id = prefix + "2";
  const EngineRun r = s.run(
      kEngine1, {"--count", "2", "--symbols", "AAPL", "--ref-prices", "AAPL=190", "--repeat-tag",
                 tag + "=" + c.second, "--repeat-tag-at", "1", "--clordid-prefix", prefix});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "sent"), 2) << r.describe();

  // What QuickFIX put on the wire: both occurrences, the second one last.
  const auto sent = lines_starting(r, "engine-sim repeated_tag_sent: ");
  ASSERT_EQ(sent.size(), 1u) << r.describe();
  EXPECT_EQ(field(sent[0], "clordid"), bad_id) << sent[0];
  const std::string raw = field(sent[0], "raw");
  EXPECT_EQ(occurrences(raw, "|" + tag + "="), 2u) << raw;
  EXPECT_TRUE(contains(raw, "|" + tag + "=" + c.second + "|")) << raw;
  const std::string order_seq = field(sent[0], "seq");
  ASSERT_FALSE(order_seq.empty()) << sent[0];

  // (a) The engine: one session-level Reject for that order, naming the tag.
  EXPECT_EQ(num(r.summary, "session_rejects"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 0) << r.describe();  // not an ExecutionReport
  const auto rejects = lines_starting(r, "engine-sim session_reject: ");
  EXPECT_EQ(rejects.size(), 1u) << r.describe();
  for (const auto& rej : rejects) {
    EXPECT_EQ(field(rej, "reason"), "13") << rej;  // Tag appears more than once
    EXPECT_EQ(field(rej, "ref_tag"), tag) << rej;
    EXPECT_EQ(field(rej, "ref_seq"), order_seq) << rej;
    EXPECT_EQ(field(rej, "ref_msg_type"), "D") << rej;
    EXPECT_EQ(field(rej, "clordid"), bad_id) << rej;
  }

  // The control: the next order on the same session was acked (and filled).
  EXPECT_EQ(num(r.summary, "acked"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "filled_orders"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "unknown_reports"), 0) << r.describe();

  // (c) On record, naming the tag and the order.
  const auto audited =
      wait_audit(s.audit_log(),
                 {"\"event\":\"order_refused\"", "\"session\":\"ENGINE1\"",
                  "\"cl_ord_id\":\"" + bad_id + "\"", "session reject 373=13: tag " + tag + " "});
  EXPECT_EQ(audited.size(), 1u) << read_file(s.audit_log());

  // (b) The exchange: the control arrived (riskgate prefixes ClOrdIDs, hence
  // the match on the end of the field), the refused order did not, in any
  // form. Both came over one engine session, in order, so had the refused one
  // been forwarded it would stand before the control.
  const auto control_at_exchange = received(incoming, control_id + "\x01");
  ASSERT_EQ(control_at_exchange.size(), 1u) << read_file(incoming);
  EXPECT_TRUE(contains(control_at_exchange[0],
                       "\x01"
                       "35=D\x01"))
      << control_at_exchange[0];
  EXPECT_TRUE(received(incoming, bad_id + "\x01").empty()) << read_file(incoming);
  EXPECT_EQ(received(incoming,
                     "\x01"
                     "35=D\x01")
                .size(),
            1u)
      << read_file(incoming);

  const Summary ex = s.exchange.stop();
  EXPECT_EQ(num(ex, "orders"), 1);
  EXPECT_EQ(num(ex, "acked"), 1);
}

INSTANTIATE_TEST_SUITE_P(Cases, RepeatedTagThroughTheGateway, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace riskgate::itest
