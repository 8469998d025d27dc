#include "tests/support/flow_generators.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/flow_generator_base.hpp"
#include "tests/support/flow_program_trade.hpp"

namespace riskgate::replay {

// The kind's defaults for the knobs a spec leaves at zero.
FlowSpec with_defaults(FlowSpec s) {
  auto set = [](auto& field, auto value) {
    if (field == 0) field = value;
  };
  switch (s.kind) {
    case FlowKind::kRunawayTagged:
    case FlowKind::kRunawayUntagged:
      // Knight: 4 million executions in 45 minutes is ~1,500/s; 212 parents
      // in 154 stocks.
      set(s.rate_per_sec, 1500.0);
      set(s.symbols, 150u);
      set(s.parents, 212u);
      break;
    case FlowKind::kRunawaySpread:
      // 0.5 child/s per symbol: below any per-symbol rate a normal book shows.
      set(s.rate_per_sec, 750.0);
      set(s.symbols, 1500u);
      set(s.parents, 1500u);
      break;
    case FlowKind::kRetail:
    case FlowKind::kRetailBurst:
      set(s.rate_per_sec, 200.0);
      set(s.symbols, 300u);
      break;
    case FlowKind::kMarketMaker:
    case FlowKind::kMarketMakerTrending:
      set(s.rate_per_sec, 1000.0);
      set(s.symbols, 100u);
      set(s.lopsided, 0.7);
      break;
    case FlowKind::kAlgoReplace:
    case FlowKind::kAlgoCancelNew:
      set(s.rate_per_sec, 400.0);
      set(s.symbols, 200u);
      set(s.parents, 35u);
      break;
    case FlowKind::kProgramTrade: {
      // A 300-name basket of $250M on a 45-minute schedule: about 2,100
      // shares and $93k a second, one-sided. At 120 algo events/s the algo
      // sends about 50 orders/s (an order every 6 s per parent), so 200,000
      // orders span the buy program and most of the sell program after it.
      constexpr double kDefaultRate = 120.0;
      set(s.rate_per_sec, kDefaultRate);
      set(s.symbols, 500u);
      set(s.parents, 300u);
      set(s.program_notional, 250e6);
      set(s.program_ns, std::llround(45.0 * 60 * 1e9 * kDefaultRate / s.rate_per_sec));
      break;
    }
  }
  set(s.child_qty, std::int64_t{100});
  return s;
}

namespace {

using detail::FlowBase;
using detail::kCent;
using detail::kMs;
using risk::Micros;
using risk::Side;

// Power Peg: marketable children (100 shares unless child_qty says otherwise)
// round-robin over the parents at a fixed pace, whether or not the parent is
// already filled (the bug).
class Runaway final : public FlowBase {
 public:
  Runaway(const FlowSpec& spec, const SymbolBook& book, bool tagged)
      : FlowBase(spec, book), tagged_(tagged) {
    for (std::uint32_t i = 0; i < spec_.parents; ++i) {
      parents_.push_back(
          {spec_.first_symbol + i % spec_.symbols, random_side(), 100 * uniform_int(10, 100)});
    }
  }

  Step next() override {
    const std::size_t p = child_ % parents_.size();
    Step s;
    s.kind = StepKind::kNew;
    s.at_ns = spec_.start_ns + std::llround(static_cast<double>(child_) * 1e9 / spec_.rate_per_sec);
    ++child_;
    s.id = new_id();
    s.symbol = parents_[p].symbol;
    s.side = parents_[p].side;
    s.ord_type = risk::OrdType::kLimit;
    s.qty = spec_.child_qty;
    s.price = marketable_price(s.symbol, s.side, 20);
    s.marketable = true;
    s.parent = static_cast<std::int32_t>(p);
    s.parent_qty = parents_[p].qty;
    s.tagged = tagged_;
    return s;
  }
  void on_outcome(const Step&, const Outcome&) override {}

 private:
  struct Parent {
    std::uint32_t symbol;
    Side side;
    std::int64_t qty;
  };
  bool tagged_;
  std::vector<Parent> parents_;
  std::uint64_t child_ = 0;
};

// Retail: marketable (market) orders, lognormal sizes (median 200, sigma 1,
// capped at 5,000), random side, Zipf(1) symbol popularity.
//
// With bursts (kRetailBurst) the arrival rate follows the day's peaks: the
// open at 5x for its first 60 s, then a news spike at 3x for 30 s every 5
// minutes (a non-homogeneous Poisson process, piecewise constant).
class Retail final : public FlowBase {
 public:
  static constexpr std::int64_t kOpenNs = 60 * kNsPerSec;
  static constexpr double kOpenMultiple = 5.0;
  static constexpr std::int64_t kNewsEveryNs = 300 * kNsPerSec;
  static constexpr std::int64_t kNewsNs = 30 * kNsPerSec;
  static constexpr double kNewsMultiple = 3.0;

