// The whole receive -> check -> rewrite step for one order (issue 5 item 1):
// a NewOrderSingle's bytes go into the client Session and come out of the
// exchange Session's encoder, through framing, scanning, session checks,
// translation, every risk check and the ClOrdID rewrite. Only the socket
// read/write syscalls are left out (tests/support/route_harness.hpp).
//
// Each order is timed on its own (steady_clock around one on_data call, so the
// ~20 ns clock read is included), and the benchmark reports the per-order
// median, p90 and p99 as counters next to Google Benchmark's mean. The
// exchange's ack and fill for each order are fed back outside the timed
// region, so exposure and the working-order table stay in steady state.
//
// Run: build/bench/micro/riskgate_micro_bench --benchmark_filter=Route
#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/msglog/writer.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/route_harness.hpp"

namespace {

using riskgate::testing::RouteHarness;
using riskgate::testing::thread_allocations;

constexpr int kBatch = 1024;  // Messages are built (untimed) a batch at a time.

struct Batch {
  std::vector<std::string> orders, acks, fills;
};

void build_batch(RouteHarness& h, std::uint64_t first, Batch& b) {
  b.orders.clear();
  b.acks.clear();
  b.fills.clear();
  for (int i = 0; i < kBatch; ++i) {
    const std::string id = "B" + std::to_string(first + static_cast<std::uint64_t>(i));
    // Prices vary so the identical-order check never trips.
    const std::string px = "190." + std::to_string(10 + (first + i) % 80);
    // Alternate buys and sells so the net position stays flat.
    const char side = (first + static_cast<std::uint64_t>(i)) % 2 == 0 ? '1' : '2';
    b.orders.push_back(h.order(0, id, 100, px, {}, {}, "AAPL", side));
    b.acks.push_back(h.report("E1-" + id, '0', '0', 100, 0, 0, px));
    b.fills.push_back(h.report("E1-" + id, 'F', '2', 100, 100, 100, px));
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The default config (config/riskgate.toml), every check on. Only the per-day
// limits are raised: the benchmark runs hours of simulated flow, which would
// otherwise exhaust a day's gross notional and cumulative quantity. They are
// still evaluated on every order, so the cost is the same.
riskgate::config::Config bench_config(int cl_ord_ids_log2, bool validate = true) {
  riskgate::config::Config cfg = RouteHarness::default_config();
  for (auto& s : cfg.sessions) s.use_data_dictionary = validate;
  cfg.risk.capacities.max_cl_ord_ids = std::uint32_t{1} << cl_ord_ids_log2;
  cfg.risk.defaults.max_gross_notional_day = std::int64_t{1} << 62;
  cfg.risk.defaults.max_cum_qty_day = std::int64_t{1} << 50;
  return cfg;
}

// Where the gateway's helper threads run in production (README, "Threads
// and cores"): the journal thread and the log writer on a CPU other than the
// I/O thread's. When this benchmark is pinned to one CPU (bench/paired-step:
// taskset -c 1), they go to another one, as [gateway] JournalCpu and
// MessageLogCpu put them; otherwise they float, as unpinned threads do.
int helper_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) != 1) return -1;
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) return -1;
  return CPU_ISSET(0, &set) ? 1 : 0;
}

// A run in which an order was not forwarded measures something else: it
// ends with an error naming how many, and the last audit line says why (a
// risk rule, or journal_unavailable when the journal thread fell a whole
// ring behind, e.g. descheduled by the host for tens of ms).
void skip_unforwarded(benchmark::State& state, const RouteHarness& h, double missing) {
  const std::string why = std::to_string(static_cast<long long>(missing)) +
                          " orders not forwarded; last audit line: " + h.audit.last.rule + ": " +
                          h.audit.last.text;
  state.SkipWithError(why.c_str());
}

