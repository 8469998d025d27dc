// One order-path audit record (issue 4: "every action is audited: who, when,
// why, and what it affected").
//
// Order-path events (refusals, retired values, identity verdicts, automatic
// trips, cancels sent) are described by an AuditRecord: a fixed-size POD the
// I/O thread fills in and hands to an AuditSink (gateway/route), in the
// gateway an AuditProducer ring (audit_ring.hpp). The writer thread that turns
// records into JSON lines is control::AuditLog (gateway/control/audit_log.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace riskgate::audit {

// Stable names (appear in the file as "event"); append only.
enum class AuditEvent : std::uint8_t {
  kOrderRefused = 0,         // A risk/session/kill refusal of a new order or replace.
  kRetiredValue = 1,         // An order carried a retired tag value; its session tripped.
  kLogonAccepted = 2,        // Engine identity approved.
  kLogonRefused = 3,         // Identity missing/unapproved; Logout sent.
  kLogonAcceptedKilled = 4,  // Identity unapproved, accepted with session kill engaged.
  kKillTripped = 5,          // Automatic trip rule engaged a kill (rule says which).
  kCancelSent = 6,           // A cancel sent to the exchange because of a kill.
  kMassCancelSent = 7,
  kFlowDisabled = 8,  // Repeated-execution throttle disabled a flow.
  kSessionEvent = 9,  // Logon/logout/disconnect worth an audit line.
  kOther = 10,
  kFlowThrottled = 11,  // A flow-envelope rule put a session under the throttle (rule says which).
  // A message (other than an order from an engine, which is kOrderRefused)
  // failed data-dictionary validation and drew a session Reject; on the
  // exchange leg, a report riskgate did not act on.
  kMessageRejected = 12,
  // An exchange report riskgate could not square with the order it names:
  // an overfill, quantities that disagree, a report for an unknown order or
  // naming another session's order, an oversize identifier. Text says which.
  kReportAnomaly = 13,
  // The exchange refused one of our messages for an order with a session
  // Reject (35=3) or a BusinessMessageReject (35=j): relayed to the engine as
  // an order reject or a cancel reject, and the order's exposure released.
  kExchangeReject = 14,
  // A new trading day began (route::TradingDay): value = the new day number
  // (local date of its start, days since 1970-01-01), limit = the old one.
  kTradingDayRolled = 15,
  // The exchange cancelled or corrected an execution (150=H / G, FIX 4.2
  // 20=1 / 2): what riskgate did with the order's executed quantity, or why
  // it could not (no usable CumQty, an order no longer working).
  kTradeCorrected = 16,
};
[[nodiscard]] std::string_view to_string(AuditEvent e) noexcept;

// One order-path audit record. Trivially copyable, fixed size; strings are
// truncated to fit and always NUL-terminated (use the set() helper).
struct AuditRecord {
  std::int64_t utc_ns = 0;        // Wall clock when it happened (session::Clock::utc_ns()
                                  // or common/utc_clock.hpp utc_now_ns()).
  std::int64_t quantity = 0;      // Tag 38, or shares affected.
  std::int64_t price_micros = 0;  // Tag 44 in micro-units (risk::Micros).
  std::int64_t value = 0;         // Rule-specific: the observed number ...
  std::int64_t limit = 0;         // ... and the limit it was compared with.
  AuditEvent event = AuditEvent::kOther;
  char side = 0;  // FIX tag 54 char, 0 if none.
  char session[24] = {};
  char account[24] = {};
  char symbol[24] = {};
  char cl_ord_id[48] = {};
  char rule[32] = {};  // risk rule name, e.g. "max_order_qty".
  char text[120] = {};

  // Copies `src` into `dst`, truncating to N-1 bytes. noexcept, no allocation.
  template <std::size_t N>
  static void set(char (&dst)[N], std::string_view src) noexcept {
    const std::size_t n = src.size() < N - 1 ? src.size() : N - 1;
    // An empty view may have a null data(): memcpy from null is undefined
    // even for 0 bytes (UBSan, tests/fuzz/fuzz_route).
    if (n != 0) std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
  }
};
static_assert(std::is_trivially_copyable_v<AuditRecord>);
static_assert(sizeof(AuditRecord) <= 320, "keep records small: the ring is preallocated");

}  // namespace riskgate::audit
