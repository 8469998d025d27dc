// FIX session layer (FIX 4.2 / 4.4 session protocol) as a pure state machine.
//
// The session owns no socket, no timer and no thread. Its environment is
// injected so that every behaviour is testable with a fake clock and a fake
// transport (the Artio model):
//   - bytes arrive through on_data(); the caller keeps the unconsumed tail;
//   - time advances through on_timer(now) (call it at least every 100 ms, or
//     at next_deadline());
//   - bytes leave through Transport::send(), which must not block.
// Thread model: one Session is owned by exactly one I/O thread; no method is
// thread-safe. Nothing allocates after construction (buffers are sized from
// SessionConfig), so the order path stays allocation-free.
//
// Behaviour (FIX Session Layer Test Cases, FIX 4.4 Vol. 2 / ISO 3531-3; the
// case numbers are in session_inbound.cpp and friends; gateway/session/CONFORMANCE.md
// maps each case to its test in tests/gateway/session/conformance_test.cpp):
//   - Before logon the first message must be a Logon with our CompIDs (swapped),
//     our BeginString, a MsgSeqNum, an accurate SendingTime and a HeartBtInt;
//     anything else gets a Logout with the reason in Text, then a disconnect.
//     Handler::on_logon_request() can refuse the same way. An acceptor answers
//     with a Logon echoing the peer's HeartBtInt (and uses it); 141=Y from the
//     peer (or reset_on_logon) resets both sequence numbers first.
//   - Logged on, each message is checked in this order: MsgSeqNum present
//     (else Logout); SenderCompID/TargetCompID present (else Reject 1) and
//     right (else Reject 9 + Logout); SendingTime present and well formed (else
//     Reject 1/6) and within max_latency_ms (else Reject 10 + Logout); then
//     MsgSeqNum: too high -> one ResendRequest(BeginSeqNo=expected, EndSeqNo=0)
//     and the message is NOT processed (no queue: the peer's resend replays
//     it); too low -> ignored if PossDupFlag=Y, else Logout "MsgSeqNum too low,
//     expecting X but received Y"; in sequence with PossDupFlag=Y needs an
//     OrigSendingTime no later than SendingTime (else Reject 1/10).
//     A rejected message in sequence consumes its MsgSeqNum.
//   - Exceptions to "too high is not processed": a ResendRequest is served
//     before we ask for our own (simultaneous resend), a Logout ends the
//     session, and SequenceReset-Reset ignores MsgSeqNum altogether (0 or
//     missing included): it sets the expected number to NewSeqNo, or draws
//     Reject 5 when NewSeqNo is lower than expected.
//   - A Logon with ResetSeqNumFlag(141)=Y while logged on (FIX 4.4 and later)
//     resets both sequence numbers: answered by a Logon 141=Y with 34=1, and
//     the next expected number is 2 after the peer's Logon 34=1.
//   - Session Rejects carry RefSeqNum(45), RefTagID(371) and RefMsgType(372)
//     whenever known, SessionRejectReason(373) and Text(58).
//   - A gap we asked to be resent that does not move within
//     resend_request_timeout_ms is asked for once more, then logged out.
//   - Garbled input (bad BodyLength/CheckSum, junk, 8/9/35 out of order) is
//     dropped and counted in Stats::garbled without touching MsgSeqNum; a
//     message over max_message_size ends the session (the stream cannot be
//     resynchronised safely). A well-formed unknown MsgType goes to the
//     handler (it decides on BusinessMessageReject); a malformed one gets
//     Reject 11.
//   - Timers (steady clock only): Heartbeat after heart_bt_int of sending
//     nothing; TestRequest after heart_bt_int*(1+grace) of hearing nothing;
//     Logout + disconnect after the same again with still nothing; logon,
//     logout, resend and drain timeouts (see SessionConfig) disconnect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/relaxed_counter.hpp"
#include "gateway/codec/codec.hpp"
#include "gateway/dict/dictionary.hpp"

namespace riskgate::session {

// Time source. Steady time drives heartbeats and timeouts; UTC stamps
// SendingTime and checks SendingTime accuracy.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::int64_t steady_ns() const noexcept = 0;
  [[nodiscard]] virtual std::int64_t utc_ns() const noexcept = 0;
};

// Outbound byte sink (a socket, or a vector in tests). send() must not block
// and must take the whole span or nothing: it returns false when it has no
// room, and the session then treats the peer as failed (logs out, disconnects)
// rather than queueing without bound.
class Transport {
 public:
  virtual ~Transport() = default;
  [[nodiscard]] virtual bool send(std::string_view bytes) noexcept = 0;
  // Close after flushing what was already accepted by send().
  virtual void disconnect(std::string_view reason) noexcept = 0;
  // Close now, dropping whatever send() accepted but could not flush. The
  // session calls it when a disconnect() has not completed (no
  // on_disconnected()) within logout_timeout_ms, so a peer that stops reading
  // cannot hold a closing connection for ever. The default does nothing, for
  // transports that bound their own flush.
  virtual void abort(std::string_view reason) noexcept { (void)reason; }
};

