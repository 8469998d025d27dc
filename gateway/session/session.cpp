// FIX session state machine. See session.hpp for the contract; the numbers in
// comments (2b, 10d, ...) are the FIX Session Layer Test Cases (FIX 4.4 Vol. 2,
// ISO 3531-3) a branch implements.
//
// Allocation: every buffer is built in the constructor (send buffer, admin body
// buffer, reason text, the two scanned-message arrays). Nothing below the
// constructor allocates, on any path, so the order path stays allocation-free
// and an error storm cannot fragment the heap either.
#include "gateway/session/session.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "gateway/codec/tags.hpp"

namespace riskgate::session {

namespace {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
namespace rr = codec::reject_reason;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Room for one admin message body: the largest is a Logon with the configured
// extra fields, or a Reject/Logout carrying a reason text.
constexpr std::size_t kAdminBodyRoom = 1024;

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

struct Session::Impl {
  Impl(SessionConfig c, Clock& clk, Transport& tr, MessageStore& st, Handler& h)
      : cfg(std::move(c)),
        clock(clk),
        transport(tr),
        store(st),
        handler(h),
        send_buf(cfg.send_buffer_size),
        body_buf(kAdminBodyRoom + cfg.logon_extra_fields.size()) {
    if (cfg.sender_comp_id.empty() || cfg.target_comp_id.empty()) {
      throw std::invalid_argument("session: SenderCompID and TargetCompID are required");
    }
    if (cfg.begin_string.empty()) throw std::invalid_argument("session: BeginString is required");
    if (cfg.heart_bt_int_s < 0) throw std::invalid_argument("session: HeartBtInt must be >= 0");
    if (cfg.test_request_grace < 0) {
      throw std::invalid_argument("session: test_request_grace must be >= 0");
    }
    if (cfg.send_buffer_size < 512) {
      throw std::invalid_argument("session: send_buffer_size must be at least 512 bytes");
    }
    if (cfg.max_message_size < 64) {
      throw std::invalid_argument("session: max_message_size must be at least 64 bytes");
    }
    if (!cfg.logon_extra_fields.empty() && cfg.logon_extra_fields.back() != codec::kSoh) {
      throw std::invalid_argument(
          "session: logon_extra_fields must be raw tag=value<SOH> fields ending with SOH");
    }
  }

  // --- configuration and environment ------------------------------------
  SessionConfig cfg;
  Clock& clock;
  Transport& transport;
  MessageStore& store;
  Handler& handler;

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
  // Inbound timestamp cache (see parse_timestamp); the prefix starts as
  // something no timestamp matches.
  std::array<char, 17> rx_ts_prefix{};
  std::int64_t rx_ts_base = 0;
  // A ResendRequest (7=expected, 16=0) is outstanding until the expected
  // number passes the highest number seen while the gap was open.
  bool resend_outstanding = false;
  std::uint64_t gap_high = 0;
  std::uint64_t test_request_id = 0;

  // --- preallocated buffers -------------------------------------------------
  std::vector<char> send_buf;
  std::vector<char> body_buf;
  Text text;                 // Reasons for Logout/Reject.
  Text event;                // Lines for Handler::on_session_event.
  codec::Message in;         // The inbound message being processed.
  codec::Message resend_in;  // A stored message being resent.
  // SendingTime cache: the formatted "YYYYMMDD-HH:MM:SS.sss" of `ts_second`;
  // within the same second only the milliseconds are rewritten.
  std::array<char, 32> ts_buf{};
  std::int64_t ts_second = std::numeric_limits<std::int64_t>::min();

