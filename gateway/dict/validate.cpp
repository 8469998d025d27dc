// The order-path half of the data dictionary: one pass over a scanned
// message's fields, a few table lookups each, no allocation.
//
// Invariant (what makes forwarding the bytes unchanged safe): a message that
// passes has every field outside a repeating group at most once, every group
// entry's fields at most once per entry, the header before the body and the
// trailer after it, and each group's NumInGroup equal to its entries. So any
// field a check reads with codec::Message::find() is the only top-level
// occurrence, and the venue, whatever occurrence it takes, reads that value.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "gateway/codec/tags.hpp"
#include "gateway/dict/dictionary.hpp"

namespace riskgate::dict {

namespace rr = codec::reject_reason;

namespace {

constexpr int kGroupFieldsOutOfOrder = 15;  // SessionRejectReason: delimiter not first.
constexpr int kIncorrectNumInGroup = 16;

constexpr std::string_view kTextInvalidTag = "Invalid tag number";
constexpr std::string_view kTextRequired = "Required tag missing";
constexpr std::string_view kTextNotForType = "Tag not defined for this message type";
constexpr std::string_view kTextRange = "Value is incorrect (out of range) for this tag";
constexpr std::string_view kTextFormat = "Incorrect data format for value";
constexpr std::string_view kTextRepeated = "Tag appears more than once";
constexpr std::string_view kTextOrder = "Tag specified out of required order";
constexpr std::string_view kTextGroupOrder = "Repeating group fields out of order";
constexpr std::string_view kTextGroupCount = "Incorrect NumInGroup count for repeating group";
constexpr std::string_view kTextTooDeep = "Repeating groups nested too deep";

bool digits(std::string_view s, std::size_t max = 18) noexcept {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int two(std::string_view s, std::size_t at) noexcept {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Eight bytes at `p` as one little-endian word (the callers check the size).
std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  static_assert(std::endian::native == std::endian::little);
  return w;
}

// Whether all eight bytes of `w` are ASCII digits: each byte's high nibble
// is 3, and adding 6 keeps it 3 (low nibble <= 9). With every high nibble
// 3, the addition cannot carry from one byte into the next.
bool digits8(std::uint64_t w) noexcept {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  constexpr std::uint64_t kThrees = 0x3030303030303030ULL;
  return (w & kHigh) == kThrees && ((w + 0x0606060606060606ULL) & kHigh) == kThrees;
}

bool date8(std::string_view s) noexcept {  // YYYYMMDD
  if (s.size() != 8 || !digits8(load8(s.data()))) return false;
  const int month = two(s, 4);
  const int day = two(s, 6);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// HH:MM:SS (eight bytes at s[0]) with the colons checked exactly and the six
// digits in one word test: the colons are swapped for '0' first.
bool hms(std::string_view s) noexcept {
  if (s[2] != ':' || s[5] != ':') return false;
  constexpr std::uint64_t kColons = 0xFFULL << 16 | 0xFFULL << 40;
  constexpr std::uint64_t kZeros = 0x30ULL << 16 | 0x30ULL << 40;
  if (!digits8((load8(s.data()) & ~kColons) | kZeros)) return false;
  return two(s, 0) <= 23 && two(s, 3) <= 59 && two(s, 6) <= 60;  // 60: leap second.
}

bool time_only(std::string_view s) noexcept {  // HH:MM:SS[.d+]
  if (s.size() < 8 || !hms(s)) return false;
  if (s.size() == 8) return true;
  return s[8] == '.' && digits(s.substr(9), 9);
}

// YYYYMMDD-HH:MM:SS[.d+]: the format and field ranges, without converting
// to a time (the session converts the one timestamp it uses, SendingTime).
bool utc_timestamp(std::string_view s) noexcept {
  return s.size() >= 17 && s[8] == '-' && date8(s.substr(0, 8)) && time_only(s.substr(9));
}

bool decimal(std::string_view s) noexcept {  // [-]digits[.digits], at least one digit
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 40) return false;
  bool any = false;
  bool dot = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      any = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return any;
}

bool month_year(std::string_view s) noexcept {  // YYYYMM, YYYYMMDD or YYYYMMwN
  if (s.size() < 6 || !digits(s.substr(0, 6))) return false;
  const int month = two(s, 4);
  if (month < 1 || month > 12) return false;
  if (s.size() == 6) return true;
  if (s.size() == 8 && s[6] == 'w') return s[7] >= '1' && s[7] <= '5';
  return s.size() == 8 && date8(s);
}

bool check_format(FieldType t, std::string_view v) noexcept {
  switch (t) {
    case FieldType::kChar:
      return v.size() == 1;
    case FieldType::kBoolean:
      return v == "Y" || v == "N";
    case FieldType::kInt:
      return digits(v[0] == '-' ? v.substr(1) : v);
    case FieldType::kUnsigned:
    case FieldType::kNumInGroup:
      return digits(v);
    case FieldType::kDecimal:
      return decimal(v);
    case FieldType::kUtcTimestamp:
      return utc_timestamp(v);
    case FieldType::kUtcTimeOnly:
      return time_only(v);
    case FieldType::kUtcDate:
      return date8(v);
    case FieldType::kMonthYear:
      return month_year(v);
    case FieldType::kString:
    case FieldType::kMultipleValue:
    case FieldType::kData:
      return true;  // Non-empty is all they promise; the scanner refuses empty.
  }
  return false;
}

}  // namespace

int Dictionary::find_message(std::string_view type) const noexcept {
  if (type.size() == 1) {
    const auto c = static_cast<unsigned char>(type[0]);
    return c < by_char_.size() ? by_char_[c] : -1;
  }
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (messages_[i].type == type) return static_cast<int>(i);
  }
  return -1;
}

const Dictionary::GroupDef* Dictionary::group_of(const Scope& s,
                                                 std::uint16_t count_id) const noexcept {
  for (const auto& [id, gi] : s.groups) {
    if (id == count_id) return &groups_[gi];
  }
  return nullptr;
}

// The walk over one message: shared state for the top level and the
// (recursive) group entries.
struct Validator::Walk {
  Validator& v;
  const Dictionary& d;
  std::span<const codec::Field> f;
  std::size_t i = 0;

