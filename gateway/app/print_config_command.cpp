#include "gateway/app/print_config_command.hpp"

#include <exception>
#include <ostream>

#include "config/config.hpp"
#include "config/print_config.hpp"
#include "gateway/control/build_info.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::app {

int print_config_command(const std::string& config_path, std::ostream& out, std::ostream& err) {
  std::string text;
  try {
    const config::Config cfg = config::load_config(config_path);
    // The limits' own checks (a collar of 10000 bps or more, ...) are the risk
    // engine's; a start runs them in risk::Engine's constructor, whose first
    // step is this compile. The compiled snapshot is dropped.
    (void)risk::detail::compile(cfg.risk, nullptr, 1);
    text = config::print_config(
        cfg, config::PrintHeader{cfg.source_path, control::sha256_hex(cfg.source_bytes),
                                 std::string(control::build_id())});
  } catch (const std::exception& e) {
    err << "riskgate: not started: " << e.what() << "\n";
    return 78;  // EX_CONFIG, as main() for a refused start.
  }
  out << text << std::flush;
  return out ? 0 : 74;  // EX_IOERR: the output did not reach its reader.
}

}  // namespace riskgate::app
