// exchange-sim's QuickFIX application: a tiny venue that acks orders and fills
// them by a deterministic FillModel, handles cancel/replace/mass-cancel and
// refuses what it does not know.
//
// Threading: QuickFIX's SocketAcceptor runs every session on one thread, which
// calls fromApp/onLogon/...; the main thread only requests drops and reads the
// stats. Replies are sent from inside fromApp (QuickFIX's session mutex is
// re-entrant), so acks and fills are ordered after the request on the wire.
#pragma once

#include <quickfix/Application.h>
#include <quickfix/Message.h>
#include <quickfix/SessionID.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/common/quickfix_support.hpp"
#include "sim/exchange/fill_model.hpp"

namespace riskgate {
namespace sim {

struct ExchangeOptions {
  std::string begin_string = "FIX.4.4";
  FillModel fill_model;
  bool mass_cancel = false;
  int gap_after = 0;   // after N outbound application messages, skip one MsgSeqNum
  int drop_after = 0;  // after N NewOrderSingles, drop the link once
  std::map<std::string, double> ref_prices;  // market orders fill here (default 100)
  // --exec-log: one line per ExecutionReport sent (null = off).
  std::shared_ptr<LineFile> exec_log;
};

struct ExchangeStats {
  std::int64_t orders = 0;  // NewOrderSingle received
  std::int64_t acked = 0;
  std::int64_t rejected = 0;
  std::int64_t filled_orders = 0;
  std::int64_t filled_qty = 0;
  std::int64_t partial_fills = 0;
  std::int64_t canceled = 0;
  std::int64_t replaced = 0;
  std::int64_t cancel_rejects = 0;
  std::int64_t mass_cancels = 0;
  std::int64_t status_requests = 0;       // OrderStatusRequests (35=H) answered
  std::int64_t mass_status_requests = 0;  // OrderMassStatusRequests (35=AF) answered
  std::int64_t logons = 0;
  std::int64_t logouts = 0;
  // A ClOrdID received in a second NewOrderSingle on one session, PossDup or
  // not: the peer sent one order twice. Of those, the ones accepted again
  // (the first had been rejected, so the venue had no live order by that id).
  std::int64_t duplicate_orders = 0;
  std::int64_t duplicates_accepted = 0;
  // Sequence numbers the peer reset instead of resuming: a Logon with
  // ResetSeqNumFlag(141)=Y, a SequenceReset(35=4) without GapFillFlag=Y.
  std::int64_t reset_logons = 0;
  std::int64_t seq_resets = 0;
  // Logouts sent or received whose Text says "MsgSeqNum too low": a peer
  // that restarted its sequence numbers without a reset.
  std::int64_t seq_too_low = 0;
  std::int64_t exec_reports = 0;  // ExecutionReports sent (stored for resend when logged out)
};

class ExchangeApp : public FIX::Application {
 public:
  explicit ExchangeApp(ExchangeOptions options);

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override;
  void onLogout(const FIX::SessionID&) override;
  // Counts and prints the Logouts we send (QuickFIX's own included, e.g. a
  // Logon refused for a MsgSeqNum too low).
  void toAdmin(FIX::Message&, const FIX::SessionID&) override;
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  // Counts and prints sequence resets the peer asks for, and its Logout texts.
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override;
  void fromApp(const FIX::Message&,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override;

  // Set by fromApp when --drop-after is reached; the main loop performs the drop.
  bool take_drop_request() { return drop_requested_.exchange(false, std::memory_order_acq_rel); }
  // A Logout-style drop disables the session (QuickFIX refuses Logons on a
  // disabled session); onLogout re-enables it so the peer can reconnect.
  void reenable_after_logout() { reenable_.store(true, std::memory_order_release); }

  ExchangeStats stats() const;

  // Main thread: writes the working orders (OrdStatus New or PartiallyFilled),
  // one a line, to `path` through a temporary file and a rename, so a reader
  // never sees half a book. Returns how many were written. Throws
  // std::runtime_error when the file cannot be written.
  std::size_t write_book(const std::string& path) const;
  std::size_t working_orders() const;

 private:
  struct Order {
    std::string session;  // SessionID::toString(): orders are per session
    std::string order_id;
    std::string clordid;  // latest ClOrdID (changes on cancel/replace)
    std::string account;
    std::string symbol;
    char side = '1';
    char ord_type = '2';
    std::int64_t qty = 0;
    std::int64_t cum = 0;
    double price = 0;
    double avg_px = 0;
    char status = '0';  // OrdStatus
    bool has_account = false;
  };
  // kStatus: the answer to an OrderStatusRequest (35=H).
  enum class Exec { kNew, kFill, kCanceled, kReplaced, kRejected, kStatus };
  // On the book: New or PartiallyFilled (the only live states this venue has).
  static bool is_working(const Order& o) { return o.status == '0' || o.status == '1'; }

  void on_new_order(const FIX::Message&, const FIX::SessionID&);
  void on_cancel(const FIX::Message&, const FIX::SessionID&);
  void on_replace(const FIX::Message&, const FIX::SessionID&);
  void on_mass_cancel(const FIX::Message&, const FIX::SessionID&);
  void on_status_request(const FIX::Message&, const FIX::SessionID&);
  void on_mass_status_request(const FIX::Message&, const FIX::SessionID&);

  Order* find(const FIX::SessionID& sid, const std::string& clordid);
  // `extra`: more body fields (tag, value), e.g. a mass status answer's.
  void send_exec(const FIX::SessionID&, const Order&, Exec, std::int64_t last_qty,
                 const std::string& orig_clordid, const std::string& text, int rej_reason,
                 const std::vector<std::pair<int, std::string>>& extra = {});
  void send_cancel_reject(const FIX::SessionID&, const Order* order, const std::string& clordid,
                          const std::string& orig_clordid, char response_to, int reason,
                          const std::string& text);
  // Whether the session exists (the message then has a MsgSeqNum and is in
  // the store, sent now or on a ResendRequest).
  bool send(FIX::Message&, const FIX::SessionID&);
  void note_logout_text(const char* direction, const std::string& text);
  std::string next_exec_id() { return "X" + std::to_string(++exec_seq_); }
  bool is_fix42() const { return options_.begin_string == "FIX.4.2"; }

  ExchangeOptions options_;
  mutable std::mutex mu_;  // guards everything below against the main thread's stats()
  std::vector<Order> orders_;
  std::map<std::string, std::size_t> by_clordid_;  // session + '|' + ClOrdID -> orders_ index
  // session + '|' + ClOrdID of every NewOrderSingle received, accepted or not.
  std::set<std::string> new_order_ids_;
  ExchangeStats stats_;
  std::int64_t exec_seq_ = 0;
  std::int64_t app_sent_ = 0;
  bool gap_done_ = false;
  bool drop_done_ = false;
  // Written by the QuickFIX thread, consumed by the main loop; acq_rel/acquire
  // so nothing else needs to be published with them (they carry no data).
  std::atomic<bool> drop_requested_{false};
  std::atomic<bool> reenable_{false};
};

}  // namespace sim
}  // namespace riskgate
