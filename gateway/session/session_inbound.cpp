// Inbound: framing, header and sequence checks, admin messages received
// (FIX Session Layer Test Cases 1S, 1B, 2, 3, 10, 11, 13, 14 live here).
#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "gateway/session/session_impl.hpp"

namespace riskgate::session {

namespace {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
namespace rr = codec::reject_reason;
using detail::kNsPerMs;
using detail::kNsPerSec;

// MsgType syntax (2q): FIX MsgType values are 1-3 alphanumeric characters.
// Anything else cannot be a message type of any version; a well-formed but
// unknown type is the application's call (BusinessMessageReject, 2r).
[[nodiscard]] bool msg_type_well_formed(std::string_view t) noexcept {
  if (t.empty() || t.size() > 3) return false;
  for (char c : t) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

// Error path only: the MsgSeqNum of a message that failed to scan, read from
// the raw bytes, or 0.
[[nodiscard]] std::uint64_t raw_seq_num(std::string_view raw) noexcept {
  constexpr std::string_view kKey =
      "\x01"
      "34=";
  const std::size_t at = raw.find(kKey);
  if (at == std::string_view::npos) return 0;
  const std::size_t begin = at + kKey.size();
  std::size_t end = raw.find(codec::kSoh, begin);
  if (end == std::string_view::npos) end = raw.size();
  std::uint64_t v = 0;
  if (!codec::parse_uint(raw.substr(begin, end - begin), v)) return 0;
  return v;
}

// Error path only: the MsgType of a message that failed to scan, read from
// the raw bytes, or "" when absent or not a well-formed type. Rejects carry
// it as RefMsgType(372) whenever it is known.
[[nodiscard]] std::string_view raw_msg_type(std::string_view raw) noexcept {
  constexpr std::string_view kKey =
      "\x01"
      "35=";
  const std::size_t at = raw.find(kKey);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + kKey.size();
  std::size_t end = raw.find(codec::kSoh, begin);
  if (end == std::string_view::npos) end = raw.size();
  const std::string_view type = raw.substr(begin, end - begin);
  return msg_type_well_formed(type) ? type : std::string_view{};
}

// In-session reset by Logon 141=Y is a FIX 4.4 session rule (FIX 4.4 Vol. 2,
// "Sequence number reset"; FIXT.1.1 keeps it). Older versions keep the strict
// reading: a Logon while logged on ends the session.
[[nodiscard]] bool in_session_reset_defined(std::string_view begin_string) noexcept {
  return begin_string >= std::string_view("FIX.4.4");  // "FIXT.1.1" sorts after.
}

// Error path only: why a framed message failed to scan with kMalformedField,
// as a SessionRejectReason and the offending tag (0 when the tag itself is
// what is wrong).
struct FieldProblem {
  int reason = rr::kOther;
  std::uint32_t tag = 0;
};

[[nodiscard]] FieldProblem find_field_problem(std::string_view raw) noexcept {
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find(codec::kSoh, pos);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view field = raw.substr(pos, end - pos);
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return {rr::kInvalidTagNumber, 0};
    std::uint64_t t = 0;
    if (!codec::parse_uint(field.substr(0, eq), t) || t == 0 ||
        t > std::numeric_limits<std::uint32_t>::max()) {
      return {rr::kInvalidTagNumber, 0};
    }
    if (eq + 1 == field.size()) return {rr::kTagWithoutValue, static_cast<std::uint32_t>(t)};
    pos = end + 1;
  }
  return {};
}

}  // namespace

// ======================================================================
// Inbound
// ======================================================================
std::size_t Session::Impl::on_data(std::string_view data) noexcept {
  if (state == State::kDisconnected) return data.size();
  // Every message of one read arrived at the same moment: read both clocks
  // once per batch, not once per message (a vDSO call each on a real clock).
  rx_steady = clock.steady_ns();
  rx_utc = clock.utc_ns();
  std::size_t pos = 0;
  while (pos < data.size()) {
    const codec::FrameResult fr = codec::frame(data.substr(pos), cfg.max_message_size);
    switch (fr.status) {
      case codec::FrameStatus::kNeedMore:
        return pos;
      case codec::FrameStatus::kGarbled:
        // 2d, 2m, 3b, 3c: garbled data is dropped without touching MsgSeqNum.
        ++stats.garbled;
        event.clear().add("garbled data ignored: ").add(codec::to_string(fr.error));
        emit_event(event.view());
        break;
      case codec::FrameStatus::kTooLarge:
        logout_and_disconnect("Message exceeds the maximum message size");
        return data.size();
      case codec::FrameStatus::kMessage:
        process(fr.message);
        break;
    }
    if (fr.consumed == 0) return pos;  // Defensive: the framer must make progress.
    pos += fr.consumed;
    if (state == State::kDisconnected) return data.size();
  }
  return pos;
}

void Session::Impl::process(std::string_view raw) noexcept {
  // Logged before any check: a message we refuse is part of the conversation.
  if (tap != nullptr) tap->on_wire(WireTap::Direction::kIn, rx_utc, raw);
  const codec::ScanError se = in.scan(raw);
  if (se == codec::ScanError::kBadHeaderOrder) {
    // 2t: BeginString, BodyLength, MsgType not the first three fields: the
    // test cases treat this as garbled (ignored, MsgSeqNum unchanged).
    ++stats.garbled;
    emit_event("garbled message ignored: BeginString, BodyLength, MsgType out of order");
    return;
  }
  ++stats.messages_in;
  last_received = rx_steady;
  test_request_pending = false;  // Any traffic proves the peer alive.
  if (se != codec::ScanError::kNone) {
    on_scan_error(raw, se);
    return;
  }
  if (in.begin_string() != cfg.begin_string) {
    // 2i / 1S-d: wrong BeginString. No Reject: the peer speaks another version.
    text.clear()
        .add("Incorrect BeginString ")
        .add(in.begin_string())
        .add(", expected ")
        .add(cfg.begin_string);
    logout_and_disconnect(text.view());
    return;
  }
  if (state == State::kAwaitingLogon || state == State::kLogonSent) {
    on_first_message();
    return;
  }
  on_session_message();
}

void Session::Impl::on_scan_error(std::string_view raw, codec::ScanError se) noexcept {
  if (state != State::kActive && state != State::kLogoutSent) {
    logout_and_disconnect("First message not a valid Logon: malformed message");
    return;
  }
  const std::uint64_t seq = raw_seq_num(raw);
  const std::string_view type = raw_msg_type(raw);
  if (se == codec::ScanError::kTooManyFields) {
    send_reject(seq, type, rr::kOther, 0, "Too many fields in message");
  } else {
    const FieldProblem p = find_field_problem(raw);
    send_reject(
        seq, type, p.reason, p.tag,
        p.reason == rr::kTagWithoutValue ? "Tag specified without a value" : "Invalid tag number");
  }
  if (seq != 0) consume_rejected(seq);
}

// Parses a UTC timestamp, reusing the last parsed "YYYYMMDD-HH:MM:SS": a
// peer's SendingTimes share that prefix for a whole second, so the common
// case is a 17-byte compare plus the fraction digits.
bool Session::Impl::parse_timestamp(std::string_view st, std::int64_t& ns) noexcept {
  constexpr std::size_t kPrefix = 17;
  if (st.size() >= kPrefix && std::memcmp(st.data(), rx_ts_prefix.data(), kPrefix) == 0) {
    const std::string_view frac = st.substr(kPrefix);
    if (frac.empty()) {
      ns = rx_ts_base;
      return true;
    }
    // Milli, micro or nanoseconds, as codec::parse_utc_timestamp takes
    // them: whether a value is well formed must not depend on the message
    // before it.
    if ((frac.size() == 4 || frac.size() == 7 || frac.size() == 10) && frac[0] == '.') {
      std::int64_t v = 0;
      bool digits = true;
      for (char c : frac.substr(1)) {
        digits = digits && c >= '0' && c <= '9';
        v = v * 10 + (c - '0');
      }
      if (digits) {
        for (std::size_t n = frac.size() - 1; n < 9; ++n) v *= 10;
        ns = rx_ts_base + v;
        return true;
      }
    }
  }
  if (!codec::parse_utc_timestamp(st, ns)) return false;
  std::int64_t base = 0;
  if (st.size() >= kPrefix && codec::parse_utc_timestamp(st.substr(0, kPrefix), base)) {
    std::memcpy(rx_ts_prefix.data(), st.data(), kPrefix);
    rx_ts_base = base;
  }
  return true;
}

Session::Impl::TimeCheck Session::Impl::check_sending_time(std::int64_t& sending_ns) noexcept {
  const std::string_view st = in.get(tag::kSendingTime);
  if (st.empty()) return TimeCheck::kMissing;
  if (!parse_timestamp(st, sending_ns)) return TimeCheck::kBadFormat;
  if (cfg.check_latency) {
    const std::int64_t diff = rx_utc - sending_ns;
    const std::int64_t limit = cfg.max_latency_ms * kNsPerMs;
    if (diff > limit || diff < -limit) return TimeCheck::kInaccurate;
  }
  return TimeCheck::kOk;
}

// ---- before logon: the first message must be an acceptable Logon ------
void Session::Impl::on_first_message() noexcept {
  const std::string_view type = in.msg_type();
  if (type == mt::kLogout && state == State::kLogonSent) {
    // The acceptor refused our Logon.
    text.clear().add("Logon refused by peer: ").add(in.get(tag::kText));
    emit_event(text.view());
    disconnect(text.view());
    return;
  }
  if (type != mt::kLogon) {
    logout_and_disconnect("First message not a Logon");  // 1S-e, 1B-e
    return;
  }
  const std::string_view sender = in.get(tag::kSenderCompID);
  const std::string_view target = in.get(tag::kTargetCompID);
  if (sender != cfg.target_comp_id || target != cfg.sender_comp_id) {
    // 1S-c: Logon from an unknown CompID pair.
    text.clear()
        .add("CompID problem: Logon from ")
        .add(sender)
        .add(" to ")
        .add(target)
        .add(", expected ")
        .add(cfg.target_comp_id)
        .add(" to ")
        .add(cfg.sender_comp_id);
    logout_and_disconnect(text.view());
    return;
  }
  const std::uint64_t seq = in.seq_num();
  if (seq == 0) {
    logout_and_disconnect("Logon without a valid MsgSeqNum(34)");
    return;
  }
  std::int64_t sending_ns = 0;
  if (check_sending_time(sending_ns) != TimeCheck::kOk) {
    logout_and_disconnect("Logon SendingTime(52) missing, malformed or inaccurate");  // 1S-d
    return;
  }
  std::int64_t peer_hb = 0;
  if (!codec::parse_int(in.get(tag::kHeartBtInt), peer_hb) || peer_hb < 0 || peer_hb > 3600 * 24) {
    logout_and_disconnect("Logon HeartBtInt(108) missing or invalid");
    return;
  }
  const std::string_view encrypt = in.get(tag::kEncryptMethod);
  if (!encrypt.empty() && encrypt != "0") {
    logout_and_disconnect("Unsupported EncryptMethod(98): only 0 (none)");
    return;
  }
  if (!logon_valid()) return;
  const std::string_view refusal = handler.on_logon_request(in);
  if (!refusal.empty()) {
    logout_and_disconnect(refusal);
    return;
  }

  const bool peer_reset = in.get(tag::kResetSeqNumFlag) == "Y";
  bool reset_reply = false;
  if (cfg.role == Role::kAcceptor) {
    // ResetOnLogon on an acceptor resets our numbers before the Logon is
    // judged (as QuickFIX does); 141=Y is echoed only when the peer asked.
    // An unsolicited 141=Y in our answer would make the peer reset and
    // answer with 141=Y in turn, which resets us again: a Logon ping-pong.
    if (peer_reset || cfg.reset_on_logon) reset_numbering();
    reset_reply = peer_reset;
  } else if (peer_reset && !cfg.reset_on_logon) {
    store.set_next_target_seq(1);  // Unsolicited reset from the acceptor.
    handler.on_inbound_reset();
  }

  const std::uint64_t expected = store.next_target_seq();
  if (seq < expected) {
    text.clear().add("MsgSeqNum too low, expecting ").num(expected).add(" but received ").num(seq);
    logout_and_disconnect(text.view());  // 2c applied to the Logon
    return;
  }

  if (cfg.role == Role::kAcceptor) {
    // 1S-a: answer with a Logon echoing the peer's HeartBtInt, and use it.
    set_heart_bt(peer_hb);
    send_logon(static_cast<int>(peer_hb), reset_reply);
    if (state == State::kDisconnected) return;
  }
  state = State::kActive;
  logged_on = true;
  last_received = rx_steady;
  handler.on_logon();
  if (state == State::kDisconnected) return;
  if (seq == expected) {
    advance_expected(expected + 1);
  } else {
    on_gap(seq);  // 1S-a2, 1B-c: Logon too high -> ResendRequest after our Logon.
  }
}

// ---- logged on -----------------------------------------------------------
void Session::Impl::on_session_message() noexcept {
  const std::string_view type = in.msg_type();
  const std::uint64_t seq = in.seq_num();
  // 11: SequenceReset-Reset is accepted whatever its MsgSeqNum, even 0 or none.
  const bool seq_reset = type == mt::kSequenceReset;
  const std::string_view gap_fill_flag = seq_reset ? in.get(tag::kGapFillFlag) : std::string_view{};
  const bool gap_fill = gap_fill_flag == "Y";
  const bool reset_mode = seq_reset && !gap_fill;
  if (seq == 0 && !reset_mode) {
    logout_and_disconnect("MsgSeqNum(34) missing or invalid");
    return;
  }

  // Header checks first (as the test cases order them): they hold whatever
  // the sequence number says.
  const std::string_view sender = in.get(tag::kSenderCompID);
  const std::string_view target = in.get(tag::kTargetCompID);
  // A wrong SenderCompID is 2k even when TargetCompID is missing too (an
  // SOH lost between them reads as "49=ENGINE156=RISKGATE"): the message is
  // not from our peer, whatever else is wrong with it.
  if (!sender.empty() && sender != cfg.target_comp_id) {
    reject_in(rr::kCompIdProblem, tag::kSenderCompID, "CompID problem");
    logout_and_disconnect("CompID problem");
    return;
  }
  if (sender.empty() || target.empty()) {
    // 14b on the header.
    reject_in(rr::kRequiredTagMissing, sender.empty() ? tag::kSenderCompID : tag::kTargetCompID,
              "Required tag missing");
    consume_rejected(seq);
    return;
  }
  if (target != cfg.sender_comp_id) {
    // 2k: Reject 9, then Logout, then disconnect.
    reject_in(rr::kCompIdProblem, tag::kTargetCompID, "CompID problem");
    logout_and_disconnect("CompID problem");
    return;
  }
  std::int64_t sending_ns = 0;
  switch (check_sending_time(sending_ns)) {
    case TimeCheck::kOk:
      break;
    case TimeCheck::kMissing:
      reject_in(rr::kRequiredTagMissing, tag::kSendingTime, "Required tag missing");
      consume_rejected(seq);
      return;
    case TimeCheck::kBadFormat:
      reject_in(rr::kIncorrectDataFormat, tag::kSendingTime, "Incorrect data format for value");
      consume_rejected(seq);
      return;
    case TimeCheck::kInaccurate:
      // 2o: Reject 10, then Logout, then disconnect.
      reject_in(rr::kSendingTimeAccuracy, tag::kSendingTime, "SendingTime accuracy problem");
      logout_and_disconnect("SendingTime accuracy problem");
      return;
  }

  // 14e on the header's Boolean flags, and on GapFillFlag: anything but Y or
  // N is refused, never read as N. A SequenceReset whose 123 is "y" would
  // otherwise be taken as a Reset and skip every message it claims to fill;
  // an order whose 43 is "X" would be taken as a first sending. A message
  // below the expected number is left to the sequence rules (2c: without a
  // PossDupFlag of Y, a Logout), whatever its flags.
  const bool too_low = !reset_mode && seq < store.next_target_seq();
  if (const std::uint32_t bad = in.bad_header_flag() != 0 && !too_low ? in.bad_header_flag()
                                : !gap_fill_flag.empty() && !gap_fill && gap_fill_flag != "N"
                                    ? tag::kGapFillFlag
                                    : 0;
      bad != 0) {
    constexpr std::string_view kText = "Value is incorrect (out of range) for this tag";
    reject_in(rr::kValueIncorrect, bad, kText);
    consume_rejected(seq);
    handler.on_message_rejected(in, rr::kValueIncorrect, bad, kText);
    return;
  }

  if (reset_mode) {
    // Held to the dictionary like any message (a repeated NewSeqNo, a tag
    // SequenceReset does not define): refused before it moves the numbers.
    if (validator) {
      // Case 11: MsgSeqNum may be missing here, which the dictionary's header
      // requires. Required tags are checked after the walk, header first, so
      // what this skips is only the body's NewSeqNo, checked just below.
      const dict::Verdict v = validator->validate(in);
      if (!v.ok() && !(v.reason == rr::kRequiredTagMissing && v.ref_tag == tag::kMsgSeqNum)) {
        reject_in(v.reason, v.ref_tag, v.text);
        consume_rejected(seq);
        handler.on_message_rejected(in, v.reason, v.ref_tag, v.text);
        return;
      }
    }
    on_sequence_reset_reset();  // 11: MsgSeqNum is ignored in Reset mode.
    return;
  }
  if (type == mt::kLogon && in.get(tag::kResetSeqNumFlag) == "Y" &&
      in_session_reset_defined(cfg.begin_string)) {
    on_logon_reset_in_session(seq);  // The peer resets both sides: 34=1 is expected.
    return;
  }

  const std::uint64_t expected = store.next_target_seq();
  if (seq > expected) {
    if (type == mt::kResendRequest) {
      serve_resend_request();  // 20: answer theirs, then ask for ours.
      if (state == State::kDisconnected) return;
    } else if (type == mt::kLogout) {
      on_logout_message();  // The session ends anyway: the gap is moot.
      return;
    } else if (type == mt::kReject) {
      // The peer's replay of the gap gap-fills its admin messages, this one
      // included: acted on now, or the order it refuses would wait for an
      // answer for ever.
      on_reject_message();
    } else if (type == mt::kTestRequest && !in.get(tag::kTestReqID).empty()) {
      // Likewise never replayed: answered now, or the peer's TestRequest
      // times out while it resends.
      send_heartbeat(in.get(tag::kTestReqID));
    }
    on_gap(seq);  // 2b, 10a; any other message is not processed.
    return;
  }
  if (seq < expected) {
    if (in.poss_dup()) return;  // 2e, 10c: a duplicate we already have.
    text.clear().add("MsgSeqNum too low, expecting ").num(expected).add(" but received ").num(seq);
    logout_and_disconnect(text.view());  // 2c, 10d
    return;
  }

  // In sequence.
  if (in.poss_dup() && !seq_reset) {
    const std::string_view orig = in.get(tag::kOrigSendingTime);
    std::int64_t orig_ns = 0;
    if (orig.empty()) {
      reject_in(rr::kRequiredTagMissing, tag::kOrigSendingTime, "Required tag missing");  // 2g
      advance_expected(seq + 1);
      return;
    }
    if (!parse_timestamp(orig, orig_ns)) {
      reject_in(rr::kIncorrectDataFormat, tag::kOrigSendingTime, "Incorrect data format for value");
      advance_expected(seq + 1);
      return;
    }
    if (orig_ns > sending_ns) {
      reject_in(rr::kSendingTimeAccuracy, tag::kOrigSendingTime,
                "SendingTime accuracy problem: OrigSendingTime after SendingTime");  // 2f
      advance_expected(seq + 1);
      return;
    }
  }

  if (validator) {
    // A type the dictionary does not define passes here (the handler
    // answers it); one lookup of the type, inside validate().
    const dict::Verdict v = validator->validate(in);
    if (!v.ok()) {
      reject_in(v.reason, v.ref_tag, v.text);
      advance_expected(seq + 1);
      handler.on_message_rejected(in, v.reason, v.ref_tag, v.text);
      return;
    }
  }

  if (!mt::is_admin(type)) {
    if (!msg_type_well_formed(type)) {
      reject_in(rr::kInvalidMsgType, tag::kMsgType, "Invalid MsgType");  // 2q
      advance_expected(seq + 1);
      return;
    }
    // Consumed once acted on (see MessageStore): a crash in between makes
    // the peer resend it as a PossDup, which the handler recognises.
    handler.on_app_message(in);  // 2a; unknown-but-valid types too (2r is the app's).
    advance_expected(seq + 1);
    return;
  }

  switch (type[0]) {
    case '0':  // 5: Heartbeat (any traffic already cleared a pending TestRequest).
      advance_expected(seq + 1);
      return;
    case '1': {  // 4b: TestRequest -> Heartbeat echoing TestReqID.
      const std::string_view id = in.get(tag::kTestReqID);
      if (id.empty()) {
        reject_in(rr::kRequiredTagMissing, tag::kTestReqID, "Required tag missing");
        advance_expected(seq + 1);
        return;
      }
      advance_expected(seq + 1);
      send_heartbeat(id);
      return;
    }
    case '2':  // 8: ResendRequest. Consumed once served (see MessageStore):
      // what it says about our messages must survive a crash in between.
      serve_resend_request();
      advance_expected(seq + 1);
      return;
    case '3':  // 7: Reject of one of ours: log it, tell the owner, carry on.
      on_reject_message();
      advance_expected(seq + 1);  // After the owner acted on it, as an app message.
      return;
    case '4':  // 10: SequenceReset-GapFill in sequence.
      on_gap_fill(seq);
      return;
    case '5':  // 13
      advance_expected(seq + 1);
      on_logout_message();
      return;
    case 'A':
      // A Logon inside a logged-on session without 141=Y (or before FIX 4.4)
      // has no defined meaning: end the session cleanly instead of guessing.
      logout_and_disconnect("Unexpected Logon while logged on");
      return;
    default:
      advance_expected(seq + 1);
      return;
  }
}

void Session::Impl::on_reject_message() noexcept {
  event.clear()
      .add("Reject received for our MsgSeqNum ")
      .add(in.get(tag::kRefSeqNum))
      .add(": ")
      .add(in.get(tag::kText));
  emit_event(event.view());
  ++stats.rejects_received;
  std::int64_t ref_seq = 0, reason = -1;
  if (!codec::parse_int(in.get(tag::kRefSeqNum), ref_seq) || ref_seq < 0) ref_seq = 0;
  if (!codec::parse_int(in.get(tag::kSessionRejectReason), reason) || reason < 0 || reason > 99'999)
    reason = -1;
  handler.on_reject_received(static_cast<std::uint64_t>(ref_seq), in.get(tag::kRefMsgType),
                             static_cast<int>(reason), in.get(tag::kText));
}

// FIX 4.4: "a Logon with ResetSeqNumFlag=Y during a session resets both
// sequence numbers; the answer is a Logon with 141=Y and MsgSeqNum 1". The
// peer's Logon should carry 34=1; if it is higher, the usual gap handling asks
// for the rest after our Logon. Messages we stored for resend belong to the
// old numbering and are dropped with it.
void Session::Impl::on_logon_reset_in_session(std::uint64_t seq) noexcept {
  std::int64_t peer_hb = 0;
  if (!codec::parse_int(in.get(tag::kHeartBtInt), peer_hb) || peer_hb < 0 || peer_hb > 3600 * 24) {
    logout_and_disconnect("Logon HeartBtInt(108) missing or invalid");
    return;
  }
  // The identity it declares is checked again (issue 4): a reset must not
  // become a way to swap the declared release inside a session.
  if (!logon_valid()) return;
  const std::string_view refusal = handler.on_logon_request(in);
  if (!refusal.empty()) {
    logout_and_disconnect(refusal);
    return;
  }
  event.clear()
      .add(
          "Logon with ResetSeqNumFlag=Y while logged on: both sequence numbers reset (was "
          "expecting ")
      .num(store.next_target_seq())
      .add(", next to send ")
      .num(store.next_sender_seq())
      .add(")");
  emit_event(event.view());
  reset_numbering();
  resend_outstanding = false;
  resend_retried = false;
  gap_high = 0;
  if (cfg.role == Role::kAcceptor) set_heart_bt(peer_hb);
  send_logon(static_cast<int>(heart_bt_ns / kNsPerSec), true);
  if (state == State::kDisconnected) return;
  if (seq == 1) {
    advance_expected(2);
  } else {
    on_gap(seq);
  }
}

void Session::Impl::on_gap_fill(std::uint64_t seq) noexcept {
  std::uint64_t new_seq = 0;
  if (!codec::parse_uint(in.get(tag::kNewSeqNo), new_seq)) {
    reject_in(in.has(tag::kNewSeqNo) ? rr::kIncorrectDataFormat : rr::kRequiredTagMissing,
              tag::kNewSeqNo, "NewSeqNo missing or invalid");
    advance_expected(seq + 1);
    return;
  }
  if (new_seq <= seq) {
    // 10e: a GapFill may only move forward.
    text.clear().add("Attempt to lower sequence number, invalid value NewSeqNo=").num(new_seq);
    reject_in(rr::kValueIncorrect, tag::kNewSeqNo, text.view());
    advance_expected(seq + 1);
    return;
  }
  advance_expected(new_seq);  // 10b
}

void Session::Impl::on_sequence_reset_reset() noexcept {
  std::uint64_t new_seq = 0;
  if (!codec::parse_uint(in.get(tag::kNewSeqNo), new_seq) || new_seq == 0) {
    reject_in(in.has(tag::kNewSeqNo) ? rr::kIncorrectDataFormat : rr::kRequiredTagMissing,
              tag::kNewSeqNo, "NewSeqNo missing or invalid");
    return;
  }
  const std::uint64_t expected = store.next_target_seq();
  if (new_seq > expected) {
    event.clear()
        .add("SequenceReset-Reset: expected MsgSeqNum moved from ")
        .num(expected)
        .add(" to ")
        .num(new_seq);
    emit_event(event.view());
    advance_expected(new_seq);   // 11a
    handler.on_inbound_reset();  // What lay between is never asked for.
  } else if (new_seq == expected) {
    emit_event("SequenceReset-Reset to the expected MsgSeqNum: nothing to do");  // 11b
  } else {
    // 11c
    text.clear().add("Attempt to lower sequence number, invalid value NewSeqNo=").num(new_seq);
    reject_in(rr::kValueIncorrect, tag::kNewSeqNo, text.view());
  }
}

void Session::Impl::on_logout_message() noexcept {
  const std::string_view peer_text = in.get(tag::kText);
  if (state == State::kLogoutSent) {
    disconnect(peer_text.empty() ? std::string_view("Logout confirmed by peer")
                                 : peer_text);  // 13a
    return;
  }
  // 13b: answer, then disconnect (Transport::disconnect flushes our Logout).
  text.clear().add("Logout received from peer: ").add(peer_text);
  emit_event(text.view());
  send_logout({});
  disconnect(text.view());
}

}  // namespace riskgate::session
