#include "gateway/control/ctl_engine_secret.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "gateway/control/ctl.hpp"
#include "gateway/control/engine_secrets.hpp"

namespace riskgate::control {
namespace {

void append_private(const std::string& path, const std::string& line) {
  // O_CREAT with 0600: a new file is never readable by others, not even for
  // the moment between creation and a chmod.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  const std::string text = line + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(saved));
}

}  // namespace

int run_engine_secret(const EngineSecretRequest& r, std::istream& in, std::ostream& out,
                      std::ostream& err) {
  std::string password;
  if (!std::getline(in, password)) {
    err << "riskgatectl: engine-secret: no password on standard input\n";
    return kCtlUsage;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  try {
    if (!r.file.empty() && std::filesystem::exists(r.file)) {
      // Also refuses a file others can read, as the gateway would.
      const EngineSecrets existing = EngineSecrets::load(r.file);
      if (existing.find(r.session) != nullptr) {
        err << "riskgatectl: engine-secret: " << r.file << " already has an entry for " << r.session
            << "; remove that line first\n";
        return kCtlUsage;
      }
    }
    const std::string line =
        make_engine_secret_line(r.session, r.username.empty() ? r.session : r.username, password,
                                r.iterations == 0 ? kDefaultPbkdf2Iterations : r.iterations);
    if (r.file.empty()) {
      out << line << "\n";
    } else {
      append_private(r.file, line);
      out << "riskgatectl: engine-secret: entry for " << r.session << " appended to " << r.file
          << "\n";
    }
    return kCtlOk;
  } catch (const std::exception& e) {
    err << "riskgatectl: engine-secret: " << e.what() << "\n";
    return kCtlUsage;
  }
}

}  // namespace riskgate::control
