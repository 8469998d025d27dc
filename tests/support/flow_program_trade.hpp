// Program trade (FlowKind::kProgramTrade): a legitimate one-sided basket
// worked by an execution algo on a schedule. The normal flow most like a
// runaway: every child adds to the same side, in hundreds of names, for most
// of an hour. Internal to the generators: included by flow_generators.cpp
// only (header-only so that the library's source list stays as it is).
//
// The basket: `parents` names drawn from the spec's symbols, all on one side
// (the first program buys; once every parent is filled the next program, of
// new parents, sells, and so on), program_notional split by lognormal weights
// (sigma 1: a few names carry much of it, as in an index basket), each parent
// a whole number of 100-share lots.
//
// The schedule: each parent's target executed quantity grows linearly over
// program_ns (a TWAP; a volume curve would only move the peaks), and the algo
// may run one slice (1/30 of the parent) ahead of it. Events arrive at
// rate_per_sec; each goes to the first of up to 8 unfinished parents drawn at
// random that needs something (none may: the algo waits for its schedule),
// and the algo sends at most one order per parent every 500 ms. It
//   * places a child (at most two working per parent; a slice or what the
//     schedule lacks, at most 5,000 shares and $1M in total) when the
//     schedule wants more: passive 1-10 bps off the reference, or marketable
//     (5 bps through, filled at once) for 30 % of children, when more than
//     two slices behind, and for whatever is left once the schedule is over;
//   * otherwise reprices a working child by replace (new passive price;
//     topped up by up to a slice, within the cap, when the schedule wants
//     more) or, when well ahead of schedule, sometimes cancels it. Once the
//     schedule is over the replace is marketable and fills 1 ms after.
// The market hits 10 % of the passive placements 0.2-20 s later (40 % of the
// hits in full, the others some lots). At the defaults about 30 % of the
// shares are taken by marketable children. Children working + executed never
// exceed their parent; every child carries its parent's id and quantity.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/flow_generator_base.hpp"

namespace riskgate::replay::detail {

class ProgramTrade final : public FlowBase {
 public:
  static constexpr std::int64_t kSlices = 30;
  static constexpr std::int64_t kMaxChildQty = 5'000;
  static constexpr Micros kMaxChildNotional = 1'000'000 * risk::kMicro;
  static constexpr std::int64_t kCatchUpSlices = 2;
  static constexpr double kHitChance = 0.1;
  static constexpr double kTakeShare = 0.3;
  static constexpr int kTries = 8;
  static constexpr std::int64_t kPerNameGapNs = 500 * kMs;

  ProgramTrade(const FlowSpec& spec, const SymbolBook& book) : FlowBase(spec, book) {
    if (spec_.parents == 0 || spec_.parents > spec_.symbols || spec_.program_ns <= 0 ||
        spec_.program_notional <= 0) {
      throw std::invalid_argument("flow " + spec_.name +
                                  ": program trade needs 0 < parents <= symbols, a schedule and "
                                  "a notional");
    }
    start_program(spec_.start_ns, Side::kBuy);
    next_event_ = spec_.start_ns + gap_ns();
  }

  Step next() override {
    for (;;) {
      if (!hits_.empty() && hits_.top().at <= next_event_) {
        const Hit h = hits_.top();
        hits_.pop();
        const Parent& p = parents_[h.slot / kKids];
        const Child& c = p.kids[h.slot % kKids];
        if (p.index != h.parent || c.id == 0) continue;
        Step s = base(p, h.slot, h.at);
        s.kind = StepKind::kHit;
        s.orig_id = c.id;
        const std::int64_t leaves = c.qty - c.cum;
        s.qty = h.full || leaves <= 100 || uniform() < 0.4
                    ? leaves
                    : 100 * uniform_int(1, (leaves - 1) / 100);
        return s;
      }
      const std::int64_t at = next_event_;
      next_event_ += gap_ns();
      if (active_.empty()) start_program(at, side_ == Side::kBuy ? Side::kSell : Side::kBuy);
      // The algo acts on the first of a few parents that needs it.
      for (int tries = 0; tries < kTries; ++tries) {
        const auto ps = active_[static_cast<std::size_t>(uniform_int(0, active_.size() - 1))];
        if (const std::optional<Step> s = work(ps, at)) return *s;
      }
    }
  }

