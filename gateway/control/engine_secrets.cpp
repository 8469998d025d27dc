#include "gateway/control/engine_secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/hex.hpp"
#include "gateway/control/private_file.hpp"

namespace riskgate::control {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '#';
  });
}

std::array<std::uint8_t, 32> pbkdf2(std::string_view password,
                                    const std::array<std::uint8_t, 16>& salt,
                                    std::uint32_t iterations) {
  std::array<std::uint8_t, 32> out{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1)
    throw std::runtime_error("PBKDF2-HMAC-SHA256 failed (OpenSSL)");
  return out;
}

}  // namespace

EngineSecrets EngineSecrets::load(const std::filesystem::path& path) {
  require_private_file(path, "EngineSecretsFile");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("EngineSecretsFile: cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.string());
}

EngineSecrets EngineSecrets::parse(std::string_view text, const std::string& source) {
  EngineSecrets out;
  int line_no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(source + ":" + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> f;
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == ' ' || line[i] == '\t') {
        ++i;
        continue;
      }
      const std::size_t j = std::min(line.find_first_of(" \t", i), line.size());
      f.push_back(line.substr(i, j - i));
      i = j;
    }
    if (f.empty() || f[0].front() == '#') continue;
    if (f.size() != 6)
      fail("expected \"<session> <username> pbkdf2-sha256 <iterations> <salt> <hash>\", got " +
           std::to_string(f.size()) + " fields");
    EngineSecret e;
    e.session = std::string(f[0]);
    e.username = std::string(f[1]);
    if (!is_token(f[0]) || !is_token(f[1])) fail("session and username must be printable tokens");
    if (f[2] != kScheme)
      fail("unsupported scheme \"" + std::string(f[2]) + "\" (expected pbkdf2-sha256)");
    const auto [end, ec] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), e.iterations);
    if (ec != std::errc() || end != f[3].data() + f[3].size() ||
        e.iterations < kMinPbkdf2Iterations || e.iterations > kMaxPbkdf2Iterations)
      fail("iterations must be " + std::to_string(kMinPbkdf2Iterations) + ".." +
           std::to_string(kMaxPbkdf2Iterations) + ", got \"" + std::string(f[3]) + "\"");
    if (!parse_hex_bytes(f[4], e.salt.data(), e.salt.size())) fail("salt must be 32 hex digits");
    if (!parse_hex_bytes(f[5], e.hash.data(), e.hash.size())) fail("hash must be 64 hex digits");
    if (out.find(e.session) != nullptr) fail("session \"" + e.session + "\" has a second entry");
    out.entries_.push_back(std::move(e));
  }
  return out;
}

const EngineSecret* EngineSecrets::find(std::string_view session) const noexcept {
  for (const auto& e : entries_)
    if (e.session == session) return &e;
  return nullptr;
}

bool verify_engine_password(const EngineSecret& secret, std::string_view username,
                            std::string_view password) {
  const auto derived = pbkdf2(password, secret.salt, secret.iterations);
  const bool hash_ok = CRYPTO_memcmp(derived.data(), secret.hash.data(), derived.size()) == 0;
  const bool user_ok = username.size() == secret.username.size() &&
                       CRYPTO_memcmp(username.data(), secret.username.data(), username.size()) == 0;
  return hash_ok && user_ok;
}

std::array<std::uint8_t, 32> quick_password_digest(const EngineSecret& secret,
                                                   std::string_view username,
                                                   std::string_view password) {
  std::array<std::uint8_t, 32> out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed (OpenSSL)");
  // The NUL separates username from password: "ab"+"c" and "a"+"bc" differ.
  const unsigned char sep = 0;
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, secret.salt.data(), secret.salt.size()) == 1 &&
                  EVP_DigestUpdate(ctx, username.data(), username.size()) == 1 &&
                  EVP_DigestUpdate(ctx, &sep, 1) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), nullptr) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return out;
}

std::string make_engine_secret_line(std::string_view session, std::string_view username,
                                    std::string_view password, std::uint32_t iterations) {
  if (!is_token(session)) throw std::invalid_argument("session: a non-empty token without blanks");
  if (!is_token(username))
    throw std::invalid_argument("username: a non-empty token without blanks");
  if (password.empty()) throw std::invalid_argument("password must not be empty");
  if (iterations < kMinPbkdf2Iterations || iterations > kMaxPbkdf2Iterations)
    throw std::invalid_argument("iterations must be " + std::to_string(kMinPbkdf2Iterations) +
                                ".." + std::to_string(kMaxPbkdf2Iterations));
  std::array<std::uint8_t, 16> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed (OpenSSL)");
  const auto hash = pbkdf2(password, salt, iterations);
  return std::string(session) + " " + std::string(username) + " " + std::string(kScheme) + " " +
         std::to_string(iterations) + " " + to_hex(salt.data(), salt.size()) + " " +
         to_hex(hash.data(), hash.size());
}

}  // namespace riskgate::control
