// Encoding into caller-owned buffers. See codec.hpp for the contract.
//
// Both encoders size the whole message first and write only when it fits, so
// a kNoSpace result leaves `out` untouched and nothing is ever half-written
// past its end.
#include <array>
#include <cstring>
#include <limits>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/detail.hpp"
#include "gateway/codec/tags.hpp"

namespace riskgate::codec {
namespace {

using detail::count_digits;
using detail::write_str;
using detail::write_uint;

constexpr std::size_t kTrailerSize = 7;  // "10=ddd<SOH>"

// "tag=value<SOH>" for the header fields we own, written in the order
// 35, 49, 56, 34, 52, 43, 122. Empty strings omit their field so that a
// missing value never produces a malformed "tag=<SOH>".
struct OwnedHeader {
  const Header& h;
  std::string_view msg_type;

  [[nodiscard]] static std::size_t field(std::size_t tag_digits, std::size_t value) noexcept {
    return value == 0 ? 0 : tag_digits + 1 + value + 1;
  }

  [[nodiscard]] std::size_t size() const noexcept {
    return field(2, msg_type.size()) + field(2, h.sender_comp_id.size()) +
           field(2, h.target_comp_id.size()) + field(2, count_digits(h.seq_num)) +
           field(2, h.sending_time.size()) + (h.poss_dup ? 5 : 0) +
           field(3, h.orig_sending_time.size());
  }

  static char* put(char* p, const char* tag_eq, std::size_t tag_eq_len,
                   std::string_view value) noexcept {
    if (value.empty()) return p;
    p = write_str(p, tag_eq, tag_eq_len);
    p = write_str(p, value.data(), value.size());
    *p++ = kSoh;
    return p;
  }

  char* write(char* p) const noexcept {
    p = put(p, "35=", 3, msg_type);
    p = put(p, "49=", 3, h.sender_comp_id);
    p = put(p, "56=", 3, h.target_comp_id);
    p = write_str(p, "34=", 3);
    p = write_uint(p, h.seq_num);
    *p++ = kSoh;
    p = put(p, "52=", 3, h.sending_time);
    if (h.poss_dup) p = write_str(p, "43=Y\x01", 5);
    p = put(p, "122=", 4, h.orig_sending_time);
    return p;
  }
};

// Size of "8=<begin><SOH>9=<len><SOH>" for a body of `body_length` bytes.
std::size_t prefix_size(std::string_view begin_string, std::size_t body_length) noexcept {
  return 2 + begin_string.size() + 1 + 2 + count_digits(body_length) + 1;
}

char* write_prefix(char* p, std::string_view begin_string, std::size_t body_length) noexcept {
  p = write_str(p, "8=", 2);
  p = write_str(p, begin_string.data(), begin_string.size());
  p = write_str(p,
                "\x01"
                "9=",
                3);
  p = write_uint(p, body_length);
  *p++ = kSoh;
  return p;
}

char* write_trailer(char* begin, char* p) noexcept {
  return detail::write_checksum(p, detail::byte_sum(begin, static_cast<std::size_t>(p - begin)));
}

// Header tags encode_forward() drops from the input because it writes its own.
bool is_rewritten(std::uint32_t t) noexcept {
  switch (t) {
    case tag::kBeginString:
    case tag::kBodyLength:
    case tag::kMsgType:
    case tag::kMsgSeqNum:
    case tag::kSenderCompID:
    case tag::kTargetCompID:
    case tag::kSendingTime:
    case tag::kPossDupFlag:
    case tag::kPossResend:
    case tag::kOrigSendingTime:
    case tag::kCheckSum:
      return true;
    default:
      return false;
  }
}

}  // namespace

EncodeResult encode(std::span<char> out, const Header& h, std::string_view body) noexcept {
  const OwnedHeader owned{h, h.msg_type};
  const std::size_t body_length = owned.size() + body.size();
  const std::size_t total = prefix_size(h.begin_string, body_length) + body_length + kTrailerSize;
  if (total > out.size()) return {EncodeError::kNoSpace, 0};

  char* const begin = out.data();
  char* p = write_prefix(begin, h.begin_string, body_length);
  p = owned.write(p);
  p = write_str(p, body.data(), body.size());
  p = write_trailer(begin, p);
  return {EncodeError::kNone, static_cast<std::size_t>(p - begin)};
}

EncodeResult encode_forward(std::span<char> out, const Header& h, const Message& in,
                            std::span<const Substitution> subs) noexcept {
  const std::span<const Field> fields = in.fields();
  const std::string_view raw = in.raw();

  // Pass 1: size the body and note the fields that break a copy run (dropped
  // or substituted). Everything between two such fields is one memcpy.
  constexpr std::uint32_t kDrop = std::numeric_limits<std::uint32_t>::max();
  struct Edit {
    std::uint32_t field;
    std::uint32_t sub;  // index into subs, or kDrop
  };
  std::array<Edit, Message::kMaxFields> edits;  // NOLINT: filled up to n_edits only
  std::size_t n_edits = 0;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (is_rewritten(f.tag)) {
      edits[n_edits++] = {static_cast<std::uint32_t>(i), kDrop};
      continue;
    }
    std::uint32_t sub = kDrop;
    for (std::size_t s = 0; s < subs.size(); ++s) {
      if (subs[s].tag == f.tag) {
        sub = static_cast<std::uint32_t>(s);
        break;
      }
    }
    if (sub == kDrop) {
      copied += f.length;
      continue;
    }
    edits[n_edits++] = {static_cast<std::uint32_t>(i), sub};
    // An empty substitute drops the field rather than emit "tag=<SOH>".
    if (!subs[sub].value.empty()) copied += f.length - f.value.size() + subs[sub].value.size();
  }

  const std::string_view begin_string = h.begin_string.empty() ? in.begin_string() : h.begin_string;
  const OwnedHeader owned{h, h.msg_type.empty() ? in.msg_type() : h.msg_type};
  const std::size_t body_length = owned.size() + copied;
  const std::size_t total = prefix_size(begin_string, body_length) + body_length + kTrailerSize;
  if (total > out.size()) return {EncodeError::kNoSpace, 0};

  // Pass 2: write. Scanned fields are contiguous in `raw`, so the bytes from
  // `run` up to the next edited field are exactly the unchanged fields.
  char* const begin = out.data();
  char* p = write_prefix(begin, begin_string, body_length);
  p = owned.write(p);
  std::size_t run = fields.empty() ? 0 : fields.front().offset;
  for (std::size_t e = 0; e < n_edits; ++e) {
    const Field& f = fields[edits[e].field];
    p = write_str(p, raw.data() + run, f.offset - run);
    run = f.offset + f.length;
    if (edits[e].sub == kDrop) continue;
    const std::string_view value = subs[edits[e].sub].value;
    if (value.empty()) continue;
    const std::size_t tag_eq = f.length - f.value.size() - 1;  // "tag=" as received
    p = write_str(p, raw.data() + f.offset, tag_eq);
    p = write_str(p, value.data(), value.size());
    *p++ = kSoh;
  }
  const std::size_t fields_end = fields.empty() ? 0 : fields.back().offset + fields.back().length;
  p = write_str(p, raw.data() + run, fields_end - run);
  p = write_trailer(begin, p);
  return {EncodeError::kNone, static_cast<std::size_t>(p - begin)};
}

}  // namespace riskgate::codec
