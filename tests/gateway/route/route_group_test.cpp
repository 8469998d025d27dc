// The order path of one route group, with real sessions and the real risk
// engine but no sockets (tests/support/route_harness.hpp): routing, ClOrdID
// rewriting, fail-closed refusals, malformed input, and the allocation-free
// receive -> scan -> check -> rewrite -> send step.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/manifest.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/route/translate.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/route_harness.hpp"

namespace {

namespace tag = riskgate::codec::tag;
using riskgate::testing::app_sent;
using riskgate::testing::Parsed;
using riskgate::testing::raw_message;
using riskgate::testing::RouteHarness;
using riskgate::testing::timestamp;

class RouteGroupTest : public ::testing::Test {
 protected:
  RouteHarness h;

  void SetUp() override { h.log_on_all(); }

  // Delivers bytes from client i; every byte must be consumed.
  void send(int i, const std::string& bytes) { ASSERT_EQ(h.from_client(i, bytes), bytes.size()); }
  void from_exchange(const std::string& bytes) { ASSERT_EQ(h.from_exchange(bytes), bytes.size()); }
};

TEST_F(RouteGroupTest, OrderIsForwardedWithPrefixedClOrdIdAndVenueTagsUnchanged) {
  // Parent tags (parent_id_tag, parent_qty_tag in the config) are added to the
  // dictionary by the gateway; they pass through unchanged.
  send(0, h.order(0, "C1", 100, "190.50", "7001=PARENT-1|7002=1000|"));
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const Parsed out(h.exchange_wire.sent[0]);
  EXPECT_EQ(out.type(), "D");
  EXPECT_EQ(out.get(tag::kClOrdID), "E1-C1");
  EXPECT_EQ(out.get(tag::kSenderCompID), "RISKGATE");
  EXPECT_EQ(out.get(tag::kTargetCompID), "EXCHANGE");
  EXPECT_EQ(out.get(7001), "PARENT-1");
  EXPECT_EQ(out.get(tag::kOrderQty), "100");
  EXPECT_EQ(out.get(tag::kPrice), "190.50");
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty()) << "nothing goes back until the exchange answers";
}

TEST_F(RouteGroupTest, AVenueTagTheDictionaryDoesNotDefineIsRejectedAuditedAndNotForwarded) {
  send(0, h.order(0, "C1", 100, "190.50", "9999=venue-specific|"));
  EXPECT_TRUE(app_sent(h.exchange_wire).empty());
  const auto back = h.client_wire[0].sent;
  ASSERT_EQ(back.size(), 1u);
  const Parsed rej(back[0]);
  EXPECT_EQ(rej.type(), "3");
  EXPECT_EQ(rej.get(tag::kSessionRejectReason), "0");
  EXPECT_EQ(rej.get(tag::kRefTagID), "9999");
  EXPECT_EQ(rej.get(tag::kRefMsgType), "D");
  ASSERT_FALSE(h.audit.records.empty());
  const auto& r = h.audit.records.back();
  EXPECT_EQ(r.event, riskgate::audit::AuditEvent::kOrderRefused);
  EXPECT_EQ(std::string(r.cl_ord_id), "C1");
  EXPECT_NE(std::string(r.text).find("373=0: tag 9999"), std::string::npos) << r.text;
}

TEST(RouteVenueTags, VenueTagsPassUnchangedWhenTheSessionDoesNotValidateUserDefinedFields) {
  auto cfg = RouteHarness::default_config();
  for (auto& d : cfg.sessions) d.validate_user_defined_fields = false;
  RouteHarness h(cfg);
  h.log_on_all();
  const std::string order = h.order(0, "C1", 100, "190.50", "9999=venue-specific|");
  ASSERT_EQ(h.from_client(0, order), order.size());
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const Parsed out(h.exchange_wire.sent[0]);
  EXPECT_EQ(out.type(), "D");
  EXPECT_EQ(out.get(tag::kClOrdID), "E1-C1");
  EXPECT_EQ(out.get(tag::kSenderCompID), "RISKGATE");
  EXPECT_EQ(out.get(tag::kTargetCompID), "EXCHANGE");
  EXPECT_EQ(out.get(9999), "venue-specific");
  EXPECT_EQ(out.get(tag::kOrderQty), "100");
  EXPECT_TRUE(h.client_wire[0].sent.empty()) << "nothing goes back until the exchange answers";
}

