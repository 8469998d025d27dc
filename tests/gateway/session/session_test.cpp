// FIX session state machine tests, by behaviour (logon, header, sequence,
// heartbeats, resend, SequenceReset, logout, validation, sending, robustness,
// allocation, in-session reset, bounded waits, two sessions back to back).
// The numbers in comments (2b, 10d, ...) are the FIX Session Layer Test
// Cases; the one-test-per-case table is conformance_test.cpp, mapped in
// gateway/session/CONFORMANCE.md.
#include "gateway/session/session.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/gateway/session/session_fixture.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::session::testing {
namespace {

namespace tag = codec::tag;
using Types = std::vector<std::string>;

class SessionLogon : public HandDriven {};
class SessionHeader : public HandDriven {};
class SessionSequence : public HandDriven {};
class SessionTrailer : public HandDriven {};
class SessionHeartbeat : public HandDriven {};
class SessionReject : public HandDriven {};
class SessionResend : public HandDriven {};
class SessionSequenceReset : public HandDriven {};
class SessionLogout : public HandDriven {};
class SessionValidation : public HandDriven {};
class SessionSend : public HandDriven {};
class SessionRobustness : public HandDriven {};
class SessionAllocation : public HandDriven {};
class SessionBackToBack : public SessionPair {};

// ---------------------------------------------------------------------------
// 1B / 1S: Logon
// ---------------------------------------------------------------------------
TEST_F(SessionLogon, AcceptorAnswersAValidLogonWithALogonEchoingHeartBtInt) {
  start_acceptor();
  EXPECT_EQ(session->state(), State::kAwaitingLogon);
  EXPECT_TRUE(transport.sent.empty());
  deliver(peer.logon(17));
  EXPECT_EQ(session->state(), State::kActive);
  ASSERT_EQ(sent_types(), Types{"A"});
  const Parsed answer = sent(0);
  EXPECT_EQ(answer.get(tag::kHeartBtInt), "17");
  EXPECT_EQ(answer.get(tag::kEncryptMethod), "0");
  EXPECT_EQ(answer.get(tag::kSenderCompID), "RISKGATE");
  EXPECT_EQ(answer.get(tag::kTargetCompID), "ENGINE1");
  EXPECT_EQ(answer.seq(), 1u);
  EXPECT_FALSE(answer.has(tag::kResetSeqNumFlag));
  EXPECT_EQ(handler.logons, 1);
  EXPECT_EQ(store->next_target_seq(), 2u);
  EXPECT_EQ(store->next_sender_seq(), 2u);
}

TEST_F(SessionLogon, AcceptorSendsAResendRequestAfterItsLogonWhenTheLogonSeqNumIsTooHigh) {
  start_acceptor();
  deliver(peer.logon(30, {}, opts().at(5)));
  EXPECT_EQ(session->state(), State::kActive);
  ASSERT_EQ(sent_types(), (Types{"A", "2"}));
  EXPECT_EQ(sent(1).get(tag::kBeginSeqNo), "1");
  EXPECT_EQ(sent(1).get(tag::kEndSeqNo), "0");
  EXPECT_EQ(store->next_target_seq(), 1u);
}

TEST_F(SessionLogon, WrongCompIdOnLogonIsRefused) {
  start_acceptor();
  deliver(peer.logon(30, {}, opts().from(std::string("INTRUDER"))));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_NE(last_sent().get(tag::kText).find("CompID problem"), std::string::npos);
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(session->state(), State::kDisconnected);
  EXPECT_EQ(handler.logons, 0);
}

TEST_F(SessionLogon, WrongBeginStringOnLogonIsRefused) {
  start_acceptor();
  deliver(peer.logon(30, {}, opts().version(std::string("FIX.4.2"))));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_NE(last_sent().get(tag::kText).find("BeginString"), std::string::npos);
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(handler.logons, 0);
}

TEST_F(SessionLogon, LogonWithSendingTimeOutsideLatencyIsRefused) {
  SessionConfig cfg = acceptor_config();
  cfg.max_latency_ms = 2'000;
  start(cfg);
  deliver(peer.logon(30, {}, opts().sent_at(timestamp(clock.utc - 5 * kSec))));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_NE(last_sent().get(tag::kText).find("SendingTime"), std::string::npos);
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionLogon, FirstMessageNotALogonGetsALogoutAndDisconnect) {
  start_acceptor();
  deliver(peer.order());
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "First message not a Logon");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

TEST_F(SessionLogon, HandlerRefusalIsSentAsLogoutTextThenDisconnect) {
  handler.refuse_logon_with = "TradingSystemVersion 1.2 is not certified";
  start_acceptor();
  deliver(peer.logon());
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "TradingSystemVersion 1.2 is not certified");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(handler.logons, 0);
}

TEST_F(SessionLogon, LogonWithSeqNumTooLowIsLoggedOut) {
  store->set_next_target_seq(10);
  start_acceptor();
  deliver(peer.logon(30, {}, opts().at(3)));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "MsgSeqNum too low, expecting 10 but received 3");
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionLogon, AcceptorHonoursResetSeqNumFlag) {
  store->set_next_target_seq(40);
  store->set_next_sender_seq(70);
  start_acceptor();
  deliver(peer.logon(30, "141=Y|", opts().at(1)));
  EXPECT_EQ(session->state(), State::kActive);
  ASSERT_EQ(sent_types(), Types{"A"});
  EXPECT_EQ(sent(0).get(tag::kResetSeqNumFlag), "Y");
  EXPECT_EQ(sent(0).seq(), 1u);
  EXPECT_EQ(store->next_target_seq(), 2u);
  EXPECT_EQ(store->next_sender_seq(), 2u);
}

TEST_F(SessionLogon, AcceptorWithoutALogonBeforeTheTimeoutDisconnects) {
  SessionConfig cfg = acceptor_config();
  cfg.logon_timeout_ms = 3'000;
  start(cfg);
  clock.advance_ms(2'999);
  session->on_timer();
  EXPECT_FALSE(transport.disconnected);
  clock.advance_ms(1);
  session->on_timer();
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SessionLogon, AnAcceptorWithResetOnLogonResetsButEchoesResetSeqNumFlagOnlyWhenAsked) {
  SessionConfig cfg = acceptor_config();
  cfg.reset_on_logon = true;
  start(cfg);
  deliver(peer.logon(30));  // No 141=Y: the peer keeps its numbers.
  ASSERT_EQ(session->state(), State::kActive);
  const Parsed answer = last_sent();
  EXPECT_EQ(answer.type(), "A");
  EXPECT_EQ(answer.seq(), 1u);
  EXPECT_EQ(answer.get(tag::kResetSeqNumFlag), "")
      << "an unsolicited 141=Y makes a QuickFIX peer answer with one: a Logon ping-pong";
  transport.sent.clear();
  // Asked: echoed.
  session->on_disconnected();
  session->on_connected();
  MsgOpts first;
  first.seq = 1;
  deliver(peer.logon(30, "141=Y|", first));
  ASSERT_EQ(session->state(), State::kActive);
  EXPECT_EQ(last_sent().get(tag::kResetSeqNumFlag), "Y");
}

TEST_F(SessionLogon, InitiatorSendsLogonWithEncryptMethodHeartBtIntResetFlagAndExtraFields) {
  SessionConfig cfg = initiator_config();
  cfg.heart_bt_int_s = 12;
  cfg.reset_on_logon = true;
  cfg.logon_extra_fields = soh("1603=riskgate|1604=0.1.0|1605=riskgate-project|");
  store->set_next_sender_seq(9);
  start(cfg);
  EXPECT_EQ(session->state(), State::kLogonSent);
  ASSERT_EQ(sent_types(), Types{"A"});
  const Parsed logon = sent(0);
  EXPECT_EQ(logon.seq(), 1u);  // 141=Y resets before sending.
  EXPECT_EQ(logon.get(tag::kEncryptMethod), "0");
  EXPECT_EQ(logon.get(tag::kHeartBtInt), "12");
  EXPECT_EQ(logon.get(tag::kResetSeqNumFlag), "Y");
  EXPECT_EQ(logon.get(tag::kApplicationSystemName), "riskgate");
  EXPECT_EQ(logon.get(tag::kTradingSystemVersion), "0.1.0");
  EXPECT_EQ(logon.get(tag::kApplicationSystemVendor), "riskgate-project");
  EXPECT_EQ(logon.get(tag::kTargetCompID), "EXCHANGE");
}

TEST_F(SessionLogon, InitiatorSendsAResendRequestWhenTheLogonAnswerSeqNumIsTooHigh) {
  start(initiator_config());
  Peer exchange(clock, "EXCHANGE", "RISKGATE");
  transport.sent.clear();
  deliver(exchange.logon(30, {}, opts().at(4)));
  EXPECT_EQ(session->state(), State::kActive);
  EXPECT_EQ(handler.logons, 1);
  ASSERT_EQ(sent_types(), Types{"2"});
  EXPECT_EQ(last_sent().get(tag::kBeginSeqNo), "1");
}

TEST_F(SessionLogon, InitiatorLogsOutWhenTheLogonAnswerHasTheWrongCompId) {
  start(initiator_config());
  Peer impostor(clock, "NOTTHEEXCHANGE", "RISKGATE");
  transport.sent.clear();
  deliver(impostor.logon());
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(handler.logons, 0);
}

TEST_F(SessionLogon, InitiatorLogsOutWhenTheFirstAnswerIsNotALogon) {
  start(initiator_config());
  Peer exchange(clock, "EXCHANGE", "RISKGATE");
  transport.sent.clear();
  deliver(exchange.make("0", ""));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "First message not a Logon");
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionLogon, InitiatorLogonRefusedByALogoutDisconnectsWithoutAnswering) {
  start(initiator_config());
  Peer exchange(clock, "EXCHANGE", "RISKGATE");
  transport.sent.clear();
  deliver(exchange.make("5", "58=unknown user|"));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_TRUE(transport.disconnected);
  EXPECT_NE(transport.disconnect_reason.find("unknown user"), std::string::npos);
}

