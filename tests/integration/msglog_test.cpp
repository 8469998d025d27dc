// The FIX message logs end to end (issue 13 item 1): engine-sim -> riskgate
// -> exchange-sim with message logs on, then the real `riskgatectl msglog`
// finds one order's whole conversation on both legs, and nothing of the
// others (T-1 against T-10, T-11, T-12: ids that share its prefix).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

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
  ASSERT_EQ(s.gateway->stop(), 0);  // Stopping drains the writer: every line is in.

  const fs::path dir = s.dir.path() / "state" / "msglog";
  const std::string day = the_day(dir);
  ASSERT_EQ(day.size(), 8u) << "no ENGINE1 message log in " << dir;
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
