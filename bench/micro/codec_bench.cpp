// Codec micro-benchmarks: frame + scan of the two messages on the hot path,
// the outbound rewrite, and QuickFIX parsing the same bytes as the baseline
// (issue 5 item 1). Every benchmark reports allocs_per_msg beside its time.
//
// Run: build-*/bench/micro/riskgate_micro_bench --benchmark_filter=Codec
//        --benchmark_min_time=0.2 --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/support/alloc_counter.hpp"
#ifdef RISKGATE_HAVE_QF_BASELINE
#include "bench/micro/qf_baseline.hpp"
#endif

namespace {

namespace codec = riskgate::codec;

constexpr std::size_t kMaxMessage = 64 * 1024;

// Builds a wire message from "35=...|...|" (with '|' for SOH) by computing
// BodyLength and CheckSum here, independently of the codec under test.
std::string make_message(std::string_view begin_string, std::string_view body_with_pipes) {
  std::string body(body_with_pipes);
  for (char& c : body) {
    if (c == '|') c = '\x01';
  }
  std::string m = "8=" + std::string(begin_string) + "\x01" + "9=" + std::to_string(body.size()) +
                  "\x01" + body;
  unsigned sum = 0;
  for (const unsigned char c : m) sum += c;
  sum %= 256;
  const char trailer[] = {'1',
                          '0',
                          '=',
                          static_cast<char>('0' + sum / 100),
                          static_cast<char>('0' + sum / 10 % 10),
                          static_cast<char>('0' + sum % 10),
                          '\x01'};
  return m + std::string(trailer, sizeof trailer);
}

// A NewOrderSingle as a trading engine sends it (~160 bytes).
const std::string& new_order_single() {
  static const std::string m = make_message(
      "FIX.4.4",
      "35=D|34=1234|49=ENGINE1|52=20240315-14:30:00.123|56=RISKGATE|1=ACC1|11=ORD-000001234|"
      "21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|60=20240315-14:30:00.123|");
  return m;
}

// An ExecutionReport (new-order ack) as an exchange sends it (~220 bytes).
const std::string& execution_report() {
  static const std::string m =
      make_message("FIX.4.4",
                   "35=8|34=5678|49=EXCHANGE|52=20240315-14:30:00.125|56=RISKGATE|1=ACC1|6=0|"
                   "11=E1-ORD-000001234|14=0|17=EXEC-0000000001|37=OID-0000000001|38=500|39=0|40=2|"
                   "44=190.25|54=1|55=AAPL|59=0|60=20240315-14:30:00.124|150=0|151=500|");
  return m;
}

void report(benchmark::State& state, std::uint64_t allocs_before, std::size_t bytes) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["allocs_per_msg"] = benchmark::Counter(
      static_cast<double>(riskgate::testing::thread_allocations() - allocs_before) / iterations);
  state.counters["msgs_per_s"] = benchmark::Counter(iterations, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
}

void frame_and_scan(benchmark::State& state, const std::string& wire) {
  codec::Message msg;
  const std::uint64_t before = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    const codec::FrameResult r = codec::frame(wire, kMaxMessage);
    const codec::ScanError e = msg.scan(r.message);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(msg);
  }
  report(state, before, wire.size());
  if (codec::frame(wire, kMaxMessage).status != codec::FrameStatus::kMessage) {
    state.SkipWithError("benchmark message does not frame");
  }
}

void BM_Codec_FrameScan_NewOrderSingle(benchmark::State& state) {
  frame_and_scan(state, new_order_single());
}
BENCHMARK(BM_Codec_FrameScan_NewOrderSingle);

void BM_Codec_FrameScan_ExecutionReport(benchmark::State& state) {
  frame_and_scan(state, execution_report());
}
BENCHMARK(BM_Codec_FrameScan_ExecutionReport);

// The router's outbound rewrite: our header, ClOrdID prefixed, body copied.
codec::Header exchange_header() {
  codec::Header h;
  h.begin_string = "FIX.4.4";
  h.msg_type = codec::msgtype::kNewOrderSingle;
  h.sender_comp_id = "RISKGATE";
  h.target_comp_id = "EXCHANGE";
  h.seq_num = 987654;
  h.sending_time = "20240315-14:30:00.124";
  return h;
}

void BM_Codec_EncodeForward_NewOrderSingle(benchmark::State& state) {
  codec::Message msg;
  const std::string& wire = new_order_single();
  if (msg.scan(codec::frame(wire, kMaxMessage).message) != codec::ScanError::kNone) {
    state.SkipWithError("benchmark message does not scan");
    return;
  }
  const codec::Header h = exchange_header();
  const std::array<codec::Substitution, 1> subs{{{codec::tag::kClOrdID, "E1-ORD-000001234"}}};
  std::array<char, 512> out{};
  const std::uint64_t before = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    const codec::EncodeResult r = codec::encode_forward(out, h, msg, subs);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, before, wire.size());
}
BENCHMARK(BM_Codec_EncodeForward_NewOrderSingle);

// The codec's whole share of one order: frame, scan, rewrite.
void BM_Codec_FrameScanForward_NewOrderSingle(benchmark::State& state) {
  codec::Message msg;
  const std::string& wire = new_order_single();
  const codec::Header h = exchange_header();
  const std::array<codec::Substitution, 1> subs{{{codec::tag::kClOrdID, "E1-ORD-000001234"}}};
  std::array<char, 512> out{};
  const std::uint64_t before = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    const codec::FrameResult f = codec::frame(wire, kMaxMessage);
    const codec::ScanError e = msg.scan(f.message);
    benchmark::DoNotOptimize(e);
    const codec::EncodeResult r = codec::encode_forward(out, h, msg, subs);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, before, wire.size());
}
BENCHMARK(BM_Codec_FrameScanForward_NewOrderSingle);

#ifdef RISKGATE_HAVE_QF_BASELINE
void quickfix_baseline(benchmark::State& state, const std::string& wire) {
  if (riskgate::bench::qf_parse_and_serialise(wire.data(), wire.size()) == 0) {
    state.SkipWithError("QuickFIX refused the benchmark message");
    return;
  }
  const std::uint64_t before = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    benchmark::DoNotOptimize(riskgate::bench::qf_parse_and_serialise(wire.data(), wire.size()));
  }
  report(state, before, wire.size());
}

void BM_Codec_QuickFixParseSerialise_NewOrderSingle(benchmark::State& state) {
  quickfix_baseline(state, new_order_single());
}
BENCHMARK(BM_Codec_QuickFixParseSerialise_NewOrderSingle);

void BM_Codec_QuickFixParseSerialise_ExecutionReport(benchmark::State& state) {
  quickfix_baseline(state, execution_report());
}
BENCHMARK(BM_Codec_QuickFixParseSerialise_ExecutionReport);
#endif

}  // namespace
