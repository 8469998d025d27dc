// Shared setup for the risk tests: a small config, an engine, a session and
// helpers that keep the strings an OrderView points to alive.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>

#include "risk/engine.hpp"

namespace riskgate::risk::test {

inline RiskConfig small_config() {
  RiskConfig c;
  c.capacities.max_accounts = 8;
  c.capacities.max_symbols = 16;
  c.capacities.max_sessions = 8;
  c.capacities.max_parents = 64;
  c.capacities.max_open_orders = 1024;
  c.capacities.max_cl_ord_ids = 4096;
  c.capacities.max_account_symbols = 64;
  c.symbols = {{"AAPL", 190 * kMicro, 1, false},
               {"MSFT", 400 * kMicro, 1, false},
               {"LOT", 10 * kMicro, 100, false},
               {"BANNED", 5 * kMicro, 1, true}};
  c.accounts = {{"ACC1", {}}, {"ACC2", {"AAPL"}}};
  return c;
}

// Every test on this fixture runs twice, once per WriterThreads mode: the
// decisions and counters must be the same whether the shared counters are
// updated by atomic RMWs (kMany) or by loads and stores (kOne, the gateway's
// one I/O thread). Instantiate a suite with RISK_TEST_BOTH_WRITER_MODES.
class RiskTest : public ::testing::TestWithParam<WriterThreads> {
 protected:
  void make(const RiskConfig& c) {
    engine = std::make_unique<Engine>(c, GetParam());
    session = std::make_unique<SessionState>(engine->make_session(0));
  }

  // A fresh ClOrdID each call; views stay valid for the fixture's life.
  std::string_view next_id() {
    ids.push_back("ID" + std::to_string(ids.size()));
    return ids.back();
  }

  OrderView order(std::int64_t qty = 100, Micros px = 190 * kMicro, Side side = Side::kBuy,
                  std::string_view account = "ACC1", std::string_view symbol = "AAPL") {
    OrderView o;
    o.action = Action::kNew;
    o.session = 0;
    o.exchange_session = 1;
    o.cl_ord_id = next_id();
    o.account = account;
    o.symbol = symbol;
    o.side = side;
    o.ord_type = OrdType::kLimit;
    o.quantity = qty;
    o.price = px;
    o.has_price = true;
    o.now_ns = now;
    return o;
  }

  Decision send(const OrderView& o) { return send(o, *session); }
  Decision send(const OrderView& o, SessionState& s) {
    Reservation r;
    Decision d = engine->check_and_commit(o, s, r);
    if (d.accepted()) tickets.push_back(r);
    return d;
  }

  std::string text(const Decision& d, const OrderView& o) {
    char buf[256];
    const std::size_t n = format_reject_text(d, o, buf, sizeof buf);
    return std::string(buf, n);
  }

  ExecOutcome fill_last(std::int64_t qty, Micros px, bool full) {
    ExecEvent e;
    e.kind = full ? ExecKind::kFill : ExecKind::kPartialFill;
    e.last_qty = qty;
    e.last_px = px;
    e.now_ns = now;
    return engine->on_execution(tickets.back(), e);
  }
  void event_last(ExecKind k) {
    ExecEvent e;
    e.kind = k;
    e.now_ns = now;
    (void)engine->on_execution(tickets.back(), e);
  }

  std::unique_ptr<Engine> engine;
  std::unique_ptr<SessionState> session;
  std::deque<std::string> ids;
  std::deque<Reservation> tickets;
  std::int64_t now = 1'000'000'000'000;  // An arbitrary steady-clock instant.
};

inline std::string writer_mode_name(const ::testing::TestParamInfo<WriterThreads>& info) {
  return info.param == WriterThreads::kOne ? "OneWriter" : "ManyWriters";
}

}  // namespace riskgate::risk::test

// Runs every TEST_P of `suite` (a RiskTest) with both WriterThreads modes.
#define RISK_TEST_BOTH_WRITER_MODES(suite)                                           \
  INSTANTIATE_TEST_SUITE_P(, suite,                                                  \
                           ::testing::Values(::riskgate::risk::WriterThreads::kMany, \
                                             ::riskgate::risk::WriterThreads::kOne), \
                           ::riskgate::risk::test::writer_mode_name)
