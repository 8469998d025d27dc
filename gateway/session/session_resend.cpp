// Resend: sequence gaps and our ResendRequests (with their timeout), and
// serving the peer's ResendRequests (test cases 2b, 8, 20).
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

}  // namespace

// Accounts for an inbound message that was rejected rather than processed:
// in sequence it consumes its number (14b and friends); too high it still
// opens a gap; too low it is dropped.
void Session::Impl::consume_rejected(std::uint64_t seq) noexcept {
  const std::uint64_t expected = store.next_target_seq();
  if (seq == expected) {
    advance_expected(expected + 1);
  } else if (seq > expected) {
    on_gap(seq);
  }
}

// 2b: a gap. One ResendRequest (7=expected, 16=0) covers everything, so no
// second one is sent while it is outstanding.
void Session::Impl::on_gap(std::uint64_t seq) noexcept {
  gap_high = std::max(gap_high, seq);
  if (!resend_outstanding) {
    event.clear()
        .add("MsgSeqNum too high, expecting ")
        .num(store.next_target_seq())
        .add(" but received ")
        .num(seq);
    emit_event(event.view());
    resend_retried = false;
    send_resend_request();
  }
}

void Session::Impl::send_resend_request() noexcept {
  const std::uint64_t expected = store.next_target_seq();
  codec::BodyBuilder b = body();
  b.add_int(tag::kBeginSeqNo, static_cast<std::int64_t>(expected));
  b.add_int(tag::kEndSeqNo, 0);  // 0 = everything after BeginSeqNo (FIX 4.2+).
  if (send_admin(mt::kResendRequest, b.view())) {
    ++stats.resend_requests_sent;
    resend_outstanding = true;
    resend_progress_at = clock.steady_ns();
  }
}

// Heartbeats cannot mask an unanswered ResendRequest: only a move of the
// expected number (advance_expected) counts as progress. Once re-sent (from
// wherever the gap now starts), a second silence ends the session, so the
// leg goes down and its orders are refused instead of waiting for ever on a
// peer that will never fill the gap.
void Session::Impl::check_resend_timeout(std::int64_t now) noexcept {
  if (!resend_outstanding) return;
  if (now - resend_progress_at < cfg.resend_request_timeout_ms * kNsPerMs) return;
  if (!resend_retried) {
    event.clear()
        .add("ResendRequest not satisfied within ")
        .num(static_cast<std::uint64_t>(cfg.resend_request_timeout_ms))
        .add(" ms: sent again from ")
        .num(store.next_target_seq());
    emit_event(event.view());
    resend_retried = true;
    send_resend_request();
    return;
  }
  text.clear()
      .add("ResendRequest not satisfied: still expecting MsgSeqNum ")
      .num(store.next_target_seq())
      .add(" after two requests");
  logout_and_disconnect(text.view());
}

