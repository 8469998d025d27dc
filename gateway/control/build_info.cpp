#include "gateway/control/build_info.hpp"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "riskgate_build_info_generated.hpp"

namespace riskgate::control {
namespace {

constexpr std::string_view kBuildId = RISKGATE_GIT_COMMIT "@" RISKGATE_BUILD_TIME;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx new_sha256_ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: cannot initialise OpenSSL digest context");
  }
  return ctx;
}

std::string finish_hex(EVP_MD_CTX* ctx) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md.data(), &len) != 1) {
    throw std::runtime_error("sha256: EVP_DigestFinal_ex failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0F]);
  }
  return out;
}

}  // namespace

std::string_view build_id() noexcept {
  return kBuildId;
}
std::string_view git_commit() noexcept {
  return RISKGATE_GIT_COMMIT;
}
std::string_view build_time() noexcept {
  return RISKGATE_BUILD_TIME;
}

std::string sha256_hex(std::string_view bytes) {
  MdCtx ctx = new_sha256_ctx();
  if (EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1) {
    throw std::runtime_error("sha256: EVP_DigestUpdate failed");
  }
  return finish_hex(ctx.get());
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("sha256: cannot open " + path.string());
  MdCtx ctx = new_sha256_ctx();
  std::array<char, 64 * 1024> buf{};
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = in.gcount();
    if (n > 0 && EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n)) != 1) {
      throw std::runtime_error("sha256: EVP_DigestUpdate failed for " + path.string());
    }
  }
  if (in.bad()) throw std::runtime_error("sha256: read error on " + path.string());
  return finish_hex(ctx.get());
}

std::filesystem::path self_executable_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot resolve /proc/self/exe: " + ec.message());
  return p;
}

}  // namespace riskgate::control