TEST_F(RouteGroupTest, AMalformedExecutionReportIsRejectedAtSessionLevelAuditedAndNotForwarded) {
  send(0, h.order(0, "C1"));
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  h.exchange_wire.sent.clear();
  // A fill whose LastQty stands twice: two readings of how much traded.
  from_exchange(h.exchange_peer.make(
      "8",
      "37=O1|17=X1|11=E1-C1|150=F|39=2|55=AAPL|54=1|38=100|151=0|14=100|6=190.5|"
      "32=100|31=190.5|32=5000|60=20240102-03:04:05.000|"));
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const Parsed rej(h.exchange_wire.sent[0]);
  EXPECT_EQ(rej.type(), "3");
  EXPECT_EQ(rej.get(tag::kSessionRejectReason), "13");
  EXPECT_EQ(rej.get(tag::kRefTagID), "32");
  EXPECT_EQ(rej.get(tag::kRefMsgType), "8");
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty()) << "never forwarded to the engine";
  EXPECT_EQ(h.group().counters.reports_rejected.load(), 1u);
  ASSERT_FALSE(h.audit.records.empty());
  const auto& r = h.audit.records.back();
  EXPECT_EQ(r.event, riskgate::audit::AuditEvent::kMessageRejected);
  EXPECT_STREQ(r.session, "EXCH");
  EXPECT_STREQ(r.cl_ord_id, "E1-C1");
  EXPECT_NE(std::string(r.text).find("order state may be stale"), std::string::npos) << r.text;
}

TEST_F(RouteGroupTest, ReportsGoOnlyToTheOwningClientWithThePrefixStripped) {
  send(0, h.order(0, "SAME"));
  send(1, h.order(1, "SAME"));  // Same client id, different owner: no collision.
  ASSERT_EQ(h.exchange_wire.sent.size(), 2u);
  EXPECT_EQ(Parsed(h.exchange_wire.sent[0]).get(tag::kClOrdID), "E1-SAME");
  EXPECT_EQ(Parsed(h.exchange_wire.sent[1]).get(tag::kClOrdID), "E2-SAME");

  from_exchange(h.report("E2-SAME", '0', '0', 100, 0, 0));
  from_exchange(h.report("E2-SAME", 'F', '2', 100, 100, 100));
  from_exchange(h.report("E1-SAME", '0', '0', 100, 0, 0));

  const auto to_e1 = app_sent(h.client_wire[0]);
  const auto to_e2 = app_sent(h.client_wire[1]);
  ASSERT_EQ(to_e1.size(), 1u);
  ASSERT_EQ(to_e2.size(), 2u);
  EXPECT_EQ(to_e1[0].get(tag::kClOrdID), "SAME");
  EXPECT_EQ(to_e1[0].get(tag::kTargetCompID), "ENGINE1");
  EXPECT_EQ(to_e2[0].get(tag::kExecType), "0");
  EXPECT_EQ(to_e2[1].get(tag::kExecType), "F");
  EXPECT_EQ(to_e2[1].get(tag::kClOrdID), "SAME");
  EXPECT_EQ(to_e2[1].get(tag::kTargetCompID), "ENGINE2");
}

TEST_F(RouteGroupTest, AReportForAnUnknownClOrdIdReachesNoClient) {
  from_exchange(h.report("ZZ-NOBODY", '0', '0', 100, 0, 0));
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(h.group().counters.unroutable.load(), 1u);
}

TEST_F(RouteGroupTest, AFatFingerOrderIsRefusedWithTheRuleAndNeverForwarded) {
  send(0, h.order(0, "BIG", 100'000));
  EXPECT_TRUE(h.exchange_wire.sent.empty());
  const auto back = app_sent(h.client_wire[0]);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].type(), "8");
  EXPECT_EQ(back[0].get(tag::kExecType), "8");
  EXPECT_EQ(back[0].get(tag::kOrdStatus), "8");
  EXPECT_EQ(back[0].get(tag::kClOrdID), "BIG");
  EXPECT_TRUE(back[0].has(tag::kOrdRejReason));
  EXPECT_EQ(back[0].get(tag::kText).rfind("max_order_qty: 100000 > 10000", 0), 0u)
      << back[0].get(tag::kText);
  ASSERT_FALSE(h.audit.records.empty());
  EXPECT_STREQ(h.audit.records.back().rule, "max_order_qty");
}

