// A throwaway Ed25519 key for tests that sign attestations in-process
// (config/attestation.hpp): the unit tests of the verifier, the single-
// verifier test and the benchmark. Test code only; riskgatectl attest is
// the signer a release uses.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/attestation.hpp"

namespace riskgate::testing {

// ENGINE1's identity as the tests approve it (engine-sim by riskgate), on
// `host`, valid from `issued_at` for `valid_s` seconds.
inline config::AttestationClaims engine1_claims(std::string_view version, std::string_view build,
                                                std::int64_t issued_at, std::int64_t valid_s,
                                                std::string_view host = "127.0.0.1") {
  config::AttestationClaims c;
  c.comp = "ENGINE1";
  c.host = host;
  c.app = "engine-sim";
  c.version = version;
  c.vendor = "riskgate";
  c.build = build;
  c.issued_at = issued_at;
  c.expires_at = issued_at + valid_s;
  return c;
}

class Ed25519TestKey {
 public:
  Ed25519TestKey() : key_(nullptr, &EVP_PKEY_free) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
      throw std::runtime_error("Ed25519 keygen failed");
    key_.reset(raw);
    std::size_t n = public_key_.size();
    if (EVP_PKEY_get_raw_public_key(raw, public_key_.data(), &n) != 1)
      throw std::runtime_error("Ed25519 public key unavailable");
  }

  [[nodiscard]] const config::Ed25519PublicKey& public_key() const noexcept { return public_key_; }
  [[nodiscard]] std::string public_key_hex() const {
    return to_hex(public_key_.data(), public_key_.size());
  }

  [[nodiscard]] config::Ed25519Signature sign(std::string_view message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    config::Ed25519Signature sig{};
    std::size_t n = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &n,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
      throw std::runtime_error("Ed25519 sign failed");
    return sig;
  }

  // The attestation line for `c`, signed by this key.
  [[nodiscard]] std::string attest(const config::AttestationClaims& c) const {
    const std::string payload = config::attestation_payload(c);
    return config::attestation_line(payload, sign(payload));
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
  config::Ed25519PublicKey public_key_{};
};

}  // namespace riskgate::testing
