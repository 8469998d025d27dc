// `riskgatectl engine-secret`: makes an EngineSecretsFile entry for an engine
// session (gateway/control/engine_secrets.hpp has the format). Offline: it
// talks to no gateway. The password is read from `in` (the first line,
// normally stdin), never from the command line, where `ps` and shell history
// would keep it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace riskgate::control {

struct EngineSecretRequest {
  std::string session;
  std::string username;          // Empty: the session name.
  std::uint32_t iterations = 0;  // 0: kDefaultPbkdf2Iterations.
  // Empty: print the line on `out`. Set: append it to this file, created with
  // mode 0600; an existing file must already be private and must not have an
  // entry for the session.
  std::string file;
};

// Returns a riskgatectl exit code (kCtlOk, kCtlUsage).
int run_engine_secret(const EngineSecretRequest& r, std::istream& in, std::ostream& out,
                      std::ostream& err);

}  // namespace riskgate::control
