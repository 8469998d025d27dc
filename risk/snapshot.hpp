// The compiled, immutable snapshot of limits and reference data (kind (a) in
// the design notes of risk/engine.hpp) and the compile step that builds it
// from a RiskConfig. Internal to risk/: not part of the contract, include
// risk/engine.hpp instead. compile() runs on the control thread and may
// allocate and throw; the lookups below run on the order path.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "risk/config.hpp"
#include "risk/detail.hpp"
#include "risk/flow.hpp"
#include "risk/types.hpp"

namespace riskgate::risk {

namespace detail {

// Fields of a resolved limit set; the order is internal (not persisted).
enum Lf : int {
  kQty,
  kNotional,
  kCollarBps,
  kTypicalMultipleMicro,  // typical_size_multiple x 1e6
  kTypicalSeed,
  kCumWindow,
  kCumDay,
  kOpenOrders,
  kOpenNotional,
  kNetPosition,
  kGrossDay,
  kAccountRate,
  kAccountRateInterval,  // Derived: 1e9 / rate, set with kAccountRate.
  kLfCount
};

struct Layer {
  std::array<std::int64_t, kLfCount> v;
  std::uint32_t mask = 0;  // Bit i: field i is set in this layer.
  Layer() { v.fill(kOff); }
};

using Resolved = std::array<std::int64_t, kLfCount>;

class NameIndex {
 public:
  void build(const std::vector<std::string>& names);
  [[nodiscard]] std::uint32_t find(std::string_view name,
                                   const std::vector<std::string>& names) const noexcept {
    if (name.empty()) return kNoIdx;
    const std::uint64_t h = hash_bytes(name);
    for (std::uint64_t p = h & mask_;; p = (p + 1) & mask_) {
      const Slot& s = slots_[p];
      if (s.idx == kNoIdx) return kNoIdx;
      if (s.hash == h && same_name(names[s.idx], name)) return s.idx;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t idx = kNoIdx;
  };
  std::vector<Slot> slots_;
  std::uint64_t mask_ = 0;
};

}  // namespace detail

struct SymbolData {
  Micros reference_price = 0;
  std::int64_t lot_size = 1;
  bool restricted = false;
  detail::Resolved limits{};  // Symbol layer over defaults.
};

struct Snapshot {
  std::uint64_t version = 0;
  std::vector<std::string> symbol_names;
  std::vector<std::string> account_names;
  detail::NameIndex symbol_index;
  detail::NameIndex account_index;
  std::vector<SymbolData> symbols;
  std::vector<detail::Layer> account_layers;
  std::vector<std::uint8_t> all_permitted;
  std::vector<std::uint64_t> permitted_bits;
  std::size_t permitted_words = 0;
  // Account+symbol overrides, fully resolved: open addressing on the pair key.
  std::vector<std::uint64_t> pair_keys;  // 0 empty
  std::vector<std::uint32_t> pair_rows;
  std::uint64_t pair_mask = 0;
  std::vector<detail::Resolved> pair_resolved;

  SessionRates rates;
  ParentChild parent_child;
  Throttles throttles;
  AutoKill auto_kill;
  bool collar_follows_last_fill = false;
  std::int64_t cum_window_ns = 0;
  std::int64_t exec_window_ns = 0;
  std::int64_t dup_window_ns = 0;
  std::int64_t refusal_window_ns = 0;
  detail::Gcra session_orders;
  detail::Gcra session_messages;
  detail::Gcra session_cancels;
  // Last: its decay tables are 36 KiB, and the fields above are read by
  // every order (they stay on a few neighbouring lines).
  flow::Compiled flow;

  [[nodiscard]] std::uint32_t find_symbol(std::string_view n) const noexcept {
    return symbol_index.find(n, symbol_names);
  }
  [[nodiscard]] std::uint32_t find_account(std::string_view n) const noexcept {
    return account_index.find(n, account_names);
  }
  [[nodiscard]] bool permitted(AccountIdx a, SymbolIdx s) const noexcept {
    if (all_permitted[a] != 0) return true;
    return (permitted_bits[a * permitted_words + s / 64] >> (s % 64)) & 1u;
  }
  void resolve(AccountIdx a, SymbolIdx s, detail::Resolved& out) const noexcept {
    if (!pair_resolved.empty()) {
      const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32 | s) + 1;
      for (std::uint64_t p = detail::mix64(key) & pair_mask;; p = (p + 1) & pair_mask) {
        if (pair_keys[p] == key) {
          out = pair_resolved[pair_rows[p]];
          return;
        }
        if (pair_keys[p] == 0) break;
      }
    }
    const detail::Layer& al = account_layers[a];
    const detail::Resolved& sl = symbols[s].limits;
    for (int i = 0; i < detail::kLfCount; ++i) out[i] = ((al.mask >> i) & 1u) ? al.v[i] : sl[i];
  }
};

namespace detail {

// Throws std::invalid_argument("risk config: " + what).
[[noreturn]] void bad(const std::string& what);

// Validates `c` and compiles it into a new snapshot numbered `version`. Names
// keep the index they had in `prev` (nullptr: the first snapshot); new ones
// append. Throws std::invalid_argument (via bad()) on a bad config.
std::unique_ptr<Snapshot> compile(const RiskConfig& c, const Snapshot* prev, std::uint64_t version);

bool same_capacities(const Capacities& a, const Capacities& b);

}  // namespace detail

}  // namespace riskgate::risk
