#include "gateway/control/private_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace riskgate::control {

void require_private_file(const std::filesystem::path& path, std::string_view key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(std::string(key) + ": cannot read " + path.string() + ": " +
                             std::strerror(errno));
  }
  const unsigned mode = st.st_mode & 07777u;
  if ((mode & 077u) == 0) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", mode);
  throw std::runtime_error(std::string(key) + ": " + path.string() + " has mode " + octal +
                           ": it holds secrets and must not be accessible to group or others "
                           "(chmod 600 " +
                           path.string() + ")");
}

}  // namespace riskgate::control
