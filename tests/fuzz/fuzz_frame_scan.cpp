// libFuzzer target: framing, scanning, data-dictionary validation and order
// translation of arbitrary bytes.
//
// The input is a TCP byte stream. It is framed message by message exactly as
// the session layer does (drop `consumed` bytes until kNeedMore); each framed
// message is scanned, re-encoded with encode_forward, and D/F/G messages are
// translated into a risk::OrderView; every scanned message is validated
// against the built-in FIX 4.4 dictionary (and, when its BeginString says so,
// FIX 4.2), and a message that passes must have no top-level tag twice. The raw input is also
// scanned directly: scan() must be safe on any bytes, framed or not. Every invariant below is part
// of the codec.hpp / translate.hpp contract; a violation aborts, so libFuzzer reports it with the
// input that caused it.
//
// Run locally (clang, -DRISKGATE_FUZZ=ON):
//   build-fuzz/tests/fuzz/fuzz_frame_scan -max_total_time=600 \
//     /tmp/corpus tests/fuzz/corpus/fuzz_frame_scan
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/dict/dictionary.hpp"
#include "gateway/route/translate.hpp"
#include "risk/types.hpp"

namespace {

using namespace riskgate;

// Small enough that the fuzzer reaches kTooLarge often; the gateway default
// is 8 KiB.
constexpr std::size_t kMaxMessageSize = 4096;

// Parent/child tags as config/riskgate.toml sets them, so the repeated-tag
// rule covers them too.
constexpr route::TranslateConfig kTranslate{7001, 7002, nullptr};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_frame_scan: invariant violated: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// True when `inner` is empty or lies entirely within `outer`.
bool inside(std::string_view inner, std::string_view outer) {
  if (inner.empty()) return true;
  const char* const b = outer.data();
  const char* const e = b + outer.size();
  return inner.data() >= b && inner.data() + inner.size() <= e;
}

// Every field the scan kept is a well-formed "tag=value<SOH>" inside the input.
void check_scanned(const codec::Message& m, std::string_view raw, codec::ScanError err) {
  check(m.raw().data() == raw.data() && m.raw().size() == raw.size(), "raw() is the input");
  check(m.fields().size() <= codec::Message::kMaxFields, "field count within kMaxFields");
  check(m.body_begin() <= m.fields().size(), "body_begin within fields");
  for (const codec::Field& f : m.fields()) {
    check(f.tag != 0, "tag 0 never scanned");
    check(std::size_t{f.offset} + f.length <= raw.size(), "field inside the message");
    check(f.length >= 4, "field has tag, '=', value and SOH");
    check(raw[f.offset + f.length - 1] == codec::kSoh, "field ends with SOH");
    check(!f.value.empty() && inside(f.value, raw), "value non-empty and inside the message");
    check(f.value.data() + f.value.size() == raw.data() + f.offset + f.length - 1,
          "value ends at the field's SOH");
    check(f.value.find(codec::kSoh) == std::string_view::npos, "no SOH inside a value");
    const codec::Field* first = m.find(f.tag);
    check(first != nullptr && first <= &f, "find() returns the first occurrence");
    check(m.get(f.tag).data() == first->value.data(), "get() agrees with find()");
  }
  check(inside(m.begin_string(), raw) && inside(m.msg_type(), raw), "header views inside");
  if (err == codec::ScanError::kNone) {
    check(m.fields().size() >= 3, "a whole message has 8, 9, 35");
    check(m.fields()[0].tag == codec::tag::kBeginString &&
              m.fields()[1].tag == codec::tag::kBodyLength &&
              m.fields()[2].tag == codec::tag::kMsgType,
          "kNone implies header order 8, 9, 35");
    check(m.fields().back().offset + m.fields().back().length == raw.size(),
          "kNone scans to the last byte");
  }
}

// parse_fixed6 -> add_fixed6 -> parse_fixed6 is the identity.
void check_fixed6_round_trip(std::string_view v) {
  std::int64_t x = 0;
  if (!codec::parse_fixed6(v, x)) return;
  std::array<char, 64> buf{};
  codec::BodyBuilder b(buf);
  check(b.add_fixed6(44, x), "add_fixed6 fits 64 bytes");
  const std::string_view out = b.view();  // "44=<digits><SOH>"
  check(out.size() > 4 && out.back() == codec::kSoh, "add_fixed6 wrote one field");
  std::int64_t y = 0;
  check(codec::parse_fixed6(out.substr(3, out.size() - 4), y) && y == x,
        "fixed6 round trip is exact");
}

void check_translate(const codec::Message& m, std::string_view raw) {
  const std::string_view type = m.msg_type();
  if (type != codec::msgtype::kNewOrderSingle && type != codec::msgtype::kOrderCancelRequest &&
      type != codec::msgtype::kOrderCancelReplaceRequest) {
    return;
  }
  risk::OrderView view;
  const route::TranslateResult r = route::translate_order(m, kTranslate, view);
  const std::uint32_t repeated = route::repeated_read_tag(m, kTranslate);
  if (repeated != 0) {
    // A message with a repeated read tag is never accepted (issue 10).
    check(r.bad_tag == repeated, "a repeated read tag is the tag refused");
    check(r.session_reject_reason == codec::reject_reason::kTagAppearsMoreThanOnce,
          "a repeated read tag is refused with 373=13");
    return;
  }
  if (r.bad_tag != 0) return;
  // Accepted: every view risk will read points into this message, and each
  // is the one (single) occurrence of its tag.
  check(inside(view.cl_ord_id, raw) && inside(view.orig_cl_ord_id, raw) &&
            inside(view.account, raw) && inside(view.symbol, raw) && inside(view.parent_id, raw),
        "OrderView views point into the message");
  check(!view.cl_ord_id.empty() && !view.symbol.empty(), "required ClOrdID and Symbol present");
  check(view.cl_ord_id.data() == m.get(codec::tag::kClOrdID).data(), "ClOrdID is the field read");
  check(view.symbol.data() == m.get(codec::tag::kSymbol).data(), "Symbol is the field read");
  if (!view.account.empty())
    check(view.account.data() == m.get(codec::tag::kAccount).data(), "Account is the field read");
  if (const codec::Field* q = m.find(codec::tag::kOrderQty)) {
    std::int64_t micros = 0;
    check(codec::parse_fixed6(q->value, micros) && micros / risk::kMicro == view.quantity,
          "quantity is the value of 38");
  }
  if (view.has_price) {
    std::int64_t px = 0;
    check(codec::parse_fixed6(m.get(codec::tag::kPrice), px) && px == view.price,
          "price is the value of 44");
  }
}

// Forwarding a scanned message must produce one whole, valid message.
void check_forward(const codec::Message& m) {
  static std::array<char, kMaxMessageSize + 256> out;
  codec::Header h;
  h.sender_comp_id = "RISKGATE";
  h.target_comp_id = "EXCHANGE";
  h.seq_num = 42;
  h.sending_time = "20240102-03:04:05.000";
  const codec::EncodeResult e = codec::encode_forward(out, h, m);
  if (e.error != codec::EncodeError::kNone) return;
  check(e.size <= out.size(), "encode_forward stays in its buffer");
  const std::string_view fwd(out.data(), e.size);
  const codec::FrameResult fr = codec::frame(fwd, out.size());
  check(fr.status == codec::FrameStatus::kMessage && fr.consumed == fwd.size(),
        "encode_forward output frames as one whole message");
  static codec::Message again;
  check(again.scan(fwd) == codec::ScanError::kNone, "encode_forward output scans");
  check(again.msg_type() == m.msg_type(), "encode_forward keeps MsgType");
}

// What validation promises the order path: a message that passes has no
// field outside a repeating group twice, so translate never sees a repeated
// read tag; and a verdict names a real SessionRejectReason.
void check_validate(dict::Validator& v, const codec::Message& m) {
  if (!v.known_type(m.msg_type())) return;
  const dict::Verdict r = v.validate(m);
  if (!r.ok()) {
    check(r.reason >= 0 && r.reason <= 18 && !r.text.empty(), "a verdict has a reason and text");
    return;
  }
  check(route::repeated_read_tag(m, kTranslate) == 0 ||
            !v.dictionary().defines_field(route::repeated_read_tag(m, kTranslate)),
        "a valid message repeats no read tag the dictionary defines");
}

codec::Message g_msg;  // 256 fields: keep it off the stack.

dict::Validator& validator_for(std::string_view begin_string) {
  // Built once (startup work), like a session's.
  static dict::Validator v44(dict::Dictionary::builtin("FIX.4.4"), dict::ValidationOptions{});
  static dict::Validator v42(dict::Dictionary::builtin("FIX.4.2"), dict::ValidationOptions{});
  return begin_string == "FIX.4.2" ? v42 : v44;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // scan() on unframed bytes: never out of bounds, views inside the input.
  check_scanned(g_msg, input, g_msg.scan(input));

  std::string_view buf = input;
  while (!buf.empty()) {
    const codec::FrameResult fr = codec::frame(buf, kMaxMessageSize);
    check(fr.consumed <= buf.size(), "frame consumes at most the input");
    if (fr.status == codec::FrameStatus::kNeedMore) {
      check(fr.consumed == 0, "kNeedMore consumes nothing");
      break;
    }
    check(fr.consumed > 0, "every non-kNeedMore result makes progress");
    if (fr.status == codec::FrameStatus::kMessage) {
      const std::string_view msg = fr.message;
      check(msg.data() == buf.data() && msg.size() == fr.consumed, "message is the front");
      check(msg.size() <= kMaxMessageSize, "message within max_message_size");
      check(msg.substr(0, 5) == "8=FIX", "message starts with 8=FIX");
      check(msg.size() >= 7 && msg.substr(msg.size() - 7, 3) == "10=" && msg.back() == codec::kSoh,
            "message ends with 10=ddd<SOH>");
      const codec::ScanError err = g_msg.scan(msg);
      check_scanned(g_msg, msg, err);
      if (err == codec::ScanError::kNone) {
        for (const codec::Field& f : g_msg.fields()) check_fixed6_round_trip(f.value);
        check_validate(validator_for(g_msg.begin_string()), g_msg);
        check_translate(g_msg, msg);
        check_forward(g_msg);
      }
    } else {
      check(fr.message.empty(), "no message on kGarbled/kTooLarge");
    }
    buf.remove_prefix(fr.consumed);
  }
  return 0;
}
