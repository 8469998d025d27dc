// Two I/O threads, one account: a shared limit is never exceeded, and every
// counter returns to zero once everything is released. The engine runs with
// WriterThreads::kMany, as it must with several writers. Run under TSan in the
// build-risk-tsan tree (RISKGATE_TSAN=ON).
//
// How the high-water mark proves the limit: a thread adds its order to
// `held` only AFTER the engine accepted (reserved) it and removes it BEFORE
// telling the engine to release it, so `held` never exceeds what the engine
// has reserved; if its maximum is <= the limit, two threads never both took
// the last unit.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "risk/engine.hpp"

namespace riskgate::risk {
namespace {

#ifdef __SANITIZE_THREAD__
constexpr int kIterations = 20'000;
#else
constexpr int kIterations = 200'000;
#endif

RiskConfig base() {
  RiskConfig c;
  c.capacities.max_accounts = 4;
  c.capacities.max_symbols = 4;
  c.capacities.max_sessions = 4;
  c.capacities.max_parents = 16;
  c.capacities.max_account_symbols = 16;
  c.capacities.max_cl_ord_ids = kIterations;
  c.symbols = {{"AAPL", 100 * kMicro, 1, false}};
  c.accounts = {{"ACC1", {}}};
  return c;
}

struct HighWater {
  std::atomic<std::int64_t> held{0};
  std::atomic<std::int64_t> max{0};
  void add(std::int64_t v) {
    const std::int64_t now = held.fetch_add(v, std::memory_order_acq_rel) + v;
    std::int64_t m = max.load(std::memory_order_relaxed);
    while (now > m && !max.compare_exchange_weak(m, now, std::memory_order_relaxed)) {
    }
  }
  void sub(std::int64_t v) { held.fetch_sub(v, std::memory_order_acq_rel); }
};

// Each thread keeps up to `depth` orders working and releases the oldest in
// rotating ways (cancel, exchange reject, expiry, forward failure); one order
// in six is rolled back while pending instead.
void hammer(Engine& engine, SessionIdx sidx, const std::function<std::int64_t(int)>& qty_of,
            std::string_view parent, HighWater& hw, std::int64_t& accepted, std::int64_t& refused) {
  // Every way of ending an order gives back what did not trade (children
  // count open + executed); with a parent, the first two ways (reject and
  // forward failure) keep the test's high-water accounting simple.
  const int kinds = parent.empty() ? 4 : 2;
  SessionState ss = engine.make_session(sidx);
  std::vector<std::string> ids;
  ids.reserve(kIterations);
  for (int i = 0; i < kIterations; ++i)
    ids.push_back(std::to_string(sidx) + "-" + std::to_string(i));
  std::deque<std::pair<Reservation, std::int64_t>> working;
  const int depth = 8;
  auto release_oldest = [&](int i) {
    auto [t, weight] = working.front();
    working.pop_front();
    hw.sub(weight);
    switch (i % kinds) {
      case 0:
        engine.on_sent_failed(t);
        break;
      case 1:
        (void)engine.on_execution(t, ExecEvent{ExecKind::kRejected, 0, 0, 0, 0, 0});
        break;
      case 2:
        (void)engine.on_execution(t, ExecEvent{ExecKind::kCanceled, 0, 0, 0, 0, 0});
        break;
      default:
        (void)engine.on_execution(t, ExecEvent{ExecKind::kExpired, 0, 0, 0, 0, 0});
        break;
    }
  };
  for (int i = 0; i < kIterations; ++i) {
    OrderView o;
    o.cl_ord_id = ids[i];
    o.account = "ACC1";
    o.symbol = "AAPL";
    o.side = (i & 1) ? Side::kBuy : Side::kSell;
    o.ord_type = OrdType::kLimit;
    o.quantity = qty_of(i);
    o.price = 100 * kMicro;
    o.has_price = true;
    o.parent_id = parent;
    o.parent_quantity = 1000;
    o.now_ns = 1;
    // Every third order takes the gateway's two-step path: held while
    // pending (its reservation is real), then rolled back (as a forward that
    // failed) or committed. A rollback must give back exactly what was taken.
    PendingOrder pending;
    const Decision d = engine.check(o, ss, pending);
    if (d.accepted()) {
      ++accepted;
      const std::int64_t weight = qty_of(i);
      hw.add(weight);
      if (i % 3 == 2 && (i / 3) % 2 == 0) {
        hw.sub(weight);
        engine.rollback(pending, ss);
      } else {
        engine.commit(pending, ss);
        working.emplace_back(pending.ticket, weight);
      }
    } else {
      ++refused;
    }
    if (static_cast<int>(working.size()) >= depth || (!d.accepted() && !working.empty())) {
      release_oldest(i);
    }
  }
  while (!working.empty()) release_oldest(0);
}

void run_two_threads(Engine& engine, const std::function<std::int64_t(int)>& qty_of,
                     std::string_view parent, HighWater& hw) {
  std::int64_t acc[2] = {0, 0};
  std::int64_t ref[2] = {0, 0};
  std::thread t1([&] { hammer(engine, 0, qty_of, parent, hw, acc[0], ref[0]); });
  std::thread t2([&] { hammer(engine, 1, qty_of, parent, hw, acc[1], ref[1]); });
  t1.join();
  t2.join();
  // Both threads must have met the limit, or the test proves nothing.
  EXPECT_GT(acc[0] + acc[1], kIterations / 2);
  EXPECT_GT(ref[0] + ref[1], 0);
  std::printf("accepted %lld refused %lld high-water %lld\n",
              static_cast<long long>(acc[0] + acc[1]), static_cast<long long>(ref[0] + ref[1]),
              static_cast<long long>(hw.max.load()));
}

void expect_all_released(const Engine& engine) {
  const AccountUsage u = engine.account_usage("ACC1");
  EXPECT_EQ(u.open_orders, 0);
  EXPECT_EQ(u.open_notional, 0);
  EXPECT_EQ(u.gross_notional_day, 0);
  const PairUsage p = engine.pair_usage("ACC1", "AAPL");
  EXPECT_EQ(p.open_buy_qty, 0);
  EXPECT_EQ(p.open_sell_qty, 0);
  EXPECT_EQ(p.position, 0);
}

TEST(RiskConcurrency, TwoThreadsNeverExceedMaxOpenOrders) {
  RiskConfig c = base();
  c.defaults.max_open_orders = 5;
  Engine engine(c, WriterThreads::kMany);  // Two writer threads: atomic RMWs.
  HighWater hw;
  run_two_threads(
      engine, [](int) { return 1; }, "", hw);
  EXPECT_LE(hw.max.load(), 5);
  EXPECT_EQ(hw.max.load(), 5);  // The limit was actually reached.
  expect_all_released(engine);
}

TEST(RiskConcurrency, TwoThreadsNeverExceedMaxOpenNotional) {
  RiskConfig c = base();
  c.defaults.max_open_notional = 1'000 * 100 * kMicro;  // 1000 shares at 100
  Engine engine(c, WriterThreads::kMany);               // Two writer threads: atomic RMWs.
  HighWater hw;
  // Quantities 1..199 so the last unit is contested at many different levels.
  run_two_threads(
      engine, [](int i) { return 1 + (i * 37) % 199; }, "", hw);
  EXPECT_LE(hw.max.load(), 1'000);
  expect_all_released(engine);
}

TEST(RiskConcurrency, TwoThreadsNeverSendMoreChildrenThanTheParentAllows) {
  RiskConfig c = base();
  c.parent_child.parent_id_tag = 7001;
  c.parent_child.max_sent_multiple = 1.0;  // 1000
  Engine engine(c, WriterThreads::kMany);  // Two writer threads: atomic RMWs.
  HighWater hw;
  run_two_threads(
      engine, [](int i) { return 1 + (i * 13) % 197; }, "P1", hw);
  const ParentUsage pu = engine.parent_usage("ACC1", "P1");
  EXPECT_LE(pu.children_sent, 1000);
  EXPECT_LE(hw.max.load(), 1000);
  EXPECT_EQ(pu.children_filled, 0);
  EXPECT_EQ(pu.children_sent, 0);
  const AccountUsage u = engine.account_usage("ACC1");
  EXPECT_EQ(u.open_orders, 0);
  EXPECT_EQ(u.open_notional, 0);
}

}  // namespace
}  // namespace riskgate::risk