  void on_outcome(const Step& s, const Outcome& o) override {
    const std::uint32_t ps = s.slot / kKids;
    Parent& p = parents_[ps];
    if (p.index != s.parent) return;
    Child& c = p.kids[s.slot % kKids];
    switch (s.kind) {
      case StepKind::kNew:
        if (!o.accepted) break;
        p.filled += o.filled;
        if (!o.done) {
          c = {s.id, s.qty, 0, s.price};
          maybe_hit(s);
        }
        break;
      case StepKind::kReplace:
        if (!o.accepted) break;
        c.id = s.id;
        c.qty = s.qty;
        c.px = s.price;
        if (crosses(s)) {
          hits_.push({s.at_ns + kMs, s.slot, p.index, true});
        } else {
          maybe_hit(s);
        }
        break;
      case StepKind::kCancel:
        if (o.accepted) c = {};
        break;
      case StepKind::kHit:
        c.cum += o.filled;
        p.filled += o.filled;
        if (o.done) c = {};
        break;
    }
    if (p.filled >= p.qty && p.pos >= 0) finish(ps);
  }

 private:
  static constexpr std::uint32_t kKids = 2;
  struct Child {
    std::uint64_t id = 0;  // 0: no working child.
    std::int64_t qty = 0;
    std::int64_t cum = 0;
    Micros px = 0;
  };
  struct Parent {
    std::int32_t index = -1;
    std::uint32_t symbol = 0;
    Side side = Side::kBuy;
    std::int64_t qty = 0;
    std::int64_t filled = 0;
    std::int64_t slice = 100;
    std::int64_t cap = 100;    // Largest child.
    std::int64_t pos = -1;     // Index in active_; -1: filled.
    std::int64_t next_ns = 0;  // Paced: no order for this parent before.
    Child kids[kKids];
  };
  struct Hit {
    std::int64_t at;
    std::uint32_t slot;
    std::int32_t parent;
    bool full;
    bool operator>(const Hit& o) const { return at > o.at; }
  };

  void start_program(std::int64_t at, Side side) {
    side_ = side;
    t0_ = at;
    std::vector<std::uint32_t> names(spec_.symbols);
    std::iota(names.begin(), names.end(), spec_.first_symbol);
    for (std::uint32_t i = 0; i < spec_.parents; ++i) {
      std::swap(names[i], names[static_cast<std::size_t>(uniform_int(i, spec_.symbols - 1))]);
    }
    std::vector<double> weight(spec_.parents);
    std::lognormal_distribution<double> lognormal(0.0, 1.0);
    for (double& w : weight) w = lognormal(rng_);
    const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
    parents_.assign(spec_.parents, Parent{});
    active_.clear();
    for (std::uint32_t i = 0; i < spec_.parents; ++i) {
      Parent& p = parents_[i];
      p.index = next_parent_++;
      p.symbol = names[i];
      p.side = side;
      const double px = static_cast<double>(ref(p.symbol)) / risk::kMicro;
      const double shares = spec_.program_notional * weight[i] / total / px;
      p.qty = std::max<std::int64_t>(100, std::llround(shares / 100) * 100);
      p.slice = std::max<std::int64_t>(100, p.qty / kSlices / 100 * 100);
      p.cap = std::clamp<std::int64_t>(kMaxChildNotional / ref(p.symbol) / 100 * 100, 100,
                                       kMaxChildQty);
      p.pos = i;
      active_.push_back(i);
    }
  }

  void finish(std::uint32_t ps) {
    Parent& p = parents_[ps];
    const std::uint32_t last = active_.back();
    active_[static_cast<std::size_t>(p.pos)] = last;
    parents_[last].pos = p.pos;
    active_.pop_back();
    p.pos = -1;
  }

