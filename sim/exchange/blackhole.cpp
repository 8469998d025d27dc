#include "sim/exchange/blackhole.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "sim/common/quickfix_support.hpp"

namespace riskgate {
namespace sim {

namespace {
using Clock = std::chrono::steady_clock;
constexpr char kSoh = '\x01';

struct Peer {
  int fd = -1;
  std::string buffer;
  bool answered = false;
  Clock::time_point accepted;
};

std::string utc_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03ld", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
  return buf;
}

// Tag -> value of one complete FIX message.
std::map<int, std::string> fields_of(const std::string& msg) {
  std::map<int, std::string> out;
  std::size_t pos = 0;
  while (pos < msg.size()) {
    std::size_t end = msg.find(kSoh, pos);
    if (end == std::string::npos) end = msg.size();
    const std::size_t eq = msg.find('=', pos);
    if (eq != std::string::npos && eq < end) {
      out.emplace(std::atoi(msg.substr(pos, eq - pos).c_str()), msg.substr(eq + 1, end - eq - 1));
    }
    pos = end + 1;
  }
  return out;
}

std::string build_logon_reply(const std::map<int, std::string>& logon) {
  auto get = [&](int tag, const char* fallback) {
    auto it = logon.find(tag);
    return it == logon.end() ? std::string(fallback) : it->second;
  };
  std::string body = std::string("35=A") + kSoh + "34=1" + kSoh + "49=" + get(56, "EXCHANGE") +
                     kSoh + "56=" + get(49, "RISKGATE") + kSoh + "52=" + utc_now() + kSoh + "98=0" +
                     kSoh + "108=" + get(108, "30") + kSoh;
  if (get(141, "N") == "Y") body += std::string("141=Y") + kSoh;
  std::string msg =
      "8=" + get(8, "FIX.4.4") + kSoh + "9=" + std::to_string(body.size()) + kSoh + body;
  unsigned sum = 0;
  for (unsigned char c : msg) sum += c;
  char trailer[16];
  std::snprintf(trailer, sizeof trailer, "10=%03u%c", sum % 256, kSoh);
  return msg + trailer;
}

// Returns a complete message from the front of `buffer` (and removes it), or "".
std::string take_message(std::string& buffer) {
  const std::size_t start = buffer.find("8=FIX");
  if (start == std::string::npos) return "";
  const std::size_t trailer = buffer.find(std::string(1, kSoh) + "10=", start);
  if (trailer == std::string::npos) return "";
  const std::size_t end = buffer.find(kSoh, trailer + 1);
  if (end == std::string::npos) return "";
  std::string msg = buffer.substr(start, end + 1 - start);
  buffer.erase(0, end + 1);
  return msg;
}
}  // namespace

int run_blackhole(int port, double run_seconds) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) {
    std::perror("exchange-sim blackhole: socket");
    return 1;
  }
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 8) != 0) {
    std::perror("exchange-sim blackhole: bind/listen");
    ::close(lfd);
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  say("exchange-sim listening on port " + std::to_string(ntohs(addr.sin_port)));
  say("exchange-sim blackhole: answers Logon, then stays silent");

  const auto started = Clock::now();
  std::vector<Peer> peers;
  while (!signal_flags().stop.load(std::memory_order_relaxed)) {
    if (run_seconds > 0 &&
        std::chrono::duration<double>(Clock::now() - started).count() >= run_seconds) {
      break;
    }
    std::vector<pollfd> pfds;
    pfds.push_back(pollfd{lfd, POLLIN, 0});
    for (const Peer& p : peers) pfds.push_back(pollfd{p.fd, POLLIN, 0});
    if (::poll(pfds.data(), pfds.size(), 50) <= 0) continue;
    if (pfds[0].revents & POLLIN) {
      const int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (cfd >= 0) {
        Peer p;
        p.fd = cfd;
        p.accepted = Clock::now();
        peers.push_back(p);
        say("exchange-sim blackhole: accepted connection");
      }
    }
    for (std::size_t i = 1; i < pfds.size(); ++i) {
      if (pfds[i].revents == 0) continue;
      Peer& p = peers[i - 1];
      char buf[4096];
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        const double lived = std::chrono::duration<double>(Clock::now() - p.accepted).count();
        char line[128];
        std::snprintf(line, sizeof line, "exchange-sim blackhole: peer closed after %.1fs", lived);
        say(line);
        ::close(p.fd);
        p.fd = -1;
        continue;
      }
      if (p.answered) continue;  // the point: never answer anything else
      p.buffer.append(buf, static_cast<std::size_t>(n));
      std::string msg = take_message(p.buffer);
      if (msg.empty()) continue;
      const auto fields = fields_of(msg);
      auto type = fields.find(35);
      if (type == fields.end() || type->second != "A") continue;
      const std::string reply = build_logon_reply(fields);
      if (::write(p.fd, reply.data(), reply.size()) == static_cast<ssize_t>(reply.size())) {
        p.answered = true;
        say("exchange-sim blackhole: logon answered for " +
            (fields.count(49) ? fields.at(49) : std::string("?")) + "; now silent");
      }
    }
    std::vector<Peer> alive;
    for (const Peer& p : peers) {
      if (p.fd >= 0) alive.push_back(p);
    }
    peers.swap(alive);
  }
  for (const Peer& p : peers) ::close(p.fd);
  ::close(lfd);
  say("exchange-sim summary: mode=blackhole");
  return 0;
}

}  // namespace sim
}  // namespace riskgate
