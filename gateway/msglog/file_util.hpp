// The message-log writer's file helpers (writer.cpp, writer_compress.cpp):
// the names a day's file takes while and after it is compressed, and
// error-tolerant writes. Internal to riskgate_msglog.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

namespace riskgate::msglog::detail {

inline std::string errno_text(const std::string& what, const std::filesystem::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

// All of [data, data + n), through short writes and EINTR.
inline bool write_all(int fd, const char* data, std::size_t n) noexcept {
  while (n != 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// X.log -> X.log.gz, the day compressed.
inline std::filesystem::path gz_path(const std::filesystem::path& log) {
  return std::filesystem::path(log.string() + ".gz");
}
// X.log -> X.log.gz.part, the compression being written.
inline std::filesystem::path part_path(const std::filesystem::path& log) {
  return std::filesystem::path(log.string() + ".gz.part");
}
// X.log -> X.log.committing.<gz_bytes>: the plain file while its compressed
// copy is committed into X.log.gz, which was gz_bytes long before (0: there
// was none). parse_file_name() takes it for no day's file, so nothing but
// the commit and its recovery touches it.
inline constexpr std::string_view kCommitting = ".committing.";
inline std::filesystem::path committing_path(const std::filesystem::path& log,
                                             std::uint64_t gz_bytes) {
  return std::filesystem::path(log.string() + std::string(kCommitting) + std::to_string(gz_bytes));
}

}  // namespace riskgate::msglog::detail
