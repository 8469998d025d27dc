#include "tests/support/flow_replay.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "config/config.hpp"
#include "risk/engine.hpp"
#include "risk/kill_switch.hpp"
#include "tests/support/flow_generators.hpp"

namespace riskgate::replay {

std::string_view flow_kind_name(FlowKind k) noexcept {
  switch (k) {
    case FlowKind::kRunawayTagged:
      return "runaway_tagged";
    case FlowKind::kRunawayUntagged:
      return "runaway_untagged";
    case FlowKind::kRunawaySpread:
      return "runaway_spread";
    case FlowKind::kRetail:
      return "retail";
    case FlowKind::kMarketMaker:
      return "market_maker";
    case FlowKind::kAlgoReplace:
      return "algo_replace";
    case FlowKind::kAlgoCancelNew:
      return "algo_cancel_new";
    case FlowKind::kProgramTrade:
      return "program_trade";
    case FlowKind::kRetailBurst:
      return "retail_burst";
    case FlowKind::kMarketMakerTrending:
      return "market_maker_trending";
  }
  return "?";
}

bool is_runaway(FlowKind k) noexcept {
  return k == FlowKind::kRunawayTagged || k == FlowKind::kRunawayUntagged ||
         k == FlowKind::kRunawaySpread;
}

std::string synthetic_symbol(std::uint32_t k) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "S%04u", k);
  return buf;
}

risk::Micros synthetic_reference_price(std::uint32_t k) noexcept {
  // Log-uniform over [10, 500) by a golden-ratio sequence: deterministic, no
  // two neighbours alike, and as many cheap stocks as dear ones per decade.
  const double u = std::fmod((k + 1) * 0.6180339887498949, 1.0);
  const double px = 10.0 * std::pow(50.0, u);
  return std::llround(px * 100.0) * (risk::kMicro / 100);
}

risk::RiskConfig shipped_risk_config() {
  return config::load_config(std::string(RISKGATE_SOURCE_DIR) + "/config/riskgate.toml").risk;
}

namespace {

std::uint32_t next_pow2(std::uint64_t n) {
  std::uint64_t p = 1;
  while (p < n) p <<= 1;
  return static_cast<std::uint32_t>(p);
}

void raise_capacity(std::uint32_t& cap, std::uint64_t need, const char* name,
                    std::vector<std::string>& notes) {
  if (need <= cap) return;
  const std::uint32_t to = next_pow2(need);
  notes.push_back(std::string("capacities.") + name + " raised from " + std::to_string(cap) +
                  " to " + std::to_string(to) + " for the synthetic reference data");
  cap = to;
}

}  // namespace

std::vector<std::string> add_synthetic_reference_data(risk::RiskConfig& c,
                                                      const std::vector<std::string>& accounts) {
  std::vector<std::string> notes;
  std::unordered_set<std::string> have;
  for (const auto& s : c.symbols) have.insert(s.symbol);
  for (std::uint32_t k = 0; k < kSyntheticSymbols; ++k) {
    std::string name = synthetic_symbol(k);
    if (have.count(name) != 0) continue;
    risk::SymbolRef ref;
    ref.symbol = std::move(name);
    ref.reference_price = synthetic_reference_price(k);
    ref.lot_size = 1;
    c.symbols.push_back(std::move(ref));
  }
  have.clear();
  for (const auto& a : c.accounts) have.insert(a.name);
  for (const auto& a : accounts) {
    if (have.insert(a).second) c.accounts.push_back({a, {}});
  }
  raise_capacity(c.capacities.max_symbols, c.symbols.size(), "max_symbols", notes);
  raise_capacity(c.capacities.max_accounts, c.accounts.size(), "max_accounts", notes);
  return notes;
}

std::optional<std::int64_t> SessionResult::kill_after_past_filled_ns() const noexcept {
  if (!killed) return std::nullopt;
  if (first_past_filled_ns < 0 || kill_ns <= first_past_filled_ns) return 0;
  return kill_ns - first_past_filled_ns;
}

