// The identity an engine declared at Logon, published by the I/O thread for
// the control plane (status, fleet audit) without a lock.
//
// A seqlock: one writer (the session's I/O thread, at Logon) and any number
// of readers (control threads), which retry while a write is in progress.
// The text lives in atomic bytes, so a reader racing a writer reads torn bytes
// that it then throws away, never undefined behaviour.
//
// Memory orders (the fence-free seqlock, so ThreadSanitizer can check it):
//   writer: seq_ odd (relaxed) -> every byte and flag (release) -> seq_ even
//           (release);
//   reader: seq_ (acquire, pairs with the writer's final release) -> every
//           byte and flag (acquire) -> seq_ again (relaxed). A byte read from
//           a newer write synchronises with that write's release store, so
//           the second seq_ load then sees at least its odd value: equal and
//           even means every byte came from one write.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace riskgate::control {

struct EngineIdentityView {
  std::string app_name, version, vendor, digest, peer_host, reason;
  bool approved = false;
  std::string attestation;        // RawData(96) as received; empty if none.
  std::int64_t logon_unix_s = 0;  // When the Logon was checked.
};

class PublishedIdentity {
 public:
  static constexpr std::size_t kField = 96;    // Bytes kept per field.
  static constexpr std::size_t kReason = 200;  // Bytes kept of the verdict reason.
  // The whole attestation line (config::kMaxAttestationBytes; asserted where
  // it is published), so `riskgatectl audit` can verify it as the gateway did.
  static constexpr std::size_t kAttestation = 2048;

  // I/O thread. No allocation, no lock.
  void publish(std::string_view app_name, std::string_view version, std::string_view vendor,
               std::string_view digest, std::string_view peer_host, bool approved,
               std::string_view reason, std::string_view attestation = {},
               std::int64_t logon_unix_s = 0) noexcept {
    const std::uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    put(fields_[0], app_name);
    put(fields_[1], version);
    put(fields_[2], vendor);
    put(fields_[3], digest);
    put(fields_[4], peer_host);
    put(reason_, reason);
    put(attestation_, attestation);
    logon_unix_s_.store(logon_unix_s, std::memory_order_release);
    approved_.store(approved, std::memory_order_release);
    present_.store(true, std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }

  // Control thread: false until the first publish.
  [[nodiscard]] bool read(EngineIdentityView& out) const {
    for (;;) {
      const std::uint32_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1u) continue;  // A write is in progress: it is a few hundred bytes.
      const bool present = present_.load(std::memory_order_acquire);
      std::string f[5];
      for (int i = 0; i < 5; ++i) f[i] = get(fields_[i]);
      std::string reason = get(reason_);
      std::string attestation = get(attestation_);
      const std::int64_t logon_unix_s = logon_unix_s_.load(std::memory_order_acquire);
      const bool approved = approved_.load(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) != s1) continue;
      if (!present) return false;
      out = EngineIdentityView{
          f[0],        f[1], f[2], f[3], f[4], std::move(reason), approved, std::move(attestation),
          logon_unix_s};
      return true;
    }
  }

 private:
  template <std::size_t N>
  struct Text {
    std::atomic<std::uint16_t> len{0};
    std::atomic<char> bytes[N];  // Value-initialised (C++20).
  };

  template <std::size_t N>
  static void put(Text<N>& t, std::string_view v) noexcept {
    const std::size_t n = v.size() < N ? v.size() : N;
    for (std::size_t i = 0; i < n; ++i) t.bytes[i].store(v[i], std::memory_order_release);
    t.len.store(static_cast<std::uint16_t>(n), std::memory_order_release);
  }
  template <std::size_t N>
  static std::string get(const Text<N>& t) {
    std::size_t n = t.len.load(std::memory_order_acquire);
    if (n > N) n = N;  // Torn read: discarded by the sequence check anyway.
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = t.bytes[i].load(std::memory_order_acquire);
    return s;
  }

  std::atomic<std::uint32_t> seq_{0};
  std::atomic<bool> present_{false};
  std::atomic<bool> approved_{false};
  Text<kField> fields_[5];
  Text<kReason> reason_;
  Text<kAttestation> attestation_;
  std::atomic<std::int64_t> logon_unix_s_{0};  // Same protocol as the bytes.
};

}  // namespace riskgate::control
