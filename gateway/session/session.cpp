// FIX session state machine: construction, connection lifecycle and the
// public API. See session.hpp for the contract and session_impl.hpp for how
// the concerns are split across files.
#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "gateway/session/session_impl.hpp"

namespace riskgate::session {

namespace {

namespace tag = codec::tag;
using detail::kNsPerSec;

}  // namespace

std::string_view to_string(State s) noexcept {
  switch (s) {
    case State::kDisconnected:
      return "disconnected";
    case State::kAwaitingLogon:
      return "awaiting-logon";
    case State::kLogonSent:
      return "logon-sent";
    case State::kActive:
      return "active";
    case State::kLogoutSent:
      return "logout-sent";
  }
  return "unknown";
}

Session::Impl::Impl(SessionConfig c, Clock& clk, Transport& tr, MessageStore& st, Handler& h)
    : cfg(std::move(c)),
      clock(clk),
      transport(tr),
      store(st),
      handler(h),
      send_buf(cfg.send_buffer_size),
      body_buf(detail::kAdminBodyRoom + cfg.logon_extra_fields.size()) {
  if (cfg.sender_comp_id.empty() || cfg.target_comp_id.empty()) {
    throw std::invalid_argument("session: SenderCompID and TargetCompID are required");
  }
  if (cfg.begin_string.empty()) throw std::invalid_argument("session: BeginString is required");
  if (cfg.dictionary) {
    if (cfg.dictionary->begin_string() != cfg.begin_string) {
      throw std::invalid_argument(
          "session: data dictionary " + std::string(cfg.dictionary->origin()) + " is for " +
          std::string(cfg.dictionary->begin_string()) + ", the session speaks " + cfg.begin_string);
    }
    validator.emplace(cfg.dictionary, cfg.validation);
  }
  if (cfg.heart_bt_int_s < 0) throw std::invalid_argument("session: HeartBtInt must be >= 0");
  if (cfg.test_request_grace < 0) {
    throw std::invalid_argument("session: test_request_grace must be >= 0");
  }
  if (cfg.send_buffer_size < 512) {
    throw std::invalid_argument("session: send_buffer_size must be at least 512 bytes");
  }
  if (cfg.logon_timeout_ms <= 0 || cfg.logout_timeout_ms <= 0 ||
      cfg.resend_request_timeout_ms <= 0) {
    throw std::invalid_argument(
        "session: logon_timeout_ms, logout_timeout_ms and resend_request_timeout_ms must be > 0");
  }
  if (cfg.max_message_size < 64) {
    throw std::invalid_argument("session: max_message_size must be at least 64 bytes");
  }
  if (!cfg.logon_extra_fields.empty() && cfg.logon_extra_fields.back() != codec::kSoh) {
    throw std::invalid_argument(
        "session: logon_extra_fields must be raw tag=value<SOH> fields ending with SOH");
  }
}

// ======================================================================
// Connection lifecycle
// ======================================================================
void Session::Impl::disconnect(std::string_view reason) noexcept {
  if (state == State::kDisconnected) return;
  state = State::kDisconnected;
  // Until on_disconnected() says the transport has closed, the flush of what
  // was sent (a Logout to a peer that stopped reading) is bounded by
  // logout_timeout_ms (session_timers.cpp).
  closing = true;
  closing_since = clock.steady_ns();
  transport.disconnect(reason);
  end_session(reason);
}

void Session::Impl::end_session(std::string_view reason) noexcept {
  const bool was_logged_on = logged_on;
  logged_on = false;
  test_request_pending = false;
  resend_outstanding = false;
  if (was_logged_on) handler.on_logout(reason);
}

void Session::Impl::logout_and_disconnect(std::string_view reason) noexcept {
  if (state == State::kDisconnected) return;
  emit_event(reason);
  send_logout(reason);
  disconnect(reason);
}

void Session::Impl::on_connected() noexcept {
  if (state != State::kDisconnected) return;
  const std::int64_t now = clock.steady_ns();
  connected_at = last_sent = last_received = now;
  test_request_pending = false;
  resend_outstanding = false;
  resend_retried = false;
  closing = false;
  replay_allowed = true;
  gap_high = 0;
  set_heart_bt(cfg.heart_bt_int_s);
  if (cfg.role == Role::kInitiator) {
    if (cfg.reset_on_logon) reset_numbering();
    state = State::kLogonSent;
    send_logon(cfg.heart_bt_int_s, cfg.reset_on_logon);
  } else {
    state = State::kAwaitingLogon;
  }
}

void Session::Impl::on_disconnected() noexcept {
  closing = false;
  if (state == State::kDisconnected) return;
  state = State::kDisconnected;
  end_session("disconnected by peer or transport");
}

void Session::Impl::set_heart_bt(std::int64_t seconds) noexcept {
  heart_bt_ns = seconds * kNsPerSec;
  test_request_wait_ns =
      static_cast<std::int64_t>(static_cast<double>(heart_bt_ns) * (1.0 + cfg.test_request_grace));
}

void Session::Impl::logout(std::string_view reason) noexcept {
  switch (state) {
    case State::kActive:
      send_logout(reason);
      if (state == State::kDisconnected) return;  // Transport refused the Logout.
      state = State::kLogoutSent;
      logout_sent_at = clock.steady_ns();
      return;
    case State::kAwaitingLogon:
    case State::kLogonSent:
      disconnect(reason);
      return;
    case State::kLogoutSent:
    case State::kDisconnected:
      return;
  }
}

// ==========================================================================
// Session: forwards to Impl (the pimpl keeps the 12 KB of scanned-message
// arrays and the buffers out of the owner's object and the header).
// ==========================================================================
Session::Session(SessionConfig cfg, Clock& clock, Transport& transport, MessageStore& store,
                 Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(cfg), clock, transport, store, handler)) {}

