// FIX Session Layer Test Cases 14a-14j (message validation), played against
// a session that validates with the built-in FIX 4.4 data dictionary
// (config/dict/FIX44.xml), as the gateway runs by default. Each case: the
// stimulus, the Reject with its SessionRejectReason, RefTagID, RefSeqNum and
// RefMsgType, the MsgSeqNum consumed, the session still up, and nothing
// delivered to the application. gateway/session/CONFORMANCE.md maps each
// case to its test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/dict/dictionary.hpp"
#include "gateway/session/session.hpp"
#include "tests/gateway/session/session_fixture.hpp"

namespace riskgate::session::testing {
namespace {

namespace tag = codec::tag;
using Types = std::vector<std::string>;

class RejectingHandler : public RecordingHandler {
 public:
  struct Rejected {
    std::string type;
    int reason;
    std::uint32_t tag;
  };
  std::vector<Rejected> rejected;
  void on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                           std::string_view) noexcept override {
    rejected.push_back({std::string(msg.msg_type()), reason, ref_tag});
  }
};

class DictionaryConformance : public ::testing::Test {
 protected:
  FakeClock clock;
  FakeTransport transport;
  std::unique_ptr<MessageStore> store = make_memory_store(1 << 20);
  RejectingHandler handler;
  std::unique_ptr<Session> session;
  Peer peer{clock};
  bool reject_undefined_msg_types = true;

  void SetUp() override {
    SessionConfig cfg = acceptor_config();
    cfg.dictionary = dict::Dictionary::builtin("FIX.4.4");
    // As the gateway sets an engine leg with UnknownAppMessages = "reject".
    cfg.validation.reject_undefined_msg_types = reject_undefined_msg_types;
    session = std::make_unique<Session>(cfg, clock, transport, *store, handler);
    session->on_connected();
    deliver(peer.logon(30));
    ASSERT_EQ(session->state(), State::kActive);
    transport.sent.clear();
  }
  void deliver(const std::string& bytes) { EXPECT_EQ(session->on_data(bytes), bytes.size()); }
  // An order as the peer's next message, `fields` after the standard header.
  void order(const std::string& fields) { deliver(peer.make("D", fields)); }

