// The audit trail under operations and under attack (issue 12, item 3),
// through a running riskgate: the file renamed under it (logrotate without
// copytruncate), the chain checked across the rotated files by
// `riskgatectl audit-log verify`, and a flood of unauthenticated admin
// requests and refused Logons that must not grow the file faster than a few
// kilobytes a second.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& s, const std::string& sub) {
  return s.find(sub) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

// `riskgatectl audit-log verify FILES...` (offline: no URL or token needed).
CtlResult verify(const std::vector<std::string>& files) {
  std::vector<std::string> args = {"audit-log", "verify"};
  args.insert(args.end(), files.begin(), files.end());
  return ctl("http://127.0.0.1:1", "", args);
}

// Polls until `path` has a line with every needle; how long that took.
std::optional<std::chrono::milliseconds> time_until_line(const std::string& path,
                                                         const std::vector<std::string>& needles,
                                                         std::chrono::milliseconds timeout) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < timeout) {
    if (!audit_lines(path, needles).empty())
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int port_of(const std::string& url) {
  return std::stoi(url.substr(url.rfind(':') + 1));
}

TEST(AuditLogRotation, ARenamedFileIsFollowedWithinASecondAndTheChainHoldsAcrossFiles) {
  Stack s;
  const std::string url = s.gateway->admin_url();
  const std::string admin = token_file(s.dir, "admin.token", kAdminToken);
  // Kill and release in turn: each is a new audited action with its reason.
  int actions = 0;
  auto kill = [&](const std::string& reason) {
    const char* verb = actions++ % 2 == 0 ? "kill" : "release";
    return ctl(url, admin, {verb, "--scope", "symbol", "--target", "AAPL", "--reason", reason});
  };
  ASSERT_EQ(kill("before rotation").exit_code, 0);
  ASSERT_FALSE(wait_audit(s.audit_log(), {"before rotation"}).empty());

  // logrotate without copytruncate: rename, then nothing (rename detection).
  // An action right after the rename may still land in the renamed file (the
  // writer looks every 200 ms); the chain covers it either way.
  const std::string first = s.dir.file("audit.log.first");
  fs::rename(s.audit_log(), first);
  const auto renamed_at = Clock::now();
  ASSERT_EQ(kill("right after the rename").exit_code, 0);
  const auto reopened = time_until_line(s.audit_log(), {"\"audit_reopened\""}, 5s);
  ASSERT_TRUE(reopened) << "no new audit.log after the rename:\n" << read_file(first);
  EXPECT_LT(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - renamed_at).count(),
      1000);
  EXPECT_FALSE(audit_lines(first, {"right after the rename"}).empty() &&
               audit_lines(s.audit_log(), {"right after the rename"}).empty());
  ASSERT_EQ(kill("in the new file").exit_code, 0);
  ASSERT_FALSE(wait_audit(s.audit_log(), {"in the new file"}, 1s).empty());

  // logrotate with postrotate: rename, then SIGUSR2.
  const std::string second = s.dir.file("audit.log.second");
  fs::rename(s.audit_log(), second);
  s.gateway->proc().signal(SIGUSR2);
  ASSERT_TRUE(time_until_line(s.audit_log(), {"\"audit_reopened\""}, 1s));
  ASSERT_EQ(kill("after the signal").exit_code, 0);
  ASSERT_TRUE(time_until_line(s.audit_log(), {"after the signal"}, 1s));

  const HttpReply st = http_get(url, "/status", kOperatorToken);
  ASSERT_EQ(st.status, 200) << st.body;
  const auto audit = nlohmann::json::parse(st.body)["audit"];
  EXPECT_EQ(audit["healthy"], true);
  EXPECT_GE(audit["reopens"].get<int>(), 2);
  EXPECT_TRUE(audit.contains("disk_low"));

  const CtlResult ok = verify({first, second, s.audit_log()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(contains(ok.output, "OK, ")) << ok.output;
  EXPECT_TRUE(contains(ok.output, " records in 3 files")) << ok.output;

  // Tampering, on copies: a deleted record, then an edited line.
  const auto lines = lines_of(first);
  ASSERT_GE(lines.size(), 3u);
  const std::string copy = s.dir.file("tampered");
  auto deleted = lines;
  deleted.erase(deleted.begin() + 1);
  write_lines(copy, deleted);
  const CtlResult gap = verify({copy, second, s.audit_log()});
  EXPECT_NE(gap.exit_code, 0) << gap.output;
  EXPECT_TRUE(contains(gap.output, "BROKEN: " + copy + ":2: ")) << gap.output;

  auto edited = lines;
  const auto at = edited[1].find("\"ts\":\"");
  ASSERT_NE(at, std::string::npos);
  edited[1][at + 6] = edited[1][at + 6] == '1' ? '2' : '1';  // The year's first digit.
  write_lines(copy, edited);
  const CtlResult edit = verify({copy, second, s.audit_log()});
  EXPECT_NE(edit.exit_code, 0) << edit.output;
  EXPECT_TRUE(contains(edit.output, "BROKEN: " + copy + ":3: ")) << edit.output;

  // The last record of a rotated file removed: the next file no longer follows.
  auto cut = lines_of(second);
  cut.pop_back();
  write_lines(copy, cut);
  const CtlResult between = verify({first, copy, s.audit_log()});
  EXPECT_NE(between.exit_code, 0) << between.output;
  EXPECT_TRUE(contains(between.output, "BROKEN: " + s.audit_log() + ":1: ")) << between.output;
}

// 100,000 admin requests without a valid token, pipelined on a few
// keep-alive connections, while another thread makes Logons that declare no
// identity. Each cause may write one record a second.
TEST(AuditLogNoise,
     AFloodOfUnauthenticatedRequestsAndRefusedLogonsGrowsTheLogByAFewKilobytesASecond) {
  Stack s;
  const int admin_port = port_of(s.gateway->admin_url());
  const int client_port = s.gateway->client_port();
  // Start-up records are written by now (the gateway answers its admin port
  // only after start-up); a fresh reference point.
  ASSERT_EQ(http_get_status(s.gateway->admin_url(), "/status"), 401);
  std::this_thread::sleep_for(1200ms);  // Past the first 401's window.
  const auto size0 = fs::file_size(s.audit_log());
  const auto t0 = Clock::now();

  constexpr int kConnections = 4;
  constexpr int kPerConnection = 25'000;
  constexpr int kBatch = 500;  // Requests in flight per connection.
  std::atomic<int> answered{0};
  std::atomic<bool> admin_done{false};
  std::vector<std::thread> admins;
  for (int c = 0; c < kConnections; ++c) {
    admins.emplace_back([&, c] {
      const int fd = connect_loopback(admin_port);
      if (fd < 0) return;
      // Half the connections send no token, half an unknown one: two causes.
      const std::string req =
          c % 2 == 0 ? "GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
                     : "GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n";
      std::string batch;
      for (int i = 0; i < kBatch; ++i) batch += req;
      std::string pending;
      char buf[65536];
      for (int sent = 0; sent < kPerConnection; sent += kBatch) {
        if (::send(fd, batch.data(), batch.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(batch.size()))
          break;
        int got = 0;
        while (got < kBatch) {
          pollfd p{fd, POLLIN, 0};
          if (::poll(&p, 1, 10'000) <= 0) break;
          const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) break;
          pending.append(buf, static_cast<std::size_t>(n));
          for (std::size_t at; (at = pending.find("HTTP/1.1 401")) != std::string::npos;) {
            pending.erase(0, at + 12);
            ++got;
          }
        }
        answered += got;
        if (got < kBatch) break;
      }
      ::close(fd);
    });
  }
  std::atomic<int> logons{0};
  std::thread logon_flood([&] {
    // Sequential: MaxPendingPerAddress would close parallel ones unread.
    // A Logon for a configured session that declares no identity: refused
    // by the manifest check, each one a refusal from an unauthenticated peer.
    auto logon_msg = [] {
      const std::time_t now = std::time(nullptr);
      std::tm utc{};
      ::gmtime_r(&now, &utc);
      char ts[32];
      std::strftime(ts, sizeof ts, "%Y%m%d-%H:%M:%S.000", &utc);
      const std::string body = std::string("35=A\x01") + "34=1\x01" + "49=ENGINE1\x01" +
                               "52=" + ts + "\x01" + "56=RISKGATE\x01" + "98=0\x01" + "108=30\x01" +
                               "141=Y\x01";
      std::string m =
          "8=FIX.4.4\x01"
          "9=" +
          std::to_string(body.size()) + "\x01" + body;
      unsigned sum = 0;
      for (unsigned char ch : m) sum += ch;
      char cs[8];
      std::snprintf(cs, sizeof cs, "%03u", sum % 256);
      return m + "10=" + cs + "\x01";
    };
    while (!admin_done.load() && Clock::now() - t0 < 20s) {
      const int fd = connect_loopback(client_port);
      if (fd < 0) continue;
      const std::string m = logon_msg();
      (void)::send(fd, m.data(), m.size(), MSG_NOSIGNAL);
      char buf[4096];
      for (;;) {  // Until the gateway's Logout and close.
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) break;
        if (::recv(fd, buf, sizeof buf, 0) <= 0) break;
      }
      ::close(fd);
      ++logons;
    }
  });
  for (auto& t : admins) t.join();
  admin_done = true;
  logon_flood.join();
  ASSERT_EQ(answered.load(), kConnections * kPerConnection);
  EXPECT_GT(logons.load(), 20);
  std::this_thread::sleep_for(1500ms);  // Every cause's last summary is due by now.
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto grown = fs::file_size(s.audit_log()) - size0;
  std::cerr << "audit log grew " << grown << " bytes in " << seconds << " s under "
            << answered.load() << " unauthenticated admin requests and " << logons.load()
            << " Logons without identity\n";
  EXPECT_LE(static_cast<double>(grown) / seconds, 4096.0);

  // Nothing was lost in the summarising: every 401 is a record or in a count.
  long admin_401s = 0;
  for (const auto& l : audit_lines(s.audit_log(), {"\"cause\":\"admin_401:"})) {
    const auto j = nlohmann::json::parse(l);
    if (j["action"] == "admin_refused") ++admin_401s;
    admin_401s += j.value("suppressed", 0L);
  }
  EXPECT_EQ(admin_401s, 1 + kConnections * kPerConnection);  // With the one before the flood.
  EXPECT_FALSE(audit_lines(s.audit_log(), {"\"logon_refused\""}).empty())
      << read_file(s.audit_log());

  const CtlResult ok = verify({s.audit_log()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

}  // namespace
}  // namespace riskgate::itest
