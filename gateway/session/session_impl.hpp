// Private to gateway/session: the state of one Session and the member
// functions that the concern files implement:
//   session.cpp          construction, connection lifecycle, the public API;
//   session_inbound.cpp  framing, header checks, sequence checks, admin messages in;
//   session_outbound.cpp SendingTime, numbering, admin and application messages out;
//   session_resend.cpp   gaps, our ResendRequests (and their timeout), serving theirs;
//   session_timers.cpp   heartbeats, TestRequest, logon/logout/resend/drain deadlines.
// The numbers in comments (2b, 10d, ...) are the FIX Session Layer Test Cases
// (FIX 4.4 Vol. 2, ISO 3531-3) a branch implements.
//
// Allocation: every buffer is built in the constructor (send buffer, admin body
// buffer, reason text, the two scanned-message arrays). Nothing below the
// constructor allocates, on any path, so the order path stays allocation-free
// and an error storm cannot fragment the heap either.
//
// The per-message helpers that every inbound and outbound path calls
// (advance_expected, reject_in, ...) stay inline here so that the split into
// files adds no call across translation units on the order path.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::session::detail {

inline constexpr std::int64_t kNsPerMs = 1'000'000;
inline constexpr std::int64_t kNsPerSec = 1'000'000'000;
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Room for one admin message body: the largest is a Logon with the configured
// extra fields, or a Reject/Logout carrying a reason text.
inline constexpr std::size_t kAdminBodyRoom = 1024;

// Fixed-size text for reasons and events. Truncates rather than allocating;
// reasons are diagnostic, a cut-off tail is acceptable.
class Text {
 public:
  Text& add(std::string_view s) noexcept {
    const std::size_t n = std::min(s.size(), buf_.size() - size_);
    if (n == 0) return *this;  // An empty view may carry a null data(): no memcpy.
    std::memcpy(buf_.data() + size_, s.data(), n);
    size_ += n;
    return *this;
  }
  Text& num(std::uint64_t v) noexcept {
    auto r = std::to_chars(buf_.data() + size_, buf_.data() + buf_.size(), v);
    if (r.ec == std::errc{}) size_ = static_cast<std::size_t>(r.ptr - buf_.data());
    return *this;
  }
  Text& clear() noexcept {
    size_ = 0;
    return *this;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), size_}; }

 private:
  std::array<char, 256> buf_{};
  std::size_t size_ = 0;
};

}  // namespace riskgate::session::detail

namespace riskgate::session {

struct Session::Impl {
  Impl(SessionConfig c, Clock& clk, Transport& tr, MessageStore& st, Handler& h);

  // --- configuration and environment ------------------------------------
  SessionConfig cfg;
  Clock& clock;
  Transport& transport;
  MessageStore& store;
  Handler& handler;
  WireTap* tap = nullptr;  // The message log, if any (Session::set_wire_tap).
  // Built from cfg.dictionary when there is one (its scratch is per session).
  std::optional<dict::Validator> validator;

