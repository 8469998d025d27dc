// Framing and scanning. See codec.hpp for the contract.
//
// Framing policy (FIX session layer: "garbled messages are ignored"): the
// framer only ever emits a message whose BeginString prefix, BodyLength and
// CheckSum all agree. Anything else is dropped up to the next "8=FIX" after the
// start of the bad bytes, so one corrupt message never swallows the good
// message behind it.
#include "gateway/codec/codec.hpp"

#include <bit>
#include <cstring>
#include <limits>

#include "gateway/codec/detail.hpp"
#include "gateway/codec/tags.hpp"

namespace riskgate::codec {
namespace {

using detail::find_soh;
using detail::is_digit;

constexpr char kBeginPrefix[] = "8=FIX";
constexpr std::size_t kBeginPrefixLen = 5;
// Longest BeginString value we wait for ("FIXT.1.1" is 8). Past this without
// an SOH we are not looking at a message header.
constexpr std::size_t kMaxBeginStringValue = 16;
// "10=ddd<SOH>".
constexpr std::size_t kTrailerSize = 7;
// BodyLength digits; nine digits already exceed any sane max_message_size.
constexpr std::size_t kMaxBodyLengthDigits = 9;

// Offset of the first "8=FIX" starting in [from, limit), or of a proper prefix
// of it that runs into the end of `buf` (the rest may be in the next read, so
// those bytes must be kept). Returns buf.size() when there is neither.
std::size_t find_begin(std::string_view buf, std::size_t from, std::size_t limit) noexcept {
  const char* const base = buf.data();
  const char* const end = base + buf.size();
  const char* const stop = base + std::min(limit, buf.size());
  const char* p = base + from;
  while (p < stop) {
    const void* hit = std::memchr(p, '8', static_cast<std::size_t>(stop - p));
    if (hit == nullptr) break;
    const char* q = static_cast<const char*>(hit);
    const std::size_t avail = std::min(static_cast<std::size_t>(end - q), kBeginPrefixLen);
    if (std::memcmp(q, kBeginPrefix, avail) == 0) return static_cast<std::size_t>(q - base);
    p = q + 1;
  }
  return limit < buf.size() ? limit : buf.size();
}

// True when "<SOH>8=FIX" starts a field inside [from, buf.size()). A body
// never contains that (only binary data fields could, and the scanner does
// not support SOH inside a value anyway), so it proves that BodyLength is wrong.
bool has_embedded_begin(std::string_view buf, std::size_t from) noexcept {
  const char* const base = buf.data();
  const char* const end = base + buf.size();
  const char* p = base + std::max<std::size_t>(from, 1);
  while (end - p >= static_cast<std::ptrdiff_t>(kBeginPrefixLen)) {
    const void* hit = std::memchr(p, '8', static_cast<std::size_t>(end - p));
    if (hit == nullptr) return false;
    const char* q = static_cast<const char*>(hit);
    if (end - q < static_cast<std::ptrdiff_t>(kBeginPrefixLen)) return false;
    if (q[-1] == kSoh && std::memcmp(q, kBeginPrefix, kBeginPrefixLen) == 0) return true;
    p = q + 1;
  }
  return false;
}

constexpr FrameResult need_more() noexcept {
  return {FrameStatus::kNeedMore, FrameError::kNone, 0, {}};
}

// Drops a bad message that starts at offset 0: everything up to the next
// "8=FIX" after its first byte (and no further than `limit`).
FrameResult garbled(std::string_view buf, FrameError e,
                    std::size_t limit = std::numeric_limits<std::size_t>::max()) noexcept {
  return {FrameStatus::kGarbled, e, find_begin(buf, 1, limit), {}};
}

FrameResult too_large(std::string_view buf) noexcept {
  return {FrameStatus::kTooLarge, FrameError::kTooLarge, find_begin(buf, 1, buf.size()), {}};
}

}  // namespace

std::string_view to_string(FrameError e) noexcept {
  switch (e) {
    case FrameError::kNone:
      return "none";
    case FrameError::kNoBeginString:
      return "no BeginString";
    case FrameError::kBadBodyLength:
      return "bad BodyLength";
    case FrameError::kBadChecksum:
      return "bad CheckSum";
    case FrameError::kTooLarge:
      return "message too large";
  }
  return "unknown";
}

std::string_view to_string(ScanError e) noexcept {
  switch (e) {
    case ScanError::kNone:
      return "none";
    case ScanError::kMalformedField:
      return "malformed field";
    case ScanError::kTooManyFields:
      return "too many fields";
    case ScanError::kBadHeaderOrder:
      return "8, 9, 35 not first";
  }
  return "unknown";
}

FrameResult frame(std::string_view buf, std::size_t max_message_size) noexcept {
  const std::size_t n = buf.size();
  if (n == 0) return need_more();
  const char* const d = buf.data();

  // BeginString: "8=FIX" then a short value. The value itself (FIX.4.2,
  // FIX.4.4, FIXT.1.1, ...) is the session layer's to accept or refuse.
  if (std::memcmp(d, kBeginPrefix, std::min(n, kBeginPrefixLen)) != 0) {
    return garbled(buf, FrameError::kNoBeginString);
  }
  if (n < kBeginPrefixLen) return need_more();
  constexpr std::size_t kBeginFieldMax = 2 + kMaxBeginStringValue + 1;
  const char* const bs_end = d + std::min(n, kBeginFieldMax);
  const char* const bs_soh = find_soh(d + kBeginPrefixLen, bs_end);
  if (bs_soh == bs_end) {
    return n < kBeginFieldMax ? need_more() : garbled(buf, FrameError::kNoBeginString);
  }

  // BodyLength must be the second field.
  std::size_t pos = static_cast<std::size_t>(bs_soh - d) + 1;
  const std::size_t header_start = pos;
  for (const char c : {'9', '='}) {
    if (pos == n) return need_more();
    if (d[pos] != c) return garbled(buf, FrameError::kBadBodyLength);
    ++pos;
  }
  std::uint64_t body_length = 0;
  std::size_t digits = 0;
  for (;; ++pos) {
    if (pos == n) return need_more();
    const char c = d[pos];
    if (c == kSoh) break;
    if (!is_digit(c)) return garbled(buf, FrameError::kBadBodyLength);
    body_length = body_length * 10 + static_cast<std::uint64_t>(c - '0');
    // More digits only make it longer: refuse as soon as it cannot fit, so a
    // hostile "9=999999..." is caught before its SOH arrives.
    if (++digits > kMaxBodyLengthDigits ||
        header_start + body_length + kTrailerSize > max_message_size) {
      return too_large(buf);
    }
  }
  if (digits == 0) return garbled(buf, FrameError::kBadBodyLength);
  const std::size_t body_start = pos + 1;
  const std::size_t total = body_start + static_cast<std::size_t>(body_length) + kTrailerSize;
  if (total > max_message_size) return too_large(buf);

  if (n < total) {
    // A BodyLength that is too long would otherwise stall the session until
    // its peer's next message fills the gap; a following header shows it now.
    if (has_embedded_begin(buf, body_start)) return garbled(buf, FrameError::kBadBodyLength);
    return need_more();
  }

  // The body ends with SOH and CheckSum follows exactly where BodyLength says.
  const char* const trailer = d + total - kTrailerSize;
  if (trailer[-1] != kSoh || trailer[0] != '1' || trailer[1] != '0' || trailer[2] != '=') {
    return garbled(buf, FrameError::kBadBodyLength);
  }
  if (!is_digit(trailer[3]) || !is_digit(trailer[4]) || !is_digit(trailer[5]) ||
      trailer[6] != kSoh) {
    return garbled(buf, FrameError::kBadChecksum, total);
  }
  const unsigned declared = static_cast<unsigned>(trailer[3] - '0') * 100 +
                            static_cast<unsigned>(trailer[4] - '0') * 10 +
                            static_cast<unsigned>(trailer[5] - '0');
  bool soh8 = false;
  const std::uint64_t sum = detail::byte_sum_and_soh8(d, total - kTrailerSize, soh8);
  // A second header inside means BodyLength and CheckSum agree only by
  // chance over two messages glued together (1 in 256 for a wrong length
  // that lands on a later trailer): drop it so the message behind survives.
  if (soh8 && has_embedded_begin(buf.substr(0, total), 1)) {
    return garbled(buf, FrameError::kBadBodyLength);
  }
  if ((sum & 0xFF) != declared) return garbled(buf, FrameError::kBadChecksum, total);

  return {FrameStatus::kMessage, FrameError::kNone, total, buf.substr(0, total)};
}

bool is_header_tag(std::uint32_t t) noexcept {
  switch (t) {
    // StandardHeader, FIX 4.2 / 4.4 / FIXT.1.1.
    case 8:
    case 9:
    case 35:
    case 49:
    case 56:
    case 115:
    case 128:
    case 90:
    case 91:
    case 34:
    case 50:
    case 142:
    case 57:
    case 143:
    case 116:
    case 144:
    case 129:
    case 145:
    case 43:
    case 97:
    case 52:
    case 122:
    case 212:
    case 213:
    case 347:
    case 369:
    case 627:
    case 628:
    case 629:
    case 630:
    case 1128:
    case 1129:
    case 1156:
    // StandardTrailer.
    case 93:
    case 89:
    case 10:
      return true;
    default:
      return false;
  }
}

ScanError Message::scan(std::string_view framed) noexcept {
  raw_ = framed;
  begin_string_ = {};
  msg_type_ = {};
  seq_num_ = 0;
  poss_dup_ = false;
  poss_resend_ = false;
  bad_header_flag_ = 0;
  body_begin_ = 0;
  count_ = 0;
  tag_sum_ = 0;
  // Field offsets are 32-bit; max_message_size keeps real messages far below.
  if (framed.size() > std::numeric_limits<std::uint32_t>::max()) return ScanError::kMalformedField;

  constexpr std::uint32_t kFirstTags[3] = {tag::kBeginString, tag::kBodyLength, tag::kMsgType};
  constexpr std::size_t kMaxTagDigits = 9;  // fits uint32 without overflow checks
  bool header_order_ok = true;
  bool in_header = true;
  bool seen_seq = false;
  bool seen_poss_dup = false;
  bool seen_poss_resend = false;
  const char* const base = framed.data();
  const std::size_t n = framed.size();

  // One field, [field, soh). Returns kNone or the error that ends the scan.
  auto add_field = [&](const char* field, const char* soh) noexcept -> ScanError {
    // Tag: digits, no leading zero (which also rules out tag 0), then '='.
    // A byte loop: tags are 1-4 digits, and with SOHs already found this loop
    // measured faster than a branch-free 8-byte parse (three multiplies).
    const char* p = field;
    std::uint32_t t = 0;
    while (p != soh && is_digit(*p)) {
      if (static_cast<std::size_t>(p - field) == kMaxTagDigits) return ScanError::kMalformedField;
      t = t * 10 + static_cast<std::uint32_t>(*p - '0');
      ++p;
    }
    if (p == field || *field == '0' || p == soh || *p != '=') return ScanError::kMalformedField;
    const char* const value = p + 1;
    if (value == soh) return ScanError::kMalformedField;
    if (count_ == kMaxFields) return ScanError::kTooManyFields;

    const std::string_view v(value, static_cast<std::size_t>(soh - value));
    fields_[count_] = Field{t, v, static_cast<std::uint32_t>(field - base),
                            static_cast<std::uint32_t>(soh + 1 - field)};
    tag_sum_ += std::uint64_t{t} * (2 * count_ + 1);
    if (count_ < 3 && t != kFirstTags[count_]) header_order_ok = false;
    if (in_header) {
      switch (t) {
        case tag::kBeginString:
          if (count_ == 0) begin_string_ = v;
          break;
        case tag::kMsgType:
          if (msg_type_.empty()) msg_type_ = v;
          break;
        case tag::kMsgSeqNum:
          if (!seen_seq) {
            seen_seq = true;
            if (std::uint64_t sn = 0; parse_uint(v, sn)) seq_num_ = sn;
          }
          break;
        case tag::kPossDupFlag:
          if (!seen_poss_dup) {
            seen_poss_dup = true;
            poss_dup_ = v == "Y";
            if (!poss_dup_ && v != "N" && bad_header_flag_ == 0) bad_header_flag_ = t;
          }
          break;
        case tag::kPossResend:
          if (!seen_poss_resend) {
            seen_poss_resend = true;
            poss_resend_ = v == "Y";
            if (!poss_resend_ && v != "N" && bad_header_flag_ == 0) bad_header_flag_ = t;
          }
          break;
        default:
          if (!is_header_tag(t)) {
            in_header = false;
            body_begin_ = count_;
          }
          break;
      }
    }
    ++count_;
    return ScanError::kNone;
  };

  // SOH positions come 64 bytes at a time as a bit mask; the last partial
  // block is copied into a zeroed buffer so that nothing past `framed` is read.
  const char* field = base;
  for (std::size_t block = 0; block < n; block += 64) {
    std::uint64_t sohs;
    if (n - block >= 64) {
      sohs = detail::mask64_eq(base + block, kSoh);
    } else {
      char tail[64] = {};
      std::memcpy(tail, base + block, n - block);
      sohs = detail::mask64_eq(tail, kSoh);
    }
    while (sohs != 0) {
      const char* const soh = base + block + std::countr_zero(sohs);
      sohs &= sohs - 1;
      if (const ScanError e = add_field(field, soh); e != ScanError::kNone) return e;
      field = soh + 1;
    }
  }
  if (field != base + n) return ScanError::kMalformedField;  // no SOH after the last field
  if (in_header) body_begin_ = count_;
  // Reported after the whole scan so the session still has MsgSeqNum for the
  // Reject's RefSeqNum.
  if (!header_order_ok || count_ < 3) return ScanError::kBadHeaderOrder;
  return ScanError::kNone;
}

const Field* Message::find(std::uint32_t t) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (fields_[i].tag == t) return &fields_[i];
  }
  return nullptr;
}

std::string_view Message::get(std::uint32_t t) const noexcept {
  const Field* f = find(t);
  return f != nullptr ? f->value : std::string_view{};
}

}  // namespace riskgate::codec