TEST_F(RouteGroupTest, OrdersAreRefusedWhileTheExchangeLegIsDown) {
  h.exchange().on_disconnected();
  send(0, h.order(0, "C1"));
  EXPECT_TRUE(h.exchange_wire.sent.empty());
  const auto back = app_sent(h.client_wire[0]);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].get(tag::kOrdStatus), "8");
  EXPECT_NE(back[0].get(tag::kText).find("exchange"), std::string::npos) << back[0].get(tag::kText);
}

TEST_F(RouteGroupTest, AnOrderRefusedWhileTheExchangeLogsOutDoesNotUseUpItsClOrdId) {
  h.exchange().logout("end of day");  // Our Logout is out; its answer is pending.
  h.exchange_wire.sent.clear();
  send(0, h.order(0, "C1"));
  EXPECT_TRUE(app_sent(h.exchange_wire).empty());
  auto back = app_sent(h.client_wire[0]);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].get(tag::kText).rfind("exchange_unavailable:", 0), 0u)
      << back[0].get(tag::kText);

  // The leg comes back: the same ClOrdID is not a duplicate, it never left.
  h.exchange().on_disconnected();
  h.log_on_exchange();
  h.client_wire[0].sent.clear();
  send(0, h.order(0, "C1"));
  ASSERT_EQ(app_sent(h.exchange_wire).size(), 1u);
  EXPECT_EQ(Parsed(h.exchange_wire.sent.back()).get(tag::kClOrdID), "E1-C1");
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
}

// The gateway's control thread publishes the audit log's health to the engine
// (Engine::set_audit_available); an unwritable log refuses every new order.
TEST_F(RouteGroupTest, OrdersAreRefusedWhileTheAuditLogIsUnavailable) {
  h.engine().set_audit_available(false);
  send(0, h.order(0, "C1"));
  EXPECT_TRUE(h.exchange_wire.sent.empty());
  const auto back = app_sent(h.client_wire[0]);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].get(tag::kOrdStatus), "8");
  EXPECT_NE(back[0].get(tag::kText).find("audit"), std::string::npos) << back[0].get(tag::kText);
}

TEST_F(RouteGroupTest, ACancelPassesEvenWhenTheClientSessionIsKilled) {
  send(0, h.order(0, "C1"));
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  h.engine().kills().engage(riskgate::risk::KillScope::kClientSession, h.leg(0).index(),
                            riskgate::risk::KillReason::kOperator);
  h.exchange_wire.sent.clear();

  send(0, h.order(0, "C2"));
  EXPECT_TRUE(h.exchange_wire.sent.empty()) << "a new order in a killed scope is refused";
  send(0, h.client_peer[0].make(
              "F", "11=X1|41=C1|1=ACC1|55=AAPL|54=1|38=100|60=" + timestamp(h.clock.utc) + "|"));
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const Parsed cancel(h.exchange_wire.sent[0]);
  EXPECT_EQ(cancel.type(), "F");
  EXPECT_EQ(cancel.get(tag::kClOrdID), "E1-X1");
  EXPECT_EQ(cancel.get(tag::kOrigClOrdID), "E1-C1");
}

// --- Retired values (issue 4): refused, never forwarded, session killed -----

// The shipped manifest retires 9700=PWRPEG. The harness does not load a
// manifest, so the fixture feeds its [[retired]] entries to the group the way
// Gateway does (RetiredValues behind TranslateConfig::retired), before the
// first order. GroupOptions is copied into the group and only readable, hence
// the const_cast: the object itself is not const.
class RetiredValueTest : public RouteGroupTest, public ::testing::WithParamInterface<const char*> {
 protected:
  riskgate::route::RetiredValues retired;

