// exchange-sim: a QuickFIX acceptor playing the exchange for riskgate's demo,
// integration tests and benchmarks. See sim/README.md for the options.
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sim/common/quickfix_support.hpp"
#include "sim/exchange/blackhole.hpp"
#include "sim/exchange/exchange_app.hpp"

namespace {
using riskgate::sim::say;

std::string summary_line(const riskgate::sim::ExchangeStats& s, std::int64_t drops) {
  return "exchange-sim summary: orders=" + std::to_string(s.orders) +
         " acked=" + std::to_string(s.acked) + " rejected=" + std::to_string(s.rejected) +
         " filled_orders=" + std::to_string(s.filled_orders) +
         " filled_qty=" + std::to_string(s.filled_qty) +
         " partial_fills=" + std::to_string(s.partial_fills) +
         " canceled=" + std::to_string(s.canceled) + " replaced=" + std::to_string(s.replaced) +
         " cancel_rejects=" + std::to_string(s.cancel_rejects) +
         " mass_cancels=" + std::to_string(s.mass_cancels) +
         " status_requests=" + std::to_string(s.status_requests) +
         " mass_status_requests=" + std::to_string(s.mass_status_requests) +
         " logons=" + std::to_string(s.logons) + " logouts=" + std::to_string(s.logouts) +
         " drops=" + std::to_string(drops) +
         " duplicate_orders=" + std::to_string(s.duplicate_orders) +
         " duplicates_accepted=" + std::to_string(s.duplicates_accepted) +
         " reset_logons=" + std::to_string(s.reset_logons) +
         " seq_resets=" + std::to_string(s.seq_resets) +
         " seq_too_low=" + std::to_string(s.seq_too_low) +
         " exec_reports=" + std::to_string(s.exec_reports);
}

// "exchange-sim book: working=N file=F orders=... duplicate_orders=...":
// the book just written (file omitted without --book-file) and the counters
// a test checks while the run goes on, in the summary's words.
std::string book_line(const riskgate::sim::ExchangeApp& app, const std::string& book_file,
                      std::int64_t drops) {
  std::size_t working = 0;
  std::string file;
  if (!book_file.empty()) {
    working = app.write_book(book_file);
    file = " file=" + book_file;
  } else {
    working = app.working_orders();
  }
  const std::string summary = summary_line(app.stats(), drops);
  return "exchange-sim book: working=" + std::to_string(working) + file +
         summary.substr(summary.find(':') + 1);
}

int run(int argc, char** argv) {
  CLI::App cli{"exchange-sim: QuickFIX acceptor that acks and fills orders deterministically"};
  // A repeated option takes its last value, so scripts can override defaults.
  cli.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  int port = 0;
  std::string begin_string = "FIX.4.4";
  std::string sender = "EXCHANGE";
  std::vector<std::string> targets{"RISKGATE"};
  int heartbeat = 30;
  std::string fill_model = "full";
  int drop_after = 0;
  std::string drop_style = "disconnect";
  std::string store_dir;
  double run_seconds = 0;
  int gap_after = 0;
  bool mass_cancel = false;
  std::string mode = "fix";
  std::string ref_prices;
  std::string json_summary;
  std::string incoming_log;
  std::string exec_log;
  std::string book_file;
  bool verbose = false;
  cli.add_option("--port", port, "Listen port; 0 = ephemeral (printed on stdout)")
      ->check(CLI::Range(0, 65535));
  cli.add_option("--begin-string", begin_string, "FIX.4.2 or FIX.4.4")
      ->check(CLI::IsMember({"FIX.4.2", "FIX.4.4"}));
  cli.add_option("--sender", sender, "Our SenderCompID");
  cli.add_option("--target", targets, "Accepted counterparty CompID(s); repeat or comma-separate")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cli.add_option("--heartbeat", heartbeat, "HeartBtInt (seconds); acceptors follow the Logon's")
      ->check(CLI::Range(1, 3600));
  cli.add_option("--fill-model", fill_model,
                 "full | ack | partial:N, optionally plus ,reject-every:K and ,rest-every:K");
  cli.add_option("--drop-after", drop_after, "Drop the link once after N orders (0 = never)");
  cli.add_option("--drop-style", drop_style,
                 "disconnect = TCP close without Logout; logout = Logout, then close")
      ->check(CLI::IsMember({"disconnect", "logout"}));
  cli.add_option("--store-dir", store_dir, "QuickFIX FileStore directory (default: memory)");
  cli.add_option("--run-seconds", run_seconds, "Exit after this long (0 = until signalled)");
  cli.add_option("--gap-after", gap_after,
                 "Skip one outbound MsgSeqNum after N application messages");
  cli.add_flag("--mass-cancel", mass_cancel,
               "Support OrderMassCancelRequest (else BusinessMessageReject)");
  cli.add_option("--mode", mode, "fix | blackhole (answer Logon, then silence)")
      ->check(CLI::IsMember({"fix", "blackhole"}));
  cli.add_option("--ref-prices", ref_prices, "Fill prices for market orders, e.g. AAPL=190");
  cli.add_option("--json-summary", json_summary, "Also write the summary as JSON to FILE");
  cli.add_option("--incoming-log", incoming_log,
                 "Append every inbound FIX message, raw, one a line, to FILE");
  cli.add_option("--exec-log", exec_log,
                 "Write one line per ExecutionReport sent (exec_id= seq= clordid= ...) to FILE");
  cli.add_option("--book-file", book_file,
                 "On SIGUSR2 and at exit, write the working orders to FILE, one a line");
  cli.add_flag("--verbose", verbose, "Log FIX traffic and events to stdout");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  riskgate::sim::install_signal_handlers();
  if (mode == "blackhole") return riskgate::sim::run_blackhole(port, run_seconds);

  riskgate::sim::ExchangeOptions options;
  options.begin_string = begin_string;
  options.fill_model = riskgate::sim::FillModel::parse(fill_model);
  options.mass_cancel = mass_cancel;
  options.gap_after = gap_after;
  options.drop_after = drop_after;
  for (const auto& kv : riskgate::sim::parse_ref_prices(ref_prices)) {
    options.ref_prices[kv.first] = kv.second;
  }
  if (!exec_log.empty()) options.exec_log = std::make_shared<riskgate::sim::LineFile>(exec_log);

  FIX::SessionSettings settings;
  FIX::Dictionary defaults = riskgate::sim::base_session_settings(begin_string, heartbeat);
  defaults.setString(FIX::CONNECTION_TYPE, "acceptor");
  defaults.setInt(FIX::SOCKET_ACCEPT_PORT, port);
  defaults.setBool(FIX::SOCKET_REUSE_ADDRESS, true);
  defaults.setBool(FIX::SOCKET_NODELAY, true);
  if (!store_dir.empty()) defaults.setString(FIX::FILE_STORE_PATH, store_dir);
  settings.set(defaults);
  for (const auto& target : targets) {
    FIX::SessionID id(begin_string, sender, target);
    FIX::Dictionary d;
    d.setString(FIX::SENDERCOMPID, sender);
    d.setString(FIX::TARGETCOMPID, target);
    settings.set(id, d);
  }

  riskgate::sim::ExchangeApp app(options);
  std::unique_ptr<FIX::MessageStoreFactory> store;
  if (store_dir.empty()) {
    store.reset(new FIX::MemoryStoreFactory());
  } else {
    store.reset(new FIX::FileStoreFactory(store_dir));
  }
  std::unique_ptr<FIX::LogFactory> log;
  if (verbose) {
    log.reset(new FIX::ScreenLogFactory(true, true, true));
  } else {
    log.reset(new riskgate::sim::NullLogFactory());
  }
  if (!incoming_log.empty()) {
    log.reset(new riskgate::sim::IncomingFileLogFactory(incoming_log, std::move(log)));
  }
  FIX::SocketAcceptor acceptor(app, *store, settings, *log);
  acceptor.start();  // binds and listens before returning; sessions run on its thread

  int bound = port;
  if (bound == 0) bound = riskgate::sim::find_listening_port();
  if (bound == 0) {
    std::cerr << "exchange-sim: could not determine the listening port\n";
    acceptor.stop(true);
    return 1;
  }
  say("exchange-sim listening on port " + std::to_string(bound) + " begin_string=" + begin_string +
      " fill_model=" + options.fill_model.describe());

  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  std::int64_t drops = 0;
  auto& flags = riskgate::sim::signal_flags();
  while (!flags.stop.load(std::memory_order_relaxed)) {
    if (run_seconds > 0 &&
        std::chrono::duration<double>(Clock::now() - started).count() >= run_seconds) {
      break;
    }
    if (flags.usr2.exchange(false, std::memory_order_relaxed)) {
      say(book_line(app, book_file, drops));
    }
    const bool drop_now = flags.drop.exchange(false, std::memory_order_relaxed);
    if (app.take_drop_request() || drop_now) {
      ++drops;
      if (drop_style == "logout") {
        for (const auto& id : acceptor.getSessions()) {
          FIX::Session* s = FIX::Session::lookupSession(id);
          if (s != nullptr && s->isLoggedOn()) {
            app.reenable_after_logout();
            s->logout("exchange-sim: dropping the session");
          }
        }
        say("exchange-sim dropping connection (logout)");
      } else {
        const int n = riskgate::sim::shutdown_connected_sockets();
        say("exchange-sim dropping connection (disconnect, " + std::to_string(n) + " sockets)");
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  acceptor.stop();

  if (!book_file.empty()) say(book_line(app, book_file, drops));
  const auto stats = app.stats();
  say(summary_line(stats, drops));
  if (!json_summary.empty()) {
    nlohmann::json j = {{"orders", stats.orders},
                        {"acked", stats.acked},
                        {"rejected", stats.rejected},
                        {"filled_orders", stats.filled_orders},
                        {"filled_qty", stats.filled_qty},
                        {"partial_fills", stats.partial_fills},
                        {"canceled", stats.canceled},
                        {"replaced", stats.replaced},
                        {"cancel_rejects", stats.cancel_rejects},
                        {"mass_cancels", stats.mass_cancels},
                        {"status_requests", stats.status_requests},
                        {"mass_status_requests", stats.mass_status_requests},
                        {"logons", stats.logons},
                        {"logouts", stats.logouts},
                        {"drops", drops},
                        {"duplicate_orders", stats.duplicate_orders},
                        {"duplicates_accepted", stats.duplicates_accepted},
                        {"reset_logons", stats.reset_logons},
                        {"seq_resets", stats.seq_resets},
                        {"seq_too_low", stats.seq_too_low},
                        {"exec_reports", stats.exec_reports}};
    std::ofstream(json_summary) << j.dump(2) << '\n';
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "exchange-sim: " << e.what() << '\n';
    return 1;
  }
}
