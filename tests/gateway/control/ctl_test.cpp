// `riskgatectl status` output (gateway/control/ctl.hpp print_status): the
// alerts and each client session's flow envelope, compactly; no sockets.
#include "gateway/control/ctl.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "gateway/journal/journal.hpp"

namespace {

using riskgate::control::print_status;

std::string printed(const nlohmann::json& st) {
  std::ostringstream out;
  print_status(st, out);
  return out.str();
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

nlohmann::json status_with_flow(nlohmann::json flow) {
  return {{"instance", "gw"},
          {"sessions",
           {{{"name", "ENGINE2"},
             {"role", "acceptor"},
             {"state", "active"},
             {"killed", true},
             {"flow", std::move(flow)}},
            {{"name", "EXCH"}, {"role", "initiator"}, {"state", "active"}}}},
          {"kills", nlohmann::json::array()},
          {"tables",
           {{"pairs", {{"used", 53084}, {"capacity", 65536}, {"pct", 81.0}}},
            {"parents", {{"used", 0}, {"capacity", 65536}, {"pct", 0.0}}}}},
          {"alerts",
           {{{"kind", "table_capacity"},
             {"table", "pairs"},
             {"text", "risk table pairs is 81.0% full (53084 of 65536): raise ..."}}}}};
}

TEST(CtlStatus, PrintsAlertsBeforeTheSessions) {
  const std::string out = printed(status_with_flow(nlohmann::json::object()));
  EXPECT_TRUE(has(out, "alerts:\n  ! risk table pairs is 81.0% full (53084 of 65536): raise ...\n"))
      << out;
  EXPECT_LT(out.find("alerts:"), out.find("sessions:")) << out;
  EXPECT_TRUE(has(out, "tables    pairs 53084/65536 (81%) parents 0/65536 (0%)\n")) << out;
}

TEST(CtlStatus, PrintsOneLinePerFlowRuleWithValueThresholdAndBreach) {
  const nlohmann::json flow = {{"throttled", true},
                               {"rules",
                                {{{"rule", "flow_net_qty"},
                                  {"window_ms", 5000},
                                  {"value", 312000.4},
                                  {"threshold", 250000},
                                  {"baseline", 0},
                                  {"breached", true}},
                                 {{"rule", "flow_symbol_net_qty"},
                                  {"window_ms", 5000},
                                  {"per_symbol", true},
                                  {"threshold", 100000},
                                  {"baseline", 0},
                                  {"breached", false}},
                                 {{"rule", "flow_fills"},
                                  {"window_ms", 500},
                                  {"value", 12},
                                  {"threshold", nullptr},
                                  {"baseline", 3},
                                  {"breached", false}}}}};
  const std::string out = printed(status_with_flow(flow));
  EXPECT_TRUE(has(out, "  ENGINE2 [acceptor] active  KILLED\n")) << out;
  EXPECT_TRUE(has(out, "    flow  THROTTLED (held to the throttle rate)\n")) << out;
  EXPECT_TRUE(has(out, "    flow  flow_net_qty            5s       312000 / 250000  BREACHED\n"))
      << out;
  EXPECT_TRUE(has(out, "    flow  flow_symbol_net_qty     5s   per symbol / 100000\n")) << out;
  EXPECT_TRUE(has(out, "    flow  flow_fills           500ms           12 / none  baseline 3\n"))
      << out;
}

TEST(CtlStatus, AnIdleSessionGetsOneFlowLine) {
  const nlohmann::json flow = {
      {"throttled", false},
      {"rules",
       {{{"rule", "flow_net_qty"}, {"value", 0}, {"threshold", 250000}, {"breached", false}},
        {{"rule", "flow_fills"}, {"value", 0}, {"threshold", 15000}, {"breached", false}}}}};
  const std::string out = printed(status_with_flow(flow));
  EXPECT_TRUE(has(out, "    flow  idle (2 rules)\n")) << out;
  EXPECT_FALSE(has(out, "flow_net_qty")) << out;
}

TEST(CtlStatus, ToleratesMissingAndMistypedFields) {
  const nlohmann::json st = {{"sessions", {{{"name", 3}, {"killed", "yes"}, {"flow", 7}}, 42}},
                             {"tables", {{"pairs", "full"}}},
                             {"alerts", {17}}};
  const std::string out = printed(st);
  EXPECT_TRUE(has(out, "sessions:\n")) << out;
  EXPECT_TRUE(has(out, "  ! ?\n")) << out;
}

}  // namespace

// `riskgatectl journal FILE --order ID`: offline, no token, one line per
// record of that order.
TEST(CtlJournal, PrintsOneOrdersHistoryWithoutAToken) {
  namespace j = riskgate::journal;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("riskgate-ctl-journal-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  j::JournalConfig cfg;
  cfg.file = dir / "gw.journal";
  cfg.ring_dir = dir;
  cfg.gateway = "gw";
  cfg.ring_capacity = std::size_t{1} << 16;
  cfg.sync = j::SyncPolicy::kNone;
  {
    j::Journal journal(cfg);
    ASSERT_EQ(j::declare_session(journal.ring(0), 3, j::Leg::kExchange, "EXCH", 1),
              j::AppendStatus::kOk);
    j::OrderEvent e;
    e.cl_ord_id = "K1";
    e.order_qty = 100;
    ASSERT_EQ(j::append_order_event(journal.ring(0), 3, 7, 2, e), j::AppendStatus::kOk);
    e.cl_ord_id = "K2";
    ASSERT_EQ(j::append_order_event(journal.ring(0), 3, 8, 3, e), j::AppendStatus::kOk);
  }
  std::ostringstream out;
  std::ostringstream err;
  const int rc = riskgate::control::run_ctl(
      {"riskgatectl", "journal", cfg.file.string(), "--order", "K1"}, out, err);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, riskgate::control::kCtlOk) << err.str();
  EXPECT_TRUE(has(out.str(), "order EXCH event=new clordid=K1")) << out.str();
  EXPECT_FALSE(has(out.str(), "K2")) << out.str();
  EXPECT_TRUE(has(out.str(), "records=3")) << out.str();
}
