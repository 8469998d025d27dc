// FIX test doubles shared by the session, route and benchmark harnesses: a
// settable clock, a counting/recording transport, and a hand-driven
// counterparty that builds messages with codec::encode (or raw bytes for
// malformed cases). No gtest dependency, so benchmarks can use it too.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::testing {

// 2024-01-02 03:04:05.000 UTC.
inline constexpr std::int64_t kUtcStart = 1'704'164'645'000'000'000;
inline constexpr std::int64_t kMs = 1'000'000;
inline constexpr std::int64_t kSec = 1'000'000'000;

class FakeClock final : public session::Clock {
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

class FakeTransport final : public session::Transport {
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
    std::vector<char> buf(body.size() + 512);  // Header + trailer fit in 512.
    const codec::EncodeResult r = codec::encode(buf, h, body);
    if (r.error != codec::EncodeError::kNone) throw std::logic_error("Peer::make: encode failed");
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

}  // namespace riskgate::testing