  // The one message sent is a Reject for MsgSeqNum 2, type D, with this
  // reason and tag; MsgSeqNum 2 was consumed; nothing reached the app.
  void expect_rejected(const std::string& reason, const std::string& ref_tag,
                       const std::string& ref_type = "D") {
    ASSERT_EQ(transport.sent.size(), 1u);
    const Parsed r(transport.sent.back());
    EXPECT_EQ(r.type(), "3");
    EXPECT_EQ(r.get(tag::kSessionRejectReason), reason);
    EXPECT_EQ(r.get(tag::kRefTagID), ref_tag);
    EXPECT_EQ(r.get(tag::kRefSeqNum), "2");
    EXPECT_EQ(r.get(tag::kRefMsgType), ref_type);
    EXPECT_FALSE(r.get(tag::kText).empty());
    EXPECT_TRUE(handler.app.empty());
    ASSERT_EQ(handler.rejected.size(), 1u);
    EXPECT_EQ(std::to_string(handler.rejected[0].reason), reason);
    EXPECT_EQ(std::to_string(handler.rejected[0].tag), ref_tag);
    EXPECT_EQ(store->next_target_seq(), 3u);
    EXPECT_EQ(session->state(), State::kActive);
  }
};

constexpr const char* kGood =
    "11=C1|1=ACC1|55=AAPL|54=1|60=20240102-03:04:05.000|38=100|40=2|44=190.5|";

TEST_F(DictionaryConformance, AValidOrderIsDeliveredUntouched) {
  order(kGood);
  EXPECT_TRUE(transport.sent.empty());
  ASSERT_EQ(handler.app.size(), 1u);
  EXPECT_TRUE(handler.rejected.empty());
}

TEST_F(DictionaryConformance, Case14a_AnUndefinedTagNumberGetsReject0) {
  order(std::string(kGood) + "4999=x|");
  expect_rejected("0", "4999");
}

TEST_F(DictionaryConformance, Case14b_ARequiredApplicationTagMissingGetsReject1) {
  // No TransactTime (required in FIX 4.4; OrderQty is not: OrderQtyData
  // allows CashOrderQty instead, and gateway/route requires 38 itself).
  order("11=C1|1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|");
  expect_rejected("1", "60");
}

TEST_F(DictionaryConformance, Case14c_ATagNotDefinedForTheMessageTypeGetsReject2) {
  order(std::string(kGood) + "112=TEST|");  // TestReqID belongs to Heartbeat/TestRequest.
  expect_rejected("2", "112");
}

TEST_F(DictionaryConformance, Case14e_AValueOutOfRangeGetsReject5) {
  order("11=C1|1=ACC1|55=AAPL|54=Z|60=20240102-03:04:05.000|38=100|40=2|44=190.5|");
  expect_rejected("5", "54");
}

TEST_F(DictionaryConformance, Case14f_AnApplicationFieldInTheWrongFormatGetsReject6) {
  order("11=C1|1=ACC1|55=AAPL|54=1|60=20240102-03:04:05.000|38=1OO|40=2|44=190.5|");
  expect_rejected("6", "38");
}

TEST_F(DictionaryConformance, Case14g_AHeaderTagAfterTheBodyGetsReject14) {
  order(std::string(kGood) + "50=DESK1|");  // SenderSubID after the body.
  expect_rejected("14", "50");
}

TEST_F(DictionaryConformance, Case14h_ATagThatAppearsTwiceGetsReject13) {
  order(std::string(kGood) + "38=1000000|");
  expect_rejected("13", "38");
}

TEST_F(DictionaryConformance, Case14i_ARepeatingGroupCountThatDisagreesGetsReject16) {
  order(
      "11=C1|1=ACC1|453=2|448=P1|447=D|452=1|55=AAPL|54=1|60=20240102-03:04:05.000|38=100|"
      "40=2|44=190.5|");
  expect_rejected("16", "453");
}

TEST_F(DictionaryConformance, Case14j_RepeatingGroupFieldsOutOfOrderGetReject15) {
  order(
      "11=C1|1=ACC1|453=1|452=1|448=P1|447=D|55=AAPL|54=1|60=20240102-03:04:05.000|38=100|"
      "40=2|44=190.5|");
  expect_rejected("15", "452");
}

TEST_F(DictionaryConformance, ARepeatingGroupWithTheRightCountPasses) {
  order(
      "11=C1|1=ACC1|453=2|448=P1|447=D|452=1|448=P2|447=D|452=3|55=AAPL|54=1|"
      "60=20240102-03:04:05.000|38=100|40=2|44=190.5|");
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(handler.app.size(), 1u);
}

TEST_F(DictionaryConformance, AnAdminMessageIsValidatedToo) {
  deliver(peer.make("1", "112=T1|58=x|"));  // Text is not a TestRequest field.
  ASSERT_EQ(transport.sent.size(), 1u);
  const Parsed r(transport.sent.back());
  EXPECT_EQ(r.get(tag::kSessionRejectReason), "2");
  EXPECT_EQ(r.get(tag::kRefMsgType), "1");
}

TEST_F(DictionaryConformance, ATypeTheDictionaryDoesNotDefineGoesToTheApplication) {
  // Case 2r: a well-formed type riskgate does not route is the
  // application's to answer (BusinessMessageReject), not a session Reject.
  deliver(peer.make("R", "131=Q1|"));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(handler.app.size(), 1u);
}

// Case 2q: a type FIX does not define (neither the dictionary nor the
// specification's list) is a session Reject 11, its MsgSeqNum consumed.
TEST_F(DictionaryConformance, Case2q_AMsgTypeFixDoesNotDefineGetsReject11) {
  deliver(peer.make("ZZ", "58=custom|"));
  ASSERT_EQ(transport.sent.size(), 1u);
  const Parsed r(transport.sent.back());
  EXPECT_EQ(r.type(), "3");
  EXPECT_EQ(r.get(tag::kSessionRejectReason), "11");
  EXPECT_EQ(r.get(tag::kRefTagID), "35");
  EXPECT_EQ(r.get(tag::kRefMsgType), "ZZ");
  EXPECT_TRUE(handler.app.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

// Case 2r: FIX's own types the dictionary leaves out, and user-defined ones,
// are the application's to answer (BusinessMessageReject 380=3).
TEST_F(DictionaryConformance, Case2r_FixTypesOutsideTheDictionaryAndUserDefinedOnesGoToTheApp) {
  deliver(peer.make("BH", "58=x|"));  // ConfirmationRequest (FIX 4.4).
  deliver(peer.make("U7", "58=x|"));  // User-defined.
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(handler.app.size(), 2u);
}

class DictionaryConformanceForwardingUnknownTypes : public DictionaryConformance {
 protected:
  DictionaryConformanceForwardingUnknownTypes() { reject_undefined_msg_types = false; }
};

// UnknownAppMessages = "forward": the gateway passes such types on, so the
// session leaves every type the dictionary does not define to it.
TEST_F(DictionaryConformanceForwardingUnknownTypes, AnUndefinedTypeGoesToTheApplication) {
  deliver(peer.make("ZZ", "58=custom|"));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(handler.app.size(), 1u);
}

TEST(FixMsgTypes, TheSpecificationsListPerVersion) {
  for (const char* t : {"0", "5", "A", "D", "H", "N", "Z", "a", "j", "m"}) {
    EXPECT_TRUE(dict::fix_defines_msg_type("FIX.4.2", t)) << t;
    EXPECT_TRUE(dict::fix_defines_msg_type("FIX.4.4", t)) << t;
  }
  for (const char* t : {"n", "z", "AA", "AF", "AZ", "BA", "BH"}) {
    EXPECT_FALSE(dict::fix_defines_msg_type("FIX.4.2", t)) << t;
    EXPECT_TRUE(dict::fix_defines_msg_type("FIX.4.4", t)) << t;
  }
  for (const char* t : {"I", "O", "U", "U1", "BI", "CA", "ZZ", "AAA", "", "#"}) {
    EXPECT_FALSE(dict::fix_defines_msg_type("FIX.4.4", t)) << t;
  }
}

// Case 14e on the flags the session reads itself. A GapFillFlag other than
// Y or N must not be taken as a Reset (which would skip every message the
// SequenceReset claims to fill, without a ResendRequest).
TEST_F(DictionaryConformance, Case14e_AGapFillFlagOtherThanYOrNGetsReject5AndMovesNothing) {
  deliver(peer.make("4", "123=y|36=20|"));
  expect_rejected("5", "123", "4");
}

TEST_F(DictionaryConformance, Case14e_APossDupFlagOtherThanYOrNGetsReject5AndNothingIsDelivered) {
  for (const char* flag : {"43=X|", "97=y|"}) {
    SCOPED_TRACE(flag);
    transport.sent.clear();
    const std::uint64_t seq = store->next_target_seq();
    deliver(raw_message("FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=" + std::to_string(seq) + "|" +
                                       flag + "52=" + timestamp(clock.utc) + "|" + kGood));
    ASSERT_EQ(transport.sent.size(), 1u);
    const Parsed r(transport.sent.back());
    EXPECT_EQ(r.get(tag::kSessionRejectReason), "5");
    EXPECT_EQ(r.get(tag::kRefTagID), std::string(flag).substr(0, 2));
    EXPECT_EQ(r.get(tag::kRefMsgType), "D");
    EXPECT_TRUE(handler.app.empty());
    EXPECT_EQ(store->next_target_seq(), seq + 1);
  }
}

// A SequenceReset-Reset is held to the dictionary like any message, before
// it moves the expected MsgSeqNum.
TEST_F(DictionaryConformance, Case14h_AResetWithARepeatedNewSeqNoGetsReject13AndMovesNothing) {
  deliver(peer.make("4", "36=10|36=30|"));
  expect_rejected("13", "36", "4");
}

// Case 11 with the dictionary on, as the gateway runs: a Reset is accepted
// whatever its MsgSeqNum, 0 or missing included, though the dictionary's
// header requires 34.
TEST_F(DictionaryConformance, Case11_AResetWithMsgSeqNumZeroOrMissingIsAcceptedWithTheDictionary) {
  const std::string st = "|52=" + timestamp(clock.utc) + "|";
  deliver(raw_message("FIX.4.4", "35=4|49=ENGINE1|56=RISKGATE|34=0" + st + "36=10|"));
  EXPECT_EQ(store->next_target_seq(), 10u);
  deliver(raw_message("FIX.4.4", "35=4|49=ENGINE1|56=RISKGATE" + st + "36=20|"));
  EXPECT_EQ(store->next_target_seq(), 20u);
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(DictionaryConformance, Case14a_AResetWithAnUndefinedTagGetsReject0AndMovesNothing) {
  deliver(peer.make("4", "36=30|4999=1|"));
  expect_rejected("0", "4999", "4");
}

TEST(DictionaryLogon, ALogonWithARepeatedIdentityTagIsRefusedBeforeTheHandlerReadsIt) {
  auto d = dict::Dictionary::builtin("FIX.4.4");
  const std::string_view logon_only[] = {"A"};
  d->allow_tag(1604, "TradingSystemVersion", logon_only);  // As the gateway does.
  for (const bool repeated : {false, true}) {
    FakeClock clock;
    FakeTransport transport;
    auto store = make_memory_store(1 << 16);
    RecordingHandler handler;
    SessionConfig cfg = acceptor_config();
    cfg.dictionary = d;
    Session session(cfg, clock, transport, *store, handler);
    session.on_connected();
    Peer peer{clock};
    const std::string logon = peer.logon(30, repeated ? "1604=2.4.1|1604=1.0.0|" : "1604=2.4.1|");
    EXPECT_EQ(session.on_data(logon), logon.size());
    if (!repeated) {
      EXPECT_EQ(session.state(), State::kActive);
      continue;
    }
    EXPECT_EQ(handler.logons, 0) << "refused before on_logon_request";
    ASSERT_FALSE(transport.sent.empty());
    const Parsed out(transport.sent.back());
    EXPECT_EQ(out.type(), "5");
    EXPECT_NE(out.get(tag::kText).find("Tag appears more than once (tag 1604"), std::string::npos)
        << out.get(tag::kText);
    EXPECT_TRUE(transport.disconnected);
  }
}

TEST(DictionaryFix42, ARejectForAReasonFix42DoesNotDefineLeavesSessionRejectReasonOut) {
  FakeClock clock;
  FakeTransport transport;
  auto store = make_memory_store(1 << 16);
  RecordingHandler handler;
  SessionConfig cfg = acceptor_config();
  cfg.begin_string = "FIX.4.2";
  cfg.dictionary = dict::Dictionary::builtin("FIX.4.2");
  Session session(cfg, clock, transport, *store, handler);
  session.on_connected();
  Peer peer{clock};
  const auto v42 = [] { return opts().version(std::string("FIX.4.2")); };
  const std::string logon = peer.logon(30, {}, v42());
  ASSERT_EQ(session.on_data(logon), logon.size());
  ASSERT_EQ(session.state(), State::kActive);
  transport.sent.clear();
  auto reject_for = [&](const std::string& fields) {
    const std::string order = peer.make("D", fields, v42());
    EXPECT_EQ(session.on_data(order), order.size());
    EXPECT_FALSE(transport.sent.empty());
    return Parsed(transport.sent.back());
  };
  // 38 twice: 373=13 exists from FIX 4.3 on.
  const Parsed twice = reject_for("11=C1|21=1|55=AAPL|54=1|60=20240102-03:04:05|40=2|38=100|38=5|");
  EXPECT_EQ(twice.type(), "3");
  EXPECT_EQ(twice.get(tag::kRefTagID), "38");
  EXPECT_EQ(twice.get(tag::kSessionRejectReason), "");
  EXPECT_NE(twice.get(tag::kText).find("more than once"), std::string::npos);
  // A reason 4.2 has (5: value out of range) is sent as usual.
  const Parsed range = reject_for("11=C2|21=1|55=AAPL|54=Z|60=20240102-03:04:05|40=2|38=100|");
  EXPECT_EQ(range.get(tag::kSessionRejectReason), "5");
  EXPECT_EQ(range.get(tag::kRefTagID), "54");
}

TEST_F(DictionaryConformance, ADictionaryForAnotherVersionIsRefusedAtConstruction) {
  SessionConfig cfg = acceptor_config();
  cfg.dictionary = dict::Dictionary::builtin("FIX.4.2");
  EXPECT_THROW(Session(cfg, clock, transport, *store, handler), std::invalid_argument);
}

}  // namespace
}  // namespace riskgate::session::testing
