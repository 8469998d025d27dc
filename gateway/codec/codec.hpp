// FIX tag=value codec: framing, in-place scanning and header-rewriting encode.
//
// Contract (shared by gateway/session, gateway/route, bench/ and the tests):
// - Nothing here allocates, does I/O or starts threads. Every function works on
//   buffers the caller owns and returns plain values; errors are enums.
// - All views (std::string_view) point into the caller's receive buffer and are
//   valid only until that buffer is compacted or reused.
// - Thread safety: none needed; every object is owned by one I/O thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace riskgate::codec {

inline constexpr char kSoh = '\x01';

// ---------------------------------------------------------------------------
// Framing: split a TCP byte stream into whole FIX messages.
// ---------------------------------------------------------------------------
enum class FrameStatus : std::uint8_t {
  kMessage,   // `message` holds one whole, checksum-verified message.
  kNeedMore,  // Buffer holds a (possibly empty) prefix of a message; read more.
  kGarbled,   // `consumed` bytes were garbage or a corrupt message: drop them,
              // do not process, do not bump MsgSeqNum (FIX session spec).
  kTooLarge,  // BodyLength announces a message over the configured maximum.
              // The stream cannot be trusted: the session logs out/disconnects.
};

enum class FrameError : std::uint8_t {
  kNone,
  kNoBeginString,  // Bytes before the next "8=FIX" were skipped.
  kBadBodyLength,  // 9= missing, not numeric, 10= not where it says, or a
                   // second "<SOH>8=FIX" header inside the body.
  kBadChecksum,    // 10= present but wrong or not three digits.
  kTooLarge,
};

[[nodiscard]] std::string_view to_string(FrameError e) noexcept;

struct FrameResult {
  FrameStatus status;
  FrameError error;
  std::size_t consumed;      // Bytes the caller must drop from the front.
  std::string_view message;  // Valid when status == kMessage (8=... through 10=xxx<SOH>).
};

// Looks at the front of `buf` only. Call repeatedly, dropping `consumed` bytes
// each time, until kNeedMore. `max_message_size` bounds a whole message.
// - kNeedMore always has consumed == 0: the bytes are a valid prefix so far.
// - kGarbled/kTooLarge drop up to the next "8=FIX" after the first byte (a
//   bad CheckSum: at most the declared message), so the good message behind a
//   corrupt one is not lost. A trailing partial "8=FI" is kept for the next read.
// - A body that shows "<SOH>8=FIX" is garbled (kBadBodyLength): at once while
//   waiting for bytes, rather than stalling on a too-long BodyLength; and when
//   complete, because BodyLength and CheckSum then agree only by chance over
//   messages glued together. (Binary data fields with SOH are unsupported.)
// - Never reads outside `buf`; any byte sequence is safe input.
[[nodiscard]] FrameResult frame(std::string_view buf, std::size_t max_message_size) noexcept;

// ---------------------------------------------------------------------------
// Scanning: fields of one framed message, found in place.
// ---------------------------------------------------------------------------
struct Field {
  std::uint32_t tag;
  std::string_view value;  // Points into the message.
  std::uint32_t offset;    // Offset of the first tag digit within the message.
  std::uint32_t length;    // Bytes of "tag=value<SOH>" including the SOH.
};

enum class ScanError : std::uint8_t {
  kNone,
  kMalformedField,  // Missing '=', empty value, non-numeric tag, tag 0.
  kTooManyFields,   // More than Message::kMaxFields fields.
  kBadHeaderOrder,  // 8, 9, 35 not the first three fields (SessionRejectReason 14).
};

[[nodiscard]] std::string_view to_string(ScanError e) noexcept;

// A scanned message: a fixed array of field views plus quick access to the
// header fields the session layer needs. Sized for the largest message we
// accept; scanning a message with more fields fails, it never allocates.
class Message {
 public:
  static constexpr std::size_t kMaxFields = 256;

  // Scans a message previously returned by frame(). Repeated tags are kept
  // (repeating groups); find() returns the first occurrence. On
  // kMalformedField/kTooManyFields, fields() holds the fields before the bad
  // one; on kBadHeaderOrder the whole message is scanned, so MsgSeqNum is
  // available for the Reject. Tags have no leading zero and at most 9 digits.
  [[nodiscard]] ScanError scan(std::string_view framed) noexcept;

  [[nodiscard]] std::string_view raw() const noexcept { return raw_; }
  [[nodiscard]] std::span<const Field> fields() const noexcept { return {fields_.data(), count_}; }
  [[nodiscard]] const Field* find(std::uint32_t tag) const noexcept;
  [[nodiscard]] std::string_view get(std::uint32_t tag) const noexcept;  // "" when absent
  [[nodiscard]] bool has(std::uint32_t tag) const noexcept { return find(tag) != nullptr; }

  // Header values, filled by scan() from the fields before body_begin().
  [[nodiscard]] std::string_view begin_string() const noexcept { return begin_string_; }
  [[nodiscard]] std::string_view msg_type() const noexcept { return msg_type_; }
  // 0 when tag 34 is absent or not a positive integer.
  [[nodiscard]] std::uint64_t seq_num() const noexcept { return seq_num_; }
  [[nodiscard]] bool poss_dup() const noexcept { return poss_dup_; }
  [[nodiscard]] bool poss_resend() const noexcept { return poss_resend_; }
  // The first of PossDupFlag(43) and PossResend(97) in the header whose
  // value is neither Y nor N (the session refuses it, 373=5); 0 when none.
  [[nodiscard]] std::uint32_t bad_header_flag() const noexcept { return bad_header_flag_; }
  // Index into fields() of the first field that is not a standard header
  // field (see is_header_tag()); fields().size() when there is none.
  [[nodiscard]] std::size_t body_begin() const noexcept { return body_begin_; }
  // Sum over the fields of tag * (2i + 1), i the field's index: equal for
  // messages with the same tags in the same order. Made by scan() while it
  // walks the fields anyway, for the data dictionary's shape cache
  // (gateway/dict), which would otherwise walk them once more per message.
  [[nodiscard]] std::uint64_t tag_sequence_sum() const noexcept { return tag_sum_; }