// 8: answer a ResendRequest. See ResendPolicy in session.hpp for the policy.
void Session::Impl::serve_resend_request() noexcept {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  if (!codec::parse_uint(in.get(tag::kBeginSeqNo), begin)) {
    reject_in(in.has(tag::kBeginSeqNo) ? rr::kIncorrectDataFormat : rr::kRequiredTagMissing,
              tag::kBeginSeqNo, "BeginSeqNo missing or invalid");
    return;
  }
  if (!codec::parse_uint(in.get(tag::kEndSeqNo), end)) {
    reject_in(in.has(tag::kEndSeqNo) ? rr::kIncorrectDataFormat : rr::kRequiredTagMissing,
              tag::kEndSeqNo, "EndSeqNo missing or invalid");
    return;
  }
  if (begin == 0) {
    reject_in(rr::kValueIncorrect, tag::kBeginSeqNo, "BeginSeqNo must be positive");
    return;
  }
  if (end != 0 && end < begin) {
    // A range that ends before it begins asks for nothing a gap fill could
    // answer: refused, so the peer's log says why no answer comes.
    reject_in(rr::kValueIncorrect, tag::kEndSeqNo, "EndSeqNo before BeginSeqNo");
    return;
  }
  ++stats.resend_requests_served;
  const std::uint64_t last_sent_seq = store.next_sender_seq() - 1;
  if (end == 0 || end > last_sent_seq) end = last_sent_seq;
  if (begin > end) {
    event.clear()
        .add("ResendRequest from ")
        .num(begin)
        .add(" ignored: last MsgSeqNum sent is ")
        .num(last_sent_seq);
    emit_event(event.view());
    return;
  }
  event.clear().add("ResendRequest served: ").num(begin).add(" to ").num(end);
  emit_event(event.view());
  if (cfg.resend_policy == ResendPolicy::kGapFill || !replay_allowed) {
    // What the peer asked for never reached it: the owner of each stored
    // message learns that it is not delivered (an order gets its reject)
    // before the gap fill goes, so that a crash in between cannot leave the
    // order pending for good; what the owner sends in answer (a kill cancel
    // sent again) waits for on_resend_answered(), after the gap fill.
    for (std::uint64_t s = begin; s <= end; ++s) {
      const std::string_view raw = store.lookup(s);
      if (!raw.empty() && resend_in.scan(raw) == codec::ScanError::kNone)
        handler.on_app_not_resent(resend_in);
    }
    if (state != State::kDisconnected) send_gap_fill(begin, end + 1);
    if (state != State::kDisconnected) handler.on_resend_answered();
    return;
  }
  std::uint64_t gap_start = 0;  // First number of the pending gap-fill run, 0 if none.
  bool dropped = false;         // A stored message gap-filled: the owner was told.
  for (std::uint64_t s = begin; s <= end && state != State::kDisconnected; ++s) {
    const std::string_view raw = store.lookup(s);
    if (!raw.empty()) {
      if (gap_start != 0) {
        send_gap_fill(gap_start, s);
        gap_start = 0;
        if (state == State::kDisconnected) return;
      }
      if (resend_stored(s, raw)) continue;
      // Stored but not resendable (a message within a few bytes of the send
      // buffer's size no longer fits with PossDupFlag and OrigSendingTime):
      // gap-filled like an admin message, and said, never dropped silently.
      event.clear()
          .add("ResendRequest: stored MsgSeqNum ")
          .num(s)
          .add(" cannot be resent (too large with PossDupFlag and OrigSendingTime); gap-filled");
      emit_event(event.view());
      if (resend_in.scan(raw) == codec::ScanError::kNone) handler.on_app_not_resent(resend_in);
      dropped = true;
    }
    if (gap_start == 0) gap_start = s;
  }
  if (gap_start != 0 && state != State::kDisconnected) send_gap_fill(gap_start, end + 1);
  if (dropped && state != State::kDisconnected) handler.on_resend_answered();
}

void Session::Impl::send_gap_fill(std::uint64_t seq, std::uint64_t new_seq_no) noexcept {
  codec::BodyBuilder b = body();
  b.add(tag::kGapFillFlag, "Y");
  b.add_int(tag::kNewSeqNo, static_cast<std::int64_t>(new_seq_no));
  codec::Header h = header(mt::kSequenceReset, seq);
  h.poss_dup = true;
  h.orig_sending_time = h.sending_time;  // Peers that require 122 with 43=Y.
  const codec::EncodeResult r = codec::encode(send_buf, h, b.view());
  if (r.error == codec::EncodeError::kNone) (void)transmit(r.size);
}

// Resends one stored application message under its original number.
bool Session::Impl::resend_stored(std::uint64_t seq, std::string_view raw) noexcept {
  if (resend_in.scan(raw) != codec::ScanError::kNone) return false;
  codec::Header h = header(resend_in.msg_type(), seq);
  h.poss_dup = true;
  h.orig_sending_time = resend_in.get(tag::kSendingTime);
  const codec::EncodeResult r = codec::encode_forward(send_buf, h, resend_in);
  if (r.error != codec::EncodeError::kNone) return false;
  (void)transmit(r.size);
  return true;
}

}  // namespace riskgate::session