// Sequence numbers and sent messages, behind an interface so that a durable
// store (gateway/app/journaled_store.hpp) can wrap the in-memory one without
// touching the state machine.
//
// Crash ordering, which a durable store relies on: the session records a
// message in the store (store(), or set_next_sender_seq() for an admin
// message) BEFORE handing its bytes to the transport, so a number the peer
// has seen is never reused after a restart; a message the transport then
// refuses is discard()ed and its number reused. An inbound message's number
// is consumed (set_next_target_seq) AFTER the handler acted on it, so a
// crash in between makes the peer resend it (PossDup) rather than lose it.
class MessageStore {
 public:
  virtual ~MessageStore() = default;
  [[nodiscard]] virtual std::uint64_t next_sender_seq() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t next_target_seq() const noexcept = 0;
  virtual void set_next_sender_seq(std::uint64_t) noexcept = 0;
  virtual void set_next_target_seq(std::uint64_t) noexcept = 0;
  // Keeps a copy of an application message sent with `seq` for resend.
  // false: the message must not be sent (a durable store could not make it
  // durable); the session then sends nothing and keeps the number
  // (SendResult::kNotStored). The in-memory store never refuses a message
  // it is given: when full it forgets the oldest.
  // `sent_utc_ns`: the clock read that stamped the message's SendingTime(52), so
  // a durable store can date its record without reading the clock again
  // (0: not known; the store reads its own).
  virtual bool store(std::uint64_t seq, std::string_view raw,
                     std::int64_t sent_utc_ns) noexcept = 0;
  bool store(std::uint64_t seq, std::string_view raw) noexcept { return store(seq, raw, 0); }
  // The message stored with `seq` was never sent (the transport refused it):
  // forget it; the number is reused by the next message.
  virtual void discard(std::uint64_t seq) noexcept = 0;
  // The stored message with `seq`, or "" if none (admin message, or evicted).
  [[nodiscard]] virtual std::string_view lookup(std::uint64_t seq) const noexcept = 0;
  virtual void reset() noexcept = 0;  // Both sequences to 1, store emptied.
};

// Bounded in-memory store: a ring of the last `capacity_bytes` of sent
// application messages. Allocates once, in the constructor.
std::unique_ptr<MessageStore> make_memory_store(std::size_t capacity_bytes);

// Sees every whole message the session receives (before any check: rejected
// and garbled-but-framed ones too) and every message the transport accepted
// from it, with the gateway clock's UTC time of the read batch or of the
// send (the clock read that stamped its SendingTime). For the per-session
// message log (gateway/msglog): an implementation must copy the bytes and
// return at once (no syscall, no lock, no allocation: it runs on the order
// path). The view is valid only during the call. Called from the session's
// thread.
class WireTap {
 public:
  enum class Direction : std::uint8_t { kIn, kOut };
  virtual ~WireTap() = default;
  virtual void on_wire(Direction dir, std::int64_t utc_ns, std::string_view raw) noexcept = 0;
};

enum class Role : std::uint8_t { kAcceptor, kInitiator };

// How application messages are answered in a ResendRequest.
//
// Policy (issue 2, item 4), whatever the choice below:
//   - admin messages (Logon, Heartbeat, TestRequest, ResendRequest, Reject,
//     SequenceReset, Logout) are never resent: every run of consecutive ones
//     becomes ONE SequenceReset-GapFill (123=Y, 43=Y, 122=now) whose 34 is the
//     first number of the run and whose 36 is the number after it;
//   - an application message no longer in the MessageStore (evicted from the
//     bounded ring, or sent before a restart) is gap-filled the same way, so a
//     resend never stalls on a hole;
//   - EndSeqNo 0 (or anything past our last sent number) means "up to the last
//     message sent"; a BeginSeqNo past it is logged and ignored;
//   - resent messages keep their MsgSeqNum and body, get 43=Y, 122=<original
//     SendingTime> and a fresh 52; the next outbound MsgSeqNum is unchanged.
enum class ResendPolicy : std::uint8_t {
  kResend,   // Resend from the store with PossDupFlag=Y and OrigSendingTime
             // (the client-facing default of most venues: reports are replayed).
  kGapFill,  // SequenceReset-GapFill over them: never re-send stale orders. The
             // whole requested range is one SequenceReset (cheapest, safest for
             // the exchange leg after a restart).
};

