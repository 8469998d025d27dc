// Bounded waits and bounded resources through a running riskgate (issue 10,
// item 4): exchange-sim <- riskgate <- engine-sim on loopback, plus raw TCP
// clients from this test playing the attacker.
//
// riskgate is started here rather than through itest::Gateway because these
// tests need what that fixture does not give: RLIMIT_NOFILE set in the child
// before exec, and stdout/stderr on a descriptor chosen by the test (a file to
// read the ports from, or a full pipe nobody reads). The child is stopped by
// its own PID only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

using Clock = std::chrono::steady_clock;
const Identity kEngine1{"ENGINE1", "ACC1", "0.1.0"};

long ms_since(Clock::time_point t0) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
}

// riskgate with RLIMIT_NOFILE = `nofile` and stdout+stderr on `out_fd`.
class RawGateway {
 public:
  RawGateway(const std::string& config_path, int out_fd, rlim_t nofile) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const rlimit lim{nofile, nofile};
      if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(126);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(out_fd, STDERR_FILENO);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::close_range(3, ~0U, 0);  // Nothing of the test's (e.g. its sockets) leaks in.
      const char* argv[] = {RISKGATE_GATEWAY, "--config",   config_path.c_str(),
                            "--instance",     "itest-rlim", nullptr};
      ::execv(RISKGATE_GATEWAY, const_cast<char* const*>(argv));
      ::_exit(127);
    }
  }
  RawGateway(const RawGateway&) = delete;
  RawGateway& operator=(const RawGateway&) = delete;
  ~RawGateway() { (void)stop(-1); }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // User+system CPU seconds so far (/proc/PID/stat fields 14 and 15).
  [[nodiscard]] double cpu_seconds() const {
    return stat_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat");
  }
  // CPU time of riskgate's thread named `name` (rg-io: the I/O thread, where
  // a spinning accept would show), or -1 if there is none.
  [[nodiscard]] double thread_cpu_seconds(const std::string& name) const {
    const std::string task = "/proc/" + std::to_string(pid_) + "/task";
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(task, ec)) {
      std::ifstream comm(t.path() / "comm");
      std::string c;
      if (std::getline(comm, c) && c == name) return stat_cpu_seconds(t.path() / "stat");
    }
    return -1;
  }
  static double stat_cpu_seconds(const std::filesystem::path& stat) {
    std::ifstream in(stat);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto rp = s.rfind(')');
    if (rp == std::string::npos) return -1;
    std::istringstream fields(s.substr(rp + 2));
    std::string f;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stol(f);
      if (i == 15) stime = std::stol(f);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  // SIGTERM; while waiting, drains `drain_fd` (if >= 0) so that a stalled
  // console can finish; SIGKILL after 10 s. Returns the exit status or -1.
  int stop(int drain_fd) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const auto t0 = Clock::now();
    int st = 0;
    while (ms_since(t0) < 10'000) {
      if (drain_fd >= 0) {
        char buf[65536];
        while (::read(drain_fd, buf, sizeof buf) > 0) {
        }
      }
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(20ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// Raises this process's descriptor limit to hold the attacker's sockets.
void raise_own_nofile(rlim_t want) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = std::min(want, lim.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A TCP connection from `from` (a 127.0.0.0/8 address: another host on
// loopback) to 127.0.0.1:port; -1 on failure.
int connect_from(const char* from, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &src.sin_addr);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True once the peer has closed `fd` (EOF or reset); waits up to `timeout`.
bool closed_by_peer(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
  return n <= 0;
}

std::string logon(const std::string& sender, int seq) {
  const std::string body =
      "35=A\x01"
      "34=" +
      std::to_string(seq) +
      "\x01"
      "49=" +
      sender +
      "\x01"
      "52=20260101-00:00:00.000\x01"
      "56=RISKGATE\x01"
      "98=0\x01"
      "108=30\x01";
  std::string m =
      "8=FIX.4.4\x01"
      "9=" +
      std::to_string(body.size()) + "\x01" + body;
  unsigned sum = 0;
  for (unsigned char c : m) sum += c;
  char cs[8];
  std::snprintf(cs, sizeof cs, "%03u", sum % 256);
  return m + "10=" + cs + "\x01";
}

// Polls `path` until it has a line containing `needle`; returns that line.
std::string wait_file_line(const std::string& path, const std::string& needle,
                           std::chrono::milliseconds timeout) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < timeout) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
      if (line.find(needle) != std::string::npos) return line;
    std::this_thread::sleep_for(20ms);
  }
  return {};
}

// ---------------------------------------------------------------------------

TEST(BoundedResources,
     TwoThousandIdleConnectionsUnder1024DescriptorsLeaveTheEngineAndAdminApiWorking) {
  constexpr int kIdle = 2000;
  constexpr int kLogonTimeoutS = 2;
  TempDir dir;
  Exchange exchange;
  GatewayConfig gc;
  gc.exchange_port = exchange.port();
  for (const char* s : {"ENGINE1", "ENGINE2"})
    gc.session_keys.emplace_back(s, "LogonTimeout", std::to_string(kLogonTimeoutS));
  const std::string config = write_gateway_config(dir, gc);
  const std::string out = dir.file("riskgate.out");
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(out_fd, 0);
  RawGateway gw(config, out_fd, 1024);
  ::close(out_fd);
  ASSERT_FALSE(wait_file_line(out, " started (", 20s).empty()) << read_file(out);
  const std::string accepting = "accepting trading engines on 127.0.0.1:";
  const std::string admin = "admin API on ";
  const std::string a_line = wait_file_line(out, accepting, 1s);
  const std::string m_line = wait_file_line(out, admin, 1s);
  ASSERT_FALSE(a_line.empty() || m_line.empty()) << read_file(out);
  const int port = std::stoi(a_line.substr(a_line.find(accepting) + accepting.size()));
  const std::string admin_url = m_line.substr(m_line.find(admin) + admin.size());
  ASSERT_TRUE(exchange.wait_logon(1));

  // The attacker: 2,000 connections that never send a byte, from another
  // loopback address (127.0.0.2), opened as fast as the kernel completes them.
  raise_own_nofile(8192);
  std::vector<int> idle;
  idle.reserve(kIdle);
  const double cpu0 = gw.cpu_seconds();
  const auto t_open = Clock::now();
  for (int i = 0; i < kIdle; ++i) {
    const int fd = connect_from("127.0.0.2", port);
    if (fd >= 0) idle.push_back(fd);
  }
  const long open_ms = ms_since(t_open);

  // While they are held: an engine logs on and trades, the admin API answers.
  ChildProcess engine = start_engine(port, kEngine1, {"--count", "50", "--rate", "200"});
  const std::string tokens = token_file(dir, "ops", kOperatorToken);
  const CtlResult status = ctl(admin_url, tokens, {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("EXCH"), std::string::npos) << status.output;
  EXPECT_EQ(http_get_status(admin_url, "/status"), 401);  // Answers (no token given).

  // Every idle connection is closed: those over the caps at once, the ones
  // admitted (MaxPendingPerAddress = 8) at LogonTimeout.
  int closed_at_once = 0, closed_total = 0;
  long last_close_ms = 0;
  std::vector<bool> done(idle.size(), false);
  while (closed_total < static_cast<int>(idle.size()) && ms_since(t_open) < 15'000) {
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (done[i] || !closed_by_peer(idle[i], 0)) continue;
      done[i] = true;
      ++closed_total;
      last_close_ms = ms_since(t_open);
      if (last_close_ms < open_ms + 500) ++closed_at_once;
    }
    std::this_thread::sleep_for(10ms);
  }
  const double cpu_s = gw.cpu_seconds() - cpu0;
  for (int fd : idle) ::close(fd);
  const EngineRun r = finish_engine(engine);

  std::cout << "[ measured ] " << idle.size() << " idle connections opened in " << open_ms
            << " ms; " << closed_at_once << " closed at once, all " << closed_total << " closed "
            << last_close_ms << " ms after the first (LogonTimeout " << kLogonTimeoutS
            << " s); riskgate CPU " << cpu_s << " s meanwhile\n";
  EXPECT_EQ(static_cast<int>(idle.size()), kIdle);
  EXPECT_EQ(closed_total, static_cast<int>(idle.size()));
  EXPECT_GE(closed_at_once, kIdle - 8 - 100);
  EXPECT_LE(last_close_ms, open_ms + kLogonTimeoutS * 1000 + 1500);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "acked"), 50) << r.describe();
  EXPECT_EQ(num(r.summary, "rejected"), 0) << r.describe();
  EXPECT_TRUE(gw.running());
  // Reported once a second per cause, not once per connection.
  const std::string text = wait_file_line(out, "MaxPendingPerAddress (8) reached", 3s);
  EXPECT_FALSE(text.empty()) << read_file(out);
  EXPECT_FALSE(wait_audit(dir.file("audit.log"), {"connections_closed", "logon_timeout"}).empty());
  EXPECT_EQ(gw.stop(-1), 0);
}

