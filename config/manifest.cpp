#include "config/manifest.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "config/address_range.hpp"
#include "config/toml_reader.hpp"
// Header-only (no link dependency on the order path): the one definition of
// how retired values compare, shared with route::RetiredValues.
#include "gateway/route/retired_match.hpp"

namespace riskgate::config {

using detail::Reader;
using detail::Table;

namespace {

std::string dq(std::string_view s) {
  // Appended piecewise: GCC 12 at -O3 misreports `"\"" + std::string(s)` as
  // an overlapping memcpy (-Wrestrict, a known false positive).
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  out.append(s);
  out.push_back('"');
  return out;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
}

// "any" (test setups only), or a SHA-256 as 64 hex chars (stored lowercase).
std::string req_digest(Table& t, std::string_view key, bool test_setup) {
  std::string d = t.req_str(key);
  if (d.empty()) return d;
  if (d == kAnyDigest) {
    if (!test_setup) {
      t.error(key,
              "\"any\" is refused in a release manifest: give the real SHA-256 (riskgatectl "
              "manifest writes it), or set test_setup = true at the top of a test manifest");
    }
    return d;
  }
  if (d.size() != 64 || !std::all_of(d.begin(), d.end(), is_hex)) {
    t.error(key, "must be a SHA-256 as 64 hex characters; got " + dq(d));
    return {};
  }
  std::transform(d.begin(), d.end(), d.begin(), lower);
  return d;
}

// Audit records keep 120 bytes of text: times and digests in reasons are short.
std::string short_hex(std::string_view d) {
  return d.size() > 16 ? std::string(d.substr(0, 16)) + "..." : std::string(d);
}

std::vector<std::string> req_nonempty_list(Table& t, std::string_view key) {
  if (!t.has(key)) {
    t.error(key, "required key missing");
    return {};
  }
  auto v = t.str_array(key);
  if (v && v->empty()) t.error(key, "must list at least one version");
  return v.value_or(std::vector<std::string>{});
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path.string() + ": cannot read the manifest"});
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

}  // namespace

std::string_view to_string(IdentityVerdict v) noexcept {
  switch (v) {
    case IdentityVerdict::kApproved:
      return "approved";
    case IdentityVerdict::kMissing:
      return "identity_missing";
    case IdentityVerdict::kUnknownEngine:
      return "unknown_engine";
    case IdentityVerdict::kWrongAppName:
      return "wrong_app_name";
    case IdentityVerdict::kWrongVersion:
      return "wrong_version";
    case IdentityVerdict::kWrongVendor:
      return "wrong_vendor";
    case IdentityVerdict::kWrongDigest:
      return "wrong_build_digest";
    case IdentityVerdict::kIncompatibleWithGateway:
      return "incompatible_with_gateway";
  }
  return "unknown";
}

bool digest_matches(std::string_view expected, std::string_view actual) noexcept {
  if (expected == kAnyDigest) return true;
  if (expected.size() != actual.size() || expected.empty()) return false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (lower(expected[i]) != lower(actual[i])) return false;
  }
  return true;
}

const EngineApproval* Manifest::find_engine(std::string_view sender_comp_id,
                                            std::string_view host) const noexcept {
  const EngineApproval* any_host = nullptr;
  for (const auto& e : engines) {
    if (e.sender_comp_id != sender_comp_id) continue;
    if (!e.host.empty() && same_address(e.host, host)) return &e;
    if (e.host.empty()) any_host = &e;
  }
  return any_host;
}

bool Manifest::engine_approved_for_gateway(const EngineApproval& engine,
                                           std::string_view gateway_version) const noexcept {
  return std::any_of(compatibility.begin(), compatibility.end(), [&](const Compatibility& c) {
    return c.app_name == engine.app_name && contains(c.engine_versions, engine.version) &&
           contains(c.gateway_versions, gateway_version);
  });
}