  [[nodiscard]] bool in_enum(const Dictionary::EnumSet& es, std::string_view val) const noexcept {
    if (val.size() == 1) {
      const auto c = static_cast<unsigned char>(val[0]);
      return ((es.one_char[c >> 6] >> (c & 63)) & 1U) != 0;
    }
    const std::string* b = d.enum_values_.data() + es.begin;
    const std::string* e = b + es.count;
    const std::string* it = std::lower_bound(
        b, e, val,
        [](const std::string& x, std::string_view y) { return std::string_view(x) < y; });
    return it != e && *it == val;
  }

  [[nodiscard]] Verdict check_value(std::uint16_t id, const codec::Field& fld) const noexcept {
    const Dictionary::FieldDef& fd = d.fields_[id];
    if (!fd.check) return {};
    if (!check_format(fd.type, fld.value)) return {rr::kIncorrectDataFormat, fld.tag, kTextFormat};
    if (fd.enums == Dictionary::kNoEnums) return {};
    const Dictionary::EnumSet& es = d.enum_sets_[fd.enums];
    if (fd.type != FieldType::kMultipleValue) {
      if (!in_enum(es, fld.value)) return {rr::kValueIncorrect, fld.tag, kTextRange};
      return {};
    }
    std::string_view rest = fld.value;  // Space-separated: each one must be known.
    while (!rest.empty()) {
      const std::size_t sp = rest.find(' ');
      const std::string_view one = rest.substr(0, sp);
      if (!one.empty() && !in_enum(es, one)) return {rr::kValueIncorrect, fld.tag, kTextRange};
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    return {};
  }

  // Whether a tag the dictionary does not place here passes unchecked
  // (QuickFIX's shouldCheckTag, same switches).
  [[nodiscard]] bool unchecked(std::uint32_t tag) const noexcept {
    return tag >= kUserMinTag ? !v.opts_.user_defined_fields : v.opts_.allow_unknown_msg_fields;
  }

  // Entries of group `g`, whose count field f[i-1] was just read. On return
  // f[i] is the first field after the group.
  [[nodiscard]] Verdict group(const Dictionary::GroupDef& g, std::size_t depth) noexcept {
    const codec::Field& count_field = f[i - 1];
    if (depth > kMaxDepth) return {kIncorrectNumInGroup, count_field.tag, kTextTooDeep};
    std::uint64_t declared = 0;
    if (!codec::parse_uint(count_field.value, declared)) {
      return {rr::kIncorrectDataFormat, count_field.tag, kTextFormat};
    }
    const Dictionary::Scope& s = d.scopes_[g.scope];
    std::vector<std::uint32_t>& seen = v.seen_[depth];
    std::uint64_t entries = 0;
    std::uint32_t stamp = 0;
    while (i < f.size()) {
      const codec::Field& fld = f[i];
      const std::uint16_t id = d.dense(fld.tag);
      if (id == Dictionary::kNoField || !s.has(id)) break;  // The group ends here.
      if (id == g.delimiter_id) {
        if (entries != 0) {
          if (Verdict r = required(s, seen, stamp); !r.ok()) return r;
        }
        if (++entries > declared) return {kIncorrectNumInGroup, count_field.tag, kTextGroupCount};
        stamp = v.next_stamp();
      } else if (entries == 0) {
        return {kGroupFieldsOutOfOrder, fld.tag, kTextGroupOrder};
      }
      if (seen[id] == stamp) return {rr::kTagAppearsMoreThanOnce, fld.tag, kTextRepeated};
      seen[id] = stamp;
      if (Verdict r = check_value(id, fld); !r.ok()) return r;
      ++i;
      if (d.fields_[id].type == FieldType::kNumInGroup) {
        if (const Dictionary::GroupDef* inner = d.group_of(s, id)) {
          if (Verdict r = group(*inner, depth + 1); !r.ok()) return r;
        }
      }
    }
    if (entries != 0) {
      if (Verdict r = required(s, seen, stamp); !r.ok()) return r;
    }
    if (entries != declared) return {kIncorrectNumInGroup, count_field.tag, kTextGroupCount};
    return {};
  }

  [[nodiscard]] Verdict required(const Dictionary::Scope& s, const std::vector<std::uint32_t>& seen,
                                 std::uint32_t stamp) const noexcept {
    for (std::uint16_t id : s.required) {
      if (seen[id] != stamp) return {rr::kRequiredTagMissing, d.fields_[id].tag, kTextRequired};
    }
    return {};
  }
};

Validator::Validator(std::shared_ptr<const Dictionary> dict, ValidationOptions opts)
    : dict_(std::move(dict)), opts_(opts) {
  for (auto& s : seen_) s.assign(dict_->field_count(), 0);
}

std::uint32_t Validator::next_stamp() noexcept {
  if (++stamp_ == 0) {
    // Wrapped after 2^32 scopes: old marks could now collide, so clear them.
    for (auto& s : seen_) std::fill(s.begin(), s.end(), 0);
    stamp_ = 1;
  }
  return stamp_;
}

bool fix_defines_msg_type(std::string_view begin_string, std::string_view type) noexcept {
  const bool fix44 = begin_string != "FIX.4.2";  // The two versions riskgate speaks.
  if (type.size() == 1) {
    const char c = type[0];
    if (c >= '0' && c <= '9') return true;
    if (c >= 'A' && c <= 'Z') return c != 'I' && c != 'O' && c != 'U';
    return c >= 'a' && c <= (fix44 ? 'z' : 'm');
  }
  if (type.size() == 2 && fix44)
    return (type[0] == 'A' && type[1] >= 'A' && type[1] <= 'Z') ||
           (type[0] == 'B' && type[1] >= 'A' && type[1] <= 'H');
  return false;
}

bool Validator::known_type(std::string_view msg_type) const noexcept {
  return dict_->find_message(msg_type) >= 0;
}

namespace {

// Slot of a tag sequence in the shape cache: the scanner's position-weighted
// tag sum (codec::Message::tag_sequence_sum), the type and the count, mixed.
std::size_t shape_slot(const codec::Message& m, int mi) noexcept {
  std::uint64_t h = static_cast<std::uint64_t>(mi) + m.fields().size() + m.tag_sequence_sum();
  static_assert(std::has_single_bit(Validator::kShapes));
  h *= 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>(h >> (64 - std::bit_width(Validator::kShapes - 1)));
}

}  // namespace

Verdict Validator::validate(const codec::Message& m) noexcept {
  const int mi = dict_->find_message(m.msg_type());
  if (mi < 0) {
    if (opts_.reject_undefined_msg_types && !m.msg_type().starts_with('U') &&
        !fix_defines_msg_type(dict_->begin_string(), m.msg_type()))
      return {rr::kInvalidMsgType, codec::tag::kMsgType, "Invalid MsgType"};
    return {};  // Not ours to judge: see known_type().
  }
  const std::span<const codec::Field> f = m.fields();
  const bool fits = f.size() <= kShapeMaxFields;
  const std::size_t slot = fits ? shape_slot(m, mi) : 0;
  if (fits) {
    const Shape& s = shapes_[slot];
    if (s.msg == mi && s.n == f.size()) {
      std::uint32_t diff = 0;
      for (std::size_t i = 0; i < f.size(); ++i) diff |= s.tags[i] ^ f[i].tag;
      if (diff == 0) {
        // The same sequence passed before: only the values are new.
        ++shape_hits_;
        const Walk w{*this, *dict_, f};
        for (std::uint32_t k = 0; k < s.checks; ++k) {
          if (Verdict r = w.check_value(s.check_id[k], f[s.check_pos[k]]); !r.ok()) return r;
        }
        return {};
      }
    }
  }
  bool cacheable = fits;
  const Verdict v = validate_walk(m, mi, cacheable);
  if (v.ok() && cacheable) remember(m, mi, slot);
  return v;
}

void Validator::remember(const codec::Message& m, int mi, std::size_t slot) noexcept {
  const Dictionary& d = *dict_;
  const Dictionary::Scope& body = d.scopes_[d.messages_[static_cast<std::size_t>(mi)].scope];
  Shape& s = shapes_[slot];
  const std::span<const codec::Field> f = m.fields();
  s.msg = mi;
  s.n = static_cast<std::uint32_t>(f.size());
  s.checks = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    s.tags[i] = f[i].tag;
    const std::uint16_t id = d.dense(f[i].tag);
    // Exactly the values the walk checked: not those of fields a switch let
    // through as not defined for this type.
    if (id != Dictionary::kNoField && d.fields_[id].check &&
        (d.fields_[id].part != 0 || body.has(id))) {
      s.check_pos[s.checks] = static_cast<std::uint8_t>(i);
      s.check_id[s.checks] = id;
      ++s.checks;
    }
  }
}

// The full walk. `cacheable` is cleared when the message has a repeating
// group: its structure then depends on the counts' values, not only on the
// tags, so it must not go into the shape cache.
Verdict Validator::validate_walk(const codec::Message& m, int mi, bool& cacheable) noexcept {
  const Dictionary& d = *dict_;
  const Dictionary::Scope& header = d.scopes_[0];
  const Dictionary::Scope& trailer = d.scopes_[1];
  const Dictionary::Scope& body = d.scopes_[d.messages_[static_cast<std::size_t>(mi)].scope];
  // Each group entry takes a stamp: make sure the counter cannot wrap (and
  // clear the marks) in the middle of this message.
  if (stamp_ > UINT32_MAX - (m.fields().size() + 2)) {
    for (auto& s : seen_) std::fill(s.begin(), s.end(), 0);
    stamp_ = 0;
  }
  const std::uint32_t top = next_stamp();
  std::size_t n_unknown = 0;
  // The loop runs once per field of every inbound message: plain pointers,
  // one dependent load for the field's id and one for its definition, and
  // the value check only for fields that have one.
  std::uint32_t* const seen = seen_[0].data();
  const Dictionary::FieldDef* const defs = d.fields_.data();

  enum class Part : std::uint8_t { kHeader, kBody, kTrailer };
  Part part = Part::kHeader;
  Walk w{*this, d, m.fields()};
  const std::size_t n = w.f.size();
  while (w.i < n) {
    const codec::Field& fld = w.f[w.i];
    const std::uint16_t id = d.dense(fld.tag);
    if (id == Dictionary::kNoField) {
      if (!w.unchecked(fld.tag)) return {rr::kInvalidTagNumber, fld.tag, kTextInvalidTag};
      if (part == Part::kTrailer && opts_.fields_out_of_order) {
        return {rr::kTagOutOfOrder, fld.tag, kTextOrder};
      }
      // Let through by a switch, but never twice: a tag the dictionary does
      // not know is still one reading (QuickFIX refuses any repeat outside
      // a group, whatever the switches). Rare, so a linear scan.
      for (std::size_t k = 0; k < n_unknown; ++k) {
        if (unknown_[k] == fld.tag) return {rr::kTagAppearsMoreThanOnce, fld.tag, kTextRepeated};
      }
      unknown_[n_unknown++] = fld.tag;
      part = Part::kBody;
      ++w.i;
      continue;
    }
    const Dictionary::FieldDef& def = defs[id];
    const Dictionary::Scope* scope = &body;
    if (def.part == 1) {
      if (part != Part::kHeader && opts_.fields_out_of_order) {
        return {rr::kTagOutOfOrder, fld.tag, kTextOrder};
      }
      scope = &header;
    } else if (def.part == 2) {
      part = Part::kTrailer;
      scope = &trailer;
    } else {
      if (part == Part::kTrailer && opts_.fields_out_of_order) {
        return {rr::kTagOutOfOrder, fld.tag, kTextOrder};
      }
      part = Part::kBody;
      if (!body.has(id)) {
        if (!w.unchecked(fld.tag)) return {rr::kTagNotDefinedForMsgType, fld.tag, kTextNotForType};
        // Let through, unchecked, but still at most once.
        if (seen[id] == top) return {rr::kTagAppearsMoreThanOnce, fld.tag, kTextRepeated};
        seen[id] = top;
        ++w.i;
        continue;
      }
    }
    if (seen[id] == top) return {rr::kTagAppearsMoreThanOnce, fld.tag, kTextRepeated};
    seen[id] = top;
    if (def.check) {
      if (Verdict r = w.check_value(id, fld); !r.ok()) return r;
    }
    ++w.i;
    if (def.type == FieldType::kNumInGroup) {
      if (const Dictionary::GroupDef* g = d.group_of(*scope, id)) {
        cacheable = false;
        if (Verdict r = w.group(*g, 1); !r.ok()) return r;
      }
    }
  }
  for (const Dictionary::Scope* s : {&header, &body, &trailer}) {
    if (Verdict r = w.required(*s, seen_[0], top); !r.ok()) return r;
  }
  return {};
}

}  // namespace riskgate::dict
