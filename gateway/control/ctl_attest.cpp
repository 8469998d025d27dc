#include "gateway/control/ctl_attest.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "config/attestation.hpp"
#include "config/manifest.hpp"
#include "gateway/control/build_info.hpp"
#include "gateway/control/ctl.hpp"
#include "gateway/control/private_file.hpp"

namespace riskgate::control {
namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t time_or_now(const std::string& text, const char* option) {
  if (text.empty()) return now_s();
  if (auto t = config::parse_utc_time(text)) return *t;
  throw std::invalid_argument(std::string(option) +
                              ": expected unix seconds or YYYY-MM-DDTHH:MM:SSZ, got \"" + text +
                              "\"");
}

// Creates `path` 0600 (failing if it exists) and writes `text`.
void write_new_private(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno) +
                             (errno == EEXIST ? " (a release key is never overwritten)" : ""));
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(saved));
}

int keygen(const AttestCommands& c, std::ostream& out) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    throw std::runtime_error("Ed25519 key generation failed");
  const PKey key(raw, &EVP_PKEY_free);
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot encode the private key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  write_new_private(c.out, std::string(data, static_cast<std::size_t>(len)));
  config::Ed25519PublicKey pub{};
  std::size_t pub_len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &pub_len) != 1 || pub_len != pub.size())
    throw std::runtime_error("cannot read the public key");
  out << "public_key = \"" << to_hex(pub.data(), pub.size()) << "\"\n";
  return kCtlOk;
}

PKey load_private_key(const std::string& path) {
  require_private_file(path, "--key");
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!f) throw std::runtime_error("--key: cannot read " + path + ": " + std::strerror(errno));
  PKey key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519)
    throw std::runtime_error("--key: " + path + " is not an Ed25519 private key in PEM");
  return key;
}

int attest(const AttestCommands& c, std::ostream& out) {
  const auto valid = parse_duration_s(c.valid_for);
  if (!valid) {
    throw std::invalid_argument(
        "--valid-for: expected a positive number with s, m, h or d, got \"" + c.valid_for + "\"");
  }
  std::string build = c.build_digest;
  for (char& ch : build) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  config::AttestationClaims claims;
  claims.comp = c.comp;
  claims.host = c.host;
  claims.app = c.app;
  claims.version = c.version;
  claims.vendor = c.vendor;
  claims.build = build;
  claims.issued_at = time_or_now(c.issued_at, "--issued-at");
  claims.expires_at = claims.issued_at + *valid;
  const std::string payload = config::attestation_payload(claims);  // Validates the fields.
  const PKey key = load_private_key(c.key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  config::Ed25519Signature sig{};
  std::size_t sig_len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &sig_len,
                     reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) != 1 ||
      sig_len != sig.size())
    throw std::runtime_error("Ed25519 signing failed");
  out << config::attestation_line(payload, sig) << "\n";
  return kCtlOk;
}

toml::array str_array(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(s);
  return a;
}

int manifest(const AttestCommands& c, std::ostream& out) {
  // The template is a test setup ("any" allowed); its approvals are kept.
  const config::Manifest t = config::load_manifest(c.from);
  std::map<std::string, std::string> engine_digest;  // app_name -> sha256
  for (const auto& spec : c.engine_binaries) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw std::invalid_argument("--engine-binary: expected APP=FILE, got \"" + spec + "\"");
    engine_digest[spec.substr(0, eq)] = sha256_file(spec.substr(eq + 1));
  }
  toml::table root;
  root.insert("gateway", toml::table{{"version", t.gateway.version},
                                     {"build_digest", sha256_file(c.gateway_binary)},
                                     {"config_digest", sha256_file(c.config)}});
  toml::array engines;
  for (const auto& e : t.engines) {
    toml::table te{{"sender_comp_id", e.sender_comp_id},
                   {"app_name", e.app_name},
                   {"version", e.version},
                   {"vendor", e.vendor}};
    if (!e.host.empty()) te.insert("host", e.host);
    const auto it = engine_digest.find(e.app_name);
    te.insert("build_digest", it != engine_digest.end() ? it->second : e.build_digest);
    engines.push_back(std::move(te));
  }
  if (!engines.empty()) root.insert("engine", std::move(engines));
  toml::array compat;
  for (const auto& k : t.compatibility) {
    compat.push_back(toml::table{{"gateway_versions", str_array(k.gateway_versions)},
                                 {"app_name", k.app_name},
                                 {"engine_versions", str_array(k.engine_versions)}});
  }
  if (!compat.empty()) root.insert("compatibility", std::move(compat));
  toml::array retired;
  for (const auto& r : t.retired) {
    toml::table tr{{"tag", static_cast<std::int64_t>(r.tag)}, {"note", r.note}};
    if (!r.value.empty()) tr.insert("value", r.value);
    retired.push_back(std::move(tr));
  }
  if (!retired.empty()) root.insert("retired", std::move(retired));
  if (!c.public_key.empty()) {
    root.insert("attestation",
                toml::table{{"public_key", c.public_key},
                            {"release_issued_at",
                             time_or_now(c.release_issued_at, "--release-issued-at")}});
  } else if (!c.release_issued_at.empty()) {
    throw std::invalid_argument("--release-issued-at needs --attestation-public-key");
  }
  std::ostringstream text;
  text << "# GENERATED by riskgatectl manifest from " << c.from
       << " with the SHA-256 of the\n# released files; do not edit, run the release step again.\n"
       << root << "\n";
  // The one parser decides whether this is a release manifest: an "any" left
  // (an engine application without --engine-binary) is refused here.
  (void)config::parse_manifest(text.str(), c.out);
  const std::string tmp = c.out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text.str();
    if (!f.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, c.out);
  out << "riskgatectl: manifest: " << c.out << " written (gateway, config"
      << (engine_digest.empty() ? "" : ", engines") << " digested"
      << (c.public_key.empty() ? "" : "; [attestation] set") << ")\n";
  return kCtlOk;
}

}  // namespace