// ---------------------------------------------------------------------------
// 2: standard header and sequence numbers
// ---------------------------------------------------------------------------
TEST_F(SessionSequence, InSequenceAppMessageIsDeliveredAndIncrementsExpected) {  // 2a
  logged_on();
  deliver(peer.order("C1"));
  ASSERT_EQ(handler.app.size(), 1u);
  EXPECT_EQ(Parsed(handler.app[0]).get(tag::kClOrdID), "C1");
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SessionSequence, TooHighSeqNumTriggersAResendRequest) {  // 2b
  logged_on();
  deliver(peer.order("C5", opts().at(5)));
  deliver(peer.order("C6", opts().at(6)));
  EXPECT_TRUE(handler.app.empty());     // Out-of-order messages are not processed.
  ASSERT_EQ(sent_types(), Types{"2"});  // One request covers the whole gap.
  EXPECT_EQ(last_sent().get(tag::kBeginSeqNo), "2");
  EXPECT_EQ(last_sent().get(tag::kEndSeqNo), "0");
  EXPECT_EQ(session->stats().resend_requests_sent, 1u);
  EXPECT_EQ(store->next_target_seq(), 2u);

  // The peer resends 2..6 with PossDup: all delivered in order.
  for (std::uint64_t s = 2; s <= 6; ++s) {
    deliver(peer.order("R" + std::to_string(s), opts().at(s).dup(timestamp(clock.utc))));
  }
  ASSERT_EQ(handler.app.size(), 5u);
  EXPECT_EQ(Parsed(handler.app[4]).get(tag::kClOrdID), "R6");
  EXPECT_TRUE(handler.app_poss_dup[0]);
  EXPECT_EQ(store->next_target_seq(), 7u);
}

TEST_F(SessionSequence, TooLowSeqNumWithoutPossDupLogsOutAndDisconnects) {  // 2c
  logged_on();
  deliver(peer.order("C1"));
  deliver(peer.order("C2", opts().at(2)));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "MsgSeqNum too low, expecting 3 but received 2");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(handler.app.size(), 1u);
  ASSERT_EQ(handler.logouts.size(), 1u);
}

