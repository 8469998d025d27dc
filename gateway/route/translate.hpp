// FIX -> risk::OrderView, and the FIX answers riskgate writes itself (order
// rejects, cancel rejects, business rejects, gateway-initiated cancels).
// Pure functions over caller buffers: no allocation, no I/O.
#pragma once

#include <bitset>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "risk/types.hpp"

namespace riskgate::route {

// Tag=value pairs the release manifest lists as retired (issue 4): an order
// carrying one is dormant code waking up. Built at start; the per-order test
// is one bit lookup per field and a compare only on a listed tag. Values
// compare after normalising case and whitespace (gateway/route/retired_match.hpp).
class RetiredValues {
 public:
  static constexpr std::uint32_t kMaxTag = 10000;
  // Setup only. An empty `value` retires every value of `tag`; any other is
  // stored normalised. Throws std::invalid_argument for a tag out of range or
  // a value check_retired_value() refuses (e.g. whitespace only).
  void add(std::uint32_t tag, std::string_view value);
  // The first field of `msg` carrying a retired value: its tag, or 0.
  // I/O thread; no allocation.
  [[nodiscard]] std::uint32_t find(const codec::Message& msg) const noexcept;
  // Whether this one field carries a retired value (what find() asks of each).
  [[nodiscard]] bool matches(const codec::Field& f) const noexcept {
    return f.tag < kMaxTag && tags_.test(f.tag) && matches_listed(f);
  }
  [[nodiscard]] bool empty() const noexcept { return values_.empty(); }

 private:
  [[nodiscard]] bool matches_listed(const codec::Field& f) const noexcept;
  std::bitset<kMaxTag> tags_;
  std::vector<std::pair<std::uint32_t, std::string>> values_;  // (tag, normalised value)
};

struct TranslateConfig {
  std::uint32_t parent_id_tag = 0;
  std::uint32_t parent_qty_tag = 0;
  const RetiredValues* retired = nullptr;
};

// Fills `out` from an application message of type D, F or G. Returns the
// first required tag that is missing or malformed (0 when all are present):
// the caller answers with a session-level Reject (SessionRejectReason 1 or 6).
struct TranslateResult {
  std::uint32_t bad_tag = 0;
  int session_reject_reason = 0;  // codec::reject_reason::*
};
[[nodiscard]] TranslateResult translate_order(const codec::Message& msg, const TranslateConfig& cfg,
                                              risk::OrderView& out) noexcept;

// The first tag that risk or the session reads and that stands more than once
// in `msg` (0: none). translate_order() refuses such a message (373=13), so
// what risk checks is exactly what the exchange reads.
[[nodiscard]] std::uint32_t repeated_read_tag(const codec::Message& msg,
                                              const TranslateConfig& cfg) noexcept;

// Side (54): '1' buy, '2' sell, '5' sell short; anything else is kUnknown,
// which fix_side writes as '0'.
[[nodiscard]] risk::Side to_side(char c) noexcept;
[[nodiscard]] char fix_side(risk::Side side) noexcept;

// Body of an ExecutionReport (35=8) rejecting an order: ExecType and OrdStatus
// Rejected (8), OrdRejReason, and Text naming the rule and the numbers.
struct RejectInfo {
  std::string_view cl_ord_id;
  std::string_view account;
  std::string_view symbol;
  std::string_view side;
  std::string_view order_qty;
  std::string_view exec_id;
  std::string_view transact_time;
  int ord_rej_reason = 99;
  std::string_view text;
  bool fix42 = false;  // Adds ExecTransType (20=0) and uses 4.2 enums.
};
[[nodiscard]] bool build_order_reject(codec::BodyBuilder& b, const RejectInfo& r) noexcept;

// OrderCancelReject (35=9) for a refused cancel or replace.
struct CancelRejectInfo {
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;
  std::string_view order_id;  // "NONE" when unknown.
  char response_to = '1';     // 434: 1 cancel, 2 cancel/replace
  int cxl_rej_reason = 99;    // 102
  std::string_view text;
};
[[nodiscard]] bool build_cancel_reject(codec::BodyBuilder& b, const CancelRejectInfo& r) noexcept;

// BusinessMessageReject (35=j): 45 RefSeqNum, 372 RefMsgType, 380 reason.
[[nodiscard]] bool build_business_reject(codec::BodyBuilder& b, std::uint64_t ref_seq,
                                         std::string_view ref_msg_type, int reason,
                                         std::string_view text) noexcept;

// OrderCancelRequest (35=F) riskgate sends itself when a kill switch cancels
// working orders.
struct CancelInfo {
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;
  std::string_view account;
  std::string_view symbol;
  char side = '1';
  std::int64_t order_qty = 0;
  std::string_view transact_time;
};
[[nodiscard]] bool build_cancel_request(codec::BodyBuilder& b, const CancelInfo& c) noexcept;

}  // namespace riskgate::route
