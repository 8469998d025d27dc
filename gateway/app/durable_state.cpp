#include "gateway/app/durable_state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "common/utc_clock.hpp"
#include "gateway/app/journaled_store.hpp"

namespace riskgate::app {
namespace {

// The journal's gateway name (file header, ring file names): stable for one
// journal path, different for two gateways on one host. FNV-1a of the
// absolute path: moving a journal file is refused as another gateway's
// rather than silently sharing rings.
std::string gateway_name_for(const std::filesystem::path& file) {
  const std::string p = std::filesystem::absolute(file).lexically_normal().string();
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : p) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "rg-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

journal::SyncPolicy to_policy(config::JournalSync s) {
  switch (s) {
    case config::JournalSync::kNone:
      return journal::SyncPolicy::kNone;
    case config::JournalSync::kInterval:
      return journal::SyncPolicy::kInterval;
    case config::JournalSync::kEveryMessage:
      return journal::SyncPolicy::kEveryBatch;
  }
  return journal::SyncPolicy::kInterval;
}

}  // namespace

DurableState::DurableState(const config::GatewayDef& g, std::uint32_t trading_day,
                           const session::Clock& clock)
    : file_(g.journal_file), clock_(clock) {
  const std::filesystem::path path(g.journal_file);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  // One process per journal: a second gateway on the same file would share
  // its rings and interleave its records. The lock dies with the process.
  const std::string lock_path = g.journal_file + ".lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "journal lock " + lock_path);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("journal " + g.journal_file +
                             " is in use by another riskgate process (" + std::strerror(err) +
                             "); one gateway per JournalFile");
  }
  journal::JournalConfig jc;
  jc.file = path;
  jc.ring_dir = g.journal_ring_dir;
  jc.gateway = gateway_name_for(path);
  jc.trading_day = trading_day;
  jc.producers = 1;
  jc.ring_capacity = std::size_t{g.journal_ring_mib} << 20;
  jc.sync = to_policy(g.journal_sync);
  jc.sync_interval = std::chrono::milliseconds(g.journal_sync_interval_ms);
  jc.cpu = g.journal_cpu;
  jc.keep_days = g.journal_retention_days;
  config_ = jc;
  try {
    journal_ = std::make_unique<journal::Journal>(jc);
    const journal::JournalFile f(path);
    recovered_ = journal::recover(f);
  } catch (...) {
    ::close(lock_fd_);  // The destructor does not run for a throwing constructor.
    lock_fd_ = -1;
    throw;
  }
  for (const auto& [id, s] : recovered_.sessions) {
    if (!s.name.empty()) {
      // One name under two ids (a file from before ids were kept by name,
      // with a session moved or removed): the later declaration is the one.
      const auto [it, added] = old_id_by_name_.try_emplace(s.name, id);
      if (!added && recovered_.sessions.at(it->second).declared_at < s.declared_at) it->second = id;
    }
    if (id != journal::kNoSession)
      next_journal_id_ = std::max(next_journal_id_, std::uint32_t{id} + 1u);
  }
  day_ = recovered_.trading_day;
}