struct SessionConfig {
  std::string begin_string = "FIX.4.4";
  std::string sender_comp_id;  // Ours.
  std::string target_comp_id;  // The peer's.
  Role role = Role::kAcceptor;
  int heart_bt_int_s = 30;
  // A TestRequest goes out after heart_bt_int + this grace with nothing heard;
  // the peer is disconnected after a second such interval.
  double test_request_grace = 0.2;
  std::int64_t max_latency_ms = 120'000;  // SendingTime accuracy (QuickFIX MaxLatency).
  bool check_latency = true;
  bool reset_on_logon = false;  // Send 141=Y; honour it from the peer.
  // Application messages sent while not logged on are numbered and stored,
  // not dropped, and reach the peer through its ResendRequest when it logs
  // on again (QuickFIX does the same). For engine legs: a fill the exchange
  // reports while the engine is away must not be lost. Never for the
  // exchange leg: an order is refused while it is down, not queued.
  bool store_while_down = false;
  ResendPolicy resend_policy = ResendPolicy::kGapFill;
  std::size_t max_message_size = 8192;
  std::size_t send_buffer_size = 64 * 1024;  // Scratch for one outgoing message.
  // Bounded waits (all > 0; the constructor throws otherwise):
  // LogonTimeout (QuickFIX name): an acceptor connection that has not sent a
  // valid Logon, or an initiator whose Logon is unanswered, is disconnected.
  std::int64_t logon_timeout_ms = 10'000;
  // LogoutTimeout (QuickFIX name): a Logout we sent that gets no answer is
  // cut after this long; so is any disconnect whose flush never completes
  // (the peer stopped reading): Transport::abort().
  std::int64_t logout_timeout_ms = 2'000;
  // ResendRequestTimeout (riskgate): a ResendRequest we sent that makes no
  // progress (the expected MsgSeqNum does not move) for this long is sent
  // once more; a second silence logs out. Heartbeats do not count as progress.
  std::int64_t resend_request_timeout_ms = 10'000;
  // Extra fields appended to our Logon (e.g. 1603/1604/1605 identity), raw
  // "tag=value<SOH>" bytes.
  std::string logon_extra_fields;
  // Data dictionary (QuickFIX's DataDictionary / UseDataDictionary): when
  // set, every in-sequence message whose type it defines is validated before
  // anything acts on it; a failure is answered with a session Reject (373
  // from dict::Verdict, RefSeqNum/RefTagID/RefMsgType, Text), consumes its
  // MsgSeqNum and goes to Handler::on_message_rejected, never to
  // on_app_message. Types it does not define go to the application as
  // before (which answers BusinessMessageReject). The first Logon is held to
  // the session's own Logon checks only. Null: no dictionary validation.
  std::shared_ptr<const dict::Dictionary> dictionary;
  dict::ValidationOptions validation;
};

enum class State : std::uint8_t {
  kDisconnected,
  kAwaitingLogon,  // Acceptor: connected, waiting for the peer's Logon.
  kLogonSent,      // Initiator: Logon sent, waiting for the answer.
  kActive,
  kLogoutSent,
};

[[nodiscard]] std::string_view to_string(State s) noexcept;

// What the session tells its owner. Called synchronously from on_data() or
// on_timer(); the handler may call send_app() on the same session.
class Handler {
 public:
  virtual ~Handler() = default;
  // A Logon passed session checks. Return a non-empty reason to refuse it:
  // the session answers with a Logout whose Text is the reason, then
  // disconnects (used for identity/version checks, issue 4).
  virtual std::string_view on_logon_request(const codec::Message& logon) noexcept {
    (void)logon;
    return {};
  }
  virtual void on_logon() noexcept {}
  virtual void on_logout(std::string_view reason) noexcept { (void)reason; }
  // The inbound numbering was just started again (ResetOnLogon, the peer's
  // 141=Y, reset_sequence_numbers()) or moved forward (SequenceReset-Reset):
  // what the peer sent on the old numbering and we did not read can never be
  // asked for. May come in the middle of a Logon, before on_logon(); the
  // owner must not send on this session here.
  virtual void on_inbound_reset() noexcept {}
  // An in-sequence application message (PossDup replays included; check
  // msg.poss_dup()). The view is valid only during the call.
  virtual void on_app_message(const codec::Message& msg) noexcept = 0;
  // Session-level events worth an audit/log line (garbled data, rejects sent).
  virtual void on_session_event(std::string_view what) noexcept { (void)what; }
  // An in-sequence message failed data-dictionary validation and was
  // answered with a session Reject (`reason` is its SessionRejectReason,
  // `ref_tag` its RefTagID). It was not and will not be delivered; the view
  // is valid only during the call. The gateway audits it.
  virtual void on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                                   std::string_view text) noexcept {
    (void)msg;
    (void)reason;
    (void)ref_tag;
    (void)text;
  }
  // An in-sequence session Reject (35=3) from the peer for one of our
  // messages: `ref_seq` is its RefSeqNum(45) (0 when absent), `ref_msg_type`
  // its RefMsgType(372), `reason` its SessionRejectReason(373) (-1 when absent
  // or not a number). The session has only logged it; the owner decides what
  // the rejected message meant (the route group relays it to the engine whose
  // order it was). Views are valid only during the call.
  // The peer asked again for an application message we sent, and the
  // session answers with a gap fill instead (ResendPolicy::kGapFill): the
  // peer never received it and never will. `stored` is the message as it was
  // sent. Called once per such message, before the SequenceReset goes out:
  // the owner may record and answer, but must not send on this session.
  virtual void on_app_not_resent(const codec::Message& stored) noexcept { (void)stored; }
  // The peer's ResendRequest has been answered (after on_app_not_resent):
  // new messages sent from here follow the gap fill in sequence.
  virtual void on_resend_answered() noexcept {}
  virtual void on_reject_received(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                                  std::string_view text) noexcept {
    (void)ref_seq;
    (void)ref_msg_type;
    (void)reason;
    (void)text;
  }
};

