// Outbound: SendingTime, numbering, admin and application messages sent.
#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "gateway/session/session_impl.hpp"

namespace riskgate::session {

namespace {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
using detail::kNsPerMs;

}  // namespace

// ======================================================================
// Outbound
// ======================================================================
std::string_view Session::Impl::sending_time() noexcept {
  const std::int64_t utc = clock.utc_ns();
  tx_utc = utc;
  std::int64_t ms = utc / kNsPerMs;
  if (utc < 0 && ms * kNsPerMs != utc) --ms;  // floor for pre-1970 test clocks
  std::int64_t sec = ms / 1000;
  std::int64_t msec = ms % 1000;
  if (msec < 0) {
    msec += 1000;
    --sec;
  }
  if (sec != ts_second) {
    if (codec::format_utc_timestamp(ts_buf, utc) != 21) return {};
    ts_second = sec;
  } else {
    ts_buf[18] = static_cast<char>('0' + msec / 100);
    ts_buf[19] = static_cast<char>('0' + (msec / 10) % 10);
    ts_buf[20] = static_cast<char>('0' + msec % 10);
  }
  return {ts_buf.data(), 21};
}

codec::Header Session::Impl::header(std::string_view msg_type, std::uint64_t seq) noexcept {
  codec::Header h;
  h.begin_string = cfg.begin_string;
  h.msg_type = msg_type;
  h.sender_comp_id = cfg.sender_comp_id;
  h.target_comp_id = cfg.target_comp_id;
  h.seq_num = seq;
  h.sending_time = sending_time();
  return h;
}

// Hands bytes to the transport. A refusal means the peer cannot keep up (or
// the socket is gone): we disconnect instead of queueing without bound.
bool Session::Impl::transmit(std::size_t size) noexcept {
  if (!transport.send(std::string_view(send_buf.data(), size))) {
    disconnect("transport refused outbound data");
    return false;
  }
  ++stats.messages_out;
  if (tap != nullptr) {
    tap->on_wire(WireTap::Direction::kOut, tx_utc, std::string_view(send_buf.data(), size));
  }
  last_sent = clock.steady_ns();
  return true;
}

// Admin messages take the next outbound number and are not stored (a resend
// gap-fills them). The number is consumed before the bytes go out (see
// MessageStore): if the transport refuses them the session disconnects, and
// the unused number is a gap the next Logon's resend fills.
bool Session::Impl::send_admin(std::string_view msg_type, std::string_view body) noexcept {
  if (state == State::kDisconnected) return false;
  const std::uint64_t seq = store.next_sender_seq();
  const codec::EncodeResult r = codec::encode(send_buf, header(msg_type, seq), body);
  if (r.error != codec::EncodeError::kNone) return false;
  store.set_next_sender_seq(seq + 1);
  return transmit(r.size);
}

// Stores (for resend) and numbers an encoded application message: stored
// before it is sent, given back if the transport refuses it (see
// MessageStore), so the caller can roll back what it did for the message.
SendResult Session::Impl::finish_app(std::uint64_t seq, const codec::EncodeResult& r) noexcept {
  if (r.error != codec::EncodeError::kNone) return SendResult::kNoSpace;
  if (!store.store(seq, std::string_view(send_buf.data(), r.size), tx_utc))
    return SendResult::kNotStored;
  if (!transmit(r.size)) {
    if (cfg.store_while_down) {
      // Kept, as if sent while down: the session is disconnecting, and the
      // peer's resend at its next Logon delivers it (a fill must not vanish).
      store.set_next_sender_seq(seq + 1);
      return SendResult::kStored;
    }
    store.discard(seq);
    return SendResult::kTransportFull;
  }
  store.set_next_sender_seq(seq + 1);
  return SendResult::kSent;
}

// Not logged on, with store_while_down: numbered and stored as if sent, and
// delivered by the resend the peer asks for at its next Logon (our Logon
// then carries a MsgSeqNum above what it expects).
SendResult Session::Impl::store_unsent(std::uint64_t seq, const codec::EncodeResult& r) noexcept {
  if (r.error != codec::EncodeError::kNone) return SendResult::kNoSpace;
  if (!store.store(seq, std::string_view(send_buf.data(), r.size), tx_utc))
    return SendResult::kNotStored;
  store.set_next_sender_seq(seq + 1);
  return SendResult::kStored;
}

SendResult Session::Impl::send_app(std::string_view msg_type, std::string_view body) noexcept {
  const std::uint64_t seq = store.next_sender_seq();
  if (!can_send_app()) {
    if (!cfg.store_while_down) return SendResult::kNotActive;
    return store_unsent(seq, codec::encode(send_buf, header(msg_type, seq), body));
  }
  return finish_app(seq, codec::encode(send_buf, header(msg_type, seq), body));
}

SendResult Session::Impl::forward_app(const codec::Message& m,
                                      std::span<const codec::Substitution> subs) noexcept {
  const std::uint64_t seq = store.next_sender_seq();
  if (!can_send_app()) {
    if (!cfg.store_while_down) return SendResult::kNotActive;
    return store_unsent(seq, codec::encode_forward(send_buf, header(m.msg_type(), seq), m, subs));
  }
  return finish_app(seq, codec::encode_forward(send_buf, header(m.msg_type(), seq), m, subs));
}

void Session::Impl::send_logon(int heart_bt_int_s, bool reset) noexcept {
  codec::BodyBuilder b = body();
  b.add_int(tag::kEncryptMethod, 0);
  b.add_int(tag::kHeartBtInt, heart_bt_int_s);
  if (reset) b.add(tag::kResetSeqNumFlag, "Y");
  if (!cfg.logon_extra_fields.empty()) b.add_raw(cfg.logon_extra_fields);
  (void)send_admin(mt::kLogon, b.view());
}

void Session::Impl::send_logout(std::string_view reason) noexcept {
  codec::BodyBuilder b = body();
  if (!reason.empty()) b.add(tag::kText, reason);
  (void)send_admin(mt::kLogout, b.view());
}

void Session::Impl::send_heartbeat(std::string_view test_req_id) noexcept {
  codec::BodyBuilder b = body();
  if (!test_req_id.empty()) b.add(tag::kTestReqID, test_req_id);
  (void)send_admin(mt::kHeartbeat, b.view());
}

void Session::Impl::send_test_request() noexcept {
  codec::BodyBuilder b = body();
  ++test_request_id;
  std::array<char, 24> id{};
  const auto r = std::to_chars(id.data(), id.data() + id.size(), test_request_id);
  b.add(tag::kTestReqID, std::string_view(id.data(), static_cast<std::size_t>(r.ptr - id.data())));
  if (send_admin(mt::kTestRequest, b.view())) {
    ++stats.test_requests_sent;
    test_request_pending = true;
    test_request_sent_at = clock.steady_ns();
    emit_event("TestRequest sent: nothing received within HeartBtInt plus grace");
  }
}

void Session::Impl::send_reject(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                                std::uint32_t ref_tag, std::string_view reject_text) noexcept {
  codec::BodyBuilder b = body();
  b.add_int(tag::kRefSeqNum, static_cast<std::int64_t>(ref_seq));
  if (ref_tag != 0) b.add_int(tag::kRefTagID, ref_tag);
  if (!ref_msg_type.empty()) b.add(tag::kRefMsgType, ref_msg_type);
  // FIX 4.2 defines SessionRejectReason 0-11 only; a stricter 4.2 peer
  // would reject our Reject for 13-16 or 99. As QuickFIX does, leave 373 out
  // there: RefTagID and Text still say what was wrong.
  if (cfg.begin_string != "FIX.4.2" || reason <= 11) {
    b.add_int(tag::kSessionRejectReason, reason);
  }
  if (!reject_text.empty()) b.add(tag::kText, reject_text);
  if (send_admin(mt::kReject, b.view())) {
    ++stats.rejects_sent;
    event.clear().add("Reject sent for MsgSeqNum ").num(ref_seq).add(": ").add(reject_text);
    handler.on_session_event(event.view());
  }
}

}  // namespace riskgate::session