 private:
  std::string_view raw_;
  std::string_view begin_string_;
  std::string_view msg_type_;
  std::uint64_t seq_num_ = 0;
  bool poss_dup_ = false;
  bool poss_resend_ = false;
  std::uint32_t bad_header_flag_ = 0;
  std::size_t body_begin_ = 0;
  std::size_t count_ = 0;
  std::uint64_t tag_sum_ = 0;
  std::array<Field, kMaxFields> fields_{};
};

// Standard header tags (FIX 4.2/4.4 StandardHeader) and the trailer tags.
[[nodiscard]] bool is_header_tag(std::uint32_t tag) noexcept;

// Integer and fixed-point decoding without allocation or locale.
// Fixed-point prices are in micro-units (value * 1e6) so that limits compare
// exactly at their boundary. Return false on any malformed input or overflow.
// parse_fixed6 takes [-]digits[.digits] ("190.25", "-0.5", ".5", "100"); digits
// past the sixth decimal must be zeros (refused, never rounded). No '+', no
// exponent, no spaces.
[[nodiscard]] bool parse_uint(std::string_view s, std::uint64_t& out) noexcept;
[[nodiscard]] bool parse_int(std::string_view s, std::int64_t& out) noexcept;
[[nodiscard]] bool parse_fixed6(std::string_view s, std::int64_t& out) noexcept;

// ---------------------------------------------------------------------------
// Encoding into preallocated buffers.
// ---------------------------------------------------------------------------

// Header values we own on an outgoing message.
struct Header {
  std::string_view begin_string;  // "FIX.4.2", "FIX.4.4", "FIXT.1.1"
  std::string_view msg_type;
  std::string_view sender_comp_id;
  std::string_view target_comp_id;
  std::uint64_t seq_num = 0;
  // "YYYYMMDD-HH:MM:SS.sss": the caller formats it (format_utc_timestamp).
  std::string_view sending_time;
  bool poss_dup = false;               // Adds 43=Y
  std::string_view orig_sending_time;  // Adds 122= when non-empty
};

// Replace the value of `tag` (every occurrence) while copying a body.
struct Substitution {
  std::uint32_t tag;
  std::string_view value;
};

enum class EncodeError : std::uint8_t { kNone, kNoSpace };

struct EncodeResult {
  EncodeError error;
  std::size_t size;  // Bytes written to `out` when error == kNone.
};

// Builds 8|9|35|49|56|34|52[|43][|122]|<body>|10 in `out`. `body` is raw
// "tag=value<SOH>..." bytes copied unchanged. An empty string in `h` omits its
// field (never "tag=<SOH>"). kNoSpace leaves `out` unwritten.
[[nodiscard]] EncodeResult encode(std::span<char> out, const Header& h,
                                  std::string_view body) noexcept;

// Forwarding: rewrites the header of `in` and copies every field that is not
// one of the rewritten header tags (8, 9, 35, 34, 49, 56, 52, 43, 97, 122, 10)
// unchanged and in order, so venue-specific tags pass through. Fields named in
// `subs` get the substituted value (an empty value drops the field; a tag
// absent from `in` is not added; substituting a rewritten tag has no effect).
// Empty h.begin_string / h.msg_type take the value from `in`. Other header
// tags (50, 57, 115, 128, ...) stay where they were. Copies maximal runs with
// memcpy. kNoSpace leaves `out` unwritten.
[[nodiscard]] EncodeResult encode_forward(std::span<char> out, const Header& h, const Message& in,
                                          std::span<const Substitution> subs = {}) noexcept;

// Writes "YYYYMMDD-HH:MM:SS.sss" (21 chars, truncated to the millisecond) for
// a UTC time in ns since epoch.
// Returns chars written (21) or 0 if `out` is too small.
std::size_t format_utc_timestamp(std::span<char> out, std::int64_t unix_ns) noexcept;
// Parses "YYYYMMDD-HH:MM:SS[.sss[sss[sss]]]" into ns since epoch. Checks
// field ranges (second 60, a leap second, is accepted); false on overflow.
[[nodiscard]] bool parse_utc_timestamp(std::string_view s, std::int64_t& unix_ns) noexcept;

// Appends "tag=value<SOH>" to a body under construction; for building admin and
// reject messages in a fixed buffer. Returns false when out of room (or for
// tag 0 / an empty value); each add is all-or-nothing and, once one has
// failed, every later add fails too and overflowed() stays true until clear(),
// so a body never silently lacks a field in its middle.
// add_fixed6 writes minimal decimals: 190250000 -> "190.25", 1000000 -> "1".
class BodyBuilder {
 public:
  explicit BodyBuilder(std::span<char> buf) noexcept : buf_(buf) {}
  bool add(std::uint32_t tag, std::string_view value) noexcept;
  bool add_int(std::uint32_t tag, std::int64_t value) noexcept;
  bool add_fixed6(std::uint32_t tag, std::int64_t micro) noexcept;
  bool add_raw(std::string_view fields) noexcept;  // already "t=v<SOH>..."
  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), size_}; }
  [[nodiscard]] bool overflowed() const noexcept { return overflowed_; }
  void clear() noexcept {
    size_ = 0;
    overflowed_ = false;
  }

 private:
  std::span<char> buf_;
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

}  // namespace riskgate::codec
