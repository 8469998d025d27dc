#include "config/attestation.hpp"

#include <openssl/evp.h>

#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace riskgate::config {
namespace {

// The fields in their one order; kKeys[i] is written "|<key>=".
constexpr std::string_view kKeys[] = {"comp",  "host", "app", "ver", "vendor",
                                      "build", "iat",  "exp", "sig"};
constexpr std::size_t kFieldCount = sizeof kKeys / sizeof kKeys[0];
constexpr std::size_t kMaxTimeDigits = 12;  // Year 33658: room enough, no overflow.

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool all_lower_hex(std::string_view s) {
  for (char c : s)
    if (!is_lower_hex(c)) return false;
  return true;
}

// Printable ASCII without the separator.
bool valid_value_char(char c) {
  return c >= 0x20 && c <= 0x7e && c != '|';
}

std::optional<std::int64_t> parse_digits(std::string_view s) {
  if (s.empty() || s.size() > kMaxTimeDigits) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool fail(std::string* reason, std::string text) {
  if (reason != nullptr) *reason = std::move(text);
  return false;
}

// The claims' own rules, shared by the parser and the payload builder.
bool check_claims(const AttestationClaims& c, std::string* reason) {
  const std::string_view values[] = {c.comp, c.host, c.app, c.version, c.vendor, c.build};
  for (std::size_t i = 0; i < 6; ++i) {
    if (values[i].empty()) return fail(reason, std::string(kKeys[i]) + " is empty");
    for (char ch : values[i])
      if (!valid_value_char(ch))
        return fail(reason, std::string(kKeys[i]) + " holds a byte that is not printable ASCII");
  }
  if (c.build.size() != 64 || !all_lower_hex(c.build))
    return fail(reason, "build is not a SHA-256 as 64 lowercase hex characters");
  if (c.issued_at < 0 || c.expires_at < 0) return fail(reason, "iat and exp must not be negative");
  if (c.expires_at <= c.issued_at) return fail(reason, "exp is not after iat");
  // The parser reads at most kMaxTimeDigits digits: a signer must not make a
  // line every gateway would refuse as malformed.
  constexpr std::int64_t kMaxTime = 999'999'999'999;
  static_assert(kMaxTimeDigits == 12);
  if (c.issued_at > kMaxTime || c.expires_at > kMaxTime)
    return fail(reason, "iat and exp must be at most 12 digits of unix seconds");
  return true;
}

}  // namespace

std::string_view to_string(AttestationVerdict v) noexcept {
  switch (v) {
    case AttestationVerdict::kOk:
      return "attestation_ok";
    case AttestationVerdict::kMissing:
      return "attestation_missing";
    case AttestationVerdict::kMalformed:
      return "attestation_malformed";
    case AttestationVerdict::kBadSignature:
      return "attestation_bad_signature";
    case AttestationVerdict::kWrongHost:
      return "attestation_wrong_host";
    case AttestationVerdict::kMismatch:
      return "attestation_mismatch";
    case AttestationVerdict::kExpired:
      return "attestation_expired";
    case AttestationVerdict::kPreviousRelease:
      return "attestation_previous_release";
    case AttestationVerdict::kNotApproved:
      return "attestation_not_approved";
  }
  return "attestation_unknown";
}

bool parse_attestation(std::string_view line, ParsedAttestation& out, std::string* reason) {
  if (line.size() > kMaxAttestationBytes)
    return fail(reason, "longer than " + std::to_string(kMaxAttestationBytes) + " bytes");
  if (line.substr(0, kAttestationMagic.size()) != kAttestationMagic ||
      line.size() == kAttestationMagic.size() || line[kAttestationMagic.size()] != '|')
    return fail(reason, "does not start with \"RGA1|\"");
  std::string_view values[kFieldCount];
  std::size_t pos = kAttestationMagic.size();
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    // Here line[pos] == '|'; the next key must be kKeys[i] followed by '='.
    const std::string_view key = kKeys[i];
    if (pos >= line.size() || line[pos] != '|' || line.substr(pos + 1, key.size()) != key ||
        pos + 1 + key.size() >= line.size() || line[pos + 1 + key.size()] != '=')
      return fail(reason, "field " + std::to_string(i + 1) + " is not " + std::string(key) +
                              "= (fields are comp, host, app, ver, vendor, build, iat, exp, sig, "
                              "each once, in that order)");
    const std::size_t start = pos + 2 + key.size();
    std::size_t end = line.find('|', start);
    if (end == std::string_view::npos) end = line.size();
    values[i] = line.substr(start, end - start);
    pos = end;
    if (i == kFieldCount - 1 && pos != line.size())
      return fail(reason, "unexpected data after sig");
  }
  AttestationClaims& c = out.claims;
  c.comp = values[0];
  c.host = values[1];
  c.app = values[2];
  c.version = values[3];
  c.vendor = values[4];
  c.build = values[5];
  const auto iat = parse_digits(values[6]);
  const auto exp = parse_digits(values[7]);
  if (!iat) return fail(reason, "iat is not unix seconds (1 to 12 digits)");
  if (!exp) return fail(reason, "exp is not unix seconds (1 to 12 digits)");
  c.issued_at = *iat;
  c.expires_at = *exp;
  if (!check_claims(c, reason)) return false;
  const std::string_view sig = values[8];
  if (sig.size() != 128 || !all_lower_hex(sig) ||
      !parse_hex_bytes(sig, out.signature.data(), out.signature.size()))
    return fail(reason, "sig is not an Ed25519 signature as 128 lowercase hex characters");
  out.signed_bytes = line.substr(0, line.size() - sig.size() - 5);  // Before "|sig=".
  return true;
}

std::string attestation_payload(const AttestationClaims& c) {
  std::string why;
  if (!check_claims(c, &why)) throw std::invalid_argument("attestation: " + why);
  std::string s(kAttestationMagic);
  const std::string_view values[] = {c.comp, c.host, c.app, c.version, c.vendor, c.build};
  for (std::size_t i = 0; i < 6; ++i) {
    s += '|';
    s += kKeys[i];
    s += '=';
    s += values[i];
  }
  s += "|iat=" + std::to_string(c.issued_at) + "|exp=" + std::to_string(c.expires_at);
  if (s.size() + 5 + 128 > kMaxAttestationBytes)
    throw std::invalid_argument("attestation: longer than " + std::to_string(kMaxAttestationBytes) +
                                " bytes");
  return s;
}

std::string attestation_line(std::string_view payload, const Ed25519Signature& sig) {
  return std::string(payload) + "|sig=" + to_hex(sig.data(), sig.size());
}

bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message,
                    const Ed25519Signature& sig) noexcept {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()),
      &EVP_PKEY_free);
  if (!pkey) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return false;
  // Ed25519 is one-shot: no digest is named, and the whole message is passed at once.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::optional<std::int64_t> parse_utc_time(std::string_view t) noexcept {
  if (auto v = parse_digits(t)) return v;
  // YYYY-MM-DDTHH:MM:SSZ
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || t[19] != 'Z')
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
            s = num(17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 59)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t v = ::timegm(&tm);
  // timegm normalises 31 February into March: refuse a date that moved.
  std::tm back{};
  if (v < 0 || ::gmtime_r(&v, &back) == nullptr || back.tm_mday != d || back.tm_mon != mo - 1)
    return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::string format_utc_time(std::int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_s);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace riskgate::config