  Retail(const FlowSpec& spec, const SymbolBook& book, bool bursts)
      : FlowBase(spec, book), bursts_(bursts), t_(spec.start_ns) {
    double sum = 0;
    for (std::uint32_t k = 0; k < spec_.symbols; ++k) {
      sum += 1.0 / (k + 1);
      cdf_.push_back(sum);
    }
    for (double& c : cdf_) c /= sum;
  }

  Step next() override {
    t_ = bursts_ ? next_arrival(t_) : t_ + gap_ns();
    Step s;
    s.kind = StepKind::kNew;
    s.at_ns = t_;
    s.id = new_id();
    const auto rank = std::lower_bound(cdf_.begin(), cdf_.end(), uniform()) - cdf_.begin();
    s.symbol = spec_.first_symbol + static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(
                                        rank, static_cast<std::ptrdiff_t>(spec_.symbols) - 1));
    s.side = random_side();
    s.ord_type = risk::OrdType::kMarket;
    const double size = std::lognormal_distribution<double>(std::log(200.0), 1.0)(rng_);
    s.qty = std::clamp<std::int64_t>(std::llround(size), 1, 5000);
    s.marketable = true;
    return s;
  }
  void on_outcome(const Step&, const Outcome&) override {}

 private:
  // The rate multiple at `t` and the end of the stretch it holds for.
  [[nodiscard]] std::pair<double, std::int64_t> segment(std::int64_t t) const {
    const std::int64_t rel = t - spec_.start_ns;
    if (rel < kOpenNs) return {kOpenMultiple, spec_.start_ns + kOpenNs};
    const std::int64_t k = rel / kNewsEveryNs;
    const std::int64_t in = rel - k * kNewsEveryNs;
    const std::int64_t base = spec_.start_ns + k * kNewsEveryNs;
    if (k >= 1 && in < kNewsNs) return {kNewsMultiple, base + kNewsNs};
    return {1.0, base + kNewsEveryNs};
  }
  // Next arrival after `t`: one unit-mean exponential spent across stretches.
  std::int64_t next_arrival(std::int64_t t) {
    double e = std::exponential_distribution<double>(1.0)(rng_);
    for (;;) {
      const auto [multiple, end] = segment(t);
      const double per_ns = spec_.rate_per_sec * multiple / 1e9;
      const double dt = e / per_ns;
      if (static_cast<double>(t) + dt < static_cast<double>(end)) {
        return t + std::max<std::int64_t>(1, std::llround(dt));
      }
      e -= static_cast<double>(end - t) * per_ns;
      t = end;
    }
  }

  bool bursts_;
  std::int64_t t_;
  std::vector<double> cdf_;
};

// Market maker: a bid and an ask on each symbol (100-1,000 shares, 2-30 bps
// off the reference). Each message picks a quote: an empty one is quoted, a
// live one is replaced (75 %, new price, sometimes new size) or cancelled.
// About 3 % of quotes placed get hit (40 % of hits in full): 6 % on the side
// that reduces the symbol's position, 1.5 % on the side that adds to it, so
// the book stays near flat.
//
// Trending (kMarketMakerTrending): the market trends for 5 minutes, then
// pauses for 1, then trends the other way (down first). While it trends, the
// quotes it runs into are hit `lopsided` of the time (default 70 %: the bids
// in a falling market), whatever the maker's position, so every symbol
// accumulates the same way for minutes; the quotes follow the market (up to
// 1 % off the reference at the end of a trend, back during the pause). In a
// pause the hits again favour the side that reduces the position.
class MarketMaker final : public FlowBase {
 public:
  static constexpr std::int64_t kTrendNs = 300 * kNsPerSec;
  static constexpr std::int64_t kPauseNs = 60 * kNsPerSec;
  static constexpr std::int64_t kDriftBps = 100;

  MarketMaker(const FlowSpec& spec, const SymbolBook& book, bool trending)
      : FlowBase(spec, book),
        trending_(trending),
        quotes_(2 * spec.symbols),
        position_(spec.symbols, 0) {
    next_event_ = spec_.start_ns + gap_ns();
  }