TEST(BoundedResources, OutOfDescriptorsTheGatewayBacksOffThenRecoversByLogonTimeout) {
  // The caps lifted, so that 2,000 idle connections do exhaust riskgate's
  // 1,024 descriptors: accept fails with EMFILE, which must not spin, and
  // LogonTimeout must free the descriptors for the engine.
  constexpr int kIdle = 2000;
  TempDir dir;
  Exchange exchange;
  GatewayConfig gc;
  gc.exchange_port = exchange.port();
  for (const char* s : {"ENGINE1", "ENGINE2"}) gc.session_keys.emplace_back(s, "LogonTimeout", "2");
  std::string text = read_file(write_gateway_config(dir, gc));
  text = replace_once(text, "MaxPendingConnections = 64", "MaxPendingConnections = 4096");
  text = replace_once(text, "MaxPendingPerAddress = 8", "MaxPendingPerAddress = 4096");
  const std::string config = dir.file("riskgate-nocap.toml");
  write_file(config, text);
  const std::string out = dir.file("riskgate.out");
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(out_fd, 0);
  RawGateway gw(config, out_fd, 1024);
  ::close(out_fd);
  ASSERT_FALSE(wait_file_line(out, " started (", 20s).empty()) << read_file(out);
  const std::string accepting = "accepting trading engines on 127.0.0.1:";
  const std::string a_line = wait_file_line(out, accepting, 1s);
  const std::string m_line = wait_file_line(out, "admin API on ", 1s);
  const int port = std::stoi(a_line.substr(a_line.find(accepting) + accepting.size()));
  const std::string admin_url = m_line.substr(m_line.find("admin API on ") + 13);
  ASSERT_TRUE(exchange.wait_logon(1));

  raise_own_nofile(8192);
  std::vector<int> idle;
  idle.reserve(kIdle);
  for (int i = 0; i < kIdle; ++i) {
    const int fd = connect_from("127.0.0.2", port);
    if (fd >= 0) idle.push_back(fd);
  }
  // Out of descriptors now: measure the I/O thread's CPU for one second
  // (the thread a spinning accept would hold at ~100 %; the process total,
  // printed too, also counts the journal and log threads' idle polling).
  std::this_thread::sleep_for(300ms);
  const double cpu0 = gw.cpu_seconds();
  const double io0 = gw.thread_cpu_seconds("rg-io");
  ASSERT_GE(io0, 0) << "no thread named rg-io";
  std::this_thread::sleep_for(1s);
  const double cpu_pct = (gw.cpu_seconds() - cpu0) * 100.0;
  const double io_pct = (gw.thread_cpu_seconds("rg-io") - io0) * 100.0;
  const std::string emfile = wait_file_line(out, "Too many open files", 3s);

  // LogonTimeout frees descriptors; the backlog is worked off; the engine
  // then logs on and trades and the admin API answers.
  const auto t0 = Clock::now();
  const EngineRun r = run_engine(port, kEngine1, {"--count", "20"});
  const long engine_ms = ms_since(t0);
  const int admin_code = http_get_status(admin_url, "/status");
  for (int fd : idle) ::close(fd);

  std::cout << "[ measured ] " << idle.size()
            << " idle connections, riskgate out of descriptors: I/O thread " << io_pct
            << " % CPU over 1 s (whole process " << cpu_pct << " %); engine run done in "
            << engine_ms << " ms\n";
  EXPECT_FALSE(emfile.empty()) << read_file(out);
  EXPECT_LT(io_pct, 30.0);  // Spinning on accept was 99 %.
  // Every thread: the admin API's accept backs off too (its thread would
  // otherwise spin on the same EMFILE); the rest is idle polling (~5 %).
  EXPECT_LT(cpu_pct, 60.0);
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "acked"), 20) << r.describe();
  EXPECT_EQ(admin_code, 401);
  EXPECT_EQ(gw.stop(-1), 0);
}