IdentityVerdict Manifest::verify_engine(std::string_view sender_comp_id, std::string_view host,
                                        const DeclaredIdentity& id,
                                        std::string_view gateway_version,
                                        std::string* reason) const {
  auto say = [&](IdentityVerdict v, std::string text) {
    if (reason != nullptr) *reason = std::move(text);
    return v;
  };
  const EngineApproval* e = find_engine(sender_comp_id, host);
  if (e == nullptr) {
    return say(IdentityVerdict::kUnknownEngine,
               "no approved engine for SenderCompID " + std::string(sender_comp_id) +
                   (host.empty() ? "" : " from " + std::string(host)) + " in the manifest");
  }
  const bool digest_needed = e->build_digest != kAnyDigest;
  if (id.app_name.empty() || id.version.empty() || id.vendor.empty() ||
      (digest_needed && id.build_digest.empty())) {
    std::string missing;
    auto add = [&](std::string_view name) {
      if (!missing.empty()) missing += ", ";
      missing += name;
    };
    if (id.app_name.empty()) add("ApplicationSystemName(1603)");
    if (id.version.empty()) add("TradingSystemVersion(1604)");
    if (id.vendor.empty()) add("ApplicationSystemVendor(1605)");
    if (digest_needed && id.build_digest.empty()) add("build digest");
    return say(IdentityVerdict::kMissing, "Logon does not declare " + missing);
  }
  auto wrong = [&](IdentityVerdict v, std::string_view field, std::string_view got,
                   std::string_view want) {
    return say(v, std::string(field) + " " + dq(got) + " is not approved for " +
                      std::string(sender_comp_id) + " (expected " + dq(want) + ")");
  };
  if (id.app_name != e->app_name) {
    return wrong(IdentityVerdict::kWrongAppName, "ApplicationSystemName(1603)", id.app_name,
                 e->app_name);
  }
  if (id.version != e->version) {
    return wrong(IdentityVerdict::kWrongVersion, "TradingSystemVersion(1604)", id.version,
                 e->version);
  }
  if (id.vendor != e->vendor) {
    return wrong(IdentityVerdict::kWrongVendor, "ApplicationSystemVendor(1605)", id.vendor,
                 e->vendor);
  }
  if (!digest_matches(e->build_digest, id.build_digest)) {
    return wrong(IdentityVerdict::kWrongDigest, "build digest", id.build_digest, e->build_digest);
  }
  if (compatibility.empty()) {
    return say(IdentityVerdict::kIncompatibleWithGateway,
               "the manifest has no [[compatibility]] section, so no engine is approved with "
               "riskgate " +
                   std::string(gateway_version));
  }
  if (!engine_approved_for_gateway(*e, gateway_version)) {
    return say(IdentityVerdict::kIncompatibleWithGateway, e->app_name + " " + e->version +
                                                              " is not approved with riskgate " +
                                                              std::string(gateway_version));
  }
  return say(IdentityVerdict::kApproved, "approved: " + e->app_name + " " + e->version);
}