  Step next() override {
    for (;;) {
      if (!hits_.empty() && hits_.top().first <= next_event_) {
        const auto [at, slot] = hits_.top();
        hits_.pop();
        const Quote& q = quotes_[slot];
        if (q.id == 0) continue;
        Step s = base(slot, at);
        s.kind = StepKind::kHit;
        s.orig_id = q.id;
        const std::int64_t leaves = q.qty - q.cum;
        s.qty = leaves < 200 || uniform() < 0.4 ? leaves : 100 * uniform_int(1, (leaves - 1) / 100);
        return s;
      }
      const std::int64_t at = next_event_;
      next_event_ += gap_ns();
      const auto slot = static_cast<std::uint32_t>(uniform_int(0, quotes_.size() - 1));
      const Quote& q = quotes_[slot];
      Step s = base(slot, at);
      s.id = new_id();
      if (q.id == 0) {
        s.kind = StepKind::kNew;
        s.qty = 100 * uniform_int(1, 10);
        s.price = quote_price(s.symbol, s.side, uniform_int(2, 30), at);
      } else if (uniform() < 0.75) {
        s.kind = StepKind::kReplace;
        s.orig_id = q.id;
        const std::int64_t leaves = uniform() < 0.3 ? 100 * uniform_int(1, 10) : q.qty - q.cum;
        s.qty = q.cum + leaves;
        s.price = quote_price(s.symbol, s.side, uniform_int(2, 30), at);
        if (s.price == q.px && s.qty == q.qty) s.price += s.side == Side::kBuy ? -kCent : kCent;
      } else {
        s.kind = StepKind::kCancel;
        s.orig_id = q.id;
        s.qty = q.qty;
        s.price = q.px;
      }
      return s;
    }
  }

  void on_outcome(const Step& s, const Outcome& o) override {
    Quote& q = quotes_[s.slot];
    switch (s.kind) {
      case StepKind::kNew:
        if (o.accepted) {
          q = {s.id, s.qty, 0, s.price};
          maybe_hit(s);
        }
        break;
      case StepKind::kReplace:
        if (o.accepted) {
          q.id = s.id;
          q.qty = s.qty;
          q.px = s.price;
          maybe_hit(s);
        }
        break;
      case StepKind::kCancel:
        if (o.accepted) q = {};
        break;
      case StepKind::kHit:
        q.cum += o.filled;
        position_[s.slot / 2] += s.side == Side::kBuy ? o.filled : -o.filled;
        if (o.done) q = {};
        break;
    }
  }

 private:
  struct Quote {
    std::uint64_t id = 0;  // 0: no live quote.
    std::int64_t qty = 0;
    std::int64_t cum = 0;
    Micros px = 0;
  };
  using Hit = std::pair<std::int64_t, std::uint32_t>;  // (time, slot)

  Step base(std::uint32_t slot, std::int64_t at) const {
    Step s;
    s.at_ns = at;
    s.slot = slot;
    s.symbol = spec_.first_symbol + slot / 2;
    s.side = slot % 2 == 0 ? Side::kBuy : Side::kSell;
    s.ord_type = risk::OrdType::kLimit;
    return s;
  }
  // Trending: where the market stands at `t`. direction: +1 rising, -1
  // falling, 0 a pause; drift_bps: the quotes' offset from the reference.
  struct Market {
    int direction = 0;
    std::int64_t drift_bps = 0;
  };
  [[nodiscard]] Market market(std::int64_t t) const {
    if (!trending_) return {};
    const std::int64_t rel = std::max<std::int64_t>(0, t - spec_.start_ns);
    const std::int64_t cycle = rel / (kTrendNs + kPauseNs);
    const std::int64_t in = rel - cycle * (kTrendNs + kPauseNs);
    const int dir = cycle % 2 == 0 ? -1 : 1;
    if (in < kTrendNs) return {dir, dir * kDriftBps * in / kTrendNs};
    return {0, dir * kDriftBps * (kTrendNs + kPauseNs - in) / kPauseNs};
  }
  Micros quote_price(std::uint32_t symbol, Side side, std::int64_t bps, std::int64_t at) const {
    const Micros px = passive_price(symbol, side, bps);
    const std::int64_t drift = market(at).drift_bps;
    if (drift == 0) return px;
    return px + ref(symbol) * drift / 10'000 / kCent * kCent;
  }
  void maybe_hit(const Step& s) {
    const std::int64_t pos = position_[s.slot / 2];
    const bool reduces = (s.side == Side::kBuy && pos < 0) || (s.side == Side::kSell && pos > 0);
    double p = reduces ? 0.06 : pos == 0 ? 0.03 : 0.015;
    if (const Market m = market(s.at_ns); m.direction != 0) {
      // A falling market sells to the bids; a rising one buys the offers.
      const bool hit_side = (m.direction < 0) == (s.side == Side::kBuy);
      p = 0.06 * (hit_side ? spec_.lopsided : 1.0 - spec_.lopsided);
    }
    if (uniform() < p) hits_.push({s.at_ns + uniform_int(1 * kMs, 500 * kMs), s.slot});
  }