std::vector<std::pair<std::string_view, std::int64_t>> SessionResult::refusals_by_rule() const {
  std::vector<std::pair<std::string_view, std::int64_t>> out;
  for (std::size_t r = 0; r < kRuleCount; ++r) {
    if (refused_by_rule[r] > 0) {
      out.emplace_back(risk::rule_name(static_cast<risk::RuleId>(r)), refused_by_rule[r]);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string describe(const SessionResult& s) {
  char buf[512];
  const auto sec = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  std::snprintf(buf, sizeof buf,
                "%s (session %u, %s): %lld orders, %lld refused, %lld cancels (%lld refused), "
                "%lld hits; executed %lld shares / %.1f M; ",
                s.name.c_str(), s.session, s.account.c_str(), static_cast<long long>(s.orders),
                static_cast<long long>(s.refused), static_cast<long long>(s.cancels),
                static_cast<long long>(s.cancels_refused), static_cast<long long>(s.hits),
                static_cast<long long>(s.executed_qty),
                static_cast<double>(s.executed_notional) / 1e12);
  std::string out = buf;
  if (s.killed) {
    std::string why = s.kill_reason;
    if (!s.kill_detail.empty()) {
      why += ", by " + s.kill_detail;
    } else if (s.kill_rule != risk::RuleId::kNone) {
      why += ", by " + std::string(risk::rule_name(s.kill_rule));
    }
    std::snprintf(buf, sizeof buf, "killed at %.3f s (%s); ", sec(s.kill_ns), why.c_str());
    out += buf;
  } else {
    out += "not killed; ";
  }
  if (s.first_past_filled_ns >= 0) {
    std::snprintf(
        buf, sizeof buf, "first child past a filled parent at %.3f s, %lld shares executed since; ",
        sec(s.first_past_filled_ns), static_cast<long long>(s.executed_qty_since_past_filled));
    out += buf;
  }
  if (s.first_refusal_ns >= 0) {
    std::snprintf(buf, sizeof buf, "first refusal at %.3f s: %s", sec(s.first_refusal_ns),
                  s.first_refusal.c_str());
    out += buf;
  } else {
    out += "no refusal";
  }
  return out;
}

namespace {

// The simulated steady clock at the replay's start: non-zero, as a real one.
constexpr std::int64_t kEpochNs = 1'000 * kNsPerSec;
constexpr std::uint32_t kExchangeSession = 0;

struct LiveOrder {
  risk::Reservation ticket;
  std::int64_t qty = 0;
  std::int64_t cum = 0;
  risk::Micros price = 0;  // Limit price; 0: market.
  std::uint32_t symbol = 0;
  risk::Side side = risk::Side::kBuy;
  std::int32_t parent = -1;
};

struct ParentTrack {
  std::int64_t qty = 0;  // 0: not seen.
  std::int64_t executed = 0;
};

struct Run {
  FlowSpec spec;
  std::unique_ptr<Flow> flow;
  std::unique_ptr<risk::SessionState> state;
  std::unordered_map<std::uint64_t, LiveOrder> live;
  std::vector<ParentTrack> parents;
  std::string parent_prefix;  // "P<session>-": parent ids are per account in the engine.
  SessionResult res;
  Step pending;
  bool done = false;
};

class Driver {
 public:
  Driver(const risk::RiskConfig& config, std::vector<FlowSpec> flows, const ReplayOptions& opt)
      : opt_(opt) {
    risk::RiskConfig c = config;
    std::vector<std::string> accounts;
    for (const auto& f : flows) accounts.push_back(f.account);
    result_.notes = add_synthetic_reference_data(c, accounts);
    std::vector<std::string> session_notes;
    raise_capacity(c.capacities.max_sessions, flows.size() + 1, "max_sessions", session_notes);
    result_.notes.insert(result_.notes.end(), session_notes.begin(), session_notes.end());
    // Single-threaded, like the gateway's one I/O thread: one writer.
    engine_ = std::make_unique<risk::Engine>(c, risk::WriterThreads::kOne);

    for (std::uint32_t k = 0; k < kSyntheticSymbols; ++k) {
      names_.push_back(synthetic_symbol(k));
      book_.reference.push_back(synthetic_reference_price(k));
    }
    runs_.reserve(flows.size());
    for (std::size_t i = 0; i < flows.size(); ++i) {
      Run& r = runs_.emplace_back();
      r.spec = std::move(flows[i]);
      if (r.spec.name.empty()) r.spec.name = std::string(flow_kind_name(r.spec.kind));
      const auto idx = static_cast<risk::SessionIdx>(i + 1);
      r.flow = make_flow(r.spec, book_);
      r.state = std::make_unique<risk::SessionState>(engine_->make_session(idx));
      r.parent_prefix = "P" + std::to_string(idx) + "-";
      r.res.name = r.spec.name;
      r.res.kind = r.spec.kind;
      r.res.account = r.spec.account;
      r.res.session = idx;
    }
  }

  ReplayResult run() {
    using Item = std::pair<std::int64_t, std::size_t>;  // (time, run): ties by session.
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      if (advance(runs_[i])) queue.push({runs_[i].pending.at_ns, i});
    }
    generation_ = engine_->kills().generation();
    while (!queue.empty()) {
      const std::size_t i = queue.top().second;
      queue.pop();
      Run& r = runs_[i];
      if (r.done) continue;
      const Step s = r.pending;
      now_ = s.at_ns;
      execute(r, s);
      ++result_.steps;
      observe_kills();
      if (advance(r)) queue.push({r.pending.at_ns, i});
    }
    result_.sim_end_ns = now_;
    for (Run& r : runs_) {
      for (const ParentTrack& p : r.parents) {
        if (p.qty == 0) continue;
        ++r.res.parents_seen;
        if (p.executed > p.qty) {
          ++r.res.parents_overfilled;
          r.res.max_parent_overfill = std::max(r.res.max_parent_overfill, p.executed - p.qty);
        }
      }
      result_.sessions.push_back(std::move(r.res));
    }
    return std::move(result_);
  }

 private:
  // Fetches the run's next step; false when the run is over.
  bool advance(Run& r) {
    if (r.done) return false;
    if (r.spec.max_orders > 0 && r.res.orders >= r.spec.max_orders) r.done = true;
    if (!r.done) {
      const std::int64_t prev = r.pending.at_ns;
      r.pending = r.flow->next();
      if (r.pending.at_ns < prev)
        throw std::logic_error("flow " + r.spec.name + ": time went back");
      if (r.spec.duration_ns > 0 && r.pending.at_ns > r.spec.start_ns + r.spec.duration_ns) {
        r.done = true;
      }
      if (r.pending.at_ns > opt_.max_sim_ns) r.done = true;
    }
    return !r.done;
  }

  static std::string_view id_view(char* buf, std::size_t cap, std::uint64_t id) {
    const auto res = std::to_chars(buf, buf + cap, id);
    return {buf, static_cast<std::size_t>(res.ptr - buf)};
  }

  risk::OrderView view(const Run& r, const Step& s, risk::Action action) {
    risk::OrderView v;
    v.action = action;
    v.session = r.res.session;
    v.exchange_session = kExchangeSession;
    v.cl_ord_id = id_view(id_buf_, sizeof id_buf_, s.id);
    if (action != risk::Action::kNew)
      v.orig_cl_ord_id = id_view(orig_buf_, sizeof orig_buf_, s.orig_id);
    v.account = r.spec.account;
    v.symbol = names_[s.symbol];
    v.side = s.side;
    v.ord_type = s.ord_type;
    v.quantity = s.qty;
    v.price = s.price;
    v.has_price = s.ord_type == risk::OrdType::kLimit;
    if (s.tagged && s.parent >= 0) {
      const std::string& p = r.parent_prefix;
      std::copy(p.begin(), p.end(), parent_buf_);
      const std::string_view n =
          id_view(parent_buf_ + p.size(), sizeof parent_buf_ - p.size(), s.parent);
      v.parent_id = {parent_buf_, p.size() + n.size()};
      v.parent_quantity = s.parent_qty;
    }
    v.now_ns = kEpochNs + s.at_ns;
    return v;
  }

  LiveOrder& live(Run& r, std::uint64_t id) {
    const auto it = r.live.find(id);
    if (it == r.live.end()) {
      throw std::logic_error("flow " + r.spec.name + ": step on order " + std::to_string(id) +
                             ", which is not working");
    }
    return it->second;
  }

  void refused(Run& r, const risk::Decision& d, const risk::OrderView& v) {
    ++r.res.refused_by_rule[static_cast<std::size_t>(d.rule)];
    char text[160];
    const std::size_t n = risk::format_reject_text(d, v, text, sizeof text);
    if (d.session_killed) kill_rule_[r.res.session] = {d.rule, std::string(text, n)};
    if (r.res.first_refusal_ns >= 0) return;
    static constexpr const char* kAction[] = {"new", "replace", "cancel"};
    r.res.first_refusal_ns = now_;
    r.res.first_refusal = std::string(kAction[static_cast<int>(v.action)]) + " " +
                          std::string(v.symbol) + ": " + std::string(text, n);
  }

  // The exchange executes `qty` of `o` at `px`; returns true if the order is done.
  bool fill(Run& r, LiveOrder& o, std::int64_t qty, risk::Micros px) {
    o.cum += qty;
    risk::ExecEvent ev;
    ev.last_qty = qty;
    ev.last_px = px;
    ev.leaves_qty = o.qty - o.cum;
    ev.cum_qty = o.cum;
    ev.kind = ev.leaves_qty <= 0 ? risk::ExecKind::kFill : risk::ExecKind::kPartialFill;
    ev.now_ns = kEpochNs + now_;
    const risk::ExecOutcome out = engine_->on_execution(o.ticket, ev);
    if (out.throttled) ++r.res.throttles;
    if (out.session_killed) kill_rule_[r.res.session] = {out.rule, exec_detail(out)};
    r.res.executed_qty += qty;
    if (o.side == risk::Side::kBuy) r.res.executed_buy_qty += qty;
    r.res.executed_notional += qty * px;
    if (r.res.first_past_filled_ns >= 0) r.res.executed_qty_since_past_filled += qty;
    if (o.parent >= 0) r.parents[static_cast<std::size_t>(o.parent)].executed += qty;
    return ev.leaves_qty <= 0;
  }

  static std::string exec_detail(const risk::ExecOutcome& out) {
    char buf[128];
    if (out.values_are_micros) {
      std::snprintf(buf, sizeof buf, "%s: %.2f > %.2f",
                    std::string(risk::rule_name(out.rule)).c_str(),
                    static_cast<double>(out.actual) / risk::kMicro,
                    static_cast<double>(out.limit) / risk::kMicro);
    } else {
      std::snprintf(buf, sizeof buf, "%s: %lld > %lld",
                    std::string(risk::rule_name(out.rule)).c_str(),
                    static_cast<long long>(out.actual), static_cast<long long>(out.limit));
    }
    return buf;
  }

  void exchange_cancel(LiveOrder& o) {
    risk::ExecEvent ev;
    ev.kind = risk::ExecKind::kCanceled;
    ev.leaves_qty = 0;
    ev.cum_qty = o.cum;
    ev.now_ns = kEpochNs + now_;
    (void)engine_->on_execution(o.ticket, ev);
  }

  void note_parent(Run& r, const Step& s) {
    if (s.parent < 0) return;
    const auto p = static_cast<std::size_t>(s.parent);
    if (p >= r.parents.size()) r.parents.resize(p + 1);
    ParentTrack& t = r.parents[p];
    if (t.qty == 0) t.qty = s.parent_qty;
    if (s.kind == StepKind::kNew && t.executed >= t.qty && r.res.first_past_filled_ns < 0) {
      r.res.first_past_filled_ns = s.at_ns;
    }
  }

  void execute(Run& r, const Step& s) {
    Outcome out;
    r.res.last_step_ns = s.at_ns;
    switch (s.kind) {
      case StepKind::kNew: {
        note_parent(r, s);
        ++r.res.orders;
        risk::Reservation t;
        const risk::OrderView v = view(r, s, risk::Action::kNew);
        const risk::Decision d = engine_->check_and_commit(v, *r.state, t);
        if (!d.accepted()) {
          ++r.res.refused;
          refused(r, d, v);
          break;
        }
        ++r.res.accepted;
        out.accepted = true;
        LiveOrder& o = r.live[s.id];
        o = {t, s.qty, 0, s.price, s.symbol, s.side, s.parent};
        risk::ExecEvent ack;
        ack.kind = risk::ExecKind::kNewAck;
        ack.leaves_qty = s.qty;
        ack.now_ns = kEpochNs + now_;
        (void)engine_->on_execution(o.ticket, ack);
        if (s.marketable) {
          out.filled = s.qty;
          out.done = fill(r, o, s.qty, book_.reference[s.symbol]);
          r.live.erase(s.id);
        }
        break;
      }
      case StepKind::kReplace: {
        note_parent(r, s);
        ++r.res.orders;
        ++r.res.replaces;
        LiveOrder& orig = live(r, s.orig_id);
        if (s.qty <= orig.cum)
          throw std::logic_error("flow " + r.spec.name + ": replace to <= cum");
        risk::Reservation t;
        const risk::OrderView v = view(r, s, risk::Action::kReplace);
        const risk::Decision d = engine_->check_and_commit(v, *r.state, t, &orig.ticket);
        if (!d.accepted()) {
          ++r.res.refused;
          refused(r, d, v);
          break;
        }
        ++r.res.accepted;
        out.accepted = true;
        // The exchange acks the replace: the replacement carries the order.
        engine_->on_replaced(orig.ticket, t);
        const LiveOrder next{t, s.qty, orig.cum, s.price, s.symbol, s.side, orig.parent};
        r.live.erase(s.orig_id);
        r.live.emplace(s.id, next);
        break;
      }
      case StepKind::kCancel: {
        ++r.res.cancels;
        LiveOrder& o = live(r, s.orig_id);
        const risk::OrderView v = view(r, s, risk::Action::kCancel);
        const risk::Decision d = engine_->check_cancel_and_commit(v, *r.state);
        if (!d.accepted()) {
          ++r.res.cancels_refused;
          refused(r, d, v);
          break;
        }
        out.accepted = true;
        exchange_cancel(o);
        out.done = true;
        r.live.erase(s.orig_id);
        break;
      }
      case StepKind::kHit: {
        ++r.res.hits;
        LiveOrder& o = live(r, s.orig_id);
        out.accepted = true;
        out.filled = std::min(s.qty, o.qty - o.cum);
        out.done = fill(r, o, out.filled, o.price);
        if (out.done) r.live.erase(s.orig_id);
        break;
      }
    }
    r.flow->on_outcome(s, out);
  }

  // A kill is seen through the board (whichever call engaged it); the
  // decision that did, if any, names the rule.
  void observe_kills() {
    const std::uint64_t g = engine_->kills().generation();
    if (g == generation_) return;
    generation_ = g;
    for (Run& r : runs_) {
      const risk::SessionIdx idx = r.res.session;
      if (r.res.killed || !engine_->kills().engaged(risk::KillScope::kClientSession, idx)) continue;
      r.res.killed = true;
      r.res.kill_ns = now_;
      r.res.kill_reason = std::string(
          risk::kill_reason_name(engine_->kills().reason(risk::KillScope::kClientSession, idx)));
      if (const auto it = kill_rule_.find(idx); it != kill_rule_.end()) {
        r.res.kill_rule = it->second.first;
        r.res.kill_detail = it->second.second;
      }
      r.res.executed_qty_at_kill = r.res.executed_qty;
      r.res.executed_notional_at_kill = r.res.executed_notional;
      if (opt_.cancel_working_on_kill) {
        for (auto& [id, o] : r.live) exchange_cancel(o);
        r.res.working_cancelled_on_kill = static_cast<std::int64_t>(r.live.size());
        r.live.clear();
      }
      r.done = true;
    }
  }

  ReplayOptions opt_;
  std::unique_ptr<risk::Engine> engine_;
  std::vector<std::string> names_;
  SymbolBook book_;
  std::vector<Run> runs_;
  std::unordered_map<risk::SessionIdx, std::pair<risk::RuleId, std::string>> kill_rule_;
  ReplayResult result_;
  std::uint64_t generation_ = 0;
  std::int64_t now_ = 0;
  char id_buf_[24];
  char orig_buf_[24];
  char parent_buf_[48];
};

}  // namespace

ReplayResult run_replay(const risk::RiskConfig& config, std::vector<FlowSpec> flows,
                        const ReplayOptions& options) {
  Driver d(config, std::move(flows), options);
  return d.run();
}

}  // namespace riskgate::replay