DurableState::~DurableState() {
  if (journal_) {
    // A clean stop drained every ring into the file: the ring files (16 MiB
    // of tmpfs each) are no longer needed. After a crash they are what the
    // next start replays, so only this path removes them.
    const bool clean = journal_->healthy();
    journal_.reset();
    std::error_code ec;
    if (clean) std::filesystem::remove(journal::Journal::ring_path(config_, 0), ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::uint64_t DurableState::append_failures() const noexcept {
  std::uint64_t n = append_failures_.load(std::memory_order_relaxed);  // A statistic.
  for (const JournaledStore* s : stores_)
    if (s != nullptr) n += s->append_failures();
  return n;
}

std::unique_ptr<session::MessageStore> DurableState::make_store(
    std::uint16_t id, std::string_view name, journal::Leg leg,
    std::unique_ptr<session::MemoryStore> inner, std::int64_t period_start_ns,
    JournaledStore::Copies copies) {
  // The session's journal id: the one the file knows it by, or one no record
  // of the file has used. An id never changes its name within a file, so a
  // record means the same session at every restart, however the [[session]]
  // blocks move between runs (the config index is only the route's).
  auto old = old_id_by_name_.find(std::string(name));
  std::uint16_t jid = 0;
  if (old != old_id_by_name_.end()) {
    jid = old->second;
  } else {
    if (next_journal_id_ >= journal::kNoSession)
      throw std::runtime_error("journal " + file_ + ": no session id left for " +
                               std::string(name) + " (start a new JournalFile)");
    jid = static_cast<std::uint16_t>(next_journal_id_++);
  }
  if (journal_ids_.size() <= id) journal_ids_.resize(std::size_t{id} + 1, journal::kNoSession);
  journal_ids_[id] = jid;
  auto store =
      std::make_unique<JournaledStore>(std::move(inner), journal_->ring(0), jid, failed_, copies);
  if (stores_.size() <= id) stores_.resize(std::size_t{id} + 1, nullptr);
  stores_[id] = store.get();
  if (old != old_id_by_name_.end() &&
      recovered_.sessions.at(old->second).numbering_start_utc_ns < period_start_ns) {
    // Its numbering began before this period (the period ended while
    // riskgate was down, or while it was logging the session out for the
    // reset): a fresh start, on record. Not judged by the latest record,
    // which that Logout may have stamped after the period began.
    if (journal::append_sequence_set(journal_->ring(0), jid, 1, 1, clock_.utc_ns()) !=
        journal::AppendStatus::kOk)
      throw std::runtime_error("journal " + file_ + ": cannot reset session " + std::string(name));
    old = old_id_by_name_.end();
  }
  if (old != old_id_by_name_.end()) store->restore(recovered_.sessions.at(old->second));
  if (journal::declare_session(journal_->ring(0), jid, leg, name, clock_.utc_ns()) !=
      journal::AppendStatus::kOk)
    throw std::runtime_error("journal " + file_ + ": cannot declare session " + std::string(name));
  return store;
}

route::OrderJournal& DurableState::order_journal(std::uint16_t id, route::RouteGroup& group) {
  group_journals_.push_back(std::make_unique<GroupOrderJournal>(
      journal_->ring(0), id, stores_, journal_ids_, failed_, append_failures_));
  // Its journal id is make_store's for `id`, made before this.
  const std::uint16_t jid = id < journal_ids_.size() ? journal_ids_[id] : journal::kNoSession;
  if (jid == journal::kNoSession)
    throw std::logic_error("journal: order_journal before make_store for session " +
                           std::to_string(id));
  carried_groups_.push_back(CarriedGroup{&group, jid});
  return *group_journals_.back();
}

DurableState::Restored DurableState::restore_orders(const std::vector<Target>& sessions,
                                                    risk::Engine& engine, std::uint32_t today) {
  Restored out;
  // Old journal id -> today's group / client index, through the names.
  std::unordered_map<std::uint16_t, route::RouteGroup*> group_of;
  std::unordered_map<std::uint32_t, const Target*> client_of;
  for (const auto& t : sessions) {
    const auto old = old_id_by_name_.find(t.name);
    if (old == old_id_by_name_.end()) continue;
    if (t.group != nullptr) group_of[old->second] = t.group;
    if (t.leg != nullptr) client_of[old->second] = &t;
  }
  auto reset_day = [&] {
    engine.reset_day();
    for (const auto& t : sessions) {
      if (t.leg != nullptr) engine.reset_session_day(t.leg->risk_state());
      if (t.group != nullptr) t.group->forget_ended();
    }
  };
  // An owner's journal id to today's client index; an owner no longer
  // configured: tracked (a kill cancels it), unowned.
  auto owner = [&](std::uint32_t jid) -> std::uint32_t {
    const auto c = client_of.find(jid);
    return c != client_of.end() ? c->second->leg->index() : risk::kNoIdx;
  };
  // One pass over the file, in journal order: each order event applied as it
  // was live, each day roll where it happened. A day's file opens with the
  // carry of the roll that began it: applied while nothing else has been.
  bool at_head = true;
  const journal::JournalFile file(file_);
  (void)file.scan_logical([&](const journal::RecordView& rec) {
    if (rec.type() == journal::RecordType::kTradingDayRoll) {
      at_head = false;
      reset_day();
      return;
    }
    if (rec.type() == journal::RecordType::kPositionCarry) {
      journal::PositionCarry c;
      if (!at_head || !journal::decode(rec, c)) return;
      if ((c.flags & journal::PositionCarry::kHasPosition) != 0 &&
          !engine.restore_position(c.account, c.symbol, c.position))
        ++out.skipped;  // Its account or symbol is no longer configured.
      if ((c.flags & journal::PositionCarry::kHasLastFill) != 0)
        (void)engine.restore_last_fill(c.symbol, c.last_fill_px);
      return;
    }
    const bool carried = rec.type() == journal::RecordType::kCarriedOrder;
    if (rec.type() != journal::RecordType::kOrderEvent && !carried) return;
    if (carried && !at_head) return;
    at_head = at_head && carried;
    journal::OrderEvent e;
    if (!journal::decode(rec, e)) return;
    const auto g = group_of.find(rec.header.session);
    if (g == group_of.end()) {
      ++out.skipped;  // Its exchange session is no longer configured.
      return;
    }
    if (carried) {
      e.client_session = owner(e.client_session);
      if (!g->second->restore_carried(e)) ++out.skipped;
      ++out.events;
      return;
    }
    // A new order or replace is journaled just before its message is stored
    // and sent: one whose number the exchange session never recorded as
    // sent (a crash in between, or a send the transport refused) never
    // left. Not restored, so the engine's resend of it is judged afresh.
    // Its number is compared with the numbering it was sent in: a sequence
    // reset after it (a GTC order working across days) takes the session's
    // numbers back, not the order's sending.
    if ((e.kind == journal::OrderEventKind::kNew || e.kind == journal::OrderEventKind::kReplace) &&
        rec.header.sequence != 0) {
      const auto sent = recovered_.sessions.find(rec.header.session);
      if (sent == recovered_.sessions.end() ||
          rec.header.sequence > sent->second.last_sent_seq_at(rec.offset)) {
        ++out.never_sent;
        return;
      }
    }
    e.client_session = owner(e.client_session);
    if (!g->second->restore_event(e)) ++out.skipped;
    ++out.events;
  });
  engine_ = &engine;  // What the day rolls carry from.
  const std::uint32_t journal_day = recovered_.trading_day;
  if (today > journal_day) {
    // The boundary passed while riskgate was down: the day it starts in is
    // a new one (working orders stay, as at a live roll).
    reset_day();
    on_day_roll(today);
    out.day_rolled = true;
  }
  for (const auto& t : sessions) {
    if (t.group == nullptr) continue;
    t.group->restore_id_floor(recovered_.next_kill_cancel_id);
    t.group->finish_restore();
    out.working += t.group->working_orders();
  }
  return out;
}

void DurableState::start() {
  journal_->start();
}

void DurableState::stop() {
  if (!journal_) return;
  journal_->stop();
}

void DurableState::on_day_roll(std::uint32_t to) noexcept {
  const std::uint32_t from = day_;
  day_ = to;
  const DayRollAppended r = append_day_roll(journal_->ring(0), carried_groups_, engine_,
                                            journal_ids_, from, to, clock_.utc_ns());
  if (r.carry_failed)
    carry_failures_.store(carry_failures_.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  if (r.roll_failed) {
    append_failures_.store(append_failures_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    failed_.store(true, std::memory_order_release);
  }
}

}  // namespace riskgate::app