  bool trending_;
  std::vector<Quote> quotes_;  // Slot 2k: bid on symbol k, 2k+1: ask.
  std::vector<std::int64_t> position_;
  std::priority_queue<Hit, std::vector<Hit>, std::greater<>> hits_;
  std::int64_t next_event_ = 0;
};

// Execution algo: `parents` parents worked at once (5,000-50,000 shares, one
// side each, tagged), up to two passive child orders each (100-500 shares,
// 1-20 bps off the reference). Each event picks a parent: a free child slot
// is filled with a new child while quantity remains; otherwise a working
// child is repriced (85 %) or partly or fully hit (15 %). Repricing is a
// replace (same total quantity) or, for kAlgoCancelNew, a cancel followed
// 1 ms after its ack by a new child for the same leaves. Children working +
// executed never exceed the parent; a filled parent is replaced by a new one.
class Algo final : public FlowBase {
 public:
  Algo(const FlowSpec& spec, const SymbolBook& book, bool cancel_new)
      : FlowBase(spec, book), cancel_new_(cancel_new), parents_(spec.parents) {
    for (Parent& p : parents_) start_parent(p);
    next_event_ = spec_.start_ns + gap_ns();
  }

  Step next() override {
    for (;;) {
      if (!follow_ups_.empty() && follow_ups_.front().at <= next_event_) {
        const FollowUp f = follow_ups_.front();
        follow_ups_.pop_front();
        Parent& p = parents_[f.slot / kKids];
        Child& c = p.kids[f.slot % kKids];
        if (p.index != f.parent || c.owed == 0) continue;
        c.owed = 0;
        const std::int64_t qty = std::min(f.qty, remaining(p));
        if (qty > 0) return new_child(p, f.slot, f.at, qty);
        continue;
      }
      const std::int64_t at = next_event_;
      next_event_ += gap_ns();
      const auto ps = static_cast<std::uint32_t>(uniform_int(0, parents_.size() - 1));
      Parent& p = parents_[ps];
      std::uint32_t working[kKids];
      std::uint32_t n = 0;
      for (std::uint32_t k = 0; k < kKids; ++k) {
        const Child& c = p.kids[k];
        if (c.id == 0 && c.owed == 0 && remaining(p) > 0) {
          return new_child(p, ps * kKids + k, at, std::min(uniform_int(100, 500), remaining(p)));
        }
        if (c.id != 0) working[n++] = k;
      }
      if (n == 0) continue;
      const std::uint32_t k = working[uniform_int(0, n - 1)];
      const Child& c = p.kids[k];
      Step s = base(p, ps * kKids + k, at);
      s.orig_id = c.id;
      const std::int64_t leaves = c.qty - c.cum;
      if (uniform() < 0.85) {
        s.kind = cancel_new_ ? StepKind::kCancel : StepKind::kReplace;
        s.id = new_id();
        s.qty = cancel_new_ ? leaves : c.qty;
        s.price = passive_price(p.symbol, p.side, uniform_int(1, 20));
        if (s.price == c.px) s.price += p.side == Side::kBuy ? -kCent : kCent;
      } else {
        s.kind = StepKind::kHit;
        s.qty = leaves <= 100 || uniform() < 0.3 ? leaves : uniform_int(1, leaves - 1);
      }
      return s;
    }
  }