// Written only by the session's I/O thread; any thread may read them (the
// metrics scrape): see common/relaxed_counter.hpp for the memory order.
struct Stats {
  RelaxedCounter messages_in;
  RelaxedCounter messages_out;
  RelaxedCounter garbled;
  RelaxedCounter rejects_sent;
  RelaxedCounter rejects_received;  // In-sequence session Rejects (35=3) from the peer.
  RelaxedCounter resend_requests_sent;
  RelaxedCounter resend_requests_served;
  // A TestRequest goes out only after a heartbeat interval (plus grace) of
  // silence: each one is a heartbeat the peer missed.
  RelaxedCounter test_requests_sent;
};

enum class SendResult : std::uint8_t {
  kSent,
  kStored,         // Not logged on (store_while_down): stored for the peer's resend.
  kNotActive,      // Not logged on: nothing was sent.
  kNoSpace,        // Message larger than send_buffer_size.
  kTransportFull,  // Transport refused; the session is now disconnecting.
  kNotStored,      // The store refused to keep it (MessageStore::store): nothing was sent.
};

class Session {
 public:
  Session(SessionConfig cfg, Clock& clock, Transport& transport, MessageStore& store,
          Handler& handler);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Transport events.
  void on_connected() noexcept;     // Initiator: sends Logon. Acceptor: waits.
  void on_disconnected() noexcept;  // Socket closed by either side.
  // Processes every whole message at the front of `data`; returns the number
  // of bytes consumed. The caller keeps the rest and calls again with more.
  [[nodiscard]] std::size_t on_data(std::string_view data) noexcept;
  void on_timer() noexcept;  // Heartbeats, TestRequest, logon/logout timeouts.
  // Steady-clock time (Clock::steady_ns) at which on_timer() next has work;
  // INT64_MAX when disconnected (and no disconnect is still draining). Lets the owner arm one timer
  // instead of polling.
  [[nodiscard]] std::int64_t next_deadline() const noexcept;

  // Application messages out. `body` is raw fields after the header.
  [[nodiscard]] SendResult send_app(std::string_view msg_type, std::string_view body) noexcept;
  // Forwards a scanned message with its header rewritten for this session and
  // the given substitutions (ClOrdID mapping); everything else unchanged.
  [[nodiscard]] SendResult forward_app(const codec::Message& in,
                                       std::span<const codec::Substitution> subs = {}) noexcept;

  // Operator/owner actions.
  void logout(std::string_view reason) noexcept;
  // For the rest of this connection, answer ResendRequests with gap fills
  // whatever the ResendPolicy: our stored application messages (an engine's
  // past ExecutionReports) go only to a peer that passed every check. Call it
  // from Handler::on_logon_request when accepting a Logon that did not (an
  // unapproved identity let in with its kill switch engaged); the next
  // connection starts allowed again.
  void withhold_replay() noexcept;
  // Every message in and out goes to `tap` from now on (null: none). Setup,
  // or any time on the session's thread; the tap outlives the session's use.
  void set_wire_tap(WireTap* tap) noexcept;
  // Sends a session-level Reject (35=3) for message `ref_seq`.
  void send_reject(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                   std::uint32_t ref_tag, std::string_view text) noexcept;

  [[nodiscard]] State state() const noexcept;
  // A ResendRequest we sent is not yet satisfied: the peer still owes us
  // messages (after a restart: what it sent while we were down).
  [[nodiscard]] bool awaiting_resend() const noexcept;
  [[nodiscard]] const SessionConfig& config() const noexcept;
  [[nodiscard]] const Stats& stats() const noexcept;
  [[nodiscard]] MessageStore& store() noexcept;
  // Both sequence numbers back to 1 and the store emptied, told to the
  // handler (on_inbound_reset) like any other reset (a new FIX session day:
  // route/trading_day.cpp).
  void reset_sequence_numbers() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace riskgate::session
