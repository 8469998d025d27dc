// FIX data dictionary: which fields each message type may carry, which are
// required, how repeating groups are laid out, and what each value must look
// like. Loaded from QuickFIX's XML format (what FIX operations staff already
// keep for their venue) once at startup, compiled into flat tables, then used
// read-only by every session's Validator on the order path.
//
// Why riskgate validates at all: it checks an order and forwards its body
// bytes unchanged, so the checks and the venue must read the same bytes the
// same way. A tag repeated outside a repeating group, a header field in the
// body or a group whose count disagrees with its entries can each be read
// two ways; such a message is refused at the session level (35=3 with the
// SessionRejectReason below) before anything looks at it.
//
// Threading: a Dictionary is immutable after load() and shared (shared_ptr
// to const) by every session that names the same file; any thread may read
// it. A Validator holds per-message scratch and belongs to one session.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/codec/codec.hpp"

namespace riskgate::dict {

// Value types, with QuickFIX's names in the XML. Checks per type are in
// validate.cpp (check_format); types not listed there take any value.
enum class FieldType : std::uint8_t {
  kString,
  kChar,
  kBoolean,
  kInt,       // [-]digits
  kUnsigned,  // digits: LENGTH, NUMINGROUP, SEQNUM, TAGNUM, DAYOFMONTH
  kNumInGroup,
  kDecimal,  // [-]digits[.digits]: FLOAT, QTY, PRICE, PRICEOFFSET, AMT, PERCENTAGE
  kUtcTimestamp,
  kUtcTimeOnly,
  kUtcDate,  // YYYYMMDD: UTCDATEONLY, UTCDATE, LOCALMKTDATE, DATE
  kMonthYear,
  kMultipleValue,  // Space-separated values, each checked against the enums.
  kData,
};

// QuickFIX's validation switches (same names and defaults), per session.
struct ValidationOptions {
  // ValidateFieldsOutOfOrder: header fields after the body, or body fields
  // after the trailer, are rejected (373=14).
  bool fields_out_of_order = true;
  // ValidateUserDefinedFields: tags 5000 and above are held to the
  // dictionary like the others. Off: they pass unchecked.
  bool user_defined_fields = true;
  // AllowUnknownMsgFields: tags below 5000 that the dictionary does not
  // define, or does not define for this message type, pass unchecked.
  bool allow_unknown_msg_fields = false;
  // A MsgType that the dictionary does not define and that the FIX version
  // does not define either (fix_defines_msg_type) is refused with Reject
  // 373=11 (test case 2q). One FIX defines but the dictionary does not (a
  // QuoteRequest, which riskgate does not route), or a user-defined one
  // (starting with 'U'), goes to the application, which answers
  // BusinessMessageReject (2r). Off: every type the dictionary does not
  // define goes to the application (engine legs with UnknownAppMessages =
  // "forward", and the exchange leg, whose venue may send types of its own).
  bool reject_undefined_msg_types = false;
  // (ValidateFieldsHaveValues is not a switch in riskgate: the codec never
  // accepts an empty value, 373=4, because an empty field cannot be
  // forwarded unambiguously. The config refuses ValidateFieldsHaveValues=N.)
};

// Whether the FIX version `begin_string` ("FIX.4.2", "FIX.4.4") defines the
// message type `type`, from the specification's list of MsgType(35) values:
// FIX 4.2 "0".."9", "A".."m" without "I", "O" and "U"; FIX 4.4 adds "n".."z",
// "AA".."AZ" and "BA".."BH". User-defined types ('U' first) are not in it.
[[nodiscard]] bool fix_defines_msg_type(std::string_view begin_string,
                                        std::string_view type) noexcept;

// Tags at or above this are user-defined (FIX: 5000-9999 and 20000+; QuickFIX
// treats every tag from 5000 as user-defined, and so do we).
inline constexpr std::uint32_t kUserMinTag = 5000;

struct Verdict {
  // SessionRejectReason(373) to send, or -1 when the message is valid.
  int reason = -1;
  std::uint32_t ref_tag = 0;  // RefTagID(371); 0 when none applies.
  std::string_view text;      // Static text for Text(58).
  [[nodiscard]] bool ok() const noexcept { return reason < 0; }
};

class Dictionary;

// Per-session scratch for validation: "seen in this message / this group
// entry" marks, one array per nesting depth, stamped so that starting a new
// message is O(1). Allocated once, sized from the dictionary.
class Validator {
 public:
  // Deepest nesting of repeating groups checked; deeper nesting is refused
  // (373=16). FIX 4.4's deepest (Parties > PtysSubGrp inside a group) is 3.
  static constexpr std::size_t kMaxDepth = 4;