// The journal on, as the gateway runs it: a real Journal whose thread drains
// the ring into a file (in the temp directory; rings on tmpfs), per policy.
struct BenchJournal {
  std::filesystem::path dir, ring_dir;
  std::unique_ptr<riskgate::journal::Journal> journal;
  // `background`: the journal thread drains the ring while orders are timed
  // (as in the gateway); otherwise run_untimed() drains it between batches,
  // so the timed step holds exactly the order path's appends.
  BenchJournal(riskgate::journal::SyncPolicy policy, bool background) {
    const std::string name = "riskgate-route-bench-" + std::to_string(::getpid());
    dir = std::filesystem::temp_directory_path() / name;
    ring_dir = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm") / name
                                                         : dir / "rings";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::create_directories(ring_dir);
    riskgate::journal::JournalConfig c;
    c.file = dir / "bench.rgj";
    c.ring_dir = ring_dir;
    c.gateway = name;
    c.trading_day = 20787;
    c.sync = policy;
    c.cpu = helper_cpu();
    // The gateway's ring size (JournalRingMiB), not the library's default:
    // at this benchmark's rate (an order a microsecond, 100x a busy desk) a
    // smaller ring fills while an fdatasync holds the journal thread, and
    // orders are refused (journal_unavailable) as the gateway would refuse them.
    c.ring_capacity = std::size_t{RouteHarness::default_config().gateway.journal_ring_mib} << 20;
    journal = std::make_unique<riskgate::journal::Journal>(c);
    if (background) journal->start();
  }
  ~BenchJournal() {
    journal.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::remove_all(ring_dir, ec);
  }
};

