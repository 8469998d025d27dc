// WriterThreads: an engine whose shared counters are updated by loads and
// stores (kOne, the gateway's one I/O thread) decides exactly as one that
// uses atomic read-modify-writes (kMany). Both are fed the same generated
// flow of orders, replaces, rollbacks, fills, cancels, rejects, forward
// failures and day rolls, with limits tight enough that most rules refuse
// somewhere; every decision, every execution outcome and, along the way,
// every counter the engine shows must match.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "risk/engine.hpp"
#include "tests/risk/risk_fixture.hpp"

namespace riskgate::risk::test {
namespace {

RiskConfig tight_config() {
  RiskConfig c = small_config();
  c.accounts[1].permitted_symbols = {};  // Both accounts trade both symbols.
  c.capacities.max_parents = 8;
  c.capacities.max_cl_ord_ids = 1 << 16;
  c.capacities.max_session_symbols = 64;  // reenable_flow() scans the table.
  Limits& d = c.defaults;
  d.max_order_qty = 900;
  d.max_order_notional = 150'000 * kMicro;
  d.price_collar_bps = 300;
  d.typical_size_multiple = 4;
  d.typical_size_seed = 150;
  d.max_cum_qty_window = 1'500;
  d.max_cum_qty_day = 40'000;
  d.max_open_orders = 8;
  d.max_open_notional = 300'000 * kMicro;
  d.max_net_position = 3'000;
  d.max_gross_notional_day = 40'000'000 * kMicro;
  d.max_account_orders_per_sec = 75;
  c.session_rates = {300, 2'000, 300};
  c.parent_child.parent_id_tag = 7001;
  c.parent_child.parent_qty_tag = 7002;
  c.parent_child.max_sent_multiple = 1.0;
  c.throttles.duplicate_max_identical = 3;
  c.throttles.repeated_exec_max_fills = 40;
  c.auto_kill.session_refusals = 50;
  c.auto_kill.session_refusal_ratio = 0.9;
  return c;
}

// One generated step, applied to both engines alike.
struct Step {
  enum Kind : std::uint8_t {
    kNew,
    kNewRolledBack,  // check() then rollback(): a forward that failed.
    kReplace,
    kPartialFill,
    kFill,
    kCancel,
    kReject,
    kSentFailed,
    kResetDay,
    kReenableFlow,
    kReleaseKills,
  };
  Kind kind = kNew;
  std::uint32_t session = 0;
  std::uint32_t pick = 0;  // Which working order (mod the count).
  std::int64_t qty = 0;
  Micros price = 0;
  Side side = Side::kBuy;
  bool market = false;
  int account = 0;
  int symbol = 0;
  int parent = -1;  // -1: no parent.
  std::int64_t advance_ns = 0;
};

std::vector<Step> generate(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t k) { return static_cast<std::uint32_t>(rng() % k); };
  std::vector<Step> steps(n);
  for (Step& s : steps) {
    const std::uint32_t r = below(100);
    s.kind = r < 40   ? Step::kNew
             : r < 46 ? Step::kNewRolledBack
             : r < 54 ? Step::kReplace
             : r < 68 ? Step::kPartialFill
             : r < 78 ? Step::kFill
             : r < 88 ? Step::kCancel
             : r < 92 ? Step::kReject
             : r < 97 ? Step::kSentFailed
             : r < 98 ? Step::kReleaseKills
             : r < 99 ? Step::kReenableFlow
                      : (below(10) == 0 ? Step::kResetDay : Step::kNew);
    s.session = below(3);
    s.pick = below(1u << 20);
    // Mostly normal sizes, now and then one that breaks a size rule.
    static constexpr std::array<std::int64_t, 8> kQty = {100, 100, 200, 150, 300, 50, 700, 1'000};
    s.qty = kQty[below(kQty.size())];
    s.account = static_cast<int>(below(2));
    s.symbol = static_cast<int>(below(2));
    const Micros ref = s.symbol == 0 ? 190 * kMicro : 400 * kMicro;
    // Within +/-4 % of the reference: a collar of 3 % refuses the edges.
    s.price = ref + (ref / 100) * (static_cast<std::int64_t>(below(9)) - 4);
    s.side = below(2) == 0 ? Side::kBuy : Side::kSell;
    s.market = below(10) == 0;
    s.parent = below(3) == 0 ? static_cast<int>(below(3)) : -1;
    s.advance_ns = static_cast<std::int64_t>(below(4)) * 1'000'000;  // 0..3 ms
  }
  return steps;
}

struct Order {
  Reservation ticket;
  std::string id;
};

// One engine and everything the flow keeps beside it, as the gateway would.
struct Replica {
  explicit Replica(WriterThreads w) : engine(tight_config(), w) {
    for (SessionIdx i = 0; i < 3; ++i) sessions.push_back(engine.make_session(i));
  }
  Engine engine;
  std::vector<SessionState> sessions;
  std::array<std::deque<Order>, 3> working;
};

std::string describe(const Decision& d) {
  return std::to_string(static_cast<int>(d.rule)) + " " + std::to_string(d.actual) + "/" +
         std::to_string(d.limit) + (d.session_killed ? " killed" : "");
}

std::string describe(const ExecOutcome& x) {
  return std::to_string(static_cast<int>(x.rule)) + " " + std::to_string(x.actual) + "/" +
         std::to_string(x.limit) + (x.flow_disabled ? " disabled" : "") +
         (x.session_killed ? " killed" : "") + (x.throttled ? " throttled" : "");
}

std::string describe(const Reservation& t) {
  return std::to_string(t.account) + " " + std::to_string(t.symbol) + " " +
         std::to_string(t.pair_slot) + " " + std::to_string(t.parent_slot) + " " +
         std::to_string(t.flow_slot) + " " + std::to_string(t.cum_window_id) + " " +
         std::to_string(t.parent_day) + " " + std::to_string(t.counts_open_order) +
         std::to_string(t.cum_day_counted) + std::to_string(t.active) + " " +
         std::to_string(t.order_qty) + " " + std::to_string(t.leaves_qty) + " " +
         std::to_string(t.sent_qty) + " " + std::to_string(t.reserved_px);
}

// Everything the engine shows of its shared counters, as one string.
std::string counters(const Engine& e) {
  std::string out;
  for (const char* a : {"ACC1", "ACC2"}) {
    const AccountUsage u = e.account_usage(a);
    out += std::string(a) + " " + std::to_string(u.open_orders) + " " +
           std::to_string(u.open_notional) + " " + std::to_string(u.gross_notional_day) + ";";
    for (const char* s : {"AAPL", "MSFT"}) {
      const PairUsage p = e.pair_usage(a, s);
      out += std::string(s) + " " + std::to_string(p.position) + " " +
             std::to_string(p.open_buy_qty) + " " + std::to_string(p.open_sell_qty) + ";";
    }
    for (const char* parent : {"P0", "P1", "P2"}) {
      const ParentUsage p = e.parent_usage(a, parent);
      out += std::string(parent) + " " + std::to_string(p.parent_qty) + " " +
             std::to_string(p.children_sent) + " " + std::to_string(p.children_filled) + ";";
    }
  }
  const TableUsage t = e.table_usage();
  out += "tables " + std::to_string(t.pairs) + " " + std::to_string(t.parents) + " " +
         std::to_string(t.session_symbols);
  return out;
}

class WriterThreadsFlow : public ::testing::Test {
 protected:
  Replica many{WriterThreads::kMany};
  Replica one{WriterThreads::kOne};
  std::deque<std::string> ids;
  std::int64_t now = 1'000'000'000'000;
  std::set<RuleId> refused_by;
  std::int64_t accepted = 0;
  std::int64_t fills = 0;

  OrderView view(const Step& s, Action action) {
    static constexpr std::array<const char*, 2> kAccounts = {"ACC1", "ACC2"};
    static constexpr std::array<const char*, 2> kSymbols = {"AAPL", "MSFT"};
    static constexpr std::array<const char*, 3> kParents = {"P0", "P1", "P2"};
    OrderView o;
    o.action = action;
    o.session = s.session;
    o.exchange_session = 5;
    ids.push_back("C" + std::to_string(ids.size()));
    o.cl_ord_id = ids.back();
    o.account = kAccounts[s.account];
    o.symbol = kSymbols[s.symbol];
    o.side = s.side;
    o.ord_type = s.market ? OrdType::kMarket : OrdType::kLimit;
    o.quantity = s.qty;
    o.price = s.market ? 0 : s.price;
    o.has_price = !s.market;
    if (s.parent >= 0) {
      o.parent_id = kParents[s.parent];
      o.parent_quantity = 2'000;
    }
    o.now_ns = now;
    return o;
  }

  void note(const Decision& d) {
    if (d.accepted()) {
      ++accepted;
    } else {
      refused_by.insert(d.rule);
    }
  }

  // Applies one step to both engines and compares what they answer.
  void apply(const Step& s, std::size_t i) {
    SCOPED_TRACE("step " + std::to_string(i) + " kind " + std::to_string(s.kind));
    now += s.advance_ns;
    auto& wm = many.working[s.session];
    auto& wo = one.working[s.session];
    ASSERT_EQ(wm.size(), wo.size());
    switch (s.kind) {
      case Step::kNew:
      case Step::kNewRolledBack: {
        const OrderView o = view(s, Action::kNew);
        PendingOrder pm, po;
        const Decision dm = many.engine.check(o, many.sessions[s.session], pm);
        const Decision d1 = one.engine.check(o, one.sessions[s.session], po);
        ASSERT_EQ(describe(dm), describe(d1));
        note(dm);
        if (!dm.accepted()) return;
        ASSERT_EQ(describe(pm.ticket), describe(po.ticket));
        if (s.kind == Step::kNewRolledBack) {
          many.engine.rollback(pm, many.sessions[s.session]);
          one.engine.rollback(po, one.sessions[s.session]);
          return;
        }
        many.engine.commit(pm, many.sessions[s.session]);
        one.engine.commit(po, one.sessions[s.session]);
        wm.push_back({pm.ticket, std::string(o.cl_ord_id)});
        wo.push_back({po.ticket, std::string(o.cl_ord_id)});
        return;
      }
      case Step::kReplace: {
        if (wm.empty()) return;
        const std::size_t k = s.pick % wm.size();
        Step r = s;  // The replace keeps the order's account, symbol and side.
        r.account = wm[k].ticket.account == many.engine.account_index("ACC1") ? 0 : 1;
        r.symbol = wm[k].ticket.symbol == many.engine.symbol_index("AAPL") ? 0 : 1;
        r.side = wm[k].ticket.side;
        OrderView o = view(r, Action::kReplace);
        o.orig_cl_ord_id = wm[k].id;
        PendingOrder pm, po;
        const Decision dm = many.engine.check(o, many.sessions[s.session], pm, &wm[k].ticket);
        const Decision d1 = one.engine.check(o, one.sessions[s.session], po, &wo[k].ticket);
        ASSERT_EQ(describe(dm), describe(d1));
        note(dm);
        if (!dm.accepted()) return;
        many.engine.commit(pm, many.sessions[s.session]);
        one.engine.commit(po, one.sessions[s.session]);
        // Acked at once: the replacement carries the order from now on.
        many.engine.on_replaced(wm[k].ticket, pm.ticket);
        one.engine.on_replaced(wo[k].ticket, po.ticket);
        ASSERT_EQ(describe(pm.ticket), describe(po.ticket));
        wm[k] = {pm.ticket, std::string(o.cl_ord_id)};
        wo[k] = {po.ticket, std::string(o.cl_ord_id)};
        return;
      }
      case Step::kPartialFill:
      case Step::kFill:
      case Step::kCancel:
      case Step::kReject: {
        if (wm.empty()) return;
        const std::size_t k = s.pick % wm.size();
        ExecEvent ev;
        ev.now_ns = now;
        if (s.kind == Step::kCancel) ev.kind = ExecKind::kCanceled;
        if (s.kind == Step::kReject) ev.kind = ExecKind::kRejected;
        if (s.kind == Step::kPartialFill || s.kind == Step::kFill) {
          const std::int64_t leaves = wm[k].ticket.leaves_qty;
          const bool full = s.kind == Step::kFill || leaves <= 50;
          ev.kind = full ? ExecKind::kFill : ExecKind::kPartialFill;
          ev.last_qty = full ? leaves : 50;
          ev.last_px = wm[k].ticket.reserved_px;
          ++fills;
        }
        const ExecOutcome xm = many.engine.on_execution(wm[k].ticket, ev);
        const ExecOutcome x1 = one.engine.on_execution(wo[k].ticket, ev);
        ASSERT_EQ(describe(xm), describe(x1));
        ASSERT_EQ(describe(wm[k].ticket), describe(wo[k].ticket));
        if (!wm[k].ticket.active) {
          wm.erase(wm.begin() + static_cast<std::ptrdiff_t>(k));
          wo.erase(wo.begin() + static_cast<std::ptrdiff_t>(k));
        }
        return;
      }
      case Step::kSentFailed: {
        if (wm.empty()) return;
        const std::size_t k = s.pick % wm.size();
        many.engine.on_sent_failed(wm[k].ticket);
        one.engine.on_sent_failed(wo[k].ticket);
        wm.erase(wm.begin() + static_cast<std::ptrdiff_t>(k));
        wo.erase(wo.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      case Step::kResetDay:
        many.engine.reset_day();
        one.engine.reset_day();
        return;
      case Step::kReenableFlow:
        for (Replica* e : {&many, &one}) {
          for (const char* sym : {"AAPL", "MSFT"}) {
            for (Side sd : {Side::kBuy, Side::kSell})
              (void)e->engine.reenable_flow("ACC1", sym, sd);
          }
        }
        return;
      case Step::kReleaseKills:
        for (Replica* e : {&many, &one}) {
          for (std::uint32_t sess = 0; sess < 3; ++sess) {
            (void)e->engine.kills().release(KillScope::kClientSession, sess);
          }
        }
        return;
    }
  }
};

TEST(WriterThreads, AnEngineUsesAtomicReadModifyWritesUnlessToldItHasOneWriter) {
  EXPECT_EQ(Engine(small_config()).writer_threads(), WriterThreads::kMany);
  EXPECT_EQ(Engine(small_config(), WriterThreads::kOne).writer_threads(), WriterThreads::kOne);
}

TEST_F(WriterThreadsFlow, OneWriterDecidesExactlyAsManyWritersOverAGeneratedFlow) {
  const std::vector<Step> steps = generate(60'000, 20261130);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    apply(steps[i], i);
    if (HasFatalFailure()) return;
    if (i % 500 == 0) {
      ASSERT_EQ(counters(many.engine), counters(one.engine)) << "step " << i;
    }
  }
  EXPECT_EQ(counters(many.engine), counters(one.engine));
  // The flow reached the rules it is meant to compare: a comparison of two
  // engines that accept everything, or refuse everything, would prove little.
  EXPECT_GT(accepted, 10'000);
  EXPECT_GT(fills, 5'000);
  for (RuleId r :
       {RuleId::kMaxOrderQty, RuleId::kMaxOrderNotional, RuleId::kPriceCollar,
        RuleId::kTypicalSizeMultiple, RuleId::kParentChildSent, RuleId::kCumulativeQtyWindow,
        RuleId::kMaxOpenOrders, RuleId::kMaxNetPosition, RuleId::kDuplicateOrder}) {
    EXPECT_TRUE(refused_by.count(r) != 0) << "no refusal by rule " << static_cast<int>(r);
  }
}

}  // namespace
}  // namespace riskgate::risk::test