  void SetUp() override {
    const auto manifest =
        riskgate::config::load_manifest(std::string(RISKGATE_SOURCE_DIR) + "/config/manifest.toml");
    for (const auto& r : manifest.retired) retired.add(r.tag, r.value);
    const_cast<riskgate::route::GroupOptions&>(h.group().options()).translate.retired = &retired;
    RouteGroupTest::SetUp();
  }
};

TEST_P(RetiredValueTest, ARetiredValueInAnyCaseOrSpacingIsRefusedAndTripsTheSession) {
  using riskgate::risk::KillReason;
  using riskgate::risk::KillScope;
  send(0, h.order(0, "R1", 100, "190.50", "9700=" + std::string(GetParam()) + "|"));

  EXPECT_TRUE(app_sent(h.exchange_wire).empty()) << "a retired value must never be forwarded";
  const auto back = app_sent(h.client_wire[0]);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].type(), "8");
  EXPECT_EQ(back[0].get(tag::kOrdStatus), "8");
  EXPECT_EQ(back[0].get(tag::kClOrdID), "R1");
  EXPECT_EQ(back[0].get(tag::kText).rfind("retired_feature: tag 9700", 0), 0u)
      << back[0].get(tag::kText);
  EXPECT_EQ(h.engine().kills().reason(KillScope::kClientSession, h.leg(0).index()),
            KillReason::kRetiredFeature);
  EXPECT_FALSE(h.engine().kills().engaged(KillScope::kClientSession, h.leg(1).index()))
      << "only the sending session is tripped";
  ASSERT_FALSE(h.audit.records.empty());
  bool audited = false;
  for (const auto& r : h.audit.records)
    audited |= r.event == riskgate::audit::AuditEvent::kRetiredValue;
  EXPECT_TRUE(audited);

  // The session stays killed: a clean order after it is refused too.
  send(0, h.order(0, "C2"));
  EXPECT_TRUE(app_sent(h.exchange_wire).empty());
}

INSTANTIATE_TEST_SUITE_P(Spellings, RetiredValueTest,
                         ::testing::Values("PWRPEG", "pwrpeg", " PwrPeg ", "\tPwr Peg\t"));

TEST_F(RouteGroupTest, AnotherValueOfARetiredTagIsForwarded) {
  riskgate::route::RetiredValues retired;
  retired.add(9700, "PWRPEG");
  const_cast<riskgate::route::GroupOptions&>(h.group().options()).translate.retired = &retired;
  send(0, h.order(0, "C1", 100, "190.50", "9700=PWRPEG2|"));
  ASSERT_EQ(app_sent(h.exchange_wire).size(), 1u);
  EXPECT_EQ(Parsed(h.exchange_wire.sent.back()).get(9700), "PWRPEG2");
  EXPECT_FALSE(
      h.engine().kills().engaged(riskgate::risk::KillScope::kClientSession, h.leg(0).index()));
}

// --- Malformed input: never forwarded, each gets the FIX answer -------------

class MalformedInput : public RouteGroupTest {
 protected:
  void TearDown() override {
    EXPECT_TRUE(h.exchange_wire.sent.empty()) << "malformed input must never be forwarded";
  }
};

TEST_F(MalformedInput, ABadChecksumIsDroppedAsGarbledAndNotForwarded) {
  std::string m = h.order(0, "C1");
  m[m.size() - 2] = m[m.size() - 2] == '0' ? '1' : '0';  // Corrupt the checksum digits.
  (void)h.from_client(0, m);
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
  EXPECT_GE(h.client(0).stats().garbled, 1u);
}

TEST_F(MalformedInput, AWrongBodyLengthIsDroppedAsGarbledAndNotForwarded) {
  const std::string good = h.order(0, "C1");
  const std::size_t p = good.find(
                            "\x01"
                            "9=") +
                        3;
  const std::size_t end = good.find('\x01', p);
  const int length = std::stoi(good.substr(p, end - p));
  // Five bytes short: the CheckSum field is not where BodyLength says.
  const std::string bad = good.substr(0, p) + std::to_string(length - 5) + good.substr(end);
  (void)h.from_client(0, bad);
  EXPECT_GE(h.client(0).stats().garbled, 1u);
}