// The FIX message logs on, as the gateway runs them: every message of the
// client and exchange sessions copied into the I/O thread's ring, a writer
// thread (or, `background` false, the benchmark between batches) writing the
// files into a temp directory.
struct BenchMessageLog {
  std::filesystem::path dir;
  std::unique_ptr<riskgate::msglog::MessageLogWriter> writer;
  std::unique_ptr<riskgate::msglog::SessionTap> client, exchange;
  BenchMessageLog(RouteHarness& h, bool background) {
    dir = std::filesystem::temp_directory_path() /
          ("riskgate-route-bench-msglog-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    riskgate::msglog::MessageLogWriter::Options o;  // The gateway's defaults (16 MiB ring).
    o.cpu = helper_cpu();
    writer = std::make_unique<riskgate::msglog::MessageLogWriter>(o);
    const auto c = writer->add_session({"ENGINE1", dir, "session=ENGINE1 leg=engine"});
    const auto x = writer->add_session({"EXCH", dir, "session=EXCH leg=exchange"});
    auto& ring = writer->add_ring("io-0");
    client = std::make_unique<riskgate::msglog::SessionTap>(ring, c);
    exchange = std::make_unique<riskgate::msglog::SessionTap>(ring, x);
    h.client(0).set_wire_tap(client.get());
    h.exchange().set_wire_tap(exchange.get());
    if (background) writer->start();
  }
  ~BenchMessageLog() {
    writer->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// kInterleaved: the writer thread runs, and the taps are on for every other
// order only, so the step with and without the logs is timed in the same
// process, microseconds apart (see _MessageLogInterleaved below).
enum class MessageLog : std::uint8_t { kOff, kThread, kDrainedBetweenBatches, kInterleaved };

// `sample_every`: the order-step latency histogram of /metrics times one
// order in this many (0: off, as in the other variants; the gateway runs 32).
void order_step(benchmark::State& state, bool validate,
                std::optional<riskgate::journal::SyncPolicy> journal = std::nullopt,
                bool background = true, std::uint32_t sample_every = 0,
                MessageLog msglog = MessageLog::kOff) {
  std::optional<BenchJournal> bj;
  if (journal) bj.emplace(*journal, background);
  RouteHarness h(bench_config(static_cast<int>(state.range(0)), validate),
                 bj ? &bj->journal->ring(0) : nullptr);
  h.group().latency.set_sample_every(sample_every);
  std::optional<BenchMessageLog> ml;
  if (msglog != MessageLog::kOff) ml.emplace(h, msglog != MessageLog::kDrainedBetweenBatches);
  const bool interleave = msglog == MessageLog::kInterleaved;
  h.log_on_all();
  h.audit.record = false;
  h.exchange_wire.record = false;
  h.client_wire[0].record = false;

  Batch batch;
  std::array<char, 4096> rx{};
  std::vector<double> samples, samples_off;  // samples_off: interleaved orders without taps.
  samples.reserve(1 << 22);
  samples_off.reserve(interleave ? 1 << 21 : 0);
  std::uint64_t next_id = 0, allocations = 0, forwarded_before = h.exchange_wire.sends;
  int k = kBatch;
  for (auto _ : state) {
    if (k == kBatch) {
      // Untimed: close the previous batch's orders, build the next one.
      if (interleave) {
        // The reports are logged as in the gateway (the writer carries the
        // whole conversation, ~6 messages per order); only the timed order
        // steps alternate.
        h.client(0).set_wire_tap(ml->client.get());
        h.exchange().set_wire_tap(ml->exchange.get());
      }
      for (std::size_t i = 0; i < batch.acks.size(); ++i) {
        (void)h.from_exchange(batch.acks[i]);
        (void)h.from_exchange(batch.fills[i]);
      }
      if (bj && !background) (void)bj->journal->do_work(std::chrono::steady_clock::now());
      if (msglog == MessageLog::kDrainedBetweenBatches) (void)ml->writer->do_work();
      build_batch(h, next_id, batch);
      next_id += kBatch;
      k = 0;
    }
    h.clock.advance_ms(2);  // 500 orders/s of simulated time: inside every rate/window limit.
    // Untimed, as the socket read would: the order's bytes land in the same
    // receive buffer every time (the gateway's rx buffer is reused too).
    const bool taps_on = !interleave || k % 2 == 0;
    if (interleave) {
      h.client(0).set_wire_tap(taps_on ? ml->client.get() : nullptr);
      h.exchange().set_wire_tap(taps_on ? ml->exchange.get() : nullptr);
    }
    const std::string& next = batch.orders[static_cast<std::size_t>(k++)];
    std::memcpy(rx.data(), next.data(), next.size());
    const std::string_view wire(rx.data(), next.size());
    const std::uint64_t a0 = thread_allocations();
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t used = h.from_client(0, wire);
    const auto t1 = std::chrono::steady_clock::now();
    allocations += thread_allocations() - a0;
    benchmark::DoNotOptimize(used);
    const double s = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(s);
    std::vector<double>& into = taps_on ? samples : samples_off;
    if (into.size() < into.capacity()) into.push_back(s * 1e9);
  }
  const auto n = static_cast<double>(state.iterations());
  const auto forwarded = static_cast<double>(h.exchange_wire.sends - forwarded_before);
  if (forwarded != n) skip_unforwarded(state, h, n - forwarded);
  state.counters["allocs_per_msg"] = static_cast<double>(allocations) / n;
  state.counters["p50_ns"] = percentile(samples, 0.50);
  state.counters["p90_ns"] = percentile(samples, 0.90);
  state.counters["p99_ns"] = percentile(samples, 0.99);
  if (interleave) {
    // What the difference holds: the logs' direct cost in the order step
    // (the two copies into the ring). What it cancels: whatever the logs do
    // to every order alike, on and off (the writer thread's time slices and
    // its cache traffic); _MessageLogAndMetrics, against the plain step in
    // another run, includes those.
    const double off50 = percentile(samples_off, 0.50);
    state.counters["off_p50_ns"] = off50;
    state.counters["off_p99_ns"] = percentile(samples_off, 0.99);
    state.counters["p50_diff_ns"] = percentile(samples, 0.50) - off50;
  }
  if (bj && !bj->journal->healthy()) state.SkipWithError("the journal failed during the run");
  if (sample_every != 0) {
    const auto timed = static_cast<double>(h.group().latency.read().count());
    state.counters["latency_samples"] = timed;
    if (timed == 0) state.SkipWithError("metrics on, but no order was timed");
  }
  if (ml) {
    state.counters["msglog_dropped"] = static_cast<double>(ml->writer->dropped());
    if (ml->writer->write_errors() != 0) state.SkipWithError("the message log could not write");
  }
}

// With data-dictionary validation on both legs, as the gateway runs by default.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle(benchmark::State& state) {
  order_step(state, true);
}
// The argument is log2 of [risk.capacities] max_cl_ord_ids: how many ClOrdIDs
// each session remembers for the duplicate check. Each order probes one
// bucket of the set's fingerprint array (2.5 bytes per id: 2.5 MB at the
// default 2^20, on huge pages; 320 KB at 2^17) and writes its key into the
// key array (10 bytes per id). A fixed order count, because every order needs
// a fresh ClOrdID.
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20)
    ->Arg(17);

// The same without validation (UseDataDictionary = false): the difference is
// what validation costs inside the step.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_NoValidation(benchmark::State& state) {
  order_step(state, false);
}
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_NoValidation)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);

