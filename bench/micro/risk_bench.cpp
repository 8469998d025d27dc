// Risk core micro-benchmarks (issue 3): each check family alone, then the
// whole chain for one order. Every iteration is check_and_commit() then the
// release that keeps the state steady (forward failed, or a cancel), so the
// numbers are "accept + release" per order. Target for the whole chain on the
// 2-core dev VM: median <= 100 ns, 0 allocations.
//
// Setup shared by all: one account, one symbol, one session; ClOrdIDs come
// from a pool of kIdPool distinct strings; when the pool wraps, the session
// state is rebuilt with the timer paused (its ClOrdID table would otherwise
// refuse the reused ids). Time advances 1 us per order so that rate budgets
// (10M/s) never bind. Allocations made while the timer is paused are not
// counted in allocs_per_msg.
//
// The engine runs as the gateway runs it: one I/O thread, so one writer of
// the shared counters (WriterThreads::kOne: loads and stores, no lock-prefixed
// read-modify-writes). BM_RiskWholeChain_MultiWriter is the same chain with
// atomic RMWs (kMany), what several I/O threads would need.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "risk/engine.hpp"
#include "tests/support/alloc_counter.hpp"

namespace {

using namespace riskgate::risk;

constexpr std::uint32_t kIdPool = 1u << 16;

const std::vector<std::string>& id_pool() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> v;
    v.reserve(kIdPool);
    for (std::uint32_t i = 0; i < kIdPool; ++i) v.push_back("CL" + std::to_string(i));
    return v;
  }();
  return ids;
}

RiskConfig bench_config() {
  RiskConfig c;
  c.capacities.max_accounts = 64;
  c.capacities.max_symbols = 1024;
  c.capacities.max_sessions = 16;
  c.capacities.max_parents = 1024;
  c.capacities.max_account_symbols = 4096;
  c.capacities.max_cl_ord_ids = kIdPool;
  for (int i = 0; i < 500; ++i) {
    c.symbols.push_back({"SYM" + std::to_string(i), 100 * kMicro, 1, false});
  }
  c.symbols.push_back({"AAPL", 190 * kMicro, 1, false});
  for (int i = 0; i < 40; ++i) c.accounts.push_back({"ACC" + std::to_string(i), {}});
  return c;
}

enum Family : int {
  kBaseline,  // Lookups, kill switch, validity, ClOrdID set: no limits set.
  kSizeValue,
  kCollar,
  kTypicalSize,
  kParentChild,
  kCumulativeQty,
  kDuplicateOrder,
  kRates,
  kExposure,
  kFlow,  // The flow envelope: the shipped [risk.flow] rules.
  kWholeChain,
};

// The flow-envelope rules and auto-kill switches riskgate ships.
const riskgate::risk::RiskConfig& shipped() {
  static const riskgate::risk::RiskConfig c =
      riskgate::config::load_config(RISKGATE_SOURCE_DIR "/config/riskgate.toml").risk;
  return c;
}

RiskConfig config_for(Family f) {
  RiskConfig c = bench_config();
  Limits& d = c.defaults;
  const bool all = f == kWholeChain;
  if (all || f == kSizeValue) {
    d.max_order_qty = 100'000;
    d.max_order_notional = 10'000'000 * kMicro;
  }
  if (all || f == kCollar) d.price_collar_bps = 500;
  if (all || f == kTypicalSize) {
    d.typical_size_multiple = 50;
    d.typical_size_seed = 100;
  }
  if (all || f == kParentChild) {
    c.parent_child.parent_id_tag = 7001;
    c.parent_child.parent_qty_tag = 7002;
    c.parent_child.max_sent_multiple = 2.0;
  }
  if (all || f == kCumulativeQty) {
    d.max_cum_qty_window = 1'000'000;
    d.max_cum_qty_day = 100'000'000;
  }
  if (all || f == kDuplicateOrder) {
    c.throttles.duplicate_max_identical = 1'000'000'000;
    c.throttles.duplicate_window_ms = 1000;
  }
  if (all || f == kRates) {
    c.session_rates = {10'000'000, 10'000'000, 10'000'000};
    d.max_account_orders_per_sec = 10'000'000;
  }
  if (all || f == kExposure) {
    d.max_open_orders = 1000;
    d.max_open_notional = 100'000'000 * kMicro;
    d.max_net_position = 1'000'000;
    d.max_gross_notional_day = 1'000'000'000'000 * kMicro;
  }
  if (all || f == kFlow) c.flow = shipped().flow;
  if (all) {
    c.throttles.repeated_exec_max_fills = 1000;
    c.auto_kill = shipped().auto_kill;
    c.overrides = {{"ACC7", "AAPL", {}}};
    c.overrides[0].limits.max_order_qty = 50'000;
  }
  return c;
}

