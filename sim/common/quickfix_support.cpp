#include "sim/common/quickfix_support.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <quickfix/FieldConvertors.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace riskgate {
namespace sim {

class IncomingFileLogFactory::TeeLog : public FIX::Log {
 public:
  TeeLog(std::shared_ptr<LineFile> sink, FIX::Log* inner, FIX::LogFactory& factory)
      : sink_(std::move(sink)), inner_(inner), factory_(factory) {}
  ~TeeLog() override { factory_.destroy(inner_); }
  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  void onIncoming(const std::string& value) override {
    sink_->write(value);
    inner_->onIncoming(value);
  }
  void onOutgoing(const std::string& value) override { inner_->onOutgoing(value); }
  void onEvent(const std::string& value) override { inner_->onEvent(value); }

 private:
  std::shared_ptr<LineFile> sink_;
  FIX::Log* inner_;
  FIX::LogFactory& factory_;
};

LineFile::LineFile(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) throw std::runtime_error("cannot open " + path);
}

void LineFile::write(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line << '\n';
  out_.flush();
}

IncomingFileLogFactory::IncomingFileLogFactory(const std::string& path,
                                               std::unique_ptr<FIX::LogFactory> inner)
    : sink_(std::make_shared<LineFile>(path)), inner_(std::move(inner)) {}

FIX::Log* IncomingFileLogFactory::create() {
  return new TeeLog(sink_, inner_->create(), *inner_);
}

FIX::Log* IncomingFileLogFactory::create(const FIX::SessionID& sid) {
  return new TeeLog(sink_, inner_->create(sid), *inner_);
}

void IncomingFileLogFactory::destroy(FIX::Log* log) {
  delete log;
}

FIX::Dictionary base_session_settings(const std::string& begin_string, int heartbeat_seconds) {
  FIX::Dictionary d;
  d.setString(FIX::BEGINSTRING, begin_string);
  // StartTime == EndTime is QuickFIX's spelling of "always in session".
  d.setString(FIX::START_TIME, "00:00:00");
  d.setString(FIX::END_TIME, "00:00:00");
  d.setBool(FIX::USE_DATA_DICTIONARY, false);
  d.setInt(FIX::HEARTBTINT, heartbeat_seconds);
  d.setBool(FIX::PERSIST_MESSAGES, true);  // needed to answer ResendRequests with data
  return d;
}

SignalFlags& signal_flags() {
  static SignalFlags flags;
  return flags;
}

namespace {
extern "C" void on_signal(int sig) {
  // Lock-free atomics are async-signal-safe; relaxed is enough because the main
  // loop only needs to see the flag eventually, it carries no other data.
  if (sig == SIGUSR1) {
    signal_flags().drop.store(true, std::memory_order_relaxed);
  } else if (sig == SIGUSR2) {
    signal_flags().usr2.store(true, std::memory_order_relaxed);
  } else {
    signal_flags().stop.store(true, std::memory_order_relaxed);
  }
}
}  // namespace

void install_signal_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: let sleeps wake up early
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGUSR2, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

namespace {
template <typename F>
void for_each_tcp_socket(F&& f) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  std::vector<int> fds;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    fds.push_back(std::atoi(e->d_name));
  }
  closedir(dir);
  for (int fd : fds) {
    sockaddr_in addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.sin_family != AF_INET) continue;
    int type = 0;
    socklen_t tlen = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM) continue;
    int listening = 0;
    socklen_t llen = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) != 0) continue;
    f(fd, listening != 0, ntohs(addr.sin_port));
  }
}
}  // namespace

int find_listening_port() {
  int port = 0;
  for_each_tcp_socket([&](int, bool listening, int p) {
    if (listening && port == 0) port = p;
  });
  return port;
}

int shutdown_connected_sockets() {
  int n = 0;
  for_each_tcp_socket([&](int fd, bool listening, int) {
    if (!listening && ::shutdown(fd, SHUT_RDWR) == 0) ++n;
  });
  return n;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<std::pair<std::string, double>> parse_ref_prices(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& item : split(text, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("bad reference price '" + item + "', expected SYMBOL=PRICE");
    }
    char* end = nullptr;
    const std::string value = item.substr(eq + 1);
    double px = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !(px > 0)) {
      throw std::invalid_argument("bad reference price '" + item + "', price must be > 0");
    }
    out.emplace_back(item.substr(0, eq), px);
  }
  return out;
}

std::string format_price(double price) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", price);
  return buf;
}

std::string format_qty(std::int64_t qty) {
  return std::to_string(qty);
}

double get_double(const FIX::FieldMap& map, int tag) {
  const std::string& s = map.getField(tag);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || *end != '\0') throw FIX::IncorrectDataFormat(tag, s);
  return v;
}

std::string get_string_or(const FIX::FieldMap& map, int tag, const std::string& fallback) {
  return map.isSetField(tag) ? map.getField(tag) : fallback;
}

int skip_outbound_seq(const FIX::SessionID& sid) {
  FIX::Session* s = FIX::Session::lookupSession(sid);
  if (s == nullptr) return 0;
  const int seq = s->getExpectedSenderNum();
  FIX::Message filler;
  FIX::FieldMap& h = filler.getHeader();
  h.setField(8, sid.getBeginString().getValue());
  h.setField(35, "0");
  h.setField(49, sid.getSenderCompID().getValue());
  h.setField(56, sid.getTargetCompID().getValue());
  h.setField(34, std::to_string(seq));
  h.setField(52, FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3));
  // getStore() is const only to stop callers from bypassing the session; the
  // filler is exactly such a bypass, on purpose.
  auto* store = const_cast<FIX::MessageStore*>(s->getStore());
  store->set(seq, filler.toString());
  s->setNextSenderMsgSeqNum(seq + 1);
  return seq;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

void say(const std::string& line) {
  std::cout << line << '\n';
  std::cout.flush();
}

}  // namespace sim
}  // namespace riskgate