TEST_F(MalformedInput, AMissingRequiredTagGetsASessionRejectNamingTheTag) {
  send(0, h.client_peer[0].make("D", "11=C1|1=ACC1|54=1|38=100|40=2|44=190.5|60=" +
                                         timestamp(h.clock.utc) + "|"));  // No 55.
  ASSERT_FALSE(h.client_wire[0].sent.empty());
  const Parsed r(h.client_wire[0].sent.back());
  EXPECT_EQ(r.type(), "3");
  EXPECT_EQ(r.get(tag::kRefTagID), "55");
  EXPECT_EQ(r.get(tag::kSessionRejectReason), "1");  // Required tag missing.
}

// One reading of every message: a second occurrence of a tag that risk or the
// session reads (38=100 ... 38=1000000) could be what a venue trades, so the
// order is a session Reject 373=13 naming the tag, on record, never forwarded.
struct RepeatedTag {
  const char* name;
  const char* body;  // NewOrderSingle body after 11=; '|' as SOH.
  const char* tag;
};
class RepeatedTagTest : public MalformedInput, public ::testing::WithParamInterface<RepeatedTag> {};

TEST_P(RepeatedTagTest, ARepeatedTagThatRiskReadsGetsASessionRejectAndIsNeverForwarded) {
  const RepeatedTag& c = GetParam();
  send(0, h.client_peer[0].make(
              "D", std::string("11=R1|") + c.body + "60=" + timestamp(h.clock.utc) + "|"));
  ASSERT_FALSE(h.client_wire[0].sent.empty());
  const Parsed r(h.client_wire[0].sent.back());
  EXPECT_EQ(r.type(), "3");
  EXPECT_EQ(r.get(tag::kRefTagID), c.tag);
  EXPECT_EQ(r.get(tag::kSessionRejectReason), "13");  // Tag appears more than once.
  ASSERT_FALSE(h.audit.records.empty());
  EXPECT_NE(std::string(h.audit.records.back().text).find("373=13: tag " + std::string(c.tag)),
            std::string::npos)
      << h.audit.records.back().text;
  // The session goes on: the same order written once is forwarded.
  send(0, h.order(0, "R2"));
  EXPECT_EQ(h.exchange_wire.sent.size(), 1u);
  h.exchange_wire.sent.clear();  // TearDown checks only the malformed one.
}