// The ClOrdID pool wrapped: a fresh session (its ClOrdID table would refuse
// the reused ids), with the timer paused and its allocations set aside.
void renew_session(benchmark::State& state, Engine& engine, std::unique_ptr<SessionState>& session,
                   std::uint32_t& next, std::uint64_t& paused_allocs) {
  state.PauseTiming();
  const std::uint64_t p0 = riskgate::testing::thread_allocations();
  session = std::make_unique<SessionState>(engine.make_session(3));
  paused_allocs += riskgate::testing::thread_allocations() - p0;
  next = 0;
  state.ResumeTiming();
}

enum class Release { kSentFailed, kCancel };

// How the gateway builds its engine (one I/O thread).
constexpr WriterThreads kGatewayWriters = WriterThreads::kOne;

void run_chain(benchmark::State& state, Family f, Release release,
               WriterThreads writers = kGatewayWriters) {
  Engine engine(config_for(f), writers);
  auto session = std::make_unique<SessionState>(engine.make_session(3));
  const auto& ids = id_pool();
  OrderView o;
  o.action = Action::kNew;
  o.session = 3;
  o.exchange_session = 4;
  o.account = "ACC7";
  o.symbol = "AAPL";
  o.side = Side::kBuy;
  o.ord_type = OrdType::kLimit;
  o.quantity = 100;
  o.price = 190 * kMicro;
  o.has_price = true;
  o.now_ns = 1'000'000'000;
  if (f == kParentChild || f == kWholeChain) {
    o.parent_id = "PARENT-1";
    o.parent_quantity = 1'000'000;
  }
  ExecEvent cancel;
  cancel.kind = ExecKind::kCanceled;
  std::uint32_t next = 0;
  std::uint64_t refused = 0;
  std::uint64_t paused_allocs = 0;
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    if (next == kIdPool) renew_session(state, engine, session, next, paused_allocs);
    o.cl_ord_id = ids[next++];
    o.now_ns += 1000;
    Reservation r;
    const Decision d = engine.check_and_commit(o, *session, r);
    benchmark::DoNotOptimize(d);
    if (!d.accepted()) {
      ++refused;
      continue;
    }
    if (release == Release::kSentFailed) {
      engine.on_sent_failed(r);
    } else {
      benchmark::DoNotOptimize(engine.on_execution(r, cancel));
    }
  }
  const std::uint64_t allocs = riskgate::testing::thread_allocations() - a0 - paused_allocs;
  state.counters["allocs_per_msg"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
  state.counters["refused"] = static_cast<double>(refused);
  state.counters["msgs_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_RiskBaselineLookupsValidityClOrdId(benchmark::State& s) {
  run_chain(s, kBaseline, Release::kSentFailed);
}
void BM_RiskSizeAndValue(benchmark::State& s) {
  run_chain(s, kSizeValue, Release::kSentFailed);
}
void BM_RiskPriceCollar(benchmark::State& s) {
  run_chain(s, kCollar, Release::kSentFailed);
}
void BM_RiskTypicalSize(benchmark::State& s) {
  run_chain(s, kTypicalSize, Release::kSentFailed);
}
void BM_RiskParentChild(benchmark::State& s) {
  run_chain(s, kParentChild, Release::kSentFailed);
}
void BM_RiskCumulativeQty(benchmark::State& s) {
  run_chain(s, kCumulativeQty, Release::kSentFailed);
}
void BM_RiskDuplicateOrder(benchmark::State& s) {
  run_chain(s, kDuplicateOrder, Release::kSentFailed);
}
void BM_RiskRates(benchmark::State& s) {
  run_chain(s, kRates, Release::kSentFailed);
}
void BM_RiskExposure(benchmark::State& s) {
  run_chain(s, kExposure, Release::kSentFailed);
}
void BM_RiskExposureReleasedByCancel(benchmark::State& s) {
  run_chain(s, kExposure, Release::kCancel);
}
void BM_RiskFlowEnvelope(benchmark::State& s) {
  run_chain(s, kFlow, Release::kSentFailed);
}
void BM_RiskWholeChain(benchmark::State& s) {
  run_chain(s, kWholeChain, Release::kSentFailed);
}
void BM_RiskWholeChain_MultiWriter(benchmark::State& s) {
  run_chain(s, kWholeChain, Release::kSentFailed, WriterThreads::kMany);
}

// The whole chain for an order that trades: check, then a full fill, which
// runs every fill-side flow rule (decay, one-sided accumulation, baselines)
// and the execution throttle. Sides alternate, as a two-sided book's do, so
// no rule breaches; symbols rotate over 64 so the per-symbol rows are real.
void BM_RiskWholeChainOrderAndFill(benchmark::State& state) {
  RiskConfig c = config_for(kWholeChain);
  c.throttles.repeated_exec_max_fills = 1'000'000;
  Engine engine(c, kGatewayWriters);
  auto session = std::make_unique<SessionState>(engine.make_session(3));
  const auto& ids = id_pool();
  std::vector<std::string> symbols;
  for (int i = 0; i < 64; ++i) symbols.push_back("SYM" + std::to_string(i));
  OrderView o;
  o.action = Action::kNew;
  o.session = 3;
  o.exchange_session = 4;
  o.account = "ACC7";
  o.ord_type = OrdType::kLimit;
  o.quantity = 100;
  o.price = 100 * kMicro;
  o.has_price = true;
  o.now_ns = 1'000'000'000;
  ExecEvent fill;
  fill.kind = ExecKind::kFill;
  fill.last_qty = 100;
  fill.last_px = 100 * kMicro;
  std::uint32_t next = 0;
  std::uint64_t refused = 0, paused_allocs = 0, n = 0;
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    if (next == kIdPool) renew_session(state, engine, session, next, paused_allocs);
    o.cl_ord_id = ids[next++];
    o.symbol = symbols[(n >> 1) & 63];
    o.side = (n & 1) == 0 ? Side::kBuy : Side::kSell;
    ++n;
    // 1,000 orders and fills a second: a busy desk, inside every flow rule
    // (at the chain benchmarks' 1M/s the fill-storm rule would throttle).
    o.now_ns += 1'000'000;
    fill.now_ns = o.now_ns;
    Reservation r;
    const Decision d = engine.check_and_commit(o, *session, r);
    benchmark::DoNotOptimize(d);
    if (!d.accepted()) {
      if (refused++ == 0) state.counters["first_refusal_rule"] = static_cast<double>(d.rule);
      continue;
    }
    benchmark::DoNotOptimize(engine.on_execution(r, fill));
  }
  const std::uint64_t allocs = riskgate::testing::thread_allocations() - a0 - paused_allocs;
  state.counters["allocs_per_msg"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
  state.counters["refused"] = static_cast<double>(refused);
}

BENCHMARK(BM_RiskBaselineLookupsValidityClOrdId);
BENCHMARK(BM_RiskSizeAndValue);
BENCHMARK(BM_RiskPriceCollar);
BENCHMARK(BM_RiskTypicalSize);
BENCHMARK(BM_RiskParentChild);
BENCHMARK(BM_RiskCumulativeQty);
BENCHMARK(BM_RiskDuplicateOrder);
BENCHMARK(BM_RiskRates);
BENCHMARK(BM_RiskExposure);
BENCHMARK(BM_RiskExposureReleasedByCancel);
BENCHMARK(BM_RiskFlowEnvelope);
BENCHMARK(BM_RiskWholeChain);
BENCHMARK(BM_RiskWholeChain_MultiWriter);
BENCHMARK(BM_RiskWholeChainOrderAndFill);

// The check alone, whole chain: batches of kBatch checks are timed, then the
// timer is paused while the batch is released (pause/resume costs ~1 us, so
// it is amortised over the batch rather than paid per order).
void BM_RiskWholeChainCheckOnly(benchmark::State& state) {
  constexpr int kBatch = 256;
  Engine engine(config_for(kWholeChain), kGatewayWriters);
  auto session = std::make_unique<SessionState>(engine.make_session(3));
  const auto& ids = id_pool();
  OrderView o;
  o.exchange_session = 4;
  o.account = "ACC7";
  o.symbol = "AAPL";
  o.side = Side::kBuy;
  o.ord_type = OrdType::kLimit;
  o.quantity = 100;
  o.price = 190 * kMicro;
  o.has_price = true;
  o.now_ns = 1'000'000'000;
  o.parent_id = "PARENT-1";
  o.parent_quantity = 1'000'000;
  std::vector<Reservation> batch(kBatch);
  std::uint32_t next = 0;
  std::uint64_t refused = 0;
  std::uint64_t paused_allocs = 0;
  std::int64_t orders = 0;
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      o.cl_ord_id = ids[next++];
      o.now_ns += 1000;
      const Decision d = engine.check_and_commit(o, *session, batch[i]);
      benchmark::DoNotOptimize(d);
      refused += d.accepted() ? 0 : 1;
    }
    orders += kBatch;
    state.PauseTiming();
    const std::uint64_t p0 = riskgate::testing::thread_allocations();
    for (Reservation& r : batch) engine.on_sent_failed(r);
    if (next + kBatch > kIdPool) {
      session = std::make_unique<SessionState>(engine.make_session(3));
      next = 0;
    }
    paused_allocs += riskgate::testing::thread_allocations() - p0;
    state.ResumeTiming();
  }
  const std::uint64_t allocs = riskgate::testing::thread_allocations() - a0 - paused_allocs;
  state.SetItemsProcessed(orders);
  state.counters["allocs_per_msg"] = static_cast<double>(allocs) / static_cast<double>(orders);
  state.counters["refused"] = static_cast<double>(refused);
  state.counters["ns_per_order"] = benchmark::Counter(
      static_cast<double>(orders), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RiskWholeChainCheckOnly);

