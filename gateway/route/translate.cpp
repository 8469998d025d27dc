#include "gateway/route/translate.hpp"

#include <stdexcept>
#include <string>

#include "gateway/codec/tags.hpp"
#include "gateway/route/retired_match.hpp"

namespace riskgate::route {

namespace tag = codec::tag;
namespace rr = codec::reject_reason;

void RetiredValues::add(std::uint32_t t, std::string_view value) {
  if (t == 0 || t >= kMaxTag)
    throw std::invalid_argument("retired tag out of range: " + std::to_string(t));
  if (!value.empty()) {
    if (const std::string_view why = check_retired_value(value); !why.empty())
      throw std::invalid_argument("retired value for tag " + std::to_string(t) + " \"" +
                                  std::string(value) + "\" " + std::string(why));
  }
  tags_.set(t);
  values_.emplace_back(t, normalise_retired_value(value));
}

std::uint32_t RetiredValues::find(const codec::Message& msg) const noexcept {
  if (values_.empty()) return 0;
  for (const auto& f : msg.fields())
    if (matches(f)) return f.tag;
  return 0;
}

bool RetiredValues::matches_listed(const codec::Field& f) const noexcept {
  for (const auto& [t, v] : values_)
    if (t == f.tag && retired_value_matches(v, f.value)) return true;
  return false;
}

risk::Side to_side(char c) noexcept {
  switch (c) {
    case '1':
      return risk::Side::kBuy;
    case '2':
      return risk::Side::kSell;
    case '5':
      return risk::Side::kSellShort;
    default:
      return risk::Side::kUnknown;
  }
}

char fix_side(risk::Side side) noexcept {
  switch (side) {
    case risk::Side::kBuy:
      return '1';
    case risk::Side::kSell:
      return '2';
    case risk::Side::kSellShort:
      return '5';
    default:
      return '0';
  }
}

namespace {

risk::Side side_field(std::string_view v) noexcept {
  return v.size() == 1 ? to_side(v[0]) : risk::Side::kUnknown;
}

risk::OrdType to_ord_type(std::string_view v) noexcept {
  if (v.size() != 1) return risk::OrdType::kUnknown;
  switch (v[0]) {
    case '1':
      return risk::OrdType::kMarket;
    case '2':
      return risk::OrdType::kLimit;
    default:
      return risk::OrdType::kUnknown;
  }
}

}  // namespace

namespace {

// The tags whose value the risk checks or the session read, one bit each.
// None of these may stand twice in a NewOrderSingle, OrderCancelRequest or
// OrderCancelReplaceRequest: none belongs to a repeating group of them.
enum ReadBit : int {
  kAccountBit,
  kClOrdIdBit,
  kOrderQtyBit,
  kOrdTypeBit,
  kOrigClOrdIdBit,
  kPriceBit,
  kSideBit,
  kSymbolBit,
  kPossDupBit,
  kPossResendBit,
  kMsgSeqNumBit,
  kMsgTypeBit,
  kSenderBit,
  kTargetBit,
  kSendingTimeBit,
  kParentIdBit,
  kParentQtyBit,
  kTimeInForceBit,
  kReadBits
};

// The bit of `t`, or -1 when nothing reads it.
int read_tag_bit(std::uint32_t t, const TranslateConfig& cfg) noexcept {
  switch (t) {
    case tag::kAccount:
      return kAccountBit;
    case tag::kClOrdID:
      return kClOrdIdBit;
    case tag::kOrderQty:
      return kOrderQtyBit;
    case tag::kOrdType:
      return kOrdTypeBit;
    case tag::kOrigClOrdID:
      return kOrigClOrdIdBit;
    case tag::kPrice:
      return kPriceBit;
    case tag::kSide:
      return kSideBit;
    case tag::kSymbol:
      return kSymbolBit;
    case tag::kPossDupFlag:
      return kPossDupBit;
    case tag::kPossResend:
      return kPossResendBit;
    case tag::kMsgSeqNum:
      return kMsgSeqNumBit;
    case tag::kMsgType:
      return kMsgTypeBit;
    case tag::kSenderCompID:
      return kSenderBit;
    case tag::kTargetCompID:
      return kTargetBit;
    case tag::kSendingTime:
      return kSendingTimeBit;
    case tag::kTimeInForce:
      return kTimeInForceBit;
    default:
      if (t != 0 && t == cfg.parent_id_tag) return kParentIdBit;
      if (t != 0 && t == cfg.parent_qty_tag) return kParentQtyBit;
      return -1;
  }
}

}  // namespace

std::uint32_t repeated_read_tag(const codec::Message& msg, const TranslateConfig& cfg) noexcept {
  std::uint32_t seen = 0;
  for (const auto& f : msg.fields()) {
    const int b = read_tag_bit(f.tag, cfg);
    if (b < 0) continue;
    if (seen & (1u << b)) return f.tag;
    seen |= 1u << b;
  }
  return 0;
}

TranslateResult translate_order(const codec::Message& msg, const TranslateConfig& cfg,
                                risk::OrderView& out) noexcept {
  // One pass over the fields, and one reading of every message: each tag
  // that risk or the session reads is taken from its only occurrence. A
  // second one (38=100 ... 38=1000000) could be what a venue trades, since
  // the bytes are forwarded whole; such an order is a session-level Reject
  // (373=13). Invariant: every value below comes from at[], so risk reads
  // exactly the occurrence that is forwarded. (repeated_read_tag() is the
  // same rule as a separate scan; the fuzz targets hold the two together.)
  // One pass rather than a find() per tag: a find is a linear scan, and an
  // order reads about fifteen tags, several of them absent.
  const codec::Field* at[kReadBits] = {};
  std::uint32_t retired_tag = 0;
  const bool check_retired = cfg.retired != nullptr && !cfg.retired->empty();
  for (const codec::Field& f : msg.fields()) {
    const int b = read_tag_bit(f.tag, cfg);
    if (b >= 0) {
      if (at[b] != nullptr) return {f.tag, rr::kTagAppearsMoreThanOnce};
      at[b] = &f;
    }
    // The first retired field in message order, as RetiredValues::find.
    if (check_retired && retired_tag == 0 && cfg.retired->matches(f)) retired_tag = f.tag;
  }
  const auto value = [&at](int b) noexcept {
    return b >= 0 && at[b] != nullptr ? at[b]->value : std::string_view{};
  };

  const std::string_view type = msg.msg_type();
  const bool is_new = type == codec::msgtype::kNewOrderSingle;
  const bool is_cancel = type == codec::msgtype::kOrderCancelRequest;
  out.action = is_new      ? risk::Action::kNew
               : is_cancel ? risk::Action::kCancel
                           : risk::Action::kReplace;

  // Required fields per FIX 4.2/4.4 for D, F and G, in the order a missing
  // one is reported. OrderQty is optional on a cancel in 4.4, so it is not
  // required there.
  struct Required {
    int bit;
    std::uint32_t tag;
  };
  static constexpr Required kRequiredNew[] = {{kClOrdIdBit, tag::kClOrdID},
                                              {kSymbolBit, tag::kSymbol},
                                              {kSideBit, tag::kSide},
                                              {kOrderQtyBit, tag::kOrderQty},
                                              {kOrdTypeBit, tag::kOrdType}};
  static constexpr Required kRequiredCancel[] = {{kClOrdIdBit, tag::kClOrdID},
                                                 {kOrigClOrdIdBit, tag::kOrigClOrdID},
                                                 {kSymbolBit, tag::kSymbol},
                                                 {kSideBit, tag::kSide}};
  static constexpr Required kRequiredReplace[] = {
      {kClOrdIdBit, tag::kClOrdID},   {kOrigClOrdIdBit, tag::kOrigClOrdID},
      {kSymbolBit, tag::kSymbol},     {kSideBit, tag::kSide},
      {kOrderQtyBit, tag::kOrderQty}, {kOrdTypeBit, tag::kOrdType}};
  const std::span<const Required> required = is_new ? std::span<const Required>(kRequiredNew)
                                             : is_cancel
                                                 ? std::span<const Required>(kRequiredCancel)
                                                 : std::span<const Required>(kRequiredReplace);
  for (const Required& r : required)
    if (at[r.bit] == nullptr) return {r.tag, rr::kRequiredTagMissing};

  out.cl_ord_id = value(kClOrdIdBit);
  out.orig_cl_ord_id = value(kOrigClOrdIdBit);
  out.account = value(kAccountBit);
  out.symbol = value(kSymbolBit);
  out.side = side_field(value(kSideBit));
  out.ord_type = to_ord_type(value(kOrdTypeBit));
  if (const std::string_view tif = value(kTimeInForceBit); tif.size() == 1)
    out.time_in_force = tif[0];
  out.poss_dup = msg.poss_dup() || msg.poss_resend();

  if (const codec::Field* q = at[kOrderQtyBit]) {
    // FIX allows decimal quantities; riskgate trades whole units, so "100.0"
    // is accepted and "100.5" is malformed for our purposes.
    std::int64_t micros = 0;
    if (!codec::parse_fixed6(q->value, micros) || micros % risk::kMicro != 0)
      return {tag::kOrderQty, rr::kIncorrectDataFormat};
    out.quantity = micros / risk::kMicro;
  }
  if (const codec::Field* p = at[kPriceBit]) {
    if (!codec::parse_fixed6(p->value, out.price)) return {tag::kPrice, rr::kIncorrectDataFormat};
    out.has_price = true;
  }
  if (cfg.parent_id_tag != 0) {
    // Through read_tag_bit, so a parent tag configured as one of the standard
    // tags reads that tag's occurrence.
    out.parent_id = value(read_tag_bit(cfg.parent_id_tag, cfg));
    if (!out.parent_id.empty() && cfg.parent_qty_tag != 0) {
      std::int64_t pq = 0;
      const std::string_view v = value(read_tag_bit(cfg.parent_qty_tag, cfg));
      if (!v.empty() && !codec::parse_int(v, pq))
        return {cfg.parent_qty_tag, rr::kIncorrectDataFormat};
      out.parent_quantity = pq;
    }
  }
  if (retired_tag != 0) {
    out.carries_retired_value = true;
    out.retired_tag = retired_tag;
  }
  return {};
}

bool build_order_reject(codec::BodyBuilder& b, const RejectInfo& r) noexcept {
  b.add(tag::kOrderID, "NONE");
  b.add(tag::kExecID, r.exec_id);
  if (r.fix42) b.add(tag::kExecTransType, "0");
  b.add(tag::kExecType, "8");
  b.add(tag::kOrdStatus, "8");
  b.add(tag::kClOrdID, r.cl_ord_id);
  if (!r.account.empty()) b.add(tag::kAccount, r.account);
  b.add(tag::kSymbol, r.symbol.empty() ? std::string_view("NONE") : r.symbol);
  b.add(tag::kSide, r.side.empty() ? std::string_view("1") : r.side);
  if (!r.order_qty.empty()) b.add(tag::kOrderQty, r.order_qty);
  b.add(tag::kLeavesQty, "0");
  b.add(tag::kCumQty, "0");
  b.add(tag::kAvgPx, "0");
  b.add_int(tag::kOrdRejReason, r.ord_rej_reason);
  b.add(tag::kText, r.text);
  b.add(tag::kTransactTime, r.transact_time);
  return !b.overflowed();
}

bool build_cancel_reject(codec::BodyBuilder& b, const CancelRejectInfo& r) noexcept {
  b.add(tag::kOrderID, r.order_id.empty() ? std::string_view("NONE") : r.order_id);
  b.add(tag::kClOrdID, r.cl_ord_id);
  b.add(tag::kOrigClOrdID, r.orig_cl_ord_id);
  // OrdStatus of the order the request was for: 8 (Rejected) is the FIX
  // convention when the gateway cannot know it.
  b.add(tag::kOrdStatus, "8");
  const char rt[1] = {r.response_to};
  b.add(tag::kCxlRejResponseTo, std::string_view(rt, 1));
  b.add_int(tag::kCxlRejReason, r.cxl_rej_reason);
  b.add(tag::kText, r.text);
  return !b.overflowed();
}

bool build_business_reject(codec::BodyBuilder& b, std::uint64_t ref_seq,
                           std::string_view ref_msg_type, int reason,
                           std::string_view text) noexcept {
  b.add_int(tag::kRefSeqNum, static_cast<std::int64_t>(ref_seq));
  b.add(tag::kRefMsgType, ref_msg_type);
  b.add_int(tag::kBusinessRejectReason, reason);
  b.add(tag::kText, text);
  return !b.overflowed();
}

bool build_cancel_request(codec::BodyBuilder& b, const CancelInfo& c) noexcept {
  b.add(tag::kOrigClOrdID, c.orig_cl_ord_id);
  b.add(tag::kClOrdID, c.cl_ord_id);
  if (!c.account.empty()) b.add(tag::kAccount, c.account);
  b.add(tag::kSymbol, c.symbol);
  const char s[1] = {c.side};
  b.add(tag::kSide, std::string_view(s, 1));
  b.add_int(tag::kOrderQty, c.order_qty);
  b.add(tag::kTransactTime, c.transact_time);
  return !b.overflowed();
}

}  // namespace riskgate::route