std::optional<std::int64_t> parse_duration_s(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  for (char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  if (n <= 0) return std::nullopt;
  return n * unit;
}

void add_attest_commands(CLI::App& app, AttestCommands& c) {
  c.keygen = app.add_subcommand(
      "attest-keygen", "New Ed25519 release key: private PEM (0600) and the public key to publish");
  c.keygen->add_option("--out", c.out, "Private key file to create (never overwritten)")
      ->required();

  c.attest = app.add_subcommand("attest", "Sign a deployment attestation for an engine host");
  c.attest->add_option("--key", c.key, "Release private key (PEM, mode 0600)")->required();
  c.attest->add_option("--comp", c.comp, "The engine's SenderCompID")->required();
  c.attest->add_option("--host", c.host, "Address the engine connects from")->required();
  c.attest->add_option("--app", c.app, "ApplicationSystemName(1603)")->required();
  c.attest->add_option("--version", c.version, "TradingSystemVersion(1604)")->required();
  c.attest->add_option("--vendor", c.vendor, "ApplicationSystemVendor(1605)")->required();
  c.attest->add_option("--build-digest", c.build_digest, "SHA-256 of the engine's build")
      ->required();
  c.attest->add_option("--issued-at", c.issued_at, "Unix seconds or UTC time (default: now)");
  c.attest->add_option("--valid-for", c.valid_for, "How long it is valid: 90s, 15m, 12h, 30d")
      ->required();

  c.manifest = app.add_subcommand(
      "manifest", "Write the release manifest: a template's approvals with the real digests");
  c.manifest->add_option("--from", c.from, "Template manifest (a test setup)")
      ->required()
      ->check(CLI::ExistingFile);
  c.manifest->add_option("--gateway-binary", c.gateway_binary, "The riskgate executable")
      ->required()
      ->check(CLI::ExistingFile);
  c.manifest->add_option("--config", c.config, "The riskgate config file")
      ->required()
      ->check(CLI::ExistingFile);
  c.manifest->add_option("--engine-binary", c.engine_binaries,
                         "APP=FILE: [[engine]] entries of app_name APP get FILE's digest");
  c.manifest->add_option("--attestation-public-key", c.public_key,
                         "Release key (64 hex): engines must present attestations");
  c.manifest->add_option("--release-issued-at", c.release_issued_at,
                         "Attestations issued before this are refused (default: now)");
  c.manifest->add_option("--out", c.out, "Manifest to write")->required();
}

std::optional<int> run_attest_commands(const AttestCommands& c, std::ostream& out,
                                       std::ostream& err) {
  const char* name = *c.keygen ? "attest-keygen" : *c.attest ? "attest" : "manifest";
  if (!*c.keygen && !*c.attest && !*c.manifest) return std::nullopt;
  try {
    if (*c.keygen) return keygen(c, out);
    if (*c.attest) return attest(c, out);
    return manifest(c, out);
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.errors()) err << "riskgatectl: " << name << ": " << line << "\n";
  } catch (const std::exception& e) {
    err << "riskgatectl: " << name << ": " << e.what() << "\n";
  }
  return kCtlUsage;
}

}  // namespace riskgate::control