// The same step with metrics on (issue 13): the counters are always on (a
// relaxed store each); this adds the latency histogram's sampling at the
// gateway's rate (kLatencySampleEvery = 32) and, as _Metrics1, on every
// order (its worst case). Compare with BM_Route_ReceiveCheckRewrite_NewOrderSingle/20
// in the same run.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_Metrics(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 32);
}
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_Metrics1(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 1);
}
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_Metrics)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_Metrics1)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);

// The same step with the journal on (issue 11): the client's inbound number,
// the order event and the exchange-bound message are appended to the ring
// before the order goes out. The journal thread runs meanwhile, as in the
// gateway, and the sync policy decides only what that thread does: compare
// each with BM_Route_ReceiveCheckRewrite_NewOrderSingle/20 in the same run.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalNone(benchmark::State& state) {
  order_step(state, true, riskgate::journal::SyncPolicy::kNone);
}
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalInterval(benchmark::State& state) {
  order_step(state, true, riskgate::journal::SyncPolicy::kInterval);
}
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalEveryBatch(benchmark::State& state) {
  order_step(state, true, riskgate::journal::SyncPolicy::kEveryBatch);
}
// The order path's share alone: the ring drained between batches (untimed),
// so no journal thread runs beside the timed step. On this 2-vCPU VM the
// journal thread's CRC and pwrite share the core with the I/O thread's
// sibling; in production it is pinned to a core of its own.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalAppendsOnly(benchmark::State& state) {
  order_step(state, true, riskgate::journal::SyncPolicy::kInterval, false);
}
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalAppendsOnly)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalNone)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalInterval)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalEveryBatch)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);

