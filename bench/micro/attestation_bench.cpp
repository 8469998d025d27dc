// The Logon-time cost of a deployment attestation (issue 12, item 5): the
// strict parse alone, and the whole Manifest::verify_attestation (parse,
// Ed25519 verification through OpenSSL, the tuple, times and approval). It
// runs once per engine Logon, never per order; expect tens of microseconds,
// nearly all of it the signature.
//
// Run: build/bench/micro/riskgate_micro_bench --benchmark_filter=Attestation
#include <benchmark/benchmark.h>

#include <string>

#include "config/attestation.hpp"
#include "config/manifest.hpp"
#include "tests/support/ed25519_key.hpp"

namespace {

namespace config = riskgate::config;

const std::string kBuild(64, 'e');
constexpr std::int64_t kRelease = 1'764'460'800;

struct Fixture {
  riskgate::testing::Ed25519TestKey key;
  config::Manifest manifest;
  std::string line;

  Fixture() {
    manifest = config::parse_manifest(
        "test_setup = true\n[gateway]\nversion = \"0.1.0\"\nbuild_digest = \"any\"\n"
        "config_digest = \"any\"\n[[engine]]\nsender_comp_id = \"ENGINE1\"\n"
        "app_name = \"engine-sim\"\nversion = \"0.1.0\"\nvendor = \"riskgate\"\n"
        "build_digest = \"" +
            kBuild +
            "\"\n[[compatibility]]\ngateway_versions = [\"0.1.0\"]\n"
            "app_name = \"engine-sim\"\nengine_versions = [\"0.1.0\"]\n"
            "[attestation]\npublic_key = \"" +
            key.public_key_hex() + "\"\nrelease_issued_at = " + std::to_string(kRelease) + "\n",
        "bench.toml");
    line = key.attest(riskgate::testing::engine1_claims("0.1.0", kBuild, kRelease, 86400));
  }
};

void BM_AttestationParse(benchmark::State& state) {
  const Fixture f;
  for (auto _ : state) {
    config::ParsedAttestation p;
    benchmark::DoNotOptimize(config::parse_attestation(f.line, p));
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AttestationParse);

void BM_AttestationVerifyAtLogon(benchmark::State& state) {
  const Fixture f;
  const config::DeclaredIdentity id{"engine-sim", "0.1.0", "riskgate", kBuild};
  const std::string length = std::to_string(f.line.size());
  for (auto _ : state) {
    const auto v = f.manifest.verify_attestation("ENGINE1", "127.0.0.1", id, f.line, length,
                                                 kRelease + 60, "0.1.0");
    if (v != config::AttestationVerdict::kOk) state.SkipWithError("attestation not accepted");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AttestationVerifyAtLogon);

}  // namespace
