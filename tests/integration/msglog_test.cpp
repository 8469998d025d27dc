// The FIX message logs end to end (issue 13 item 1): engine-sim -> riskgate
// -> exchange-sim with message logs on, then the real `riskgatectl msglog`
// finds one order's whole conversation on both legs, and nothing of the
// others (T-1 against T-10, T-11, T-12: ids that share its prefix).
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/harness.hpp"

namespace riskgate::itest {
namespace {

namespace fs = std::filesystem;

struct Msg {
  std::string session, dir, type, cl_ord_id, orig, exec_type;
};

std::string field(const std::string& line, const std::string& tag) {
  const std::string key = "|" + tag + "=";
  const auto at = line.find(key);
  if (at == std::string::npos) return {};
  const auto b = at + key.size();
  return line.substr(b, line.find('|', b) - b);
}

// "<ts> <session> <in|out> 8=...|" lines of riskgatectl msglog.
std::vector<Msg> parse(const std::string& output) {
  std::vector<Msg> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string ts, session, dir, msg;
    words >> ts >> session >> dir >> msg;
    if (!msg.starts_with("8=FIX")) continue;
    out.push_back(
        {session, dir, field(msg, "35"), field(msg, "11"), field(msg, "41"), field(msg, "150")});
  }
  return out;
}

bool has(const std::vector<Msg>& v, const std::string& session, const std::string& dir,
         const std::string& type, const std::string& id, const std::string& exec_type = {}) {
  return std::any_of(v.begin(), v.end(), [&](const Msg& m) {
    return m.session == session && m.dir == dir && m.type == type && m.cl_ord_id == id &&
           (exec_type.empty() || m.exec_type == exec_type);
  });
}

std::string the_day(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.starts_with("ENGINE1.") && n.ends_with(".log")) return n.substr(8, 8);
  }
  return {};
}