AttestationVerdict Manifest::verify_attestation(
    std::string_view sender_comp_id, std::string_view peer_host, const DeclaredIdentity& declared,
    std::string_view raw_data, std::string_view raw_data_length, std::int64_t now_unix_s,
    std::string_view gateway_version, std::string* reason) const {
  auto say = [&](AttestationVerdict v, std::string text) {
    if (reason != nullptr) *reason = std::move(text);
    return v;
  };
  if (!attestation) return say(AttestationVerdict::kOk, "the manifest requires no attestation");
  if (raw_data.empty()) {
    return say(AttestationVerdict::kMissing,
               "Logon carries no attestation in RawData(96); the manifest requires one signed by "
               "the release key");
  }
  if (raw_data_length != std::to_string(raw_data.size())) {
    return say(AttestationVerdict::kMalformed,
               "attestation malformed: RawDataLength(95) " +
                   (raw_data_length.empty() ? std::string("is absent") : dq(raw_data_length)) +
                   " but RawData(96) holds " + std::to_string(raw_data.size()) + " bytes");
  }
  ParsedAttestation a;
  std::string why;
  if (!parse_attestation(raw_data, a, &why))
    return say(AttestationVerdict::kMalformed, "attestation malformed: " + why);
  if (!ed25519_verify(attestation->public_key, a.signed_bytes, a.signature)) {
    return say(AttestationVerdict::kBadSignature,
               "attestation signature does not verify with the manifest's release key");
  }
  const AttestationClaims& c = a.claims;
  if (c.comp != sender_comp_id) {
    return say(AttestationVerdict::kMismatch, "attestation comp " + dq(c.comp) + " is not " +
                                                  dq(sender_comp_id) + ", the session's engine");
  }
  if (!same_address(c.host, peer_host)) {
    return say(AttestationVerdict::kWrongHost,
               "attestation host " + dq(c.host) + " but the engine connects from " + dq(peer_host));
  }
  auto mismatch = [&](std::string_view field, std::string_view attested, std::string_view logon) {
    return say(AttestationVerdict::kMismatch,
               "attestation " + std::string(field) + " " + dq(attested) +
                   " but the Logon declares " + (logon.empty() ? std::string("none") : dq(logon)));
  };
  if (c.app != declared.app_name)
    return mismatch("app (ApplicationSystemName(1603))", c.app, declared.app_name);
  if (c.version != declared.version)
    return mismatch("ver (TradingSystemVersion(1604))", c.version, declared.version);
  if (c.vendor != declared.vendor)
    return mismatch("vendor (ApplicationSystemVendor(1605))", c.vendor, declared.vendor);
  if (declared.build_digest.empty() || !digest_matches(c.build, declared.build_digest))
    return mismatch("build", short_hex(c.build), short_hex(declared.build_digest));
  if (now_unix_s > c.expires_at) {
    return say(AttestationVerdict::kExpired, "attestation expired at " +
                                                 format_utc_time(c.expires_at) + ", now " +
                                                 format_utc_time(now_unix_s));
  }
  if (c.issued_at > now_unix_s + kAttestationClockSkewS) {
    return say(AttestationVerdict::kExpired,
               "attestation issued at " + format_utc_time(c.issued_at) + " is in the future (now " +
                   format_utc_time(now_unix_s) + ")");
  }
  if (c.issued_at < attestation->release_issued_at) {
    return say(AttestationVerdict::kPreviousRelease,
               "attestation iat " + format_utc_time(c.issued_at) + " predates release_issued_at " +
                   format_utc_time(attestation->release_issued_at) + ": from a previous release");
  }
  const DeclaredIdentity attested{c.app, c.version, c.vendor, c.build};
  if (verify_engine(sender_comp_id, peer_host, attested, gateway_version, &why) !=
      IdentityVerdict::kApproved) {
    return say(AttestationVerdict::kNotApproved, "attested identity not approved: " + why);
  }
  return say(AttestationVerdict::kOk, "attested: " + std::string(c.app) + " " +
                                          std::string(c.version) + " on " + std::string(c.host) +
                                          ", issued " + format_utc_time(c.issued_at) +
                                          ", expires " + format_utc_time(c.expires_at));
}

bool Manifest::config_approved(std::string_view config_sha256, std::string* reason) const {
  if (digest_matches(gateway.config_digest, config_sha256)) return true;
  if (reason != nullptr) {
    *reason = "config sha256 " +
              (config_sha256.empty() ? std::string("<none>") : std::string(config_sha256)) +
              " is not the approved " + gateway.config_digest;
  }
  return false;
}

DeploymentVerdict Manifest::verify_deployment(std::string_view binary_sha256,
                                              std::string_view config_sha256) const {
  DeploymentVerdict v;
  v.binary_ok = digest_matches(gateway.build_digest, binary_sha256);
  if (!v.binary_ok) {
    v.reason = "binary sha256 " +
               (binary_sha256.empty() ? std::string("<none>") : std::string(binary_sha256)) +
               " is not the approved " + gateway.build_digest;
  }
  std::string why;
  v.config_ok = config_approved(config_sha256, &why);
  if (!v.config_ok) v.reason += (v.reason.empty() ? "" : "; ") + why;
  if (v.ok()) v.reason = "ok";
  return v;
}

const RetiredValue* Manifest::find_retired(std::uint32_t tag,
                                           std::string_view value) const noexcept {
  for (const auto& r : retired) {
    if (r.tag == tag && route::retired_value_matches(r.value, value)) return &r;
  }
  return nullptr;
}