  Validator(std::shared_ptr<const Dictionary> dict, ValidationOptions opts);

  // Checks one scanned message (codec::Message::scan() returned kNone).
  // Messages of a type the dictionary does not define are not checked here
  // (ValidationOptions::reject_undefined_msg_types aside): known_type() tells
  // the caller (the session hands them to the application, which answers an
  // unsupported type with a BusinessMessageReject). No allocation, no I/O.
  [[nodiscard]] Verdict validate(const codec::Message& m) noexcept;
  [[nodiscard]] bool known_type(std::string_view msg_type) const noexcept;

  [[nodiscard]] const Dictionary& dictionary() const noexcept { return *dict_; }
  [[nodiscard]] const ValidationOptions& options() const noexcept { return opts_; }
  // Messages whose structure was taken from the shape cache (statistic).
  [[nodiscard]] std::uint64_t shape_hits() const noexcept { return shape_hits_; }

  // The shape cache. A message's structural verdict (which tags, in which
  // order, repeated or not, required ones present) depends only on its type
  // and its sequence of tags when it has no repeating group, and an engine
  // sends the same few sequences all day. So the sequences that passed are
  // remembered, compared exactly (never trusted on a hash alone: a
  // collision cannot let a different sequence through), and on a match only
  // the values are checked. Tune: kShapes entries, direct-mapped.
  static constexpr std::size_t kShapes = 16;  // A power of two (shape_slot).
  static constexpr std::size_t kShapeMaxFields = 40;

 private:
  struct Walk;
  struct Shape {
    std::int32_t msg = -1;  // Message index; -1: empty.
    std::uint32_t n = 0;    // Field count.
    std::uint32_t checks = 0;
    std::array<std::uint32_t, kShapeMaxFields> tags{};
    std::array<std::uint8_t, kShapeMaxFields> check_pos{};  // Fields whose value has a check.
    std::array<std::uint16_t, kShapeMaxFields> check_id{};  // Their dense ids.
  };
  std::uint32_t next_stamp() noexcept;
  [[nodiscard]] Verdict validate_walk(const codec::Message& m, int mi, bool& cacheable) noexcept;
  void remember(const codec::Message& m, int mi, std::size_t slot) noexcept;
  std::array<Shape, kShapes> shapes_{};
  // Tags of the message being walked that the dictionary does not define
  // (let through by a switch), to refuse a repeat of one.
  std::array<std::uint32_t, codec::Message::kMaxFields> unknown_{};
  std::uint64_t shape_hits_ = 0;

  std::shared_ptr<const Dictionary> dict_;
  ValidationOptions opts_;
  std::uint32_t stamp_ = 0;
  // seen_[d][dense id] == stamp of the scope being walked at depth d (0: the
  // message, 1..: group entries) when the field was seen in it.
  std::array<std::vector<std::uint32_t>, kMaxDepth + 1> seen_;
};

// The compiled dictionary. Fields get dense ids (0..field_count()-1) so that
// membership is a bit test and "seen" marks an array index.
class Dictionary {
 public:
  static constexpr std::uint16_t kNoField = 0xFFFF;

  // Parses QuickFIX XML (the text of a file). Throws std::runtime_error with
  // `origin` (a path, or "built-in FIX.4.4"), the element and the reason on
  // any problem: unknown field or component names, a group whose name is not
  // a NUMINGROUP field, duplicate numbers, unknown types. Startup only.
  [[nodiscard]] static std::shared_ptr<Dictionary> parse(std::string_view xml,
                                                         std::string_view origin);
  // Reads and parses a file (throws as above, or when unreadable).
  [[nodiscard]] static std::shared_ptr<Dictionary> load_file(const std::string& path);
  // The dictionaries shipped in config/dict/, compiled into the binary so a
  // gateway never starts without one: "FIX.4.2" or "FIX.4.4" (throws otherwise).
  [[nodiscard]] static std::shared_ptr<Dictionary> builtin(std::string_view begin_string);

  // Setup only (before sharing, and before any Validator is built on this
  // dictionary: validators size their scratch from it): defines `tag` (type STRING, when the
  // dictionary does not already define it) and allows it in every message
  // type that `msg_types` names ("*" = all). The gateway calls this for the
  // tags its own config reads — retired tags from the manifest, the identity
  // tags of the Logon — so validation never hides them from their checks.
  void allow_tag(std::uint32_t tag, std::string_view name,
                 std::span<const std::string_view> msg_types);

