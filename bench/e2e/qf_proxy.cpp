// rg-qf-proxy: the pre-trade risk proxy a team would build on QuickFIX, as
// the comparison point for riskgate (path d of the end-to-end suite).
//
// Written the way the QuickFIX examples teach: a ThreadedSocketAcceptor for
// the trading engine, a ThreadedSocketInitiator to the exchange, one
// Application whose fromApp() parses each NewOrderSingle into QuickFIX fields,
// runs the checks, and forwards a copy with sendToTarget(). Execution reports
// come back the same way. MemoryStore, no logs, no data dictionary: nothing
// that would slow it down for reasons unrelated to its design.
//
// Checks, each against a fixed limit from the command line (the same rules
// riskgate applies first; enough to make the comparison honest without
// re-implementing riskgate here): max order qty, max notional (qty x price),
// price collar around a reference price, orders per second for the session.
// ClOrdIDs are prefixed on the way out and stripped on the way back, as
// riskgate does.
//
// C++14: Debian's QuickFIX 1.15.1 headers use dynamic exception specifications.
#include <quickfix/Application.h>
#include <quickfix/Log.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/ThreadedSocketInitiator.h>
#include <quickfix/Values.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace {

struct Limits {
  double max_qty = 100000;
  double max_notional = 50000000;
  double collar_pct = 10;
  long max_orders_per_sec = 1000000;
  std::map<std::string, double> ref_price;
};

class NullLogFactory : public FIX::LogFactory {
 public:
  FIX::Log* create() override { return new FIX::NullLog(); }
  FIX::Log* create(const FIX::SessionID&) override { return new FIX::NullLog(); }
  void destroy(FIX::Log* log) override { delete log; }
};

class Proxy : public FIX::Application {
 public:
  Proxy(Limits limits, FIX::SessionID client, FIX::SessionID exchange, std::string prefix)
      : limits_(std::move(limits)),
        client_(client),
        exchange_(exchange),
        prefix_(std::move(prefix)) {}

  bool exchange_up() const { return exchange_up_.load(); }

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    if (id == exchange_) exchange_up_.store(true);
  }
  void onLogout(const FIX::SessionID& id) override {
    if (id == exchange_) exchange_up_.store(false);
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}

  void fromApp(const FIX::Message& msg,
               const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                               FIX::IncorrectTagValue,
                                               FIX::UnsupportedMessageType) override {
    FIX::MsgType type;
    msg.getHeader().getField(type);
    if (id == client_) {
      if (type.getValue() == FIX::MsgType_NewOrderSingle) {
        on_order(msg);
      } else {
        throw FIX::UnsupportedMessageType();
      }
    } else if (id == exchange_) {
      if (type.getValue() == FIX::MsgType_ExecutionReport ||
          type.getValue() == FIX::MsgType_OrderCancelReject) {
        FIX::Message out(msg);
        FIX::ClOrdID cl;
        if (out.getFieldIfSet(cl) && cl.getValue().compare(0, prefix_.size(), prefix_) == 0) {
          out.setField(FIX::ClOrdID(cl.getValue().substr(prefix_.size())));
        }
        FIX::Session::sendToTarget(out, client_);
      }
    }
  }

 private:
  void on_order(const FIX::Message& msg) {
    FIX::ClOrdID cl;
    FIX::Symbol symbol;
    FIX::Side side;
    FIX::OrderQty qty;
    FIX::OrdType ord_type;
    msg.getField(cl);
    msg.getField(symbol);
    msg.getField(side);
    msg.getField(qty);
    msg.getField(ord_type);
    FIX::Price price(0);
    const bool has_price = msg.getFieldIfSet(price);

    std::string why = check(symbol.getValue(), qty.getValue(), has_price, price.getValue());
    if (!why.empty()) {
      FIX::Message rej;
      rej.getHeader().setField(FIX::MsgType(FIX::MsgType_ExecutionReport));
      rej.setField(FIX::OrderID("NONE"));
      rej.setField(FIX::ExecID(std::to_string(++reject_seq_)));
      rej.setField(cl);
      rej.setField(FIX::ExecType(FIX::ExecType_REJECTED));
      rej.setField(FIX::OrdStatus(FIX::OrdStatus_REJECTED));
      rej.setField(symbol);
      rej.setField(side);
      rej.setField(qty);
      rej.setField(FIX::LeavesQty(0));
      rej.setField(FIX::CumQty(0));
      rej.setField(FIX::AvgPx(0));
      rej.setField(FIX::OrdRejReason(FIX::OrdRejReason_OTHER));
      rej.setField(FIX::Text(why));
      FIX::Session::sendToTarget(rej, client_);
      return;
    }
    FIX::Message out(msg);
    out.setField(FIX::ClOrdID(prefix_ + cl.getValue()));
    FIX::Session::sendToTarget(out, exchange_);
  }

  std::string check(const std::string& symbol, double qty, bool has_price, double price) {
    const auto ref = limits_.ref_price.find(symbol);
    if (ref == limits_.ref_price.end()) return "unknown_symbol: " + symbol;
    if (qty <= 0) return "qty_not_positive";
    if (qty > limits_.max_qty) return "max_order_qty";
    const double px = has_price ? price : ref->second;
    if (qty * px > limits_.max_notional) return "max_order_notional";
    if (has_price && std::fabs(price - ref->second) > ref->second * limits_.collar_pct / 100.0) {
      return "price_collar";
    }
    // Orders per second for the session: a fixed one-second window under a
    // mutex, as a team would start with.
    std::lock_guard<std::mutex> lock(rate_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      window_count_ = 0;
    }
    if (++window_count_ > limits_.max_orders_per_sec) return "max_orders_per_sec";
    return std::string();
  }

  Limits limits_;
  FIX::SessionID client_;
  FIX::SessionID exchange_;
  std::string prefix_;
  std::atomic<bool> exchange_up_{false};
  std::atomic<std::uint64_t> reject_seq_{0};
  std::mutex rate_mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  long window_count_ = 0;
};