  void on_outcome(const Step& s, const Outcome& o) override {
    Parent& p = parents_[s.slot / kKids];
    Child& c = p.kids[s.slot % kKids];
    switch (s.kind) {
      case StepKind::kNew:
        if (o.accepted) c = {s.id, s.qty, 0, s.price, 0};
        break;
      case StepKind::kReplace:
        if (o.accepted) {
          c.id = s.id;
          c.qty = s.qty;
          c.px = s.price;
        }
        break;
      case StepKind::kCancel:
        if (o.accepted) {
          const std::int64_t owed = c.qty - c.cum;
          c = {};
          c.owed = owed;
          follow_ups_.push_back({s.at_ns + 1 * kMs, s.slot, p.index, owed});
        }
        break;
      case StepKind::kHit:
        c.cum += o.filled;
        p.filled += o.filled;
        if (o.done) c = {};
        if (p.filled >= p.qty) start_parent(p);
        break;
    }
  }

 private:
  static constexpr std::uint32_t kKids = 2;
  struct Child {
    std::uint64_t id = 0;  // 0: no working child.
    std::int64_t qty = 0;
    std::int64_t cum = 0;
    Micros px = 0;
    std::int64_t owed = 0;  // Cancelled for a reprice; the new child is due.
  };
  struct Parent {
    std::int32_t index = -1;
    std::uint32_t symbol = 0;
    Side side = Side::kBuy;
    std::int64_t qty = 0;
    std::int64_t filled = 0;
    Child kids[kKids];
  };
  struct FollowUp {
    std::int64_t at;
    std::uint32_t slot;
    std::int32_t parent;
    std::int64_t qty;
  };

  void start_parent(Parent& p) {
    p = Parent{};
    p.index = next_parent_++;
    p.symbol = random_symbol();
    p.side = random_side();
    p.qty = 100 * uniform_int(50, 500);
  }
  static std::int64_t remaining(const Parent& p) {
    std::int64_t r = p.qty - p.filled;
    for (const Child& c : p.kids) r -= (c.id != 0 ? c.qty - c.cum : 0) + c.owed;
    return r;
  }
  Step base(const Parent& p, std::uint32_t slot, std::int64_t at) const {
    return child_of(p, slot, at);
  }
  Step new_child(const Parent& p, std::uint32_t slot, std::int64_t at, std::int64_t qty) {
    Step s = base(p, slot, at);
    s.kind = StepKind::kNew;
    s.id = new_id();
    s.qty = qty;
    s.price = passive_price(p.symbol, p.side, uniform_int(1, 20));
    return s;
  }

  bool cancel_new_;
  std::vector<Parent> parents_;
  std::deque<FollowUp> follow_ups_;  // Times increase: each is its cancel's time + 1 ms.
  std::int32_t next_parent_ = 0;
  std::int64_t next_event_ = 0;
};

}  // namespace

std::unique_ptr<Flow> make_flow(const FlowSpec& spec_in, const SymbolBook& book) {
  const FlowSpec spec = with_defaults(spec_in);
  if (spec.rate_per_sec <= 0) throw std::invalid_argument("flow " + spec.name + ": rate <= 0");
  if (static_cast<std::uint64_t>(spec.first_symbol) + spec.symbols > book.reference.size()) {
    throw std::invalid_argument("flow " + spec.name + ": symbols " +
                                std::to_string(spec.first_symbol) + "+" +
                                std::to_string(spec.symbols) + " outside the synthetic " +
                                std::to_string(book.reference.size()));
  }
  if (spec.kind == FlowKind::kMarketMakerTrending && !(spec.lopsided >= 0 && spec.lopsided <= 1)) {
    throw std::invalid_argument("flow " + spec.name + ": lopsided must be 0..1");
  }
  switch (spec.kind) {
    case FlowKind::kRunawayTagged:
      return std::make_unique<Runaway>(spec, book, true);
    case FlowKind::kRunawayUntagged:
    case FlowKind::kRunawaySpread:
      return std::make_unique<Runaway>(spec, book, false);
    case FlowKind::kRetail:
      return std::make_unique<Retail>(spec, book, false);
    case FlowKind::kRetailBurst:
      return std::make_unique<Retail>(spec, book, true);
    case FlowKind::kMarketMaker:
      return std::make_unique<MarketMaker>(spec, book, false);
    case FlowKind::kMarketMakerTrending:
      return std::make_unique<MarketMaker>(spec, book, true);
    case FlowKind::kProgramTrade:
      return detail::make_program_trade(spec, book);
    case FlowKind::kAlgoReplace:
      return std::make_unique<Algo>(spec, book, false);
    case FlowKind::kAlgoCancelNew:
      return std::make_unique<Algo>(spec, book, true);
  }
  throw std::invalid_argument("flow " + spec.name + ": unknown kind");
}

}  // namespace riskgate::replay