Session::~Session() = default;

void Session::on_connected() noexcept {
  impl_->on_connected();
}
void Session::on_disconnected() noexcept {
  impl_->on_disconnected();
}
std::size_t Session::on_data(std::string_view data) noexcept {
  return impl_->on_data(data);
}
void Session::on_timer() noexcept {
  impl_->on_timer();
}
std::int64_t Session::next_deadline() const noexcept {
  return impl_->next_deadline();
}

SendResult Session::send_app(std::string_view msg_type, std::string_view body) noexcept {
  return impl_->send_app(msg_type, body);
}

SendResult Session::forward_app(const codec::Message& in,
                                std::span<const codec::Substitution> subs) noexcept {
  return impl_->forward_app(in, subs);
}

void Session::logout(std::string_view reason) noexcept {
  impl_->logout(reason);
}

void Session::send_reject(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                          std::uint32_t ref_tag, std::string_view text) noexcept {
  impl_->send_reject(ref_seq, ref_msg_type, reason, ref_tag, text);
}

State Session::state() const noexcept {
  return impl_->state;
}
void Session::set_wire_tap(WireTap* tap) noexcept {
  impl_->tap = tap;
}
void Session::withhold_replay() noexcept {
  impl_->replay_allowed = false;
}
bool Session::awaiting_resend() const noexcept {
  return impl_->resend_outstanding;
}
const SessionConfig& Session::config() const noexcept {
  return impl_->cfg;
}
const Stats& Session::stats() const noexcept {
  return impl_->stats;
}
MessageStore& Session::store() noexcept {
  return impl_->store;
}

void Session::reset_sequence_numbers() noexcept {
  impl_->reset_numbering();
}

// A Logon is held to the data dictionary before the handler reads its
// identity tags: "1604=approved|1604=other" must not be approved on its
// first occurrence. A Logon that fails is answered with a Logout naming the
// problem (there is no session yet to send a Reject in), then a disconnect.
bool Session::Impl::logon_valid() noexcept {
  if (!validator) return true;
  const dict::Verdict v = validator->validate(in);
  if (v.ok()) return true;
  text.clear()
      .add("Logon refused: ")
      .add(v.text)
      .add(" (tag ")
      .num(v.ref_tag)
      .add(", SessionRejectReason ")
      .num(static_cast<std::uint64_t>(v.reason))
      .add(")");
  logout_and_disconnect(text.view());
  return false;
}

}  // namespace riskgate::session