TEST(MessageLogEndToEnd, RiskgatectlMsglogFindsOneOrdersWholeConversationOnBothLegs) {
  // Every third order rests (acked only) and engine-sim cancels it after
  // 300 ms; the others are filled. One replace of an unknown order too.
  Stack s({"--fill-model", "full,rest-every:3"});
  const EngineRun run = s.run(
      Identity{}, {"--clordid-prefix", "T-", "--count", "12", "--rate", "40", "--cancel-after-ms",
                   "300", "--replace-unknown", "1", "--wait-seconds", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  ASSERT_GE(num(run.summary, "filled_orders"), 8) << run.describe();
  ASSERT_GE(num(run.summary, "canceled"), 1) << run.describe();

  // /status: the writer's health and the ring's fill.
  const HttpReply st = http_get(s.gateway->admin_url(), "/status", kOperatorToken);
  ASSERT_EQ(st.status, 200) << st.body;
  const auto ml = nlohmann::json::parse(st.body)["message_log"];
  EXPECT_EQ(ml["enabled"], true) << ml.dump();
  EXPECT_EQ(ml["healthy"], true) << ml.dump();
  EXPECT_EQ(ml["dropped_messages"], 0) << ml.dump();
  EXPECT_EQ(ml["writer_errors"], 0) << ml.dump();
  EXPECT_GT(ml["lines_written"].get<long>(), 40) << ml.dump();
  ASSERT_EQ(ml["rings"].size(), 1u) << ml.dump();
  EXPECT_EQ(ml["rings"][0]["capacity_bytes"], 16 << 20) << ml.dump();

  // SIGUSR2 (logrotate's postrotate) reopens the message logs too: a file
  // moved away keeps its lines, the next message starts a new one.
  const fs::path dir = s.dir.path() / "state" / "msglog";
  const std::string day = the_day(dir);
  ASSERT_EQ(day.size(), 8u) << "no ENGINE1 message log in " << dir;
  const fs::path engine_log = dir / ("ENGINE1." + day + ".log");
  const fs::path moved = s.dir.path() / "ENGINE1.moved";
  fs::rename(engine_log, moved);
  s.gateway->proc().signal(SIGUSR2);
  // The control thread polls the signal; the writer counts the reopen.
  const auto reopens = [&] {
    const HttpReply r = http_get(s.gateway->admin_url(), "/status", kOperatorToken);
    return r.status == 200 ? nlohmann::json::parse(r.body)["message_log"]["reopens"].get<int>()
                           : -1;
  };
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (reopens() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(reopens(), 1);
  const EngineRun again = s.run(Identity{}, {"--clordid-prefix", "U-", "--count", "1"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  ASSERT_EQ(s.gateway->stop(), 0);  // Stopping drains the writer: every line is in.
  ASSERT_TRUE(fs::exists(engine_log));
  const std::string reopened = read_file(engine_log.string());
  EXPECT_TRUE(reopened.starts_with("# riskgate message log session=ENGINE1")) << reopened;
  EXPECT_NE(reopened.find("|11=U-1|"), std::string::npos) << reopened;
  EXPECT_NE(read_file(moved.string()).find("|11=T-1|"), std::string::npos);
  // Put the day back together, as an operator would before searching it.
  write_file(engine_log.string(), read_file(moved.string()) + reopened);
  const auto filled = ctl("http://127.0.0.1:1", s.dir.file("none"),
                          {"msglog", "--dir", dir.string(), "--cl-ord-id", "T-1", "--date", day});
  ASSERT_EQ(filled.exit_code, 0) << filled.output;
  const auto m = parse(filled.output);
  // Both legs: the order, its ack and its fill, as the engine and the
  // exchange saw them.
  EXPECT_TRUE(has(m, "ENGINE1", "in", "D", "T-1")) << filled.output;
  EXPECT_TRUE(has(m, "EXCH", "out", "D", "E1-T-1")) << filled.output;
  EXPECT_TRUE(has(m, "EXCH", "in", "8", "E1-T-1", "0")) << filled.output;
  EXPECT_TRUE(has(m, "ENGINE1", "out", "8", "T-1", "0")) << filled.output;
  EXPECT_TRUE(has(m, "EXCH", "in", "8", "E1-T-1", "F")) << filled.output;
  EXPECT_TRUE(has(m, "ENGINE1", "out", "8", "T-1", "F")) << filled.output;
  EXPECT_EQ(m.size(), 6u) << filled.output;
  for (const auto& x : m) {
    EXPECT_TRUE(x.cl_ord_id == "T-1" || x.cl_ord_id == "E1-T-1") << filled.output;
  }

  // A resting order and its cancel: the chain through OrigClOrdID.
  const auto cancelled = ctl("http://127.0.0.1:1", s.dir.file("none"),
                             {"msglog", "--dir", dir.string(), "--cl-ord-id", "T-3", "--date", day,
                              "--session", "ENGINE1"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.output;
  const auto c = parse(cancelled.output);
  EXPECT_TRUE(has(c, "ENGINE1", "in", "D", "T-3")) << cancelled.output;
  EXPECT_TRUE(has(c, "EXCH", "out", "D", "E1-T-3")) << cancelled.output;
  const auto cancel_in = std::find_if(c.begin(), c.end(), [](const Msg& x) {
    return x.session == "ENGINE1" && x.dir == "in" && x.type == "F" && x.orig == "T-3";
  });
  ASSERT_NE(cancel_in, c.end()) << cancelled.output;
  EXPECT_TRUE(has(c, "EXCH", "out", "F", "E1-" + cancel_in->cl_ord_id)) << cancelled.output;
  EXPECT_TRUE(has(c, "EXCH", "in", "8", "E1-" + cancel_in->cl_ord_id, "4")) << cancelled.output;
  EXPECT_TRUE(has(c, "ENGINE1", "out", "8", cancel_in->cl_ord_id, "4")) << cancelled.output;
  for (const auto& x : c) EXPECT_EQ(x.cl_ord_id.find("T-1"), std::string::npos) << x.cl_ord_id;

  // The files themselves: admin messages too, with nanosecond timestamps.
  const std::string text = read_file((dir / ("ENGINE1." + day + ".log")).string());
  EXPECT_NE(text.find(" in 8=FIX.4.4|9="), std::string::npos);
  EXPECT_NE(text.find("|35=A|"), std::string::npos);
  EXPECT_NE(text.find("# riskgate message log session=ENGINE1 leg=engine route=EXCH "
                      "cl_ord_id_prefix=E1-"),
            std::string::npos);

  // Clear errors.
  const auto no_day =
      ctl("http://127.0.0.1:1", s.dir.file("none"),
          {"msglog", "--dir", dir.string(), "--cl-ord-id", "T-1", "--date", "19990101"});
  EXPECT_EQ(no_day.exit_code, 64);
  EXPECT_NE(no_day.output.find("no message logs for 19990101"), std::string::npos) << no_day.output;
  const auto no_dir = ctl("http://127.0.0.1:1", s.dir.file("none"),
                          {"msglog", "--dir", (dir / "nope").string(), "--cl-ord-id", "T-1"});
  EXPECT_EQ(no_dir.exit_code, 64);
  EXPECT_NE(no_dir.output.find("no such directory"), std::string::npos) << no_dir.output;
}

}  // namespace
}  // namespace riskgate::itest
