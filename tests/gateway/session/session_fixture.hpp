// Test doubles for the session state machine: a settable clock, a recording
// transport, a recording handler, a hand-driven peer that builds messages with
// codec::encode (or raw bytes for malformed cases), and a pair that connects
// two Sessions back to back.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::session::testing {

// 2024-01-02 03:04:05.000 UTC.
inline constexpr std::int64_t kUtcStart = 1'704'164'645'000'000'000;
inline constexpr std::int64_t kMs = 1'000'000;
inline constexpr std::int64_t kSec = 1'000'000'000;

class FakeClock final : public Clock {
 public:
  std::int64_t steady = 5'000 * kSec;
  std::int64_t utc = kUtcStart;
  [[nodiscard]] std::int64_t steady_ns() const noexcept override { return steady; }
  [[nodiscard]] std::int64_t utc_ns() const noexcept override { return utc; }
  void advance_ms(std::int64_t ms) {
    steady += ms * kMs;
    utc += ms * kMs;
  }
};

class FakeTransport final : public Transport {
 public:
  std::vector<std::string> sent;  // One entry per send() call (one message).
  std::uint64_t sends = 0;
  bool record = true;  // false: count only (allocation-free, for AllocationScope).
  bool refuse = false;
  bool disconnected = false;
  std::string disconnect_reason;

  bool send(std::string_view bytes) noexcept override {
    if (refuse) return false;
    ++sends;
    if (record) sent.emplace_back(bytes);
    return true;
  }
  void disconnect(std::string_view reason) noexcept override {
    disconnected = true;
    disconnect_reason = std::string(reason);
  }
};

class RecordingHandler : public Handler {
 public:
  bool record = true;
  std::vector<std::string> app;  // Raw bytes of each delivered app message.
  std::vector<bool> app_poss_dup;
  std::uint64_t app_count = 0;
  int logons = 0;
  std::vector<std::string> logouts;
  std::vector<std::string> events;
  std::string refuse_logon_with;

  std::string_view on_logon_request(const codec::Message&) noexcept override {
    return refuse_logon_with;
  }
  void on_logon() noexcept override { ++logons; }
  void on_logout(std::string_view reason) noexcept override { logouts.emplace_back(reason); }
  void on_app_message(const codec::Message& msg) noexcept override {
    ++app_count;
    if (!record) return;
    app.emplace_back(msg.raw());
    app_poss_dup.push_back(msg.poss_dup());
  }
  void on_session_event(std::string_view what) noexcept override {
    if (record) events.emplace_back(what);
  }
};

// "35=0|49=A|" -> the same with SOH separators.
inline std::string soh(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '|') c = codec::kSoh;
  }
  return out;
}

// Wraps `fields` ("35=...|...|", '|' for SOH) in 8=, a correct 9= and 10=.
inline std::string raw_message(std::string_view begin_string, std::string_view fields) {
  const std::string body = soh(fields);
  std::string m = "8=" + std::string(begin_string) + '\x01' + "9=" + std::to_string(body.size()) +
                  '\x01' + body;
  unsigned sum = 0;
  for (char c : m) sum += static_cast<unsigned char>(c);
  char trailer[16];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return m + trailer;
}

// A scanned copy of one message; owns its bytes.
class Parsed {
 public:
  explicit Parsed(std::string raw) : raw_(std::make_unique<std::string>(std::move(raw))) {
    msg_ = std::make_unique<codec::Message>();
    scan_error_ = msg_->scan(*raw_);
  }
  [[nodiscard]] std::string get(std::uint32_t t) const { return std::string(msg_->get(t)); }
  [[nodiscard]] bool has(std::uint32_t t) const { return msg_->has(t); }
  [[nodiscard]] std::string type() const { return std::string(msg_->msg_type()); }
  [[nodiscard]] std::uint64_t seq() const { return msg_->seq_num(); }
  [[nodiscard]] codec::ScanError scan_error() const { return scan_error_; }
  [[nodiscard]] const codec::Message& msg() const { return *msg_; }

 private:
  std::unique_ptr<std::string> raw_;
  std::unique_ptr<codec::Message> msg_;
  codec::ScanError scan_error_;
};

