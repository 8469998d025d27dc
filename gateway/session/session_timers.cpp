// Timers (steady clock only): heartbeats, TestRequest, logon, logout, resend
// and drain deadlines (test cases 4a, 6, 12b).
#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "gateway/session/session_impl.hpp"

namespace riskgate::session {

namespace {

namespace tag = codec::tag;
using detail::kNever;
using detail::kNsPerMs;

}  // namespace

// Every wait has a deadline (style principle 16):
//   - logon: an acceptor connection that sends no Logon, or an initiator whose
//     Logon gets no answer, is disconnected after logon_timeout_ms;
//   - logout: a Logout we sent that gets no answer within logout_timeout_ms
//     is cut (disconnect, then Transport::abort: the bytes may never drain);
//   - drain: any disconnect whose flush has not completed (no
//     on_disconnected()) within logout_timeout_ms is cut by Transport::abort;
//   - resend: see check_resend_timeout (session_resend.cpp);
//   - heartbeat and TestRequest (4a, 6).
void Session::Impl::on_timer() noexcept {
  const std::int64_t now = clock.steady_ns();
  switch (state) {
    case State::kDisconnected:
      if (closing && now - closing_since >= cfg.logout_timeout_ms * kNsPerMs) {
        closing = false;
        emit_event("Disconnect did not complete within LogoutTimeout: connection aborted");
        transport.abort("Disconnect did not complete within LogoutTimeout");
      }
      return;
    case State::kAwaitingLogon:
    case State::kLogonSent:
      if (now - connected_at >= cfg.logon_timeout_ms * kNsPerMs) {
        emit_event("Logon timeout: no Logon within LogonTimeout");
        disconnect("Logon timeout");
      }
      return;
    case State::kLogoutSent:
      // 12b: no Logout answer in time. Whatever is still unsent (the Logout
      // itself, if the peer stopped reading) is not worth waiting for.
      if (now - logout_sent_at >= cfg.logout_timeout_ms * kNsPerMs) {
        constexpr std::string_view kReason = "Logout timeout: no Logout received in answer";
        emit_event(kReason);
        disconnect(kReason);
        closing = false;
        transport.abort(kReason);
      }
      return;
    case State::kActive:
      break;
  }
  check_resend_timeout(now);
  if (state == State::kDisconnected) return;
  if (heart_bt_ns <= 0) return;  // HeartBtInt=0: no heartbeats, no TestRequest.
  if (test_request_pending) {
    // 6: the TestRequest went unanswered for another interval.
    if (now - test_request_sent_at >= test_request_wait_ns) {
      logout_and_disconnect("No response to TestRequest: peer considered lost");
      return;
    }
  } else if (now - last_received >= test_request_wait_ns) {
    send_test_request();  // 6
    if (state == State::kDisconnected) return;
  }
  if (now - last_sent >= heart_bt_ns) send_heartbeat({});  // 4a
}

std::int64_t Session::Impl::next_deadline() const noexcept {
  switch (state) {
    case State::kDisconnected:
      return closing ? closing_since + cfg.logout_timeout_ms * kNsPerMs : kNever;
    case State::kAwaitingLogon:
    case State::kLogonSent:
      return connected_at + cfg.logon_timeout_ms * kNsPerMs;
    case State::kLogoutSent:
      return logout_sent_at + cfg.logout_timeout_ms * kNsPerMs;
    case State::kActive:
      break;
  }
  const std::int64_t resend =
      resend_outstanding ? resend_progress_at + cfg.resend_request_timeout_ms * kNsPerMs : kNever;
  if (heart_bt_ns <= 0) return resend;
  const std::int64_t silence = test_request_pending ? test_request_sent_at + test_request_wait_ns
                                                    : last_received + test_request_wait_ns;
  return std::min({last_sent + heart_bt_ns, silence, resend});
}

}  // namespace riskgate::session
