// The gateway's durable state (issue 11, items 3 and 4): one journal per
// gateway, what each session and route group writes to it, and the restart
// that reads it back.
//
// At construction (setup, main thread) the journal is opened: rings a killed
// process left are replayed into the file, a torn tail is cut, and the file
// is read back into a journal::RecoveredState. The gateway then
//   1. wraps each session's store (make_store): the session resumes the
//      numbers it had and answers ResendRequests with what it sent, so both
//      legs log on again without a sequence reset;
//   2. replays the order events into the route groups (restore_orders):
//      working orders, exposure, positions and the day's gross notional come
//      back, and each group with working orders waits for the exchange to
//      resend what it missed before it takes new orders (reconciling);
//   3. start()s the journal thread, before the I/O thread runs.
// Sessions and groups are matched by name, not by position: a session keeps
// the journal id the file first knew it by (make_store), so reordering
// [[session]] blocks between runs is safe at every later restart too.
//
// Threads: setup and stop on the owner's thread; the stores and order
// journals on the I/O thread (the ring's only producer); healthy() anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "gateway/app/day_roll.hpp"
#include "gateway/app/order_journal.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::app {

class DurableState {
 public:
  // Throws (with the file's name) when the journal cannot be opened, was
  // written by another gateway, or is in use by a running process.
  DurableState(const config::GatewayDef& g, std::uint32_t trading_day, const session::Clock& clock);
  ~DurableState();
  DurableState(const DurableState&) = delete;
  DurableState& operator=(const DurableState&) = delete;

  // Setup: declares session `id` (its index in the config) under `name` and
  // wraps `inner` in a journaled store holding what the journal recorded for
  // that name. Its records go under the journal id the file knows `name` by,
  // or a new one: never an id the file used for another name.
  // `period_start_ns`: for a session with a schedule, when its current
  // period began; numbers recorded before it belong to a period that has
  // ended (its StartTime passed while riskgate was down) and start again at
  // 1, as they would have live.
  std::unique_ptr<session::MessageStore> make_store(
      std::uint16_t id, std::string_view name, journal::Leg leg,
      std::unique_ptr<session::MemoryStore> inner,
      std::int64_t period_start_ns = std::numeric_limits<std::int64_t>::min(),
      JournaledStore::Copies copies = JournaledStore::Copies::kCopy);
  // Setup: the journal of route group `group`, whose exchange session is
  // `id`; the day roll carries its working orders (on_day_roll).
  route::OrderJournal& order_journal(std::uint16_t id, route::RouteGroup& group);

  struct Restored {
    std::size_t events = 0;      // Order events replayed.
    std::size_t working = 0;     // Orders left working, all groups.
    std::size_t skipped = 0;     // Events no group or table could take.
    std::size_t never_sent = 0;  // New orders/replaces journaled, never sent: not restored.
    bool day_rolled = false;     // The trading day changed while riskgate was down.
  };
  // Setup, after every session exists: replays the order events into the
  // groups (by exchange session name), mapping each order's owner by name to
  // `client_index`; resets the day where the journal rolled it, and once more
  // if `today` is later than the journal's last day. Then each group waits
  // for its exchange (RouteGroup::finish_restore).
  // A day's file starts with the carry of the day roll that began it (its
  // working orders, positions and anchors): those records are applied only
  // there, at the head of the file, before any order event; anywhere else
  // (a roll that kept its file) the events before them said it already.
  // `engine` is also what the day rolls carry from, from here on.
  struct Target {
    std::string name;
    route::RouteGroup* group = nullptr;  // Exchange sessions only.
    route::ClientLeg* leg = nullptr;     // Client sessions only.
  };
  Restored restore_orders(const std::vector<Target>& sessions, risk::Engine& engine,
                          std::uint32_t today);

  void start();  // The journal thread.
  void stop();   // Joins it; drains and syncs what is left.

  // I/O thread: the trading day rolled to `to` (route::TradingDay's hook).
  // Journals the day's carry and the roll (app::append_day_roll): the
  // journal thread then starts the new day's file.
  void on_day_roll(std::uint32_t to) noexcept;
  // Day rolls whose carry did not fit in the ring (that day's file was not
  // split). Any thread; relaxed, a statistic.
  [[nodiscard]] std::uint64_t carry_failures() const noexcept {
    return carry_failures_.load(std::memory_order_relaxed);
  }

  // Any thread: the journal writes and nothing failed to fit. Acquire pairs
  // with the release stores of the writers that set failed_.
  [[nodiscard]] bool healthy() const noexcept {
    return journal_->healthy() && !failed_.load(std::memory_order_acquire);
  }
  [[nodiscard]] const journal::Journal& journal() const noexcept { return *journal_; }
  [[nodiscard]] const journal::RecoveredState& recovered() const noexcept { return recovered_; }
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  // Records the journal could not take: the order journals' and every
  // session store's (an order step refused for a full ring counts here).
  // Any thread once setup is done (the stores are made before the I/O
  // thread starts and never change after).
  [[nodiscard]] std::uint64_t append_failures() const noexcept;

 private:
  std::string file_;
  const session::Clock& clock_;
  journal::JournalConfig config_;
  std::unique_ptr<journal::Journal> journal_;
  int lock_fd_ = -1;  // flock on the journal: one gateway per file.
  journal::RecoveredState recovered_;
  std::unordered_map<std::string, std::uint16_t> old_id_by_name_;
  std::uint32_t next_journal_id_ = 0;  // Above every id the file has used.
  // Journal id by config index (journal::kNoSession: none), for the order
  // journals' owner field. Filled at setup, read-only once the I/O thread runs.
  std::vector<std::uint16_t> journal_ids_;
  // Each session's journaled store by id (owned by its session slot, which
  // outlives the I/O thread), for the group journals' one-record order step.
  std::vector<JournaledStore*> stores_;
  std::vector<std::unique_ptr<GroupOrderJournal>> group_journals_;
  std::vector<CarriedGroup> carried_groups_;      // Setup; read by on_day_roll.
  const risk::Engine* engine_ = nullptr;          // Set by restore_orders.
  std::atomic<std::uint64_t> carry_failures_{0};  // One writer (the I/O thread).
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> append_failures_{0};  // Order-journal failures (I/O thread).
  std::uint32_t day_ = 0;  // The journal's current trading day (I/O thread after setup).
};

}  // namespace riskgate::app
