// The lock-free insert-only tables of mutable state: (account, symbol) rows,
// parent rows and (session, symbol) rows; open addressing, never erased while
// trading (kind (b) in the design notes of risk/engine.hpp; the parent table
// is cleared by reset_day()). Lookups run on the I/O threads; no lock, no
// allocation.
#include <atomic>
#include <cstdint>

#include "risk/detail.hpp"
#include "risk/engine.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp).

namespace {

// Every row type has an atomic 64-bit `key`: 0 empty, else the row's key.
template <typename Row>
std::uint32_t find_row(const Row* rows, std::uint64_t mask, std::uint64_t key) noexcept {
  for (std::uint64_t p = mix64(key) & mask, n = 0; n <= mask; p = (p + 1) & mask, ++n) {
    // Acquire pairs with the inserting CAS (rows are zero from construction,
    // so only the key itself is published).
    const std::uint64_t k = rows[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k == 0) return kNoIdx;
  }
  return kNoIdx;
}

// Inserts go through `rmw` (Engine's WriterThreads): with one writer the
// fill count and the key are loads and stores. `list`, when given, gets
// each inserted row's index (see Engine::RowList).
template <typename Row>
std::uint32_t find_or_insert_row(const Rmw& rmw, Row* rows, std::uint64_t mask,
                                 std::atomic<std::uint32_t>& used, std::uint32_t capacity,
                                 std::uint64_t key, RowList* list = nullptr) noexcept {
  for (std::uint64_t p = mix64(key) & mask, n = 0; n <= mask; p = (p + 1) & mask, ++n) {
    const std::uint64_t k = rows[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k != 0) continue;
    // Bound the fill level before claiming (relaxed: a plain counter).
    if (!rmw.update<std::memory_order_relaxed>(used, [&](std::uint32_t u, std::uint32_t& next) {
          next = u + 1;
          return u < capacity;
        })) {
      return kNoIdx;
    }
    // acq_rel: publishes the key (pairs with the acquire loads above); on
    // failure, acquire to read the winner's key (with one writer: a release
    // store of the key into the empty row).
    std::uint64_t winner = 0;
    if (rmw.update<std::memory_order_acq_rel>(rows[p].key,
                                              [&](std::uint64_t cur, std::uint64_t& next) {
                                                winner = cur;
                                                next = key;
                                                return cur == 0;
                                              })) {
      if (list != nullptr) list->append(rmw, static_cast<std::uint32_t>(p));
      return static_cast<std::uint32_t>(p);
    }
    rmw.sub<std::memory_order_relaxed>(used, 1u);
    if (winner == key) return static_cast<std::uint32_t>(p);
  }
  return kNoIdx;
}

std::uint64_t pair_of(std::uint32_t hi, std::uint32_t lo) noexcept {
  return (static_cast<std::uint64_t>(hi) << 32 | lo) + 1;
}

}  // namespace

std::uint32_t Engine::find_pair(AccountIdx a, SymbolIdx s) const noexcept {
  return find_row(pairs_.get(), pair_mask_, pair_of(a, s));
}

std::uint32_t Engine::find_or_insert_pair(AccountIdx a, SymbolIdx s) noexcept {
  return find_or_insert_row(Rmw(one_writer_), pairs_.get(), pair_mask_, pairs_used_,
                            caps_.max_account_symbols, pair_of(a, s), pair_list_.get());
}

std::uint32_t Engine::find_parent(std::uint64_t key) const noexcept {
  return find_row(parents_.get(), parent_mask_, key);
}

std::uint32_t Engine::find_or_insert_parent(std::uint64_t key) noexcept {
  return find_or_insert_row(Rmw(one_writer_), parents_.get(), parent_mask_, parents_used_,
                            caps_.max_parents, key);
}

std::uint32_t Engine::find_session_symbol(SessionIdx session, SymbolIdx s) const noexcept {
  return find_row(session_symbols_.get(), session_symbol_mask_, pair_of(session, s));
}

std::uint32_t Engine::find_or_insert_session_symbol(SessionIdx session, SymbolIdx s) noexcept {
  return find_or_insert_row(Rmw(one_writer_), session_symbols_.get(), session_symbol_mask_,
                            session_symbols_used_, caps_.max_session_symbols, pair_of(session, s));
}

}  // namespace riskgate::risk