// The journal's cost read without the host's drift between runs (issue 11's
// bar: at most +50 ns at the median). One process holds two gateways' order
// paths, one plain and one with the journal on (`interval`, its thread
// running, pinned as the gateway pins it); each order is stepped through
// both, microseconds apart, the first alternating so neither always runs
// with the other's cache lines just touched. Both working sets compete for
// the same caches, so the absolute ns are higher than the single-harness
// variants'; the difference is what this reads.
// The second argument says which order path is built first (0: the plain
// one), so that a bias from where each lands in memory shows as a
// difference between /0 and /1; read the bar from both.
// p50_ns: the journaled steps; off_p50_ns: the plain ones; p50_diff_ns:
// the difference of the medians; pair_diff_p50_ns: the median of the
// per-order differences (the same order, both ways).
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalInterleaved(benchmark::State& state) {
  BenchJournal bj(riskgate::journal::SyncPolicy::kInterval, true);
  const auto cfg = bench_config(static_cast<int>(state.range(0)));
  std::array<std::unique_ptr<RouteHarness>, 2> hs;  // [0] plain, [1] journaled.
  const bool journaled_first = state.range(1) != 0;
  if (journaled_first) hs[1] = std::make_unique<RouteHarness>(cfg, &bj.journal->ring(0));
  hs[0] = std::make_unique<RouteHarness>(cfg);
  if (!journaled_first) hs[1] = std::make_unique<RouteHarness>(cfg, &bj.journal->ring(0));
  for (auto& h : hs) {
    h->log_on_all();
    h->audit.record = false;
    h->exchange_wire.record = false;
    h->client_wire[0].record = false;
  }
  std::array<Batch, 2> batch;
  std::array<char, 4096> rx{};
  std::array<std::vector<double>, 2> samples;  // [0] plain, [1] journaled.
  std::vector<double> pair_diffs;
  for (auto& v : samples) v.reserve(1 << 21);
  pair_diffs.reserve(1 << 21);
  std::uint64_t next_id = 0, allocations = 0, ring_bytes = 0;
  std::array<std::uint64_t, 2> forwarded_before{hs[0]->exchange_wire.sends,
                                                hs[1]->exchange_wire.sends};
  int k = kBatch;
  for (auto _ : state) {
    if (k == kBatch) {
      for (int j = 0; j < 2; ++j) {
        for (std::size_t i = 0; i < batch[j].acks.size(); ++i) {
          (void)hs[j]->from_exchange(batch[j].acks[i]);
          (void)hs[j]->from_exchange(batch[j].fills[i]);
        }
        build_batch(*hs[j], next_id, batch[j]);
      }
      next_id += kBatch;
      k = 0;
    }
    std::array<double, 2> ns{};
    for (int n = 0; n < 2; ++n) {
      const int j = (k + n) % 2;  // Even orders: plain first; odd: journaled first.
      RouteHarness& h = *hs[j];
      h.clock.advance_ms(2);
      const std::string& next = batch[j].orders[static_cast<std::size_t>(k)];
      std::memcpy(rx.data(), next.data(), next.size());
      const std::string_view wire(rx.data(), next.size());
      const std::uint64_t a0 = thread_allocations();
      const std::uint64_t ring0 = bj.journal->ring(0).head_position();
      const auto t0 = std::chrono::steady_clock::now();
      const std::size_t used = h.from_client(0, wire);
      const auto t1 = std::chrono::steady_clock::now();
      allocations += thread_allocations() - a0;
      ring_bytes += bj.journal->ring(0).head_position() - ring0;
      benchmark::DoNotOptimize(used);
      ns[j] = std::chrono::duration<double>(t1 - t0).count() * 1e9;
    }
    ++k;
    state.SetIterationTime(ns[1] * 1e-9);
    if (pair_diffs.size() < pair_diffs.capacity()) {
      samples[0].push_back(ns[0]);
      samples[1].push_back(ns[1]);
      pair_diffs.push_back(ns[1] - ns[0]);
    }
  }
  const auto n = static_cast<double>(state.iterations());
  for (int j = 0; j < 2; ++j) {
    const auto forwarded = static_cast<double>(hs[j]->exchange_wire.sends - forwarded_before[j]);
    if (forwarded != n) skip_unforwarded(state, *hs[j], n - forwarded);
  }
  state.counters["allocs_per_msg"] = static_cast<double>(allocations) / (2 * n);
  const double on50 = percentile(samples[1], 0.50), off50 = percentile(samples[0], 0.50);
  state.counters["p50_ns"] = on50;
  state.counters["p99_ns"] = percentile(samples[1], 0.99);
  state.counters["off_p50_ns"] = off50;
  state.counters["off_p99_ns"] = percentile(samples[0], 0.99);
  state.counters["p50_diff_ns"] = on50 - off50;
  state.counters["pair_diff_p50_ns"] = percentile(pair_diffs, 0.50);
  // What one order step appends to the ring (its record, padding included).
  state.counters["journal_bytes_per_order"] = static_cast<double>(ring_bytes) / n;
  if (!bj.journal->healthy()) state.SkipWithError("the journal failed during the run");
}
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_JournalInterleaved)
    ->UseManualTime()
    ->Iterations(200'000)
    ->Args({20, 0})
    ->Args({20, 1});

// The same step with the FIX message logs on (issue 13 item 1): the order in
// on the client session and out on the exchange session are copied into the
// ring; the writer thread formats and writes them meanwhile, as in the
// gateway. Compare with BM_Route_ReceiveCheckRewrite_NewOrderSingle/20 in
// the same run (target: at most +30 ns at the median, 0 allocations).
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLog(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 0, MessageLog::kThread);
}
// The order path's share alone: the ring drained between batches (untimed),
// so no writer thread competes for the 2 vCPUs during the timed step.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogAppendsOnly(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 0, MessageLog::kDrainedBetweenBatches);
}
// Both of issue 13's order-path additions at once, as the gateway runs them:
// the message logs (writer thread running) and the metrics' latency sampling
// at the gateway's rate (one order in 32). The bar: at most +30 ns at
// the median against BM_Route_ReceiveCheckRewrite_NewOrderSingle/20, and 0
// allocations.
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogAndMetrics(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 32, MessageLog::kThread);
}
// The logs' direct cost, read without the host's drift between runs: one
// process, the taps on for even orders and off for odd ones (the reports in
// between always logged), the writer thread running and the latency
// sampling (one in 32) on throughout.
// p50_ns: the orders with the logs; off_p50_ns: those without; p50_diff_ns:
// the logs' cost at the median (target: at most +30 ns).
void BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogInterleaved(benchmark::State& state) {
  order_step(state, true, std::nullopt, true, 32, MessageLog::kInterleaved);
}
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogInterleaved)
    ->UseManualTime()
    ->Iterations(200'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogAndMetrics)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLog)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);
BENCHMARK(BM_Route_ReceiveCheckRewrite_NewOrderSingle_MessageLogAppendsOnly)
    ->UseManualTime()
    ->Iterations(100'000)
    ->Arg(20);

}  // namespace