  [[nodiscard]] std::string_view begin_string() const noexcept { return begin_string_; }
  [[nodiscard]] std::string_view origin() const noexcept { return origin_; }
  [[nodiscard]] std::size_t field_count() const noexcept { return fields_.size(); }
  [[nodiscard]] std::size_t message_count() const noexcept { return messages_.size(); }
  [[nodiscard]] std::uint16_t dense(std::uint32_t tag) const noexcept {
    return tag < tag_to_dense_.size() ? tag_to_dense_[tag] : kNoField;
  }
  // For tests and diagnostics (not the order path).
  [[nodiscard]] bool defines_field(std::uint32_t tag) const noexcept {
    return dense(tag) != kNoField;
  }
  [[nodiscard]] bool message_has_field(std::string_view msg_type, std::uint32_t tag) const noexcept;
  [[nodiscard]] bool message_requires_field(std::string_view msg_type,
                                            std::uint32_t tag) const noexcept;

 private:
  friend class Validator;
  friend class Loader;

  static constexpr std::uint16_t kNoEnums = 0xFFFF;
  struct FieldDef {
    std::uint32_t tag = 0;
    FieldType type = FieldType::kString;
    // The session layer has already checked this field's value (BeginString,
    // BodyLength, MsgType, CompIDs, MsgSeqNum, SendingTime, ...): checking
    // it again would only cost time.
    bool session_checked = false;
    // Where the field stands: 0 body, 1 header, 2 trailer (one byte read
    // instead of testing the header and trailer scopes for every field).
    std::uint8_t part = 0;
    // Its value has something to check (a format or allowed values) that
    // the session has not checked already. Most fields are free text.
    bool check = false;
    std::uint16_t enums = kNoEnums;  // Into enum_sets_; kNoEnums: any value of the type.
  };
  // Allowed values of one field: one-character values as a bitmap (a single
  // bit test, the common case: Side, OrdType, ExecType, ...), longer ones
  // sorted in enum_values_ for a binary search.
  struct EnumSet {
    std::array<std::uint64_t, 4> one_char{};
    std::uint32_t begin = 0;
    std::uint32_t count = 0;
  };
  // A list of fields that may appear together: the header, the trailer, a
  // message body, or one entry of a repeating group.
  struct Scope {
    std::vector<std::uint64_t> members;   // Bitset over dense ids.
    std::vector<std::uint16_t> required;  // Dense ids.
    // Repeating groups of this scope: (count field's dense id, group index).
    std::vector<std::pair<std::uint16_t, std::uint16_t>> groups;
    [[nodiscard]] bool has(std::uint16_t id) const noexcept {
      const std::size_t w = id >> 6;
      return w < members.size() && ((members[w] >> (id & 63)) & 1U) != 0;
    }
  };
  struct GroupDef {
    std::uint16_t count_id = kNoField;
    std::uint16_t delimiter_id = kNoField;  // Must start every entry.
    std::uint32_t scope = 0;                // The fields of one entry.
  };
  struct MessageDef {
    std::string type;
    std::string name;
    std::uint32_t scope = 0;
  };

  [[nodiscard]] int find_message(std::string_view type) const noexcept;
  void finish_fields();  // Sets FieldDef::part and ::check once scopes and enums are known.
  [[nodiscard]] const GroupDef* group_of(const Scope& s, std::uint16_t count_id) const noexcept;
  std::uint16_t add_field(std::uint32_t tag, FieldType type);
  static void set_member(Scope& s, std::uint16_t id);

  std::string begin_string_;
  std::string origin_;
  std::vector<FieldDef> fields_;          // By dense id.
  std::vector<std::string> field_names_;  // By dense id (cold).
  std::vector<std::uint16_t> tag_to_dense_;
  std::vector<EnumSet> enum_sets_;
  std::vector<std::string> enum_values_;
  std::vector<Scope> scopes_;  // [0] header, [1] trailer, then messages and groups.
  std::vector<GroupDef> groups_;
  std::vector<MessageDef> messages_;
  // MsgType -> message index: single-character types by their byte, longer
  // ones (FIX 4.4's "AE", "BE", ...) by a linear scan of messages_.
  std::array<std::int16_t, 128> by_char_{};
};

}  // namespace riskgate::dict
