// riskgate: the pre-trade risk gateway process.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "gateway/app/console.hpp"
#include "gateway/app/gateway.hpp"
#include "gateway/app/print_config_command.hpp"
#include "gateway/control/audit_log.hpp"
#include "gateway/control/build_info.hpp"

namespace {
// Set by signal handlers, polled by the main (control) thread. Lock-free
// atomics are async-signal-safe; relaxed is enough: the flag carries no data.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}
extern "C" void on_hup_signal(int) {
  g_reload.store(true, std::memory_order_relaxed);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"riskgate: pre-trade FIX risk gateway"};
  riskgate::app::Options opts;
  bool check_only = false;
  bool version = false;
  cli.add_option("-c,--config", opts.config_path, "Config file (TOML)")->check(CLI::ExistingFile);
  cli.add_option("--instance", opts.instance, "Instance name reported by status and audit");
  cli.add_flag("--check-config", check_only, "Validate the config and exit");
  cli.add_flag("--version", version, "Print the embedded build id and exit");
  bool print_config = false;
  cli.add_flag("--print-config", print_config,
               "Print the effective config (every default filled in) as TOML and exit");
  std::string log_level = "info";
  cli.add_option("--log-level", log_level, "Least level logged: debug, info, warn, error")
      ->check([](const std::string& v) {
        return riskgate::app::parse_level(v) ? std::string() : "not a log level: " + v;
      });
  CLI11_PARSE(cli, argc, argv);
  riskgate::app::set_log_level(*riskgate::app::parse_level(log_level));
  if (version) {
    std::cout << riskgate::control::build_id() << "\n";
    return 0;
  }
  if (opts.config_path.empty()) {
    std::cerr << "riskgate: --config is required\n";
    return 64;
  }
  if (print_config)
    return riskgate::app::print_config_command(opts.config_path, std::cout, std::cerr);

  if (check_only) {
    try {
      riskgate::app::Gateway::check_config(opts);
    } catch (const std::exception& e) {
      std::cerr << "riskgate: config refused: " << e.what() << "\n";
      return 78;  // EX_CONFIG
    }
    std::cout << "riskgate: config OK: " << opts.config_path << "\n";
    return 0;
  }
  std::unique_ptr<riskgate::app::Gateway> gw;
  try {
    gw = std::make_unique<riskgate::app::Gateway>(opts);
  } catch (const std::exception& e) {
    std::cerr << "riskgate: not started: " << e.what() << "\n";
    return 78;  // EX_CONFIG
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGHUP, on_hup_signal);
  std::signal(SIGPIPE, SIG_IGN);
  riskgate::control::install_emergency_signal_handler(SIGUSR1);
  // logrotate's postrotate: reopen the audit log (it also notices a rename).
  riskgate::control::install_audit_reopen_signal_handler(SIGUSR2);
  // From here on, console output is queued (console.hpp): a stalled stdout
  // or stderr must stall nothing but the console's own writer thread.
  try {
    gw->start();
  } catch (const std::exception& e) {
    riskgate::app::log_error(std::string("riskgate: not started: ") + e.what());
    riskgate::app::console_flush(std::chrono::seconds(1));
    return 1;
  }
  while (!g_stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (g_reload.exchange(false, std::memory_order_relaxed)) {
      auto r = gw->reload("signal:SIGHUP", "SIGHUP");
      if (r.ok)
        riskgate::app::log_info("riskgate: " + r.message);
      else
        riskgate::app::log_warn("riskgate: " + r.message);
    }
    gw->control_tick();
  }
  riskgate::app::log_info("riskgate: stopping");
  gw->stop();
  riskgate::app::console_flush(std::chrono::seconds(1));
  return 0;
}