  // ======================================================================
  // Outbound
  // ======================================================================
  std::string_view sending_time() noexcept {
    const std::int64_t utc = clock.utc_ns();
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

  codec::Header header(std::string_view msg_type, std::uint64_t seq) noexcept {
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
  bool transmit(std::size_t size) noexcept {
    if (!transport.send(std::string_view(send_buf.data(), size))) {
      disconnect("transport refused outbound data");
      return false;
    }
    ++stats.messages_out;
    last_sent = clock.steady_ns();
    return true;
  }

  // Admin messages take the next outbound number and are not stored (a resend
  // gap-fills them).
  bool send_admin(std::string_view msg_type, std::string_view body) noexcept {
    if (state == State::kDisconnected) return false;
    const std::uint64_t seq = store.next_sender_seq();
    const codec::EncodeResult r = codec::encode(send_buf, header(msg_type, seq), body);
    if (r.error != codec::EncodeError::kNone) return false;
    if (!transmit(r.size)) return false;
    store.set_next_sender_seq(seq + 1);
    return true;
  }

  // Stores (for resend) and numbers an encoded application message.
  SendResult finish_app(std::uint64_t seq, const codec::EncodeResult& r) noexcept {
    if (r.error != codec::EncodeError::kNone) return SendResult::kNoSpace;
    if (!transmit(r.size)) return SendResult::kTransportFull;
    // The ring forgets the oldest when full; a message too big for the ring is
    // gap-filled if ever requested, so a false return needs no action here.
    (void)store.store(seq, std::string_view(send_buf.data(), r.size));
    store.set_next_sender_seq(seq + 1);
    return SendResult::kSent;
  }

  [[nodiscard]] bool can_send_app() const noexcept {
    // Application messages may still flow while our Logout awaits its answer.
    return state == State::kActive || state == State::kLogoutSent;
  }

  SendResult send_app(std::string_view msg_type, std::string_view body) noexcept {
    if (!can_send_app()) return SendResult::kNotActive;
    const std::uint64_t seq = store.next_sender_seq();
    return finish_app(seq, codec::encode(send_buf, header(msg_type, seq), body));
  }

  SendResult forward_app(const codec::Message& m,
                         std::span<const codec::Substitution> subs) noexcept {
    if (!can_send_app()) return SendResult::kNotActive;
    const std::uint64_t seq = store.next_sender_seq();
    return finish_app(seq, codec::encode_forward(send_buf, header(m.msg_type(), seq), m, subs));
  }

  codec::BodyBuilder body() noexcept { return codec::BodyBuilder(body_buf); }

  void send_logon(int heart_bt_int_s, bool reset) noexcept {
    codec::BodyBuilder b = body();
    b.add_int(tag::kEncryptMethod, 0);
    b.add_int(tag::kHeartBtInt, heart_bt_int_s);
    if (reset) b.add(tag::kResetSeqNumFlag, "Y");
    if (!cfg.logon_extra_fields.empty()) b.add_raw(cfg.logon_extra_fields);
    (void)send_admin(mt::kLogon, b.view());
  }

  void send_logout(std::string_view reason) noexcept {
    codec::BodyBuilder b = body();
    if (!reason.empty()) b.add(tag::kText, reason);
    (void)send_admin(mt::kLogout, b.view());
  }

  void send_heartbeat(std::string_view test_req_id) noexcept {
    codec::BodyBuilder b = body();
    if (!test_req_id.empty()) b.add(tag::kTestReqID, test_req_id);
    (void)send_admin(mt::kHeartbeat, b.view());
  }

  void send_test_request() noexcept {
    codec::BodyBuilder b = body();
    ++test_request_id;
    std::array<char, 24> id{};
    const auto r = std::to_chars(id.data(), id.data() + id.size(), test_request_id);
    b.add(tag::kTestReqID,
          std::string_view(id.data(), static_cast<std::size_t>(r.ptr - id.data())));
    if (send_admin(mt::kTestRequest, b.view())) {
      ++stats.test_requests_sent;
      test_request_pending = true;
      test_request_sent_at = clock.steady_ns();
      emit_event("TestRequest sent: nothing received within HeartBtInt plus grace");
    }
  }

  void send_resend_request() noexcept {
    const std::uint64_t expected = store.next_target_seq();
    codec::BodyBuilder b = body();
    b.add_int(tag::kBeginSeqNo, static_cast<std::int64_t>(expected));
    b.add_int(tag::kEndSeqNo, 0);  // 0 = everything after BeginSeqNo (FIX 4.2+).
    if (send_admin(mt::kResendRequest, b.view())) {
      ++stats.resend_requests_sent;
      resend_outstanding = true;
    }
  }

  void send_reject(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                   std::uint32_t ref_tag, std::string_view reject_text) noexcept {
    codec::BodyBuilder b = body();
    b.add_int(tag::kRefSeqNum, static_cast<std::int64_t>(ref_seq));
    if (ref_tag != 0) b.add_int(tag::kRefTagID, ref_tag);
    if (!ref_msg_type.empty()) b.add(tag::kRefMsgType, ref_msg_type);
    b.add_int(tag::kSessionRejectReason, reason);
    if (!reject_text.empty()) b.add(tag::kText, reject_text);
    if (send_admin(mt::kReject, b.view())) {
      ++stats.rejects_sent;
      event.clear().add("Reject sent for MsgSeqNum ").num(ref_seq).add(": ").add(reject_text);
      handler.on_session_event(event.view());
    }
  }

  void send_gap_fill(std::uint64_t seq, std::uint64_t new_seq_no) noexcept {
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
  bool resend_stored(std::uint64_t seq, std::string_view raw) noexcept {
    if (resend_in.scan(raw) != codec::ScanError::kNone) return false;
    codec::Header h = header(resend_in.msg_type(), seq);
    h.poss_dup = true;
    h.orig_sending_time = resend_in.get(tag::kSendingTime);
    const codec::EncodeResult r = codec::encode_forward(send_buf, h, resend_in);
    if (r.error != codec::EncodeError::kNone) return false;
    (void)transmit(r.size);
    return true;
  }

  // ======================================================================
  // Connection lifecycle
  // ======================================================================
  void emit_event(std::string_view what) noexcept { handler.on_session_event(what); }

  void disconnect(std::string_view reason) noexcept {
    if (state == State::kDisconnected) return;
    state = State::kDisconnected;
    transport.disconnect(reason);
    end_session(reason);
  }

  void end_session(std::string_view reason) noexcept {
    const bool was_logged_on = logged_on;
    logged_on = false;
    test_request_pending = false;
    resend_outstanding = false;
    if (was_logged_on) handler.on_logout(reason);
  }

  void logout_and_disconnect(std::string_view reason) noexcept {
    if (state == State::kDisconnected) return;
    emit_event(reason);
    send_logout(reason);
    disconnect(reason);
  }

  void on_connected() noexcept {
    if (state != State::kDisconnected) return;
    const std::int64_t now = clock.steady_ns();
    connected_at = last_sent = last_received = now;
    test_request_pending = false;
    resend_outstanding = false;
    gap_high = 0;
    set_heart_bt(cfg.heart_bt_int_s);
    if (cfg.role == Role::kInitiator) {
      if (cfg.reset_on_logon) store.reset();
      state = State::kLogonSent;
      send_logon(cfg.heart_bt_int_s, cfg.reset_on_logon);
    } else {
      state = State::kAwaitingLogon;
    }
  }

  void on_disconnected() noexcept {
    if (state == State::kDisconnected) return;
    state = State::kDisconnected;
    end_session("disconnected by peer or transport");
  }

  void set_heart_bt(std::int64_t seconds) noexcept {
    heart_bt_ns = seconds * kNsPerSec;
    test_request_wait_ns = static_cast<std::int64_t>(static_cast<double>(heart_bt_ns) *
                                                     (1.0 + cfg.test_request_grace));
  }

  void logout(std::string_view reason) noexcept {
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

  // ======================================================================
  // Timers (steady clock only)
  // ======================================================================
  void on_timer() noexcept {
    const std::int64_t now = clock.steady_ns();
    switch (state) {
      case State::kDisconnected:
        return;
      case State::kAwaitingLogon:
      case State::kLogonSent:
        if (now - connected_at >= cfg.logon_timeout_ms * kNsPerMs) disconnect("Logon timeout");
        return;
      case State::kLogoutSent:
        // 12b: no Logout answer in time.
        if (now - logout_sent_at >= cfg.logout_timeout_ms * kNsPerMs) {
          disconnect("Logout timeout: no Logout received in answer");
        }
        return;
      case State::kActive:
        break;
    }
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

  std::int64_t next_deadline() const noexcept {
    switch (state) {
      case State::kDisconnected:
        return kNever;
      case State::kAwaitingLogon:
      case State::kLogonSent:
        return connected_at + cfg.logon_timeout_ms * kNsPerMs;
      case State::kLogoutSent:
        return logout_sent_at + cfg.logout_timeout_ms * kNsPerMs;
      case State::kActive:
        break;
    }
    if (heart_bt_ns <= 0) return kNever;
    const std::int64_t silence = test_request_pending ? test_request_sent_at + test_request_wait_ns
                                                      : last_received + test_request_wait_ns;
    return std::min(last_sent + heart_bt_ns, silence);
  }

  // ======================================================================
  // Inbound
  // ======================================================================
  std::size_t on_data(std::string_view data) noexcept {
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

  void reject_in(int reason, std::uint32_t ref_tag, std::string_view reject_text) noexcept {
    send_reject(in.seq_num(), in.msg_type(), reason, ref_tag, reject_text);
  }

  // Accounts for an inbound message that was rejected rather than processed:
  // in sequence it consumes its number (14b and friends); too high it still
  // opens a gap; too low it is dropped.
  void consume_rejected(std::uint64_t seq) noexcept {
    const std::uint64_t expected = store.next_target_seq();
    if (seq == expected) {
      advance_expected(expected + 1);
    } else if (seq > expected) {
      on_gap(seq);
    }
  }

  void advance_expected(std::uint64_t next) noexcept {
    store.set_next_target_seq(next);
    if (resend_outstanding && next > gap_high) resend_outstanding = false;
  }

  // 2b: a gap. One ResendRequest (7=expected, 16=0) covers everything, so no
  // second one is sent while it is outstanding.
  void on_gap(std::uint64_t seq) noexcept {
    gap_high = std::max(gap_high, seq);
    if (!resend_outstanding) {
      event.clear()
          .add("MsgSeqNum too high, expecting ")
          .num(store.next_target_seq())
          .add(" but received ")
          .num(seq);
      emit_event(event.view());
      send_resend_request();
    }
  }

  void process(std::string_view raw) noexcept {
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

  void on_scan_error(std::string_view raw, codec::ScanError se) noexcept {
    if (state != State::kActive && state != State::kLogoutSent) {
      logout_and_disconnect("First message not a valid Logon: malformed message");
      return;
    }
    const std::uint64_t seq = raw_seq_num(raw);
    if (se == codec::ScanError::kTooManyFields) {
      send_reject(seq, {}, rr::kOther, 0, "Too many fields in message");
    } else {
      const FieldProblem p = find_field_problem(raw);
      send_reject(seq, {}, p.reason, p.tag,
                  p.reason == rr::kTagWithoutValue ? "Tag specified without a value"
                                                   : "Invalid tag number");
    }
    if (seq != 0) consume_rejected(seq);
  }

  // Checks SendingTime against our clock (2o, 1S-d). Returns false and sets
  // `text` when it is missing, malformed or too far off.
  enum class TimeCheck : std::uint8_t { kOk, kMissing, kBadFormat, kInaccurate };

  // Parses a UTC timestamp, reusing the last parsed "YYYYMMDD-HH:MM:SS": a
  // peer's SendingTimes share that prefix for a whole second, so the common
  // case is a 17-byte compare plus the fraction digits.
  bool parse_timestamp(std::string_view st, std::int64_t& ns) noexcept {
    constexpr std::size_t kPrefix = 17;
    if (st.size() >= kPrefix && std::memcmp(st.data(), rx_ts_prefix.data(), kPrefix) == 0) {
      const std::string_view frac = st.substr(kPrefix);
      if (frac.empty()) {
        ns = rx_ts_base;
        return true;
      }
      if (frac.size() >= 2 && frac.size() <= 10 && frac[0] == '.') {
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

  TimeCheck check_sending_time(std::int64_t& sending_ns) noexcept {
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
  void on_first_message() noexcept {
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
    if (!codec::parse_int(in.get(tag::kHeartBtInt), peer_hb) || peer_hb < 0 ||
        peer_hb > 3600 * 24) {
      logout_and_disconnect("Logon HeartBtInt(108) missing or invalid");
      return;
    }
    const std::string_view encrypt = in.get(tag::kEncryptMethod);
    if (!encrypt.empty() && encrypt != "0") {
      logout_and_disconnect("Unsupported EncryptMethod(98): only 0 (none)");
      return;
    }
    const std::string_view refusal = handler.on_logon_request(in);
    if (!refusal.empty()) {
      logout_and_disconnect(refusal);
      return;
    }

    const bool peer_reset = in.get(tag::kResetSeqNumFlag) == "Y";
    bool reset_reply = false;
    if (cfg.role == Role::kAcceptor) {
      if (peer_reset || cfg.reset_on_logon) {
        store.reset();
        reset_reply = true;
      }
    } else if (peer_reset && !cfg.reset_on_logon) {
      store.set_next_target_seq(1);  // Unsolicited reset from the acceptor.
    }

    const std::uint64_t expected = store.next_target_seq();
    if (seq < expected) {
      text.clear()
          .add("MsgSeqNum too low, expecting ")
          .num(expected)
          .add(" but received ")
          .num(seq);
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
  void on_session_message() noexcept {
    const std::string_view type = in.msg_type();
    const std::uint64_t seq = in.seq_num();
    if (seq == 0) {
      logout_and_disconnect("MsgSeqNum(34) missing or invalid");
      return;
    }

    // Header checks first (as the test cases order them): they hold whatever
    // the sequence number says.
    const std::string_view sender = in.get(tag::kSenderCompID);
    const std::string_view target = in.get(tag::kTargetCompID);
    if (sender.empty() || target.empty()) {
      // 14b on the header.
      reject_in(rr::kRequiredTagMissing, sender.empty() ? tag::kSenderCompID : tag::kTargetCompID,
                "Required tag missing");
      consume_rejected(seq);
      return;
    }
    if (sender != cfg.target_comp_id || target != cfg.sender_comp_id) {
      // 2k: Reject 9, then Logout, then disconnect.
      reject_in(rr::kCompIdProblem,
                sender != cfg.target_comp_id ? tag::kSenderCompID : tag::kTargetCompID,
                "CompID problem");
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

    const bool seq_reset = type == mt::kSequenceReset;
    const bool gap_fill = seq_reset && in.get(tag::kGapFillFlag) == "Y";
    if (seq_reset && !gap_fill) {
      on_sequence_reset_reset();  // 11: MsgSeqNum is ignored in Reset mode.
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
      }
      on_gap(seq);  // 2b, 10a; the message itself is not processed.
      return;
    }
    if (seq < expected) {
      if (in.poss_dup()) return;  // 2e, 10c: a duplicate we already have.
      text.clear()
          .add("MsgSeqNum too low, expecting ")
          .num(expected)
          .add(" but received ")
          .num(seq);
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
        reject_in(rr::kIncorrectDataFormat, tag::kOrigSendingTime,
                  "Incorrect data format for value");
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

    if (!mt::is_admin(type)) {
      if (!msg_type_well_formed(type)) {
        reject_in(rr::kInvalidMsgType, tag::kMsgType, "Invalid MsgType");  // 2q
        advance_expected(seq + 1);
        return;
      }
      advance_expected(seq + 1);
      handler.on_app_message(in);  // 2a; unknown-but-valid types too (2r is the app's).
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
      case '2':  // 8: ResendRequest.
        advance_expected(seq + 1);
        serve_resend_request();
        return;
      case '3':  // 7: Reject of one of ours: log it, carry on.
        advance_expected(seq + 1);
        event.clear()
            .add("Reject received for our MsgSeqNum ")
            .add(in.get(tag::kRefSeqNum))
            .add(": ")
            .add(in.get(tag::kText));
        emit_event(event.view());
        return;
      case '4':  // 10: SequenceReset-GapFill in sequence.
        on_gap_fill(seq);
        return;
      case '5':  // 13
        advance_expected(seq + 1);
        on_logout_message();
        return;
      case 'A':
        // A Logon inside a logged-on session (an in-session sequence reset) is
        // not supported: end the session cleanly instead of guessing.
        logout_and_disconnect("Unexpected Logon while logged on");
        return;
      default:
        advance_expected(seq + 1);
        return;
    }
  }

  void on_gap_fill(std::uint64_t seq) noexcept {
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

  void on_sequence_reset_reset() noexcept {
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
      advance_expected(new_seq);  // 11a
    } else if (new_seq == expected) {
      emit_event("SequenceReset-Reset to the expected MsgSeqNum: nothing to do");  // 11b
    } else {
      // 11c
      text.clear().add("Attempt to lower sequence number, invalid value NewSeqNo=").num(new_seq);
      reject_in(rr::kValueIncorrect, tag::kNewSeqNo, text.view());
    }
  }

  void on_logout_message() noexcept {
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

  // 8: answer a ResendRequest. See ResendPolicy in session.hpp for the policy.
  void serve_resend_request() noexcept {
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
    if (cfg.resend_policy == ResendPolicy::kGapFill) {
      send_gap_fill(begin, end + 1);
      return;
    }
    std::uint64_t gap_start = 0;  // First number of the pending gap-fill run, 0 if none.
    for (std::uint64_t s = begin; s <= end && state != State::kDisconnected; ++s) {
      const std::string_view raw = store.lookup(s);
      if (!raw.empty()) {
        if (gap_start != 0) {
          send_gap_fill(gap_start, s);
          gap_start = 0;
          if (state == State::kDisconnected) return;
        }
        if (resend_stored(s, raw)) continue;
      }
      if (gap_start == 0) gap_start = s;
    }
    if (gap_start != 0 && state != State::kDisconnected) send_gap_fill(gap_start, end + 1);
  }
};

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
const SessionConfig& Session::config() const noexcept {
  return impl_->cfg;
}
const Stats& Session::stats() const noexcept {
  return impl_->stats;
}
MessageStore& Session::store() noexcept {
  return impl_->store;
}

}  // namespace riskgate::session