FIX::Dictionary base(const std::string& type, int heartbeat) {
  FIX::Dictionary d;
  d.setString(FIX::CONNECTION_TYPE, type);
  d.setString(FIX::START_TIME, "00:00:00");
  d.setString(FIX::END_TIME, "00:00:00");
  d.setBool(FIX::USE_DATA_DICTIONARY, false);
  d.setInt(FIX::HEARTBTINT, heartbeat);
  d.setBool(FIX::RESET_ON_LOGON, true);
  d.setBool(FIX::PERSIST_MESSAGES, false);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int listen_port = 0;
  std::string exchange_host = "127.0.0.1";
  int exchange_port = 0;
  std::string our_id = "RISKGATE";
  std::string client_id = "ENGINE1";
  std::string exchange_id = "EXCHANGE";
  std::string prefix = "Q-";
  std::string refs = "AAPL=190";
  Limits limits;
  CLI::App app{"rg-qf-proxy: QuickFIX-based risk proxy (benchmark baseline)"};
  app.add_option("--listen-port", listen_port)->required();
  app.add_option("--exchange-host", exchange_host);
  app.add_option("--exchange-port", exchange_port)->required();
  app.add_option("--our-comp-id", our_id, "our CompID on both legs");
  app.add_option("--client-comp-id", client_id, "the trading engine's SenderCompID");
  app.add_option("--exchange-comp-id", exchange_id);
  app.add_option("--clordid-prefix", prefix);
  app.add_option("--ref", refs, "reference prices, SYM=PX[,SYM=PX...]");
  app.add_option("--max-qty", limits.max_qty);
  app.add_option("--max-notional", limits.max_notional);
  app.add_option("--collar-pct", limits.collar_pct);
  app.add_option("--max-orders-per-sec", limits.max_orders_per_sec);
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  std::stringstream ss(refs);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      std::cerr << "rg-qf-proxy: bad --ref item " << item << "\n";
      return 2;
    }
    limits.ref_price[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
  }

  try {
    const FIX::SessionID client("FIX.4.4", our_id, client_id);
    const FIX::SessionID exchange("FIX.4.4", our_id, exchange_id);
    Proxy proxy(limits, client, exchange, prefix);
    FIX::MemoryStoreFactory store;
    NullLogFactory logs;

    FIX::SessionSettings ini;
    FIX::Dictionary id = base("initiator", 30);
    id.setString(FIX::SOCKET_CONNECT_HOST, exchange_host);
    id.setInt(FIX::SOCKET_CONNECT_PORT, exchange_port);
    id.setInt(FIX::RECONNECT_INTERVAL, 1);
    id.setBool(FIX::SOCKET_NODELAY, true);
    ini.set(exchange, id);
    FIX::ThreadedSocketInitiator initiator(proxy, store, ini, logs);
    initiator.start();
    // Accept clients only once the exchange leg is up, so a connected client
    // can trade at once (the suite waits for our listening port).
    for (int i = 0; i < 200 && !proxy.exchange_up(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!proxy.exchange_up()) {
      std::cerr << "rg-qf-proxy: exchange leg did not log on within 10 s\n";
      return 1;
    }

    FIX::SessionSettings acc;
    FIX::Dictionary ad = base("acceptor", 30);
    ad.setInt(FIX::SOCKET_ACCEPT_PORT, listen_port);
    ad.setBool(FIX::SOCKET_NODELAY, true);
    acc.set(client, ad);
    FIX::ThreadedSocketAcceptor acceptor(proxy, store, acc, logs);
    acceptor.start();
    // QuickFIX 1.15 has no SocketAcceptHost: it listens on every interface.
    std::cout << "rg-qf-proxy listening on port " << listen_port << std::endl;
    // Stopped by SIGTERM from the suite; nothing to save.
    for (;;) pause();
  } catch (const std::exception& e) {
    std::cerr << "rg-qf-proxy: " << e.what() << "\n";
    return 1;
  }
}
