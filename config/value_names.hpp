// Internal to config/: the text of enumerated values as the config file
// spells them. The loader (config.cpp) parses with these tables and the
// printer (print_config.cpp) writes with them, so a value printed by
// `riskgate --print-config` always loads back. Adding a value: one row here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "config/config.hpp"
#include "risk/config.hpp"

namespace riskgate::config::detail {

inline constexpr std::pair<std::string_view, JournalSync> kJournalSyncNames[] = {
    {"none", JournalSync::kNone},
    {"interval", JournalSync::kInterval},
    {"every_message", JournalSync::kEveryMessage}};

// KillOnReportAnomaly entries and their bits: route::AnomalyKill's values
// (config does not link the route). Printed in this order.
inline constexpr std::pair<std::string_view, std::uint8_t> kReportAnomalyNames[] = {
    {"overfill", 1}, {"foreign", 2}, {"unknown", 4}};

inline constexpr std::pair<std::string_view, risk::FlowMetric> kFlowMetricNames[] = {
    {"exec_qty", risk::FlowMetric::kExecQty}, {"exec_notional", risk::FlowMetric::kExecNotional},
    {"net_qty", risk::FlowMetric::kNetQty},   {"symbol_net_qty", risk::FlowMetric::kSymbolNetQty},
    {"orders", risk::FlowMetric::kOrders},    {"fills", risk::FlowMetric::kFills}};

inline constexpr std::pair<std::string_view, risk::FlowAction> kFlowActionNames[] = {
    {"refuse", risk::FlowAction::kRefuse},
    {"throttle", risk::FlowAction::kThrottle},
    {"kill", risk::FlowAction::kKill}};

// The value named `text`, if the table has it.
template <typename V, std::size_t N>
[[nodiscard]] constexpr std::optional<V> value_named(
    const std::pair<std::string_view, V> (&table)[N], std::string_view text) noexcept {
  for (const auto& [name, v] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

// The name of `v`; empty if the table lacks it (a table out of step with its
// enum, which the printer's round-trip test reports).
template <typename V, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const std::pair<std::string_view, V> (&table)[N],
                                                 V v) noexcept {
  for (const auto& [name, x] : table) {
    if (x == v) return name;
  }
  return {};
}

}  // namespace riskgate::config::detail