INSTANTIATE_TEST_SUITE_P(
    RiskTags, RepeatedTagTest,
    ::testing::Values(
        RepeatedTag{"OrderQty", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|38=1000000|", "38"},
        RepeatedTag{"Price", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|44=1900|", "44"},
        RepeatedTag{"Symbol", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|55=MSFT|", "55"},
        RepeatedTag{"Account", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|1=ACC2|", "1"},
        RepeatedTag{"Side", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|54=2|", "54"},
        RepeatedTag{"OrdType", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|40=1|", "40"},
        RepeatedTag{"ParentId", "1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|7001=P|7002=100|7001=Q|",
                    "7001"}),
    [](const ::testing::TestParamInfo<RepeatedTag>& i) { return std::string(i.param.name); });

TEST_F(MalformedInput, GarbageBytesAreSkippedAndTheNextOrderStillFlows) {
  const std::string garbage = "\x01\x02garbage 8=FIX.4.4 not a message\x01";
  const std::string good = h.order(0, "AFTER");
  (void)h.from_client(0, garbage + good);
  // The garbage is skipped; the good order behind it is the only thing out.
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  EXPECT_EQ(Parsed(h.exchange_wire.sent[0]).get(tag::kClOrdID), "E1-AFTER");
  h.exchange_wire.sent.clear();  // TearDown checks that nothing else went out.
}

// A peer announcing a message over MaxMessageSize cannot be resynchronised
// safely within that frame: the session logs it out and disconnects.
TEST_F(MalformedInput, AnOversizeMessageLogsThePeerOutAndIsNotForwarded) {
  const std::string huge = h.order(0, "C1", 100, "190.50", "58=" + std::string(9000, 'x') + "|");
  (void)h.from_client(0, huge);
  ASSERT_FALSE(h.client_wire[0].sent.empty());
  const Parsed logout(h.client_wire[0].sent.back());
  EXPECT_EQ(logout.type(), "5");
  EXPECT_NE(logout.get(tag::kText).find("maximum message size"), std::string::npos);
  EXPECT_TRUE(h.client_wire[0].disconnected);
}

TEST_F(MalformedInput, AMessageSplitByteByByteIsForwardedOnceWhole) {
  const std::string m = h.order(0, "SPLIT");
  std::string inbox;
  for (char c : m) {
    inbox.push_back(c);
    inbox.erase(0, h.from_client(0, inbox));
  }
  EXPECT_TRUE(inbox.empty());
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  EXPECT_EQ(Parsed(h.exchange_wire.sent[0]).get(tag::kClOrdID), "E1-SPLIT");
  h.exchange_wire.sent.clear();
}

TEST_F(MalformedInput, TwentyMessagesInOneReadAreForwardedInOrder) {
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += h.order(0, "B" + std::to_string(i), 100 + i);
  send(0, batch);
  ASSERT_EQ(h.exchange_wire.sent.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(Parsed(h.exchange_wire.sent[i]).get(tag::kClOrdID), "E1-B" + std::to_string(i));
  h.exchange_wire.sent.clear();
}

TEST(RouteGroupLogon, ALogonWithAWrongCompIdIsRefusedAndNothingIsForwarded) {
  RouteHarness h;
  h.log_on_exchange();
  h.client(0).on_connected();
  riskgate::testing::Peer stranger(h.clock, "ENGINE9", "RISKGATE");
  (void)h.from_client(0, stranger.logon(30));
  EXPECT_NE(h.client(0).state(), riskgate::session::State::kActive);
  (void)h.from_client(0, stranger.make("D", "11=C1|1=ACC1|55=AAPL|54=1|38=100|40=2|44=190|"));
  EXPECT_TRUE(h.exchange_wire.sent.empty());
  EXPECT_TRUE(h.client_wire[0].disconnected);
}

// --- One transactional order step (issue 11) ----------------------------------
// The engine's decision is committed only once the order is in the order table
// and forwarded; a failure in between leaves the engine as if the order never
// arrived.

// What an order can leave in the engine for client 0 (ACC1, AAPL).
struct RiskFootprint {
  std::uint32_t cl_ord_ids = 0;
  riskgate::risk::AccountUsage account;
  riskgate::risk::PairUsage pair;
  riskgate::risk::SessionSymbolUsage typical;
  std::vector<double> flow;
  bool operator==(const RiskFootprint& o) const {
    return cl_ord_ids == o.cl_ord_ids && account.open_orders == o.account.open_orders &&
           account.open_notional == o.account.open_notional &&
           account.gross_notional_day == o.account.gross_notional_day &&
           pair.position == o.pair.position && pair.open_buy_qty == o.pair.open_buy_qty &&
           pair.open_sell_qty == o.pair.open_sell_qty &&
           typical.typical_size == o.typical.typical_size &&
           typical.accepted_count == o.typical.accepted_count && flow == o.flow;
  }
};

RiskFootprint footprint(RouteHarness& h) {
  RiskFootprint f;
  f.cl_ord_ids = h.leg(0).risk_state().cl_ord_ids_remembered();
  f.account = h.engine().account_usage(h.account[0]);
  f.pair = h.engine().pair_usage(h.account[0], "AAPL");
  f.typical = h.engine().session_symbol_usage(h.leg(0).index(), "AAPL");
  for (const auto& r : h.engine().flow_usage(h.leg(0).index(), h.clock.steady).rules)
    f.flow.push_back(r.value);
  return f;
}

// The transport refuses the next send: the session drops the leg, so the
// test brings it back before the retry.
void reconnect_exchange(RouteHarness& h) {
  h.exchange_wire.refuse = false;
  h.exchange().on_disconnected();
  h.log_on_exchange();
  h.exchange_wire.sent.clear();
}

std::string replace(RouteHarness& h, std::string_view id, std::string_view orig, std::int64_t qty) {
  return h.client_peer[0].make("G", "11=" + std::string(id) + "|41=" + std::string(orig) +
                                        "|1=ACC1|55=AAPL|54=1|38=" + std::to_string(qty) +
                                        "|40=2|44=190.50|59=0|60=" + timestamp(h.clock.utc) + "|");
}

std::string cancel(RouteHarness& h, std::string_view id, std::string_view orig) {
  return h.client_peer[0].make("F", "11=" + std::string(id) + "|41=" + std::string(orig) +
                                        "|55=AAPL|54=1|38=100|60=" + timestamp(h.clock.utc) + "|");
}

TEST(RouteTransactionalStep, AnOrderRefusedForAFullOrderTableIsAcceptedWhenRetriedAfterSpaceFrees) {
  auto cfg = RouteHarness::default_config();
  cfg.gateway.max_working_orders = 1;
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1")), 0u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u);
  const RiskFootprint before = footprint(h);

  ASSERT_GT(h.from_client(0, h.order(0, "C2")), 0u);
  EXPECT_EQ(h.exchange_wire.sent.size(), 1u) << "not forwarded: the table is full";
  ASSERT_FALSE(h.client_wire[0].sent.empty());
  const Parsed refused(h.client_wire[0].sent.back());
  EXPECT_EQ(refused.get(tag::kOrdStatus), "8");
  EXPECT_EQ(refused.get(tag::kText).rfind("risk_state_full", 0), 0u) << refused.get(tag::kText);
  EXPECT_TRUE(footprint(h) == before) << "the refused order left no trace in the engine";

  // C1 fills: its table entry frees, and C2 is retried with the same ClOrdID.
  ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 100)), 0u);
  ASSERT_GT(h.from_client(0, h.order(0, "C2")), 0u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 2u) << h.client_wire[0].sent.back();
  EXPECT_EQ(Parsed(h.exchange_wire.sent.back()).get(tag::kClOrdID), "E1-C2");
}

TEST(RouteTransactionalStep, AnOrderWhoseForwardFailsLeavesEveryRiskCounterAsBefore) {
  auto cfg = RouteHarness::default_config();
  // One order per second: a failed forward that kept its budget would make
  // the retry (same instant) a rate refusal.
  cfg.risk.session_rates.max_orders_per_sec = 1;
  RouteHarness h(cfg);
  h.log_on_all();
  const RiskFootprint before = footprint(h);

  h.exchange_wire.refuse = true;
  ASSERT_GT(h.from_client(0, h.order(0, "C1")), 0u);
  const auto refused = Parsed(h.client_wire[0].sent.back());
  EXPECT_EQ(refused.get(tag::kText).rfind("exchange_unavailable", 0), 0u)
      << refused.get(tag::kText);
  EXPECT_TRUE(footprint(h) == before);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().working_orders(), 0u);

  reconnect_exchange(h);
  h.client_wire[0].sent.clear();
  ASSERT_GT(h.from_client(0, h.order(0, "C1")), 0u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u) << h.client_wire[0].sent.back();
  EXPECT_EQ(Parsed(h.exchange_wire.sent.back()).get(tag::kClOrdID), "E1-C1");
  EXPECT_EQ(footprint(h).account.open_orders, before.account.open_orders + 1);
}

TEST(RouteTransactionalStep, AReplaceWhoseForwardFailsLeavesTheOrderAndEveryCounterAsBefore) {
  auto cfg = RouteHarness::default_config();
  cfg.risk.session_rates.max_orders_per_sec = 2;  // C1 and one replace.
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1")), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0)), 0u);
  const RiskFootprint before = footprint(h);

  h.exchange_wire.refuse = true;
  ASSERT_GT(h.from_client(0, replace(h, "C2", "C1", 200)), 0u);
  const Parsed refused(h.client_wire[0].sent.back());
  EXPECT_EQ(refused.type(), "9");  // OrderCancelReject
  EXPECT_TRUE(footprint(h) == before);
  EXPECT_EQ(h.group().orders().find("E1-C2"), nullptr);
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().working_orders(), 1u);

  reconnect_exchange(h);
  ASSERT_GT(h.from_client(0, replace(h, "C2", "C1", 200)), 0u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u) << h.client_wire[0].sent.back();
  const Parsed out(h.exchange_wire.sent.back());
  EXPECT_EQ(out.get(tag::kClOrdID), "E1-C2");
  EXPECT_EQ(out.get(tag::kOrigClOrdID), "E1-C1");
}

TEST(RouteTransactionalStep, ACancelWhoseForwardFailsTakesNoCancelBudget) {
  auto cfg = RouteHarness::default_config();
  cfg.risk.session_rates.max_cancels_per_sec = 1;
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1")), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0)), 0u);

  h.exchange_wire.refuse = true;
  ASSERT_GT(h.from_client(0, cancel(h, "X1", "C1")), 0u);
  EXPECT_EQ(Parsed(h.client_wire[0].sent.back()).type(), "9");
  EXPECT_EQ(h.group().orders().find("E1-X1"), nullptr);

  reconnect_exchange(h);
  ASSERT_GT(h.from_client(0, cancel(h, "X1", "C1")), 0u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 1u) << h.client_wire[0].sent.back();
  EXPECT_EQ(Parsed(h.exchange_wire.sent.back()).get(tag::kClOrdID), "E1-X1");
  // The budget is real: a second cancel in the same instant is refused.
  ASSERT_GT(h.from_client(0, cancel(h, "X2", "C1")), 0u);
  EXPECT_EQ(h.exchange_wire.sent.size(), 1u);
  EXPECT_NE(Parsed(h.client_wire[0].sent.back()).get(tag::kText).find("cancel_rate"),
            std::string::npos)
      << Parsed(h.client_wire[0].sent.back()).get(tag::kText);
}

// --- Allocation-free order path ----------------------------------------------

TEST(RouteGroupAllocation, ReceiveScanCheckRewriteSendMakesNoHeapAllocationAfterWarmUp) {
  RouteHarness h;
  h.log_on_all();
  h.audit.record = false;
  h.exchange_wire.record = false;
  h.client_wire[0].record = false;
  // Metrics on, as the gateway runs: the latency histogram samples orders.
  h.group().latency.set_sample_every(8);

  // Every message is built before the measured scope: orders from the client,
  // and the exchange's ack + fill for each, so the working-order table and
  // the exposure limits stay in steady state.
  constexpr int kWarmUp = 200;
  constexpr int kMeasured = 2000;
  std::vector<std::string> orders, acks, fills;
  for (int i = 0; i < kWarmUp + kMeasured; ++i) {
    const std::string id = "A" + std::to_string(i);
    // Vary the price so the identical-order check never trips, and alternate
    // sides as a real book does: a flow that only ever buys is a runaway to
    // the flow envelope.
    const std::string px = "190." + std::to_string(10 + i % 80);
    orders.push_back(h.order(0, id, 100, px, {}, {}, "AAPL", i % 2 == 0 ? '1' : '2'));
    acks.push_back(h.report("E1-" + id, '0', '0', 100, 0, 0, px));
    fills.push_back(h.report("E1-" + id, 'F', '2', 100, 100, 100, px));
  }

  std::size_t consumed = 0, expected = 0;
  auto run = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      h.clock.advance_ms(1);  // 1000 orders/s: well inside every rate limit.
      consumed += h.from_client(0, orders[i]);
      consumed += h.from_exchange(acks[i]);
      consumed += h.from_exchange(fills[i]);
      expected += orders[i].size() + acks[i].size() + fills[i].size();
    }
  };
  run(0, kWarmUp);
  const std::uint64_t sends_before = h.exchange_wire.sends;
  const std::uint64_t reports_before = h.client_wire[0].sends;

  riskgate::testing::AllocationScope scope;
  run(kWarmUp, kWarmUp + kMeasured);
  const std::uint64_t allocations = scope.count();

  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(consumed, expected);
  EXPECT_EQ(h.exchange_wire.sends - sends_before, static_cast<std::uint64_t>(kMeasured))
      << "every order forwarded";
  EXPECT_GE(h.client_wire[0].sends - reports_before, 2u * kMeasured) << "every report routed back";
  EXPECT_EQ(h.leg(0).counters.refused.load(), 0u);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(h.group().latency.read().count(), (kWarmUp + kMeasured) / 8u);
}

}  // namespace