TEST_F(SessionSequence, GarbledMessageIsIgnoredWithoutIncrementingSeqNum) {  // 2d
  logged_on();
  std::string bad = peer.order("BAD", opts().at(2));
  bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';  // Corrupt the checksum.
  deliver(bad);
  EXPECT_EQ(session->stats().garbled, 1u);
  EXPECT_EQ(store->next_target_seq(), 2u);
  EXPECT_TRUE(transport.sent.empty());
  deliver(peer.order("GOOD", opts().at(2)));
  ASSERT_EQ(handler.app.size(), 1u);
  EXPECT_EQ(Parsed(handler.app[0]).get(tag::kClOrdID), "GOOD");
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionSequence, TooLowSeqNumWithPossDupIsIgnored) {  // 2e
  logged_on();
  deliver(peer.order("C1"));
  deliver(peer.order("C1", opts().at(2).dup(timestamp(clock.utc))));
  EXPECT_EQ(handler.app.size(), 1u);
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(session->state(), State::kActive);
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionHeader, PossDupWithOrigSendingTimeAfterSendingTimeIsRejected) {  // 2f
  logged_on();
  deliver(peer.order("C1", opts().dup(timestamp(clock.utc + kSec))));
  EXPECT_TRUE(handler.app.empty());
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "10");
  EXPECT_EQ(last_sent().get(tag::kRefSeqNum), "2");
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionHeader, PossDupWithoutOrigSendingTimeIsRejectedWithReason1) {  // 2g
  logged_on();
  deliver(peer.order("C1", opts().dup()));
  EXPECT_TRUE(handler.app.empty());
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "1");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "122");
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionHeader, WrongBeginStringAfterLogonLogsOutAndDisconnects) {  // 2i
  logged_on();
  deliver(peer.order("C1", opts().version(std::string("FIX.4.2"))));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

TEST_F(SessionHeader, WrongCompIdIsRejectedWithReason9ThenLoggedOut) {  // 2k
  logged_on();
  deliver(peer.order("C1", opts().from(std::string("ENGINE2"))));
  ASSERT_EQ(sent_types(), (Types{"3", "5"}));
  EXPECT_EQ(sent(0).get(tag::kSessionRejectReason), "9");
  EXPECT_EQ(sent(0).get(tag::kRefTagID), "49");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

TEST_F(SessionHeader, WrongBodyLengthIsTreatedAsGarbled) {  // 2m
  logged_on();
  std::string m = peer.order("C1", opts().at(2));
  // BodyLength one short: CheckSum is not where BodyLength says. (One too long
  // would only make the framer wait for more bytes.)
  const std::size_t value = m.find(
                                "\x01"
                                "9=") +
                            3;
  const std::size_t value_end = m.find('\x01', value);
  const int announced = std::stoi(m.substr(value, value_end - value));
  m.replace(value, value_end - value, std::to_string(announced - 1));
  m += peer.order("C2", opts().at(2));
  deliver(m);
  EXPECT_GE(session->stats().garbled, 1u);
  ASSERT_EQ(handler.app.size(), 1u);  // Only the good message after it.
  EXPECT_EQ(Parsed(handler.app[0]).get(tag::kClOrdID), "C2");
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionHeader, SendingTimeOutsideLatencyIsRejectedAndLoggedOut) {  // 2o
  SessionConfig cfg = acceptor_config();
  cfg.max_latency_ms = 2'000;
  logged_on(cfg);
  deliver(peer.order("C1", opts().sent_at(timestamp(clock.utc + 3 * kSec))));
  ASSERT_EQ(sent_types(), (Types{"3", "5"}));
  EXPECT_EQ(sent(0).get(tag::kSessionRejectReason), "10");
  EXPECT_EQ(sent(0).get(tag::kRefTagID), "52");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

TEST_F(SessionHeader, SendingTimeWithinLatencyIsAccepted) {  // 2n
  SessionConfig cfg = acceptor_config();
  cfg.max_latency_ms = 2'000;
  logged_on(cfg);
  deliver(peer.order("C1", opts().sent_at(timestamp(clock.utc - 1'900 * kMs))));
  EXPECT_EQ(handler.app.size(), 1u);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SessionHeader, SendingTimeFractionsWithinOneSecondAreComparedExactly) {  // 2n, 2o, 2f
  SessionConfig cfg = acceptor_config();
  cfg.max_latency_ms = 500;
  logged_on(cfg);  // Clock at 03:04:05.000.
  const std::string second = "20240102-03:04:05";
  deliver(peer.order("A", opts().sent_at(second + ".100")));
  clock.advance_ms(600);                                         // 03:04:05.600
  deliver(peer.order("B", opts().sent_at(second + ".200000")));  // 400 ms old: accepted.
  ASSERT_EQ(handler.app.size(), 2u);
  deliver(peer.order("C", opts().sent_at(second + ".200").dup(second + ".300")));
  ASSERT_EQ(sent_types(), Types{"3"});  // OrigSendingTime after SendingTime.
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "10");
  deliver(peer.order("D", opts().sent_at(second + ".050")));  // 550 ms old.
  EXPECT_EQ(sent_types(), (Types{"3", "3", "5"}));
  EXPECT_EQ(handler.app.size(), 2u);
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionHeader, ASendingTimeFractionOfTwoDigitsIsRejectedWhetherOrNotItsSecondWasSeen) {
  logged_on();  // Clock at 03:04:05.000.
  const std::string second = "20240102-03:04:05";
  deliver(peer.order("A", opts().sent_at(second + ".12")));  // A second not seen before.
  deliver(peer.order("B", opts().sent_at(second + ".100")));
  deliver(peer.order("C", opts().sent_at(second + ".12")));  // The second just seen.
  ASSERT_EQ(sent_types(), (Types{"3", "3"}));
  EXPECT_EQ(sent(0).get(tag::kSessionRejectReason), "6");
  EXPECT_EQ(sent(1).get(tag::kSessionRejectReason), "6");
  EXPECT_EQ(handler.app.size(), 1u);
}

TEST_F(SessionHeader, InvalidMsgTypeIsRejectedWithReason11) {  // 2q
  logged_on();
  deliver(peer.make("D!", "11=C1|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "11");
  EXPECT_EQ(last_sent().get(tag::kRefMsgType), "D!");
  EXPECT_TRUE(handler.app.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionHeader, UnknownButWellFormedMsgTypeIsPassedToTheApplication) {  // 2r
  logged_on();
  deliver(peer.make("ZZ", "58=hello|"));
  ASSERT_EQ(handler.app.size(), 1u);
  EXPECT_EQ(Parsed(handler.app[0]).type(), "ZZ");
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SessionHeader, FirstThreeFieldsOutOfOrderIsTreatedAsGarbled) {  // 2t
  logged_on();
  const std::string m = raw_message(
      "FIX.4.4", "49=ENGINE1|35=D|56=RISKGATE|34=2|52=" + timestamp(clock.utc) + "|11=C1|");
  EXPECT_EQ(session->on_data(m), m.size());
  EXPECT_EQ(session->stats().garbled, 1u);
  EXPECT_TRUE(handler.app.empty());
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_target_seq(), 2u);
}

TEST_F(SessionHeader, MissingMsgSeqNumLogsOutAndDisconnects) {
  logged_on();
  deliver(
      raw_message("FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|52=" + timestamp(clock.utc) + "|11=C1|"));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

// ---------------------------------------------------------------------------
// 3: standard trailer
// ---------------------------------------------------------------------------
TEST_F(SessionTrailer, InvalidChecksumIsIgnoredAsGarbled) {  // 3b
  logged_on();
  std::string m = peer.order("C1", opts().at(2));
  const std::size_t ten = m.rfind("10=");
  m.replace(ten, 6, "10=abc");
  EXPECT_GT(session->on_data(m), 0u);
  EXPECT_EQ(session->stats().garbled, 1u);
  EXPECT_TRUE(handler.app.empty());
  EXPECT_EQ(store->next_target_seq(), 2u);
}

TEST_F(SessionTrailer, GarbageBytesBeforeAMessageAreSkipped) {  // 3c
  logged_on();
  const std::string m =
      "garbage\x01"
      "55=AAPL\x01" +
      peer.order("C1");
  deliver(m);
  EXPECT_GE(session->stats().garbled, 1u);
  ASSERT_EQ(handler.app.size(), 1u);
  EXPECT_EQ(store->next_target_seq(), 3u);
}

// ---------------------------------------------------------------------------
// 4, 5, 6: heartbeats and TestRequest
// ---------------------------------------------------------------------------
TEST_F(SessionHeartbeat, HeartbeatIsSentWhenNothingWasSentForHeartBtInt) {  // 4a
  logged_on();
  clock.advance_ms(29'999);
  session->on_timer();
  EXPECT_TRUE(transport.sent.empty());
  deliver(peer.make("0", ""));  // Peer traffic keeps TestRequests away.
  clock.advance_ms(1);
  session->on_timer();
  ASSERT_EQ(sent_types(), Types{"0"});
  EXPECT_FALSE(last_sent().has(tag::kTestReqID));
  EXPECT_EQ(session->next_deadline(), clock.steady + 30 * kSec);
}

TEST_F(SessionHeartbeat, TestRequestIsAnsweredWithAHeartbeatEchoingTestReqID) {  // 4b
  logged_on();
  deliver(peer.make("1", "112=PING-42|"));
  ASSERT_EQ(sent_types(), Types{"0"});
  EXPECT_EQ(last_sent().get(tag::kTestReqID), "PING-42");
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionHeartbeat, HeartbeatFromThePeerIsAcceptedAndIncrementsExpected) {  // 5
  logged_on();
  deliver(peer.make("0", ""));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionHeartbeat, SilentPeerGetsATestRequestThenIsDisconnected) {  // 6
  SessionConfig cfg = acceptor_config();
  cfg.heart_bt_int_s = 10;
  cfg.test_request_grace = 0.2;
  logged_on(cfg);
  clock.advance_ms(10'000);
  session->on_timer();
  ASSERT_EQ(sent_types(), Types{"0"});  // We still heartbeat.
  clock.advance_ms(2'000);              // 12 s of silence = HeartBtInt * 1.2.
  session->on_timer();
  ASSERT_EQ(sent_types(), (Types{"0", "1"}));
  EXPECT_FALSE(last_sent().get(tag::kTestReqID).empty());
  EXPECT_EQ(session->stats().test_requests_sent, 1u);
  clock.advance_ms(11'999);
  session->on_timer();
  EXPECT_FALSE(transport.disconnected);
  clock.advance_ms(1);
  session->on_timer();
  EXPECT_EQ(sent_types().back(), "5");
  EXPECT_TRUE(transport.disconnected);
  ASSERT_EQ(handler.logouts.size(), 1u);
}

TEST_F(SessionHeartbeat, TestRequestAnsweredInTimeKeepsTheSessionUp) {  // 6
  SessionConfig cfg = acceptor_config();
  cfg.heart_bt_int_s = 10;
  logged_on(cfg);
  clock.advance_ms(12'000);
  session->on_timer();
  ASSERT_EQ(sent_types().back(), "1");
  const std::string id = last_sent().get(tag::kTestReqID);
  clock.advance_ms(500);
  deliver(peer.make("0", "112=" + id + "|"));
  clock.advance_ms(11'600);
  session->on_timer();
  EXPECT_FALSE(transport.disconnected);
  EXPECT_EQ(session->state(), State::kActive);
}

// ---------------------------------------------------------------------------
// 7: Reject received
// ---------------------------------------------------------------------------
TEST_F(SessionReject, ReceivedRejectIncrementsSeqNumAndKeepsTheSession) {
  logged_on();
  deliver(peer.make("3", "45=1|373=99|58=nope|"));
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(session->state(), State::kActive);
}

// ---------------------------------------------------------------------------
// 8, 20: ResendRequest received
// ---------------------------------------------------------------------------
// A stored message so close to the send buffer's size that PossDupFlag and
// OrigSendingTime no longer fit: gap-filled, and said (a session event, and
// the owner told as for ResendPolicy::kGapFill), never dropped silently.
TEST_F(SessionResend, AStoredMessageTooLargeToResendIsGapFilledAndTheOwnerIsTold) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  cfg.send_buffer_size = 512;
  logged_on(cfg);  // Our Logon was 1.
  // The largest Text that still fits the buffer as first sent (a send that
  // does not fit is refused before it takes a number).
  bool sent_one = false;
  for (std::size_t n = 512; n > 0 && !sent_one; --n)
    sent_one =
        session->send_app("8", soh("37=O1|11=C1|150=0|39=0|58=" + std::string(n, 'x') + "|")) ==
        SendResult::kSent;  // 2
  ASSERT_TRUE(sent_one);
  ASSERT_EQ(store->next_sender_seq(), 3u);
  transport.sent.clear();
  handler.events.clear();
  deliver(peer.make("2", "7=2|16=0|"));
  ASSERT_EQ(sent_types(), Types{"4"});
  EXPECT_EQ(sent(0).get(tag::kNewSeqNo), "3");
  ASSERT_EQ(handler.not_resent.size(), 1u);
  EXPECT_NE(handler.not_resent[0].find("11=C1"), std::string::npos);
  bool said = false;
  for (const auto& e : handler.events)
    said = said || e.find("cannot be resent") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST_F(SessionResend, ResendRequestGapFillsAdminAndResendsAppWithPossDup) {  // 8
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  logged_on(cfg);  // Our Logon was 1.
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|150=0|39=0|")), SendResult::kSent);  // 2
  const std::string first_sending_time = Parsed(transport.sent.back()).get(tag::kSendingTime);
  clock.advance_ms(30'000);
  session->on_timer();  // Heartbeat 3
  clock.advance_ms(30'000);
  session->on_timer();  // Heartbeat 4
  ASSERT_EQ(session->send_app("8", soh("37=O2|11=C2|150=0|39=0|")), SendResult::kSent);  // 5
  ASSERT_EQ(session->send_app("8", soh("37=O3|11=C3|150=0|39=0|")), SendResult::kSent);  // 6
  transport.sent.clear();
  clock.advance_ms(1'000);

  deliver(peer.make("2", "7=1|16=0|"));
  ASSERT_EQ(sent_types(), (Types{"4", "8", "4", "8", "8"}));
  EXPECT_EQ(sent(0).seq(), 1u);  // Our Logon, gap-filled.
  EXPECT_EQ(sent(0).get(tag::kGapFillFlag), "Y");
  EXPECT_EQ(sent(0).get(tag::kNewSeqNo), "2");
  EXPECT_EQ(sent(0).get(tag::kPossDupFlag), "Y");
  const Parsed resent = sent(1);
  EXPECT_EQ(resent.seq(), 2u);
  EXPECT_EQ(resent.get(tag::kPossDupFlag), "Y");
  EXPECT_EQ(resent.get(tag::kOrigSendingTime), first_sending_time);
  EXPECT_NE(resent.get(tag::kSendingTime), first_sending_time);
  EXPECT_EQ(resent.get(tag::kClOrdID), "C1");
  EXPECT_EQ(sent(2).seq(), 3u);  // Two heartbeats collapsed into one SequenceReset.
  EXPECT_EQ(sent(2).get(tag::kNewSeqNo), "5");
  EXPECT_EQ(sent(3).seq(), 5u);
  EXPECT_EQ(sent(4).seq(), 6u);
  EXPECT_EQ(sent(4).get(tag::kClOrdID), "C3");
  EXPECT_EQ(store->next_sender_seq(), 7u);  // Resending does not consume numbers.
  EXPECT_EQ(session->stats().resend_requests_served, 1u);
}

TEST_F(SessionResend, GapFillPolicyAnswersTheWholeRangeWithOneSequenceReset) {  // 8
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kGapFill;
  logged_on(cfg);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(session->send_app("8", soh("37=O|11=C|150=0|39=0|")), SendResult::kSent);
  }
  transport.sent.clear();
  deliver(peer.make("2", "7=2|16=3|"));
  ASSERT_EQ(sent_types(), Types{"4"});
  EXPECT_EQ(sent(0).seq(), 2u);
  EXPECT_EQ(sent(0).get(tag::kNewSeqNo), "4");
  EXPECT_EQ(sent(0).get(tag::kGapFillFlag), "Y");
}

TEST_F(SessionResend, UnderTheGapFillPolicyTheOwnerLearnsWhichMessagesNeverReachedThePeer) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kGapFill;
  logged_on(cfg);  // Our Logon was 1.
  ASSERT_EQ(session->send_app("D", soh("11=O1|55=AAPL|54=1|38=100|40=1|")), SendResult::kSent);
  ASSERT_EQ(session->send_app("D", soh("11=O2|55=AAPL|54=1|38=100|40=1|")), SendResult::kSent);
  transport.sent.clear();
  deliver(peer.make("2", "7=3|16=0|"));  // It has 2 (O1), not 3 (O2).
  ASSERT_EQ(sent_types(), Types{"4"});
  ASSERT_EQ(handler.not_resent.size(), 1u);
  EXPECT_EQ(Parsed(handler.not_resent[0]).get(tag::kClOrdID), "O2");
}

TEST_F(SessionResend, WithStoreWhileDownWhatIsSentWhileLoggedOutReachesThePeerByItsResend) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  cfg.store_while_down = true;
  logged_on(cfg);  // Our Logon was 1.
  session->on_disconnected();
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|150=F|39=2|")), SendResult::kStored);  // 2
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_sender_seq(), 3u);
  // It logs on again expecting 2; our Logon says 3; it asks for 2.
  session->on_connected();
  deliver(peer.logon(cfg.heart_bt_int_s));
  ASSERT_EQ(session->state(), State::kActive);
  EXPECT_EQ(last_sent().seq(), 3u);
  transport.sent.clear();
  deliver(peer.make("2", "7=2|16=0|"));
  ASSERT_EQ(sent_types(), (Types{"8", "4"}));
  EXPECT_EQ(sent(0).get(tag::kClOrdID), "C1");
  EXPECT_EQ(sent(0).get(tag::kPossDupFlag), "Y");
}

// Issue 12: stored reports go only to a peer that passed every Logon check.
TEST_F(SessionResend, ARefusedLogonFollowedByAResendRequestInTheSameReadGetsOnlyALogout) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  cfg.store_while_down = true;
  logged_on(cfg);
  session->on_disconnected();
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|150=F|39=2|")), SendResult::kStored);
  handler.refuse_logon_with = "wrong Username(553)/Password(554)";
  session->on_connected();
  deliver(peer.logon(cfg.heart_bt_int_s, {}, opts().at(500)) + peer.make("2", "7=1|16=0|"));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "wrong Username(553)/Password(554)");
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(session->stats().resend_requests_served, 0u);
}

TEST_F(SessionResend, AfterWithholdReplayAResendRequestIsGapFilledUntilTheNextConnection) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  logged_on(cfg);  // Our Logon was 1.
  session->withhold_replay();
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|150=0|39=0|")), SendResult::kSent);  // 2
  transport.sent.clear();
  deliver(peer.make("2", "7=1|16=0|"));
  ASSERT_EQ(sent_types(), Types{"4"});
  EXPECT_EQ(sent(0).get(tag::kNewSeqNo), "3");
  // A new connection that passes its checks is replayed to again.
  session->on_disconnected();
  session->on_connected();
  deliver(peer.logon(cfg.heart_bt_int_s));
  ASSERT_EQ(session->state(), State::kActive);
  transport.sent.clear();
  deliver(peer.make("2", "7=2|16=2|"));
  ASSERT_EQ(sent_types(), Types{"8"});
  EXPECT_EQ(sent(0).get(tag::kClOrdID), "C1");
}

TEST_F(SessionResend, WithoutStoreWhileDownNothingIsSentOrNumberedWhileLoggedOut) {
  logged_on(acceptor_config());
  session->on_disconnected();
  EXPECT_EQ(session->send_app("8", soh("37=O1|11=C1|150=F|39=2|")), SendResult::kNotActive);
  EXPECT_EQ(store->next_sender_seq(), 2u);
}

TEST_F(SessionResend, AppMessagesNoLongerInTheStoreAreGapFilled) {  // 8
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kResend;
  store = make_memory_store(400);  // Room for about two messages.
  logged_on(cfg);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(session->send_app("8", soh("37=O|11=C" + std::to_string(i) + "|150=0|39=0|")),
              SendResult::kSent);  // 2..6
  }
  transport.sent.clear();
  deliver(peer.make("2", "7=2|16=0|"));
  const Types types = sent_types();
  ASSERT_GE(types.size(), 2u);
  EXPECT_EQ(types.front(), "4");
  EXPECT_EQ(sent(0).seq(), 2u);
  EXPECT_EQ(last_sent().seq(), 6u);
  EXPECT_EQ(last_sent().get(tag::kClOrdID), "C4");
}

TEST_F(SessionResend, SimultaneousResendRequestIsServedBeforeOurOwn) {  // 20
  SessionConfig cfg = acceptor_config();
  cfg.resend_policy = ResendPolicy::kGapFill;
  logged_on(cfg);
  deliver(peer.make("2", "7=1|16=0|", opts().at(5)));  // Too high AND a ResendRequest.
  ASSERT_EQ(sent_types(), (Types{"4", "2"}));
  EXPECT_EQ(sent(0).get(tag::kNewSeqNo), "2");
  EXPECT_EQ(sent(1).get(tag::kBeginSeqNo), "2");
}

// ---------------------------------------------------------------------------
// 10, 11: SequenceReset
// ---------------------------------------------------------------------------
TEST_F(SessionSequenceReset, GapFillWithTooHighSeqNumTriggersAResendRequest) {  // 10a
  logged_on();
  deliver(peer.make("4", "123=Y|36=20|", opts().at(5)));
  ASSERT_EQ(sent_types(), Types{"2"});
  EXPECT_EQ(store->next_target_seq(), 2u);
}

TEST_F(SessionSequenceReset, GapFillAdvancesExpectedSeqNum) {  // 10b
  logged_on();
  deliver(peer.make("4", "123=Y|36=20|", opts().dup()));
  EXPECT_EQ(store->next_target_seq(), 20u);
  EXPECT_TRUE(transport.sent.empty());
  deliver(peer.order("C20", opts().at(20)));
  EXPECT_EQ(handler.app.size(), 1u);
}

TEST_F(SessionSequenceReset, GapFillWithTooLowSeqNumAndPossDupIsIgnored) {  // 10c
  logged_on();
  deliver(peer.order("C1"));
  deliver(peer.make("4", "123=Y|36=3|", opts().at(2).dup()));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionSequenceReset, GapFillWithTooLowSeqNumWithoutPossDupLogsOut) {  // 10d
  logged_on();
  deliver(peer.order("C1"));
  deliver(peer.make("4", "123=Y|36=3|", opts().at(2)));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "MsgSeqNum too low, expecting 3 but received 2");
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionSequenceReset, GapFillThatLowersTheSeqNumIsRejectedWithReason5) {  // 10e
  logged_on();
  deliver(peer.make("4", "123=Y|36=1|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "5");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "36");
  EXPECT_EQ(last_sent().get(tag::kText),
            "Attempt to lower sequence number, invalid value NewSeqNo=1");
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionSequenceReset, ResetModeSetsExpectedSeqNum) {  // 11a
  logged_on();
  deliver(peer.make("4", "36=50|", opts().at(999)));  // MsgSeqNum ignored in Reset mode.
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_target_seq(), 50u);
  deliver(peer.order("C50", opts().at(50)));
  EXPECT_EQ(handler.app.size(), 1u);
}

TEST_F(SessionSequenceReset, ResetModeToTheExpectedSeqNumChangesNothing) {  // 11b
  logged_on();
  deliver(peer.make("4", "123=N|36=2|", opts().at(7)));
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(store->next_target_seq(), 2u);
}

TEST_F(SessionSequenceReset, ResetModeLowerThanExpectedIsRejectedWithReason5) {  // 11c
  logged_on();
  deliver(peer.order("C1"));
  deliver(peer.order("C2"));
  deliver(peer.make("4", "36=2|", opts().at(1)));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "5");
  EXPECT_EQ(store->next_target_seq(), 4u);
  EXPECT_EQ(session->state(), State::kActive);
}

// ---------------------------------------------------------------------------
// 12, 13: Logout
// ---------------------------------------------------------------------------
TEST_F(SessionLogout, InitiatedLogoutWaitsForThePeersLogoutThenDisconnects) {  // 12a, 13a
  logged_on();
  session->logout("end of day");
  EXPECT_EQ(session->state(), State::kLogoutSent);
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "end of day");
  EXPECT_FALSE(transport.disconnected);
  deliver(peer.order("LATE"));  // Still processed while the Logout is pending.
  EXPECT_EQ(handler.app.size(), 1u);
  deliver(peer.make("5", ""));
  EXPECT_EQ(sent_types(), Types{"5"});  // No second Logout.
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(session->state(), State::kDisconnected);
  EXPECT_EQ(handler.logouts.size(), 1u);
}

TEST_F(SessionLogout, InitiatedLogoutWithoutAnswerDisconnectsAfterTheTimeout) {  // 12b
  SessionConfig cfg = acceptor_config();
  cfg.logout_timeout_ms = 2'000;
  logged_on(cfg);
  session->logout("bye");
  clock.advance_ms(1'999);
  session->on_timer();
  EXPECT_FALSE(transport.disconnected);
  clock.advance_ms(1);
  session->on_timer();
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionLogout, ReceivedLogoutIsAnsweredWithLogoutThenDisconnect) {  // 13b
  logged_on();
  deliver(peer.make("5", "58=maintenance|"));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
  ASSERT_EQ(handler.logouts.size(), 1u);
  EXPECT_NE(handler.logouts[0].find("maintenance"), std::string::npos);
}

// ---------------------------------------------------------------------------
// 14: message validation without a data dictionary
// ---------------------------------------------------------------------------
TEST_F(SessionValidation, MissingRequiredHeaderTagIsRejectedWithReason1) {  // 14b
  logged_on();
  deliver(raw_message("FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=2|11=C1|"));  // No 52.
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "1");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "52");
  EXPECT_EQ(last_sent().get(tag::kRefSeqNum), "2");
  EXPECT_EQ(last_sent().get(tag::kRefMsgType), "D");
  EXPECT_FALSE(last_sent().get(tag::kText).empty());
  EXPECT_TRUE(handler.app.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionValidation, MissingSenderCompIdIsRejectedWithReason1) {  // 14b
  logged_on();
  deliver(raw_message("FIX.4.4", "35=D|56=RISKGATE|34=2|52=" + timestamp(clock.utc) + "|11=C1|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "1");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "49");
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionValidation, TestRequestWithoutTestReqIdIsRejectedWithReason1) {  // 14b
  logged_on();
  deliver(peer.make("1", ""));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "1");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "112");
}

TEST_F(SessionValidation, TagWithoutValueIsRejectedWithReason4) {  // 14d
  logged_on();
  deliver(raw_message(
      "FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=2|52=" + timestamp(clock.utc) + "|11=C1|44=|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "4");
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "44");
  EXPECT_EQ(last_sent().get(tag::kRefSeqNum), "2");
  EXPECT_TRUE(handler.app.empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
}

// ---------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------
TEST_F(SessionSend, SendAppStampsTheHeaderAndStoresTheMessageForResend) {
  logged_on();
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|")), SendResult::kSent);
  const Parsed m = last_sent();
  EXPECT_EQ(m.type(), "8");
  EXPECT_EQ(m.seq(), 2u);
  EXPECT_EQ(m.get(tag::kSenderCompID), "RISKGATE");
  EXPECT_EQ(m.get(tag::kTargetCompID), "ENGINE1");
  EXPECT_EQ(m.get(tag::kSendingTime), "20240102-03:04:05.000");
  EXPECT_EQ(store->lookup(2), transport.sent.back());
  EXPECT_TRUE(store->lookup(1).empty());  // Our Logon: admin, not stored.
}

TEST_F(SessionSend, ForwardAppRewritesTheHeaderAndAppliesSubstitutions) {
  logged_on();
  deliver(peer.order("C1"));
  ASSERT_EQ(handler.app.size(), 1u);
  const Parsed in(handler.app[0]);
  const codec::Substitution subs[] = {{tag::kClOrdID, "E1-C1"}};
  ASSERT_EQ(session->forward_app(in.msg(), subs), SendResult::kSent);
  const Parsed out = last_sent();
  EXPECT_EQ(out.type(), "D");
  EXPECT_EQ(out.get(tag::kSenderCompID), "RISKGATE");
  EXPECT_EQ(out.get(tag::kTargetCompID), "ENGINE1");
  EXPECT_EQ(out.seq(), 2u);
  EXPECT_EQ(out.get(tag::kClOrdID), "E1-C1");
  EXPECT_EQ(out.get(tag::kSymbol), "AAPL");
  EXPECT_EQ(out.get(tag::kPrice), "190.5");
}

TEST_F(SessionSend, SendAppBeforeLogonIsRefusedAsNotActive) {
  start_acceptor();
  EXPECT_EQ(session->send_app("8", soh("37=O1|")), SendResult::kNotActive);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SessionSend, SendAppLargerThanTheSendBufferIsNoSpaceAndConsumesNoSeqNum) {
  SessionConfig cfg = acceptor_config();
  cfg.send_buffer_size = 512;
  logged_on(cfg);
  const std::string big = "58=" + std::string(600, 'x') + "\x01";
  EXPECT_EQ(session->send_app("8", big), SendResult::kNoSpace);
  EXPECT_EQ(store->next_sender_seq(), 2u);
  EXPECT_EQ(session->state(), State::kActive);
}

TEST_F(SessionSend, TransportRefusalDisconnects) {
  logged_on();
  transport.refuse = true;
  EXPECT_EQ(session->send_app("8", soh("37=O1|")), SendResult::kTransportFull);
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(session->state(), State::kDisconnected);
  EXPECT_EQ(store->next_sender_seq(), 2u);
  EXPECT_EQ(handler.logouts.size(), 1u);
}

TEST_F(SessionSend, SendingTimeKeepsMillisecondsAcrossCachedSeconds) {
  logged_on();
  clock.advance_ms(7);
  ASSERT_EQ(session->send_app("8", soh("37=O1|")), SendResult::kSent);
  EXPECT_EQ(last_sent().get(tag::kSendingTime), "20240102-03:04:05.007");
  clock.advance_ms(250);
  ASSERT_EQ(session->send_app("8", soh("37=O2|")), SendResult::kSent);
  EXPECT_EQ(last_sent().get(tag::kSendingTime), "20240102-03:04:05.257");
  clock.advance_ms(60'000 - 257 + 3);
  ASSERT_EQ(session->send_app("8", soh("37=O3|")), SendResult::kSent);
  EXPECT_EQ(last_sent().get(tag::kSendingTime), "20240102-03:05:05.003");
}

// ---------------------------------------------------------------------------
// Robustness of the input path
// ---------------------------------------------------------------------------
TEST_F(SessionRobustness, TooLargeMessageLogsOutAndDisconnects) {
  SessionConfig cfg = acceptor_config();
  cfg.max_message_size = 256;
  logged_on(cfg);
  const std::string m = peer.make("D", "58=" + std::string(400, 'x') + "|");
  EXPECT_EQ(session->on_data(m), m.size());
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
  EXPECT_TRUE(handler.app.empty());
}

TEST_F(SessionRobustness, MessageSplitByteByByteIsProcessedOnce) {
  logged_on();
  const std::string m = peer.order("C1");
  std::string buffered;
  for (char c : m) {
    buffered.push_back(c);
    buffered.erase(0, session->on_data(buffered));
  }
  EXPECT_TRUE(buffered.empty());
  EXPECT_EQ(handler.app.size(), 1u);
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionRobustness, TwentyMessagesInOneReadAreAllProcessed) {
  logged_on();
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += peer.order("C" + std::to_string(i));
  deliver(batch);
  ASSERT_EQ(handler.app.size(), 20u);
  EXPECT_EQ(Parsed(handler.app[19]).get(tag::kClOrdID), "C19");
  EXPECT_EQ(store->next_target_seq(), 22u);
}

TEST_F(SessionRobustness, DataAfterDisconnectIsDropped) {
  logged_on();
  deliver(peer.make("5", ""));
  ASSERT_TRUE(transport.disconnected);
  const std::string m = peer.order("C1");
  EXPECT_EQ(session->on_data(m), m.size());
  EXPECT_TRUE(handler.app.empty());
}

// ---------------------------------------------------------------------------
// Allocation: the steady-state path allocates nothing.
// ---------------------------------------------------------------------------
TEST_F(SessionAllocation, SteadyStatePathDoesNotAllocate) {
  logged_on();
  // Messages built before the scope: building them allocates, the session must not.
  std::vector<std::string> orders;
  for (int i = 0; i < 200; ++i) orders.push_back(peer.order("C" + std::to_string(i)));
  const std::string body =
      soh("37=O1|11=C1|17=X1|150=0|39=0|55=AAPL|54=1|38=100|14=0|151=100|6=0|");
  const codec::Substitution subs[] = {{tag::kClOrdID, "E1-C1"}};
  auto scanned = std::make_unique<codec::Message>();
  ASSERT_EQ(scanned->scan(orders[0]), codec::ScanError::kNone);
  handler.record = false;
  transport.record = false;

  deliver(orders[0]);  // Warm-up (first SendingTime format, first store write).
  ASSERT_EQ(session->send_app("8", body), SendResult::kSent);

  const std::string test_request = peer.make("1", "112=T1|");
  const std::string heartbeat = peer.make("0", "112=1|");
  std::size_t consumed = 0;
  std::size_t sent_ok = 0;

  riskgate::testing::AllocationScope scope;
  for (std::size_t i = 1; i < orders.size(); ++i) {
    consumed += session->on_data(orders[i]);
    sent_ok += session->send_app("8", body) == SendResult::kSent ? 1 : 0;
    sent_ok += session->forward_app(*scanned, subs) == SendResult::kSent ? 1 : 0;
    clock.advance_ms(200);
    session->on_timer();
  }
  clock.advance_ms(40'000);
  session->on_timer();  // Silent for HeartBtInt * 1.2: our TestRequest goes out.
  consumed += session->on_data(test_request);  // Answered with a Heartbeat.
  consumed += session->on_data(heartbeat);
  clock.advance_ms(31'000);
  session->on_timer();  // Nothing sent for HeartBtInt: a Heartbeat.
  const std::uint64_t allocations = scope.count();

  EXPECT_EQ(allocations, 0u);
  std::size_t expected_bytes = test_request.size() + heartbeat.size();
  for (std::size_t i = 1; i < orders.size(); ++i) expected_bytes += orders[i].size();
  EXPECT_EQ(consumed, expected_bytes);
  EXPECT_EQ(sent_ok, 2 * (orders.size() - 1));
  EXPECT_EQ(handler.app_count, orders.size());
  EXPECT_EQ(session->stats().test_requests_sent, 1u);
  EXPECT_EQ(session->state(), State::kActive);
}

// ---------------------------------------------------------------------------
// Two sessions back to back
// ---------------------------------------------------------------------------
TEST_F(SessionBackToBack, InitiatorAndAcceptorLogOnToEachOther) {  // 1B-a..c, 1S-a
  create(pair_acceptor(), pair_initiator());
  connect();
  EXPECT_EQ(acceptor->state(), State::kActive);
  EXPECT_EQ(initiator->state(), State::kActive);
  EXPECT_EQ(acceptor_handler.logons, 1);
  EXPECT_EQ(initiator_handler.logons, 1);
  ASSERT_EQ(initiator->send_app("D", soh("11=C1|55=AAPL|54=1|38=10|40=1|")), SendResult::kSent);
  pump();
  ASSERT_EQ(acceptor_handler.app.size(), 1u);
  EXPECT_EQ(Parsed(acceptor_handler.app[0]).get(tag::kClOrdID), "C1");
}

TEST_F(SessionBackToBack, HeartbeatsKeepAnIdlePairAliveWithoutTestRequests) {  // 4a, 5
  create(pair_acceptor(), pair_initiator());
  connect();
  for (int i = 0; i < 60; ++i) tick(5'000);  // Five idle minutes.
  EXPECT_EQ(acceptor->state(), State::kActive);
  EXPECT_EQ(initiator->state(), State::kActive);
  EXPECT_EQ(acceptor->stats().test_requests_sent, 0u);
  EXPECT_EQ(initiator->stats().test_requests_sent, 0u);
  EXPECT_GE(acceptor->stats().messages_out, 10u);
}

TEST_F(SessionBackToBack, LostMessageIsRecoveredByResend) {  // 2b, 8
  SessionConfig ini = pair_initiator();
  ini.resend_policy = ResendPolicy::kResend;
  create(pair_acceptor(), ini);
  connect();
  // Lose the first transmission of C2 (the PossDup resend gets through).
  keep_to_acceptor = [](const std::string& m) {
    const Parsed p(m);
    return p.get(tag::kClOrdID) != "C2" || p.get(tag::kPossDupFlag) == "Y";
  };
  for (int i = 1; i <= 4; ++i) {
    ASSERT_EQ(initiator->send_app("D", soh("11=C" + std::to_string(i) + "|55=AAPL|54=1|38=10|")),
              SendResult::kSent);
    pump();
  }
  // C3 (MsgSeqNum 4) revealed the gap; the acceptor asked for 3 onwards and
  // the initiator resent C2 and C3 with PossDupFlag=Y; C4 then came in order.
  clock.advance_ms(1);
  ASSERT_EQ(initiator->send_app("D", soh("11=C5|55=AAPL|54=1|38=10|")), SendResult::kSent);
  pump();
  std::vector<std::string> ids;
  for (const std::string& m : acceptor_handler.app) ids.push_back(Parsed(m).get(tag::kClOrdID));
  EXPECT_EQ(ids, (std::vector<std::string>{"C1", "C2", "C3", "C4", "C5"}));
  EXPECT_EQ(acceptor->stats().resend_requests_sent, 1u);
  EXPECT_EQ(initiator->stats().resend_requests_served, 1u);
  EXPECT_EQ(acceptor_store->next_target_seq(), initiator_store->next_sender_seq());
}

TEST_F(SessionBackToBack, LogoutHandshakeDisconnectsBothSides) {  // 12a, 13a, 13b
  create(pair_acceptor(), pair_initiator());
  connect();
  initiator->logout("done");
  pump();
  EXPECT_EQ(initiator->state(), State::kDisconnected);
  EXPECT_EQ(acceptor->state(), State::kDisconnected);
  EXPECT_EQ(acceptor_handler.logouts.size(), 1u);
  EXPECT_EQ(initiator_handler.logouts.size(), 1u);
}

// ---------------------------------------------------------------------------
// In-session reset by Logon 141=Y (FIX 4.4)
// ---------------------------------------------------------------------------
class SessionInSessionReset : public HandDriven {};

TEST_F(SessionInSessionReset, LogonWithResetSeqNumFlagResetsBothSequenceNumbers) {
  logged_on();
  for (int i = 0; i < 4; ++i) deliver(peer.order("C" + std::to_string(i)));   // 2..5
  ASSERT_EQ(session->send_app("8", soh("37=O1|11=C1|")), SendResult::kSent);  // Ours: 2
  transport.sent.clear();
  ASSERT_EQ(store->next_target_seq(), 6u);

  peer.next_seq = 1;
  deliver(peer.logon(30, "141=Y|"));
  EXPECT_EQ(session->state(), State::kActive);
  ASSERT_EQ(sent_types(), Types{"A"});
  EXPECT_EQ(sent(0).seq(), 1u);
  EXPECT_EQ(sent(0).get(tag::kResetSeqNumFlag), "Y");
  EXPECT_EQ(store->next_target_seq(), 2u);
  EXPECT_EQ(store->next_sender_seq(), 2u);
  EXPECT_TRUE(store->lookup(2).empty());  // The old numbering's messages are gone.
  EXPECT_EQ(handler.logons, 1);           // Same session: no second on_logon().
  EXPECT_TRUE(handler.logouts.empty());

  deliver(peer.order("AFTER"));  // 34=2
  ASSERT_EQ(handler.app.size(), 5u);
  EXPECT_EQ(store->next_target_seq(), 3u);
  ASSERT_EQ(session->send_app("8", soh("37=O2|11=AFTER|")), SendResult::kSent);
  EXPECT_EQ(last_sent().seq(), 2u);
}

TEST_F(SessionInSessionReset, ResetLogonNumberedAboveOneAsksForTheRest) {
  logged_on();
  deliver(peer.logon(30, "141=Y|", opts().at(3)));
  ASSERT_EQ(sent_types(), (Types{"A", "2"}));
  EXPECT_EQ(sent(0).seq(), 1u);
  EXPECT_EQ(sent(1).get(tag::kBeginSeqNo), "1");
}

TEST_F(SessionInSessionReset, ResetLogonIsCheckedByTheHandlerAgain) {
  logged_on();
  handler.refuse_logon_with = "TradingSystemVersion changed inside the session";
  deliver(peer.logon(30, "141=Y|", opts().at(1)));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_EQ(last_sent().get(tag::kText), "TradingSystemVersion changed inside the session");
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionInSessionReset, Fix42KeepsTheStrictReading) {
  SessionConfig cfg = acceptor_config();
  cfg.begin_string = "FIX.4.2";
  start(cfg);
  deliver(peer.logon(30, {}, opts().version(std::string("FIX.4.2"))));
  ASSERT_EQ(session->state(), State::kActive);
  deliver(peer.order("C1", opts().version(std::string("FIX.4.2"))));
  transport.sent.clear();
  deliver(peer.logon(30, "141=Y|", opts().at(1).version(std::string("FIX.4.2"))));
  ASSERT_EQ(sent_types(), Types{"5"});
  EXPECT_TRUE(transport.disconnected);
}

// ---------------------------------------------------------------------------
// Rejects name the message they refer to
// ---------------------------------------------------------------------------
TEST_F(SessionValidation, MalformedTagNumberIsRejectedWithRefMsgTypeAndRefSeqNum) {
  logged_on();
  deliver(raw_message(
      "FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=2|52=" + timestamp(clock.utc) + "|11=C1|4x4=1|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "0");
  EXPECT_EQ(last_sent().get(tag::kRefMsgType), "D");
  EXPECT_EQ(last_sent().get(tag::kRefSeqNum), "2");
  EXPECT_FALSE(last_sent().get(tag::kText).empty());
  EXPECT_EQ(store->next_target_seq(), 3u);
}

TEST_F(SessionValidation, MalformedFieldInAMessageWithABadMsgTypeOmitsRefMsgType) {
  logged_on();
  deliver(raw_message("FIX.4.4",
                      "35=D!x|49=ENGINE1|56=RISKGATE|34=2|52=" + timestamp(clock.utc) + "|11=|"));
  ASSERT_EQ(sent_types(), Types{"3"});
  EXPECT_EQ(last_sent().get(tag::kSessionRejectReason), "4");
  EXPECT_FALSE(last_sent().has(tag::kRefMsgType));
  EXPECT_EQ(last_sent().get(tag::kRefTagID), "11");
}

// ---------------------------------------------------------------------------
// Bounded waits: ResendRequest, logon, logout, drain
// ---------------------------------------------------------------------------
class SessionTimeouts : public HandDriven {};

TEST_F(SessionTimeouts, UnansweredResendRequestIsSentOnceMoreThenTheSessionLogsOut) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_request_timeout_ms = 5'000;
  logged_on(cfg);
  deliver(peer.order("C9", opts().at(9)));
  ASSERT_EQ(sent_types(), Types{"2"});
  EXPECT_EQ(session->next_deadline(), clock.steady + 5'000 * kMs);

  // Heartbeats past the gap keep the session alive but are not progress.
  clock.advance_ms(2'500);
  deliver(peer.make("0", "", opts().at(10)));
  clock.advance_ms(2'499);
  session->on_timer();
  EXPECT_EQ(sent_types(), Types{"2"});
  clock.advance_ms(1);
  session->on_timer();
  ASSERT_EQ(sent_types(), (Types{"2", "2"}));
  EXPECT_EQ(last_sent().get(tag::kBeginSeqNo), "2");
  EXPECT_EQ(session->stats().resend_requests_sent, 2u);

  deliver(peer.make("0", "", opts().at(11)));
  clock.advance_ms(5'000);
  session->on_timer();
  EXPECT_EQ(sent_types().back(), "5");
  EXPECT_NE(last_sent().get(tag::kText).find("ResendRequest not satisfied"), std::string::npos);
  EXPECT_TRUE(transport.disconnected);
  ASSERT_EQ(handler.logouts.size(), 1u);  // The leg is down: its orders are refused.
}

TEST_F(SessionTimeouts, ResendThatKeepsProgressingIsNotTimedOut) {
  SessionConfig cfg = acceptor_config();
  cfg.resend_request_timeout_ms = 5'000;
  logged_on(cfg);
  deliver(peer.order("C6", opts().at(6)));
  for (std::uint64_t s = 2; s <= 5; ++s) {
    clock.advance_ms(4'000);
    session->on_timer();
    deliver(peer.order("R" + std::to_string(s), opts().at(s).dup(timestamp(clock.utc))));
  }
  clock.advance_ms(4'000);
  session->on_timer();
  deliver(peer.order("R6", opts().at(6).dup(timestamp(clock.utc))));
  EXPECT_EQ(session->stats().resend_requests_sent, 1u);
  EXPECT_EQ(store->next_target_seq(), 7u);
  clock.advance_ms(20'000);
  session->on_timer();
  EXPECT_EQ(session->stats().resend_requests_sent, 1u);
  EXPECT_FALSE(transport.disconnected);
}

TEST_F(SessionTimeouts, ResendTimeoutAppliesWithHeartBtIntZero) {
  SessionConfig cfg = acceptor_config();
  cfg.heart_bt_int_s = 0;
  cfg.resend_request_timeout_ms = 1'000;
  start(cfg);
  deliver(peer.logon(0, {}, opts().at(5)));
  ASSERT_EQ(sent_types(), (Types{"A", "2"}));
  clock.advance_ms(1'000);
  session->on_timer();
  clock.advance_ms(1'000);
  session->on_timer();
  EXPECT_EQ(sent_types(), (Types{"A", "2", "2", "5"}));
  EXPECT_TRUE(transport.disconnected);
}

TEST_F(SessionTimeouts, TimeoutsMustBePositive) {
  for (int which = 0; which < 3; ++which) {
    SessionConfig cfg = acceptor_config();
    (which == 0   ? cfg.logon_timeout_ms
     : which == 1 ? cfg.logout_timeout_ms
                  : cfg.resend_request_timeout_ms) = 0;
    EXPECT_THROW(Session(cfg, clock, transport, *store, handler), std::invalid_argument);
  }
  const SessionConfig defaults;
  EXPECT_EQ(defaults.logon_timeout_ms, 10'000);
  EXPECT_EQ(defaults.logout_timeout_ms, 2'000);
  EXPECT_EQ(defaults.resend_request_timeout_ms, 10'000);
}

// A transport whose flush never completes (the peer stopped reading).
class StuckTransport final : public Transport {
 public:
  std::vector<std::string> sent;
  int disconnects = 0;
  std::vector<std::string> aborts;
  bool send(std::string_view bytes) noexcept override {
    sent.emplace_back(bytes);
    return true;
  }
  void disconnect(std::string_view) noexcept override { ++disconnects; }
  void abort(std::string_view reason) noexcept override { aborts.emplace_back(reason); }
};

TEST_F(SessionTimeouts, LogoutToAPeerThatNeverAnswersIsAbortedAtLogoutTimeout) {
  StuckTransport stuck;
  SessionConfig cfg = acceptor_config();
  cfg.logout_timeout_ms = 2'000;
  Session s(cfg, clock, stuck, *store, handler);
  s.on_connected();
  (void)s.on_data(peer.logon());
  s.logout("end of day");
  EXPECT_EQ(s.next_deadline(), clock.steady + 2'000 * kMs);
  clock.advance_ms(2'000);
  s.on_timer();
  EXPECT_EQ(s.state(), State::kDisconnected);
  EXPECT_EQ(stuck.disconnects, 1);
  ASSERT_EQ(stuck.aborts.size(), 1u);
  EXPECT_EQ(s.next_deadline(), std::numeric_limits<std::int64_t>::max());
}

TEST_F(SessionTimeouts, DisconnectWhoseFlushNeverDrainsIsAbortedAtLogoutTimeout) {
  StuckTransport stuck;
  SessionConfig cfg = acceptor_config();
  cfg.logout_timeout_ms = 2'000;
  Session s(cfg, clock, stuck, *store, handler);
  s.on_connected();
  (void)s.on_data(peer.logon());
  (void)s.on_data(peer.make("5", ""));  // Answered with a Logout, then disconnect.
  EXPECT_EQ(stuck.disconnects, 1);
  EXPECT_EQ(s.next_deadline(), clock.steady + 2'000 * kMs);
  clock.advance_ms(1'999);
  s.on_timer();
  EXPECT_TRUE(stuck.aborts.empty());
  clock.advance_ms(1);
  s.on_timer();
  ASSERT_EQ(stuck.aborts.size(), 1u);
  s.on_timer();
  EXPECT_EQ(stuck.aborts.size(), 1u);  // Once.
}

TEST_F(SessionTimeouts, DisconnectThatCompletesIsNotAborted) {
  StuckTransport stuck;
  Session s(acceptor_config(), clock, stuck, *store, handler);
  s.on_connected();
  (void)s.on_data(peer.logon());
  (void)s.on_data(peer.make("5", ""));
  s.on_disconnected();  // The transport closed after flushing.
  EXPECT_EQ(s.next_deadline(), std::numeric_limits<std::int64_t>::max());
  clock.advance_ms(60'000);
  s.on_timer();
  EXPECT_TRUE(stuck.aborts.empty());
}

TEST_F(SessionTimeouts, AcceptorConnectionWithoutLogonIsClosedAtLogonTimeoutByDefault) {
  start_acceptor();
  EXPECT_EQ(session->next_deadline(), clock.steady + 10'000 * kMs);
  clock.advance_ms(9'999);
  session->on_timer();
  EXPECT_FALSE(transport.disconnected);
  clock.advance_ms(1);
  session->on_timer();
  EXPECT_TRUE(transport.disconnected);
  EXPECT_EQ(transport.disconnect_reason, "Logon timeout");
}

}  // namespace
}  // namespace riskgate::session::testing