  // --- state --------------------------------------------------------------
  State state = State::kDisconnected;
  bool logged_on = false;  // on_logon() was called and on_logout() not yet.
  Stats stats;
  std::int64_t heart_bt_ns = 0;
  std::int64_t test_request_wait_ns = 0;  // heart_bt * (1 + grace)
  std::int64_t connected_at = 0;
  std::int64_t last_sent = 0;
  std::int64_t last_received = 0;
  std::int64_t logout_sent_at = 0;
  std::int64_t test_request_sent_at = 0;
  bool test_request_pending = false;
  std::int64_t rx_steady = 0;  // Clocks read once per on_data() batch.
  std::int64_t rx_utc = 0;
  std::int64_t tx_utc = 0;  // The clock read that stamped the last SendingTime.
  // Inbound timestamp cache (see parse_timestamp); the prefix starts as
  // something no timestamp matches.
  std::array<char, 17> rx_ts_prefix{};
  std::int64_t rx_ts_base = 0;
  // A ResendRequest (7=expected, 16=0) is outstanding until the expected
  // number passes the highest number seen while the gap was open.
  bool resend_outstanding = false;
  std::uint64_t gap_high = 0;
  // Resend deadline: measured from the last ResendRequest sent or the last
  // progress on the gap (expected number moved), so a long replay that keeps
  // coming never trips it, and messages that do not fill the gap (heartbeats
  // numbered past it) never reset it. Re-sent once, then Logout.
  std::int64_t resend_progress_at = 0;
  bool resend_retried = false;
  std::uint64_t test_request_id = 0;
  // After we asked the transport to disconnect: the moment, so that a flush
  // that never drains (the peer stopped reading) is cut at logout_timeout_ms
  // with Transport::abort(). Cleared by on_disconnected().
  bool closing = false;
  std::int64_t closing_since = 0;
  // False when the owner accepted this connection's Logon without every check
  // passing (Session::withhold_replay): its ResendRequests get gap fills, never
  // our stored application messages. Back to true at each connection.
  bool replay_allowed = true;

  // --- preallocated buffers -------------------------------------------------
  std::vector<char> send_buf;
  std::vector<char> body_buf;
  detail::Text text;         // Reasons for Logout/Reject.
  detail::Text event;        // Lines for Handler::on_session_event.
  codec::Message in;         // The inbound message being processed.
  codec::Message resend_in;  // A stored message being resent.
  // SendingTime cache: the formatted "YYYYMMDD-HH:MM:SS.sss" of `ts_second`;
  // within the same second only the milliseconds are rewritten.
  std::array<char, 32> ts_buf{};
  std::int64_t ts_second = std::numeric_limits<std::int64_t>::min();

  // ======================================================================
  // Lifecycle (session.cpp)
  // ======================================================================
  void emit_event(std::string_view what) noexcept { handler.on_session_event(what); }
  [[gnu::cold]] void disconnect(std::string_view reason) noexcept;
  void end_session(std::string_view reason) noexcept;
  [[gnu::cold]] void logout_and_disconnect(std::string_view reason) noexcept;
  void on_connected() noexcept;
  void on_disconnected() noexcept;
  void set_heart_bt(std::int64_t seconds) noexcept;
  void logout(std::string_view reason) noexcept;

  // ======================================================================
  // Outbound (session_outbound.cpp)
  // ======================================================================
  std::string_view sending_time() noexcept;
  codec::Header header(std::string_view msg_type, std::uint64_t seq) noexcept;
  // Hands bytes to the transport. A refusal means the peer cannot keep up (or
  // the socket is gone): we disconnect instead of queueing without bound.
  bool transmit(std::size_t size) noexcept;
  // Admin messages take the next outbound number and are not stored (a resend
  // gap-fills them).
  bool send_admin(std::string_view msg_type, std::string_view body) noexcept;
  // Stores (for resend) and numbers an encoded application message.
  SendResult finish_app(std::uint64_t seq, const codec::EncodeResult& r) noexcept;
  [[nodiscard]] bool can_send_app() const noexcept {
    // Application messages may still flow while our Logout awaits its answer.
    return state == State::kActive || state == State::kLogoutSent;
  }
  SendResult store_unsent(std::uint64_t seq, const codec::EncodeResult& r) noexcept;
  SendResult send_app(std::string_view msg_type, std::string_view body) noexcept;
  SendResult forward_app(const codec::Message& m,
                         std::span<const codec::Substitution> subs) noexcept;
  codec::BodyBuilder body() noexcept { return codec::BodyBuilder(body_buf); }
  void send_logon(int heart_bt_int_s, bool reset) noexcept;
  void send_logout(std::string_view reason) noexcept;
  void send_heartbeat(std::string_view test_req_id) noexcept;
  void send_test_request() noexcept;
  // Session-level Reject (35=3): RefSeqNum always; RefTagID, RefMsgType and
  // Text when known; SessionRejectReason always.
  [[gnu::cold]] void send_reject(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                                 std::uint32_t ref_tag, std::string_view reject_text) noexcept;