// The kill-switch board alone: what every order pays when nothing is engaged.
void BM_RiskKillSwitchLookup(benchmark::State& state) {
  KillSwitchBoard board(256, 1024, 4096);
  KillKey key{4, 3, 7, 500};
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    benchmark::DoNotOptimize(key);
    benchmark::DoNotOptimize(board.is_killed(key));
  }
  state.counters["allocs_per_msg"] =
      static_cast<double>(riskgate::testing::thread_allocations() - a0) /
      static_cast<double>(state.iterations());
}
BENCHMARK(BM_RiskKillSwitchLookup);

// A refused order and its reject text (the refusal path's cost).
void BM_RiskRefusalWithRejectText(benchmark::State& state) {
  RiskConfig c = config_for(kSizeValue);
  c.defaults.max_order_qty = 10;
  Engine engine(c, kGatewayWriters);
  SessionState session = engine.make_session(3);
  OrderView o;
  o.cl_ord_id = "CL1";
  o.account = "ACC7";
  o.symbol = "AAPL";
  o.side = Side::kBuy;
  o.ord_type = OrdType::kLimit;
  o.quantity = 100;
  o.price = 190 * kMicro;
  o.has_price = true;
  char text[128];
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    Reservation r;
    const Decision d = engine.check_and_commit(o, session, r);
    benchmark::DoNotOptimize(format_reject_text(d, o, text, sizeof text));
  }
  state.counters["allocs_per_msg"] =
      static_cast<double>(riskgate::testing::thread_allocations() - a0) /
      static_cast<double>(state.iterations());
}
BENCHMARK(BM_RiskRefusalWithRejectText);

// A cancel request: cancel budget + message budget.
void BM_RiskCheckCancel(benchmark::State& state) {
  RiskConfig c = config_for(kRates);
  Engine engine(c, kGatewayWriters);
  SessionState session = engine.make_session(3);
  OrderView o;
  o.action = Action::kCancel;
  o.now_ns = 1'000'000'000;
  const std::uint64_t a0 = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    o.now_ns += 1000;
    benchmark::DoNotOptimize(engine.check_cancel_and_commit(o, session));
  }
  state.counters["allocs_per_msg"] =
      static_cast<double>(riskgate::testing::thread_allocations() - a0) /
      static_cast<double>(state.iterations());
}
BENCHMARK(BM_RiskCheckCancel);

}  // namespace
