// Shared plumbing for the QuickFIX simulators (exchange-sim, engine-sim).
// C++14: Debian's QuickFIX 1.15.1 headers use dynamic exception specifications.
// Everything here runs at setup or on the simulators' control loops; none of it
// is on riskgate's order path, so it allocates and locks freely.
#pragma once

#include <quickfix/Dictionary.h>
#include <quickfix/Log.h>
#include <quickfix/Message.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace riskgate {
namespace sim {

// QuickFIX 1.15 has FIX::NullLog but no factory for it; the simulators must
// start fast and stay quiet unless --verbose, so they log nowhere by default.
class NullLogFactory : public FIX::LogFactory {
 public:
  FIX::Log* create() override { return new FIX::NullLog(); }
  FIX::Log* create(const FIX::SessionID&) override { return new FIX::NullLog(); }
  void destroy(FIX::Log* log) override { delete log; }
};

// A text file written one line at a time and flushed after each, so a test
// can read it while the simulator runs. Thread-safe: the QuickFIX thread and
// the main thread may both write.
class LineFile {
 public:
  // Truncates `path`; throws std::runtime_error when it cannot be opened.
  explicit LineFile(const std::string& path);
  void write(const std::string& line);

 private:
  std::mutex mu_;
  std::ofstream out_;
};

// Wraps another factory's logs and also appends every inbound message, raw as
// the session received it (before any parsing or validation), to one file:
// one message a line, SOH kept, flushed at once so a test can read the file
// while the simulator runs. The file is shared by all sessions.
class IncomingFileLogFactory : public FIX::LogFactory {
 public:
  // Throws std::runtime_error when `path` cannot be opened.
  IncomingFileLogFactory(const std::string& path, std::unique_ptr<FIX::LogFactory> inner);
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID&) override;
  void destroy(FIX::Log* log) override;

 private:
  class TeeLog;
  std::shared_ptr<LineFile> sink_;
  std::unique_ptr<FIX::LogFactory> inner_;
};

// Settings every simulator session shares: a 24h session, no data dictionary
// (none is installed), generous latency check.
FIX::Dictionary base_session_settings(const std::string& begin_string, int heartbeat_seconds);

// Signal flags set by async-signal-safe handlers; the main loops poll them.
struct SignalFlags {
  std::atomic<bool> stop{false};  // SIGINT, SIGTERM
  std::atomic<bool> drop{false};  // SIGUSR1 (exchange-sim: drop the link now)
  // SIGUSR2: a request to the program at a moment the test chooses
  // (exchange-sim: write the book of working orders; engine-sim: stop the
  // order flow but stay logged on). Each consumer exchanges it back to false.
  std::atomic<bool> usr2{false};
};
SignalFlags& signal_flags();
// Installs SIGINT/SIGTERM/SIGUSR1/SIGUSR2 handlers (without SA_RESTART) and
// ignores SIGPIPE.
void install_signal_handlers();

// The TCP port of the first listening IPv4 socket this process owns, or 0.
// QuickFIX's SocketAcceptor binds "SocketAcceptPort=0" to an ephemeral port but
// has no accessor for it; the listening fd is ours, so getsockname() tells.
int find_listening_port();
// shutdown(SHUT_RDWR) on every connected TCP socket this process owns, so the
// QuickFIX thread sees EOF and tears the session down on its own thread (calling
// Session::disconnect() from another thread races with the socket reactor).
// Returns how many sockets were shut down.
int shutdown_connected_sockets();

// "AAPL=190,MSFT=410" -> pairs; throws std::invalid_argument with the bad item.
std::vector<std::pair<std::string, double>> parse_ref_prices(const std::string& text);
std::vector<std::string> split(const std::string& text, char sep);

// Fixed-point text for a price, e.g. 190.12, so the wire never shows 1.9012e+02.
std::string format_price(double price);
// Quantities are whole shares in the simulators.
std::string format_qty(std::int64_t qty);
// Reads a tag as a number, throwing FIX::IncorrectDataFormat when it is not one.
double get_double(const FIX::FieldMap& map, int tag);
std::string get_string_or(const FIX::FieldMap& map, int tag, const std::string& fallback);

// Makes the peer see a sequence gap: the next outbound MsgSeqNum is never
// transmitted. The skipped slot is stored as a Heartbeat (so a ResendRequest is
// answered with GapFill for it plus PossDup copies of what followed), because
// QuickFIX 1.15's MemoryStore::get() returns nothing when the first requested
// number is missing, which would gap-fill over real application messages.
// Call on the thread that sends. Returns the skipped number, or 0.
int skip_outbound_seq(const FIX::SessionID& sid);

// "text" with '"' and '\' escaped: how the summary lines quote free text,
// so tests/support/summary.hpp reads it back.
std::string quoted(const std::string& text);

// One line on stdout, flushed: tests and the demo read these line by line.
void say(const std::string& line);

}  // namespace sim
}  // namespace riskgate
