// Data-dictionary validation on its own (issue 10): the cost the session adds
// to every inbound message, on the messages of the order path, against the
// built-in FIX 4.4 dictionary (config/dict/FIX44.xml) with QuickFIX's default
// switches. The whole order step with and without it is in route_bench.cpp.
//
// Run: build/bench/micro/riskgate_micro_bench --benchmark_filter=Dict
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "gateway/codec/codec.hpp"
#include "gateway/dict/dictionary.hpp"
#include "tests/support/alloc_counter.hpp"

namespace {

namespace codec = riskgate::codec;
namespace dict = riskgate::dict;

std::string make_message(std::string_view body_with_pipes) {
  std::string body(body_with_pipes);
  for (char& c : body) {
    if (c == '|') c = '\x01';
  }
  std::string m = "8=FIX.4.4\x01" + std::string("9=") + std::to_string(body.size()) + "\x01" + body;
  unsigned sum = 0;
  for (const unsigned char c : m) sum += c;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03u", sum % 256);
  return m + "10=" + buf + "\x01";
}

void validate(benchmark::State& state, std::string_view body) {
  const std::string wire = make_message(body);
  codec::Message msg;
  if (msg.scan(wire) != codec::ScanError::kNone) {
    state.SkipWithError("benchmark message does not scan");
    return;
  }
  dict::Validator v(dict::Dictionary::builtin("FIX.4.4"), dict::ValidationOptions{});
  if (!v.validate(msg).ok()) {
    state.SkipWithError("benchmark message does not validate");
    return;
  }
  const std::uint64_t before = riskgate::testing::thread_allocations();
  for (auto _ : state) {
    const dict::Verdict r = v.validate(msg);
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs_per_msg"] =
      benchmark::Counter(static_cast<double>(riskgate::testing::thread_allocations() - before) /
                         static_cast<double>(state.iterations()));
}

void BM_Dict_Validate_NewOrderSingle(benchmark::State& state) {
  validate(state,
           "35=D|34=1234|49=ENGINE1|52=20240315-14:30:00.123|56=RISKGATE|1=ACC1|11=ORD-000001234|"
           "21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|60=20240315-14:30:00.123|");
}
BENCHMARK(BM_Dict_Validate_NewOrderSingle);

void BM_Dict_Validate_ExecutionReport(benchmark::State& state) {
  validate(state,
           "35=8|34=5678|49=EXCHANGE|52=20240315-14:30:00.125|56=RISKGATE|1=ACC1|6=0|"
           "11=E1-ORD-000001234|14=0|17=EXEC-0000000001|37=OID-0000000001|38=500|39=0|40=2|"
           "44=190.25|54=1|55=AAPL|59=0|60=20240315-14:30:00.124|150=0|151=500|");
}
BENCHMARK(BM_Dict_Validate_ExecutionReport);

// An order with a Parties group of three entries: the group walk's cost.
void BM_Dict_Validate_NewOrderSingleWithParties(benchmark::State& state) {
  validate(state,
           "35=D|34=1234|49=ENGINE1|52=20240315-14:30:00.123|56=RISKGATE|1=ACC1|11=ORD-000001234|"
           "453=3|448=TRADER7|447=D|452=11|448=DESK2|447=D|452=12|448=FIRM|447=D|452=1|"
           "21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|60=20240315-14:30:00.123|");
}
BENCHMARK(BM_Dict_Validate_NewOrderSingleWithParties);

}  // namespace