  // What the algo does for parent `ps` at `at`, if anything.
  std::optional<Step> work(std::uint32_t ps, std::int64_t at) {
    Parent& p = parents_[ps];
    if (at < p.next_ns) return std::nullopt;
    std::optional<Step> s = decide(ps, at);
    if (s) p.next_ns = at + kPerNameGapNs;
    return s;
  }
  std::optional<Step> decide(std::uint32_t ps, std::int64_t at) {
    const Parent& p = parents_[ps];
    const bool late = at >= t0_ + spec_.program_ns;
    const double f = late ? 1.0 : static_cast<double>(at - t0_) / spec_.program_ns;
    const auto target = static_cast<std::int64_t>(f * static_cast<double>(p.qty));
    std::int64_t working = 0;
    std::uint32_t live[kKids];
    std::uint32_t n = 0;
    std::int64_t free = -1;
    for (std::uint32_t k = 0; k < kKids; ++k) {
      if (p.kids[k].id != 0) {
        working += p.kids[k].qty - p.kids[k].cum;
        live[n++] = k;
      } else if (free < 0) {
        free = k;
      }
    }
    const std::int64_t rem = p.qty - p.filled - working;  // Not yet placed.
    const std::int64_t want = target + (late ? 0 : p.slice) - p.filled - working;
    if (free >= 0 && rem > 0 && (late || want >= 100)) {
      const std::int64_t qty =
          std::min({rem, p.cap, late ? rem : std::max(p.slice, want / 100 * 100)});
      const bool aggressive =
          late || target - p.filled - working > kCatchUpSlices * p.slice || uniform() < kTakeShare;
      Step s = base(p, ps * kKids + static_cast<std::uint32_t>(free), at);
      s.kind = StepKind::kNew;
      s.id = new_id();
      s.qty = qty;
      s.marketable = aggressive;
      s.price = aggressive ? marketable_price(p.symbol, p.side, 5)
                           : passive_price(p.symbol, p.side, uniform_int(1, 10));
      return s;
    }
    if (n == 0) return std::nullopt;
    const std::uint32_t k = live[uniform_int(0, n - 1)];
    const Child& c = p.kids[k];
    Step s = base(p, ps * kKids + k, at);
    s.orig_id = c.id;
    s.id = new_id();
    if (!late && p.filled + working > target + 3 * p.slice && uniform() < 0.3) {
      s.kind = StepKind::kCancel;
      s.qty = c.qty;
      s.price = c.px;
      return s;
    }
    s.kind = StepKind::kReplace;
    std::int64_t add = 0;  // A child's total (fills included) stays within the cap.
    if (rem > 0 && (late || want > 0)) {
      add = std::min(rem, std::max<std::int64_t>(0, p.cap - c.qty));
      if (!late) add = std::min(add, p.slice);
    }
    s.qty = c.qty + add;
    s.price = late ? marketable_price(p.symbol, p.side, 5)
                   : passive_price(p.symbol, p.side, uniform_int(1, 10));
    if (s.price == c.px && add == 0) s.price += p.side == Side::kBuy ? -kCent : kCent;
    return s;
  }

  Step base(const Parent& p, std::uint32_t slot, std::int64_t at) const {
    return child_of(p, slot, at);
  }
  [[nodiscard]] bool crosses(const Step& s) const {
    return s.side == Side::kBuy ? s.price > ref(s.symbol) : s.price < ref(s.symbol);
  }
  void maybe_hit(const Step& s) {
    if (uniform() >= kHitChance) return;
    hits_.push({s.at_ns + uniform_int(200 * kMs, 20'000 * kMs), s.slot, s.parent, false});
  }

  Side side_ = Side::kBuy;
  std::int64_t t0_ = 0;  // The current program's start.
  std::vector<Parent> parents_;
  std::vector<std::uint32_t> active_;  // Unfilled parents of the current program.
  std::priority_queue<Hit, std::vector<Hit>, std::greater<>> hits_;
  std::int32_t next_parent_ = 0;
  std::int64_t next_event_ = 0;
};

inline std::unique_ptr<Flow> make_program_trade(const FlowSpec& spec, const SymbolBook& book) {
  return std::make_unique<ProgramTrade>(spec, book);
}

}  // namespace riskgate::replay::detail