  // ======================================================================
  // Resend (session_resend.cpp)
  // ======================================================================
  // Every reset of the numbering goes through here, so the handler hears of
  // each one (Handler::on_inbound_reset).
  void reset_numbering() noexcept {
    store.reset();
    handler.on_inbound_reset();
  }
  // Every caller moves the expected number forward, so each call while a
  // ResendRequest is outstanding is progress on the gap.
  void advance_expected(std::uint64_t next) noexcept {
    store.set_next_target_seq(next);
    if (!resend_outstanding) return;
    if (next > gap_high) {
      resend_outstanding = false;
    } else {
      resend_progress_at = rx_steady;  // The peer is filling the gap.
    }
  }

  // Accounts for an inbound message that was rejected rather than processed:
  // in sequence it consumes its number (14b and friends); too high it still
  // opens a gap; too low it is dropped.
  void consume_rejected(std::uint64_t seq) noexcept;
  // 2b: a gap. One ResendRequest (7=expected, 16=0) covers everything, so no
  // second one is sent while it is outstanding.
  void on_gap(std::uint64_t seq) noexcept;
  // A Reject (35=3) received: logged, counted and handed to the owner.
  void on_reject_message() noexcept;
  void send_resend_request() noexcept;
  // A ResendRequest unanswered for resend_request_timeout_ms: re-sent once,
  // then Logout and disconnect.
  void check_resend_timeout(std::int64_t now) noexcept;
  // 8: answer a ResendRequest. See ResendPolicy in session.hpp for the policy.
  void serve_resend_request() noexcept;
  void send_gap_fill(std::uint64_t seq, std::uint64_t new_seq_no) noexcept;
  // Resends one stored application message under its original number.
  bool resend_stored(std::uint64_t seq, std::string_view raw) noexcept;

  // ======================================================================
  // Timers (session_timers.cpp; steady clock only)
  // ======================================================================
  void on_timer() noexcept;
  [[nodiscard]] std::int64_t next_deadline() const noexcept;

  // ======================================================================
  // Inbound (session_inbound.cpp)
  // ======================================================================
  std::size_t on_data(std::string_view data) noexcept;
  void reject_in(int reason, std::uint32_t ref_tag, std::string_view reject_text) noexcept {
    send_reject(in.seq_num(), in.msg_type(), reason, ref_tag, reject_text);
  }
  void process(std::string_view raw) noexcept;
  [[gnu::cold]] void on_scan_error(std::string_view raw, codec::ScanError se) noexcept;
  // SendingTime against our clock (2o, 1S-d).
  enum class TimeCheck : std::uint8_t { kOk, kMissing, kBadFormat, kInaccurate };
  // Parses a UTC timestamp, reusing the last parsed "YYYYMMDD-HH:MM:SS": a
  // peer's SendingTimes share that prefix for a whole second, so the common
  // case is a 17-byte compare plus the fraction digits.
  bool parse_timestamp(std::string_view st, std::int64_t& ns) noexcept;
  // Data-dictionary check of an inbound Logon; false: logged out, disconnected.
  [[nodiscard]] bool logon_valid() noexcept;
  TimeCheck check_sending_time(std::int64_t& sending_ns) noexcept;
  // ---- before logon: the first message must be an acceptable Logon ------
  void on_first_message() noexcept;
  // ---- logged on -----------------------------------------------------------
  void on_session_message() noexcept;
  // Logon 141=Y while logged on (FIX 4.4): both sequence numbers reset.
  void on_logon_reset_in_session(std::uint64_t seq) noexcept;
  void on_gap_fill(std::uint64_t seq) noexcept;
  void on_sequence_reset_reset() noexcept;
  void on_logout_message() noexcept;
};

}  // namespace riskgate::session