inline std::string timestamp(std::int64_t utc_ns) {
  char buf[32];
  const std::size_t n = codec::format_utc_timestamp(buf, utc_ns);
  return std::string(buf, n);
}

// Builds the counterparty's messages with codec::encode.
struct MsgOpts {
  std::optional<std::uint64_t> seq;  // Default: the peer's next number.
  bool poss_dup = false;
  std::string orig_sending_time;
  std::optional<std::string> sending_time;  // Default: the clock's UTC now.
  std::optional<std::string> sender;
  std::optional<std::string> target;
  std::optional<std::string> begin_string;

  MsgOpts& at(std::uint64_t s) {
    seq = s;
    return *this;
  }
  MsgOpts& dup(std::string orig = {}) {  // PossDupFlag=Y, OrigSendingTime if given.
    poss_dup = true;
    orig_sending_time = std::move(orig);
    return *this;
  }
  MsgOpts& from(std::string s) {
    sender = std::move(s);
    return *this;
  }
  MsgOpts& version(std::string b) {
    begin_string = std::move(b);
    return *this;
  }
  MsgOpts& sent_at(std::string t) {
    sending_time = std::move(t);
    return *this;
  }
};

inline MsgOpts opts() {
  return MsgOpts{};
}

class Peer {
 public:
  explicit Peer(FakeClock& clock, std::string sender = "ENGINE1", std::string target = "RISKGATE")
      : clock_(clock), sender_(std::move(sender)), target_(std::move(target)) {}

  std::uint64_t next_seq = 1;

  std::string make(std::string_view type, std::string_view fields, const MsgOpts& o = MsgOpts{}) {
    const std::string body = soh(fields);
    const std::string st = o.sending_time ? *o.sending_time : timestamp(clock_.utc);
    const std::string sender = o.sender ? *o.sender : sender_;
    const std::string target = o.target ? *o.target : target_;
    const std::string begin = o.begin_string ? *o.begin_string : std::string("FIX.4.4");
    codec::Header h;
    h.begin_string = begin;
    h.msg_type = type;
    h.sender_comp_id = sender;
    h.target_comp_id = target;
    h.seq_num = o.seq ? *o.seq : next_seq++;
    h.sending_time = st;
    h.poss_dup = o.poss_dup;
    h.orig_sending_time = o.orig_sending_time;
    std::vector<char> buf(8192);
    const codec::EncodeResult r = codec::encode(buf, h, body);
    EXPECT_EQ(r.error, codec::EncodeError::kNone);
    return std::string(buf.data(), r.size);
  }

  std::string logon(int heart_bt_int = 30, std::string_view extra = {},
                    const MsgOpts& o = MsgOpts{}) {
    return make("A", "98=0|108=" + std::to_string(heart_bt_int) + "|" + std::string(extra), o);
  }
  std::string order(std::string_view cl_ord_id = "C1", const MsgOpts& o = MsgOpts{}) {
    return make("D",
                "11=" + std::string(cl_ord_id) +
                    "|1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|"
                    "60=20240102-03:04:05.000|",
                o);
  }

 private:
  FakeClock& clock_;
  std::string sender_;
  std::string target_;
};

inline SessionConfig acceptor_config() {
  SessionConfig c;
  c.begin_string = "FIX.4.4";
  c.sender_comp_id = "RISKGATE";
  c.target_comp_id = "ENGINE1";
  c.role = Role::kAcceptor;
  c.heart_bt_int_s = 30;
  return c;
}

inline SessionConfig initiator_config() {
  SessionConfig c = acceptor_config();
  c.target_comp_id = "EXCHANGE";
  c.role = Role::kInitiator;
  return c;
}

// One Session under test, driven by hand-built messages.
class HandDriven : public ::testing::Test {
 protected:
  FakeClock clock;
  FakeTransport transport;
  std::unique_ptr<MessageStore> store = make_memory_store(1 << 20);
  RecordingHandler handler;
  std::unique_ptr<Session> session;
  Peer peer{clock};

  void start(const SessionConfig& cfg) {
    session = std::make_unique<Session>(cfg, clock, transport, *store, handler);
    session->on_connected();
  }
  void start_acceptor() { start(acceptor_config()); }