Manifest parse_manifest(std::string text, std::string source_name) {
  Manifest m;
  m.source_path = source_name;
  Reader r(std::move(source_name), text);
  const toml::table doc = r.parse();
  Table root(r, doc, "");
  m.test_setup = root.boolean("test_setup").value_or(false);

  if (auto g = root.table("gateway")) {
    m.gateway.version = g->req_str("version");
    m.gateway.build_digest = req_digest(*g, "build_digest", m.test_setup);
    m.gateway.config_digest = req_digest(*g, "config_digest", m.test_setup);
    g->finish();
  } else {
    r.error(0, "", "gateway", "required table [gateway] missing (the approved gateway release)");
  }

  std::map<std::pair<std::string, std::string>, int> seen_engine;
  for (auto& t : root.table_array("engine", "engine")) {
    EngineApproval e;
    e.sender_comp_id = t.req_str("sender_comp_id");
    if (auto h = t.str("host")) e.host = *h;
    if (!e.sender_comp_id.empty()) {
      t.set_where("engine " + dq(e.sender_comp_id) + (e.host.empty() ? "" : " host " + dq(e.host)));
      auto [it, fresh] = seen_engine.emplace(std::pair{e.sender_comp_id, e.host}, t.line());
      if (!fresh) {
        t.error("sender_comp_id",
                "a second approval for the same SenderCompID and host (first at line " +
                    std::to_string(it->second) + "); approve exactly one version per identity");
      }
    }
    e.app_name = t.req_str("app_name");
    e.version = t.req_str("version");
    e.vendor = t.req_str("vendor");
    e.build_digest = req_digest(t, "build_digest", m.test_setup);
    t.finish();
    m.engines.push_back(std::move(e));
  }

  for (auto& t : root.table_array("compatibility", "compatibility")) {
    Compatibility c;
    c.app_name = t.req_str("app_name");
    if (!c.app_name.empty()) t.set_where("compatibility " + dq(c.app_name));
    c.gateway_versions = req_nonempty_list(t, "gateway_versions");
    c.engine_versions = req_nonempty_list(t, "engine_versions");
    t.finish();
    m.compatibility.push_back(std::move(c));
  }

  // Keyed by (tag, normalised value): "PWRPEG" and " pwrpeg" are one entry.
  std::map<std::pair<std::uint32_t, std::string>, int> seen_retired;
  for (auto& t : root.table_array("retired", "retired")) {
    RetiredValue rv;
    if (auto v = t.req_integer("tag", 1, 99999)) rv.tag = static_cast<std::uint32_t>(*v);
    bool value_ok = true;
    const bool by_value = t.has("value");
    if (auto v = t.str("value")) {
      if (v->empty()) {
        t.error("value", "must not be empty (omit it to retire every value)");
        value_ok = false;
      } else if (const std::string_view why = route::check_retired_value(*v); !why.empty()) {
        t.error("value", dq(*v) + " " + std::string(why));
        value_ok = false;
      } else {
        rv.value = route::normalise_retired_value(*v);
      }
    } else if (by_value) {
      value_ok = false;  // Not a string: str() has reported it.
    }
    if (auto v = t.str("note")) rv.note = *v;
    if (rv.tag != 0 && value_ok) {
      auto [it, fresh] = seen_retired.emplace(std::pair{rv.tag, rv.value}, t.line());
      if (!fresh) {
        const std::string what =
            by_value ? "value " + dq(rv.value) + " (after normalising case and whitespace)"
                     : "every value";
        t.error(by_value ? "value" : "tag",
                "duplicate retired entry: tag " + std::to_string(rv.tag) + " " + what +
                    " is already retired at line " + std::to_string(it->second));
      }
    }
    t.finish();
    m.retired.push_back(std::move(rv));
  }

  if (auto a = root.table("attestation")) {
    AttestationPolicy p;
    const std::string key = a->req_str("public_key");
    if (!key.empty()) {
      if (key.size() != 64 || !parse_hex_bytes(key, p.public_key.data(), p.public_key.size())) {
        a->error("public_key",
                 "must be the release key's raw Ed25519 public key as 64 hex characters "
                 "(riskgatectl attest-keygen prints it); got " +
                     dq(key));
      }
      p.public_key_hex = key;
      std::transform(p.public_key_hex.begin(), p.public_key_hex.end(), p.public_key_hex.begin(),
                     lower);
    }
    if (!a->has("release_issued_at")) {
      a->error("release_issued_at",
               "required key missing (attestations issued before it belong to a previous "
               "release)");
    } else if (auto t = a->unix_time("release_issued_at")) {
      p.release_issued_at = *t;
    }
    a->finish();
    m.attestation = p;
  }

  root.finish();
  r.throw_if_errors();
  return m;
}

Manifest load_manifest(const std::filesystem::path& path) {
  return parse_manifest(read_file(path), path.string());
}

}  // namespace riskgate::config