TEST(BoundedResources, AStalledStdoutAndStderrDoNotStallOrdersDuringAWrongCompIdFlood) {
  constexpr int kFlood = 2000;
  TempDir dir;
  Exchange exchange;
  GatewayConfig gc;
  gc.exchange_port = exchange.port();
  std::string text = read_file(write_gateway_config(dir, gc));
  // Fixed ports: riskgate cannot tell us its ports through a stalled stdout.
  const int port = free_loopback_port();
  const int admin_port = free_loopback_port();
  text = replace_once(text, "AdminListen = \"127.0.0.1:0\"",
                      "AdminListen = \"127.0.0.1:" + std::to_string(admin_port) + "\"");
  text = set_session_key(text, "ENGINE1", "SocketAcceptPort", std::to_string(port));
  text = set_session_key(text, "ENGINE2", "SocketAcceptPort", std::to_string(port));
  const std::string config = dir.file("riskgate-stalled.toml");
  write_file(config, text);
  const std::string admin_url = "http://127.0.0.1:" + std::to_string(admin_port);

  // stdout and stderr: one pipe, already full, that nobody reads until the end.
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  ::fcntl(p[1], F_SETFL, O_NONBLOCK);
  std::size_t filled = 0;
  const std::string junk(4096, '.');
  for (ssize_t n; (n = ::write(p[1], junk.data(), junk.size())) > 0;)
    filled += static_cast<std::size_t>(n);
  ::fcntl(p[1], F_SETFL, 0);  // The child gets a blocking, full pipe.
  ::fcntl(p[0], F_SETFL, O_NONBLOCK);
  RawGateway gw(config, p[1], 4096);
  ::close(p[1]);

  const auto t_start = Clock::now();
  while (http_get_status(admin_url, "/status") <= 0 && ms_since(t_start) < 20'000)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(http_get_status(admin_url, "/status"), 401) << "riskgate never answered";
  ASSERT_TRUE(exchange.wait_logon(1));

  // The flood, from 127.0.0.2, eight at a time (MaxPendingPerAddress).
  std::atomic<int> refused{0};
  std::atomic<bool> flood_done{false};
  long flood_ms = 0;
  std::thread flood([&] {
    const auto t0 = Clock::now();
    int seq = 0;
    while (seq < kFlood) {
      std::vector<int> batch;
      for (int i = 0; i < 8 && seq < kFlood; ++i, ++seq) {
        const int fd = connect_from("127.0.0.2", port);
        if (fd < 0) continue;
        const std::string m = logon("WRONG" + std::to_string(seq), 1);
        (void)!::send(fd, m.data(), m.size(), MSG_NOSIGNAL);
        batch.push_back(fd);
      }
      for (int fd : batch) {
        if (closed_by_peer(fd, 2000)) refused.fetch_add(1);
        ::close(fd);
      }
    }
    flood_ms = ms_since(t0);
    flood_done = true;
  });
  const auto t_engine = Clock::now();
  const EngineRun r = run_engine(port, kEngine1, {"--count", "200", "--rate", "100"});
  const long engine_ms = ms_since(t_engine);
  const CtlResult status = ctl(admin_url, token_file(dir, "ops", kOperatorToken), {"status"});
  flood.join();
  const bool still_full = [&] {
    pollfd q{p[0], POLLIN, 0};
    return ::poll(&q, 1, 0) == 1;  // Nobody has read it: still holding our junk.
  }();

  std::cout << "[ measured ] pipe pre-filled with " << filled << " bytes; " << refused.load() << "/"
            << kFlood << " wrong-CompID logons refused in " << flood_ms
            << " ms; engine: " << num(r.summary, "acked") << "/200 acked in " << engine_ms
            << " ms\n";
  EXPECT_TRUE(still_full);
  EXPECT_EQ(refused.load(), kFlood);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(num(r.summary, "logons"), 1) << r.describe();
  EXPECT_EQ(num(r.summary, "acked"), 200) << r.describe();
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_FALSE(wait_audit(dir.file("audit.log"), {"connections_closed", "not_a_logon"}).empty());
  // Drains the pipe so that riskgate can print its last lines and exit.
  EXPECT_EQ(gw.stop(p[0]), 0);
  ::close(p[0]);
}

// ---------------------------------------------------------------------------
// MaxMessageSize on the exchange leg: a raw FIX acceptor plays the venue.

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

std::string fix_message(const std::string& type, int seq, const std::string& fields) {
  const std::string body = "35=" + type +
                           "\x01"
                           "34=" +
                           std::to_string(seq) +
                           "\x01"
                           "49=EXCHANGE\x01"
                           "52=" +
                           utc_now() +
                           "\x01"
                           "56=RISKGATE\x01" +
                           fields;
  std::string m =
      "8=FIX.4.4\x01"
      "9=" +
      std::to_string(body.size()) + "\x01" + body;
  unsigned sum = 0;
  for (unsigned char c : m) sum += c;
  char cs[8];
  std::snprintf(cs, sizeof cs, "%03u", sum % 256);
  return m + "10=" + cs + "\x01";
}

// Reads from `fd` until `needle` has been received or the peer closed;
// returns everything read. `closed` tells which.
std::string read_until(int fd, const std::string& needle, std::chrono::milliseconds timeout,
                       bool& closed) {
  std::string got;
  closed = false;
  const auto t0 = Clock::now();
  while (got.find(needle) == std::string::npos && Clock::now() - t0 < timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// The venue logs riskgate on, sends one message of `big_bytes`, then a
// TestRequest. True if riskgate answered the TestRequest on the same
// connection (the leg survived the big message).
bool exchange_leg_survives_a_message_of(std::size_t big_bytes, const std::string& max_size_key) {
  TempDir dir;
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(lfd, 4);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  GatewayConfig gc;
  gc.exchange_port = ntohs(a.sin_port);
  if (!max_size_key.empty()) gc.session_keys.emplace_back("EXCH", "MaxMessageSize", max_size_key);
  Gateway gw(write_gateway_config(dir, gc));
  pollfd p{lfd, POLLIN, 0};
  if (::poll(&p, 1, 10'000) != 1) {
    ::close(lfd);
    ADD_FAILURE() << "riskgate never connected";
    return false;
  }
  const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(lfd);
  bool closed = false;
  const std::string their_logon = read_until(fd,
                                             "\x01"
                                             "10=",
                                             5s, closed);
  EXPECT_NE(their_logon.find("35=A"), std::string::npos) << their_logon;
  const std::string logon_reply = fix_message("A", 1,
                                              "98=0\x01"
                                              "108=30\x01");
  (void)!::send(fd, logon_reply.data(), logon_reply.size(), MSG_NOSIGNAL);
  // An unsolicited status report, padded with a long Text (58), as a venue's
  // report with many repeating groups would be.
  const std::string big = fix_message("0", 2, "58=" + std::string(big_bytes, 'x') + "\x01");
  const std::string test_request = fix_message("1", 3, "112=STILL-THERE\x01");
  const std::string both = big + test_request;
  (void)!::send(fd, both.data(), both.size(), MSG_NOSIGNAL);
  const std::string answer = read_until(fd, "112=STILL-THERE", 5s, closed);
  ::close(fd);
  std::cout << "[ measured ] a " << big.size() << "-byte exchange message with MaxMessageSize "
            << (max_size_key.empty() ? "default" : max_size_key) << ": leg "
            << (answer.find("112=STILL-THERE") != std::string::npos ? "survived" : "dropped")
            << "\n";
  return answer.find("112=STILL-THERE") != std::string::npos;
}

TEST(BoundedResources, OneExchangeMessageBiggerThan8KiBNoLongerDropsTheExchangeLeg) {
  EXPECT_TRUE(exchange_leg_survives_a_message_of(20'000, ""));
  // The old shared default, set explicitly: the same message drops the leg,
  // so the assertion above is not vacuous.
  EXPECT_FALSE(exchange_leg_survives_a_message_of(20'000, "8192"));
}

TEST(BoundedResources, ALogoutToANonDrainingExchangeEndsWithinLogoutTimeoutAndTheLegReconnects) {
  // The venue logs riskgate on, makes it queue more than the socket takes,
  // then neither reads nor writes. Silence makes riskgate's
  // session send TestRequest, then Logout and disconnect (HeartBtInt 1 s);
  // that Logout can never drain and must be cut at LogoutTimeout (1 s) so the
  // connector reconnects (ReconnectInterval 1 s).
  TempDir dir;
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int small = 4096;
  ::setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::listen(lfd, 4);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  GatewayConfig gc;
  gc.exchange_port = ntohs(a.sin_port);
  gc.exchange_heartbeat = 1;
  gc.session_keys.emplace_back("EXCH", "LogoutTimeout", "1");
  Gateway gw(write_gateway_config(dir, gc));
  pollfd p{lfd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1) << "riskgate never connected";
  const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  bool closed = false;
  (void)read_until(fd,
                   "\x01"
                   "10=",
                   5s, closed);
  const std::string reply = fix_message("A", 1,
                                        "98=0\x01"
                                        "108=1\x01");
  (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  ASSERT_TRUE(gw.proc().wait_for_line_containing("session EXCH: ", 5s).has_value());
  // 20,000 TestRequests: riskgate echoes each in a Heartbeat, about 5 MB in
  // all, more than the kernel takes for a peer that does not read, so
  // riskgate's transmit buffer holds the rest. (With LogoutTimeout = 30 the
  // leg stays down for the whole 15 s this test waits: the Logout is stuck.)
  std::string burst;
  for (int i = 0; i < 20'000; ++i)
    burst += fix_message("1", 2 + i,
                         "112=" + std::string(200, static_cast<char>('a' + i % 26)) + "\x01");
  ASSERT_EQ(::send(fd, burst.data(), burst.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(burst.size()));
  // Silent from here on: no read, no write.
  const auto t_silent = Clock::now();

  p = pollfd{lfd, POLLIN, 0};
  const bool reconnected = ::poll(&p, 1, 15'000) == 1;
  const long reconnect_ms = ms_since(t_silent);
  int unread = 0;
  ::ioctl(fd, FIONREAD, &unread);
  std::cout << "[ measured ] venue silent and not reading (" << unread
            << " bytes unread in its socket): riskgate reconnected after " << reconnect_ms
            << " ms (HeartBtInt 1 s: Logout at ~2.4 s; LogoutTimeout 1 s; ReconnectInterval 1 s)\n";
  EXPECT_TRUE(reconnected) << "the exchange leg never came back";
  // 2.4 s of silence before the Logout, at most 1 s to drain it, 1 s before
  // the reconnect; 2 s of slack for a loaded machine.
  EXPECT_LE(reconnect_ms, 2400 + 1000 + 1000 + 2000);
  ::close(fd);
  if (reconnected) ::close(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
  ::close(lfd);
}

}  // namespace
}  // namespace riskgate::itest