  // The whole input must be consumed (whole messages only).
  void deliver(const std::string& bytes) { EXPECT_EQ(session->on_data(bytes), bytes.size()); }

  // Acceptor logged on with the peer; the transcript so far is cleared.
  void logged_on(const SessionConfig& cfg = acceptor_config()) {
    start(cfg);
    deliver(peer.logon(cfg.heart_bt_int_s));
    ASSERT_EQ(session->state(), State::kActive);
    transport.sent.clear();
  }

  [[nodiscard]] std::vector<std::string> sent_types() const {
    std::vector<std::string> types;
    for (const std::string& m : transport.sent) types.push_back(Parsed(m).type());
    return types;
  }
  [[nodiscard]] Parsed sent(std::size_t i) const { return Parsed(transport.sent.at(i)); }
  [[nodiscard]] Parsed last_sent() const { return Parsed(transport.sent.back()); }
};

// Two Sessions back to back: an acceptor (RISKGATE <- ENGINE1 style) and an
// initiator, with byte pipes between them and one shared clock.
class Pipe final : public Transport {
 public:
  std::string pending;           // Bytes not yet delivered to the other side.
  std::vector<std::string> log;  // Every message sent.
  bool disconnected = false;
  bool send(std::string_view bytes) noexcept override {
    pending.append(bytes);
    log.emplace_back(bytes);
    return true;
  }
  void disconnect(std::string_view) noexcept override { disconnected = true; }
};

class SessionPair : public ::testing::Test {
 protected:
  FakeClock clock;
  Pipe to_initiator;  // Written by the acceptor.
  Pipe to_acceptor;   // Written by the initiator.
  std::unique_ptr<MessageStore> acceptor_store = make_memory_store(1 << 20);
  std::unique_ptr<MessageStore> initiator_store = make_memory_store(1 << 20);
  RecordingHandler acceptor_handler;
  RecordingHandler initiator_handler;
  std::unique_ptr<Session> acceptor;
  std::unique_ptr<Session> initiator;
  std::string acceptor_inbox;
  std::string initiator_inbox;
  // Returns false to drop a message on its way to the acceptor (a lost packet).
  std::function<bool(const std::string&)> keep_to_acceptor = [](const std::string&) {
    return true;
  };

  void create(SessionConfig acc, SessionConfig ini) {
    acceptor =
        std::make_unique<Session>(acc, clock, to_initiator, *acceptor_store, acceptor_handler);
    initiator =
        std::make_unique<Session>(ini, clock, to_acceptor, *initiator_store, initiator_handler);
  }

  static SessionConfig pair_acceptor() { return acceptor_config(); }
  static SessionConfig pair_initiator() {
    SessionConfig c = initiator_config();
    c.sender_comp_id = "ENGINE1";
    c.target_comp_id = "RISKGATE";
    return c;
  }

  void connect() {
    acceptor->on_connected();
    initiator->on_connected();
    pump();
  }

  // Delivers bytes both ways until both pipes are quiet; then propagates a
  // disconnect by either side to the other.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      if (!to_acceptor.pending.empty()) {
        moved = true;
        std::string bytes;
        bytes.swap(to_acceptor.pending);
        // Split into messages so that single ones can be dropped.
        std::string_view rest = bytes;
        while (!rest.empty()) {
          const codec::FrameResult fr = codec::frame(rest, 1 << 16);
          ASSERT_NE(fr.consumed, 0u);
          std::string one(rest.substr(0, fr.consumed));
          if (keep_to_acceptor(one)) acceptor_inbox += one;
          rest.remove_prefix(fr.consumed);
        }
        acceptor_inbox.erase(0, acceptor->on_data(acceptor_inbox));
      }
      if (!to_initiator.pending.empty()) {
        moved = true;
        initiator_inbox += to_initiator.pending;
        to_initiator.pending.clear();
        initiator_inbox.erase(0, initiator->on_data(initiator_inbox));
      }
      if (!moved) break;
    }
    if (to_acceptor.disconnected) acceptor->on_disconnected();
    if (to_initiator.disconnected) initiator->on_disconnected();
  }

  void tick(std::int64_t ms) {
    clock.advance_ms(ms);
    acceptor->on_timer();
    initiator->on_timer();
    pump();
  }
};

}  // namespace riskgate::session::testing
