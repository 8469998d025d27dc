// engine-sim's QuickFIX application: tracks the orders the main thread sends
// and counts what comes back.
//
// Threading: QuickFIX's SocketInitiator calls the callbacks on its own thread
// while holding the session's mutex; the main thread sends. To keep one lock
// order, the main thread never calls into QuickFIX while holding mu_.
#pragma once

#include <quickfix/Application.h>
#include <quickfix/Message.h>
#include <quickfix/SessionID.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/common/quickfix_support.hpp"

namespace riskgate {
namespace sim {

struct EngineIdentity {
  // Empty = do not send that tag on Logon.
  std::string app_name;     // 1603 ApplicationSystemName
  std::string app_version;  // 1604 TradingSystemVersion
  std::string app_vendor;   // 1605 ApplicationSystemVendor
  std::string build_digest;
  int build_digest_tag = 9001;
  std::string username;  // 553 Username
  std::string password;  // 554 Password
  // A release attestation (riskgatectl attest), sent as RawData(96) with
  // RawDataLength(95). Empty = none.
  std::string attestation;
};

// The attestation in `path`: its first line, without the line end. Throws
// std::runtime_error if the file cannot be read or its first line is empty.
std::string read_attestation_file(const std::string& path);

// A session-level Reject (35=3) as received, with the ClOrdID of the message
// it refers to when that was one of ours (matched by RefSeqNum).
struct SessionReject {
  std::int64_t ref_seq = 0;  // 45 RefSeqNum
  std::int64_t ref_tag = 0;  // 371 RefTagID (0 = absent)
  std::int64_t reason = -1;  // 373 SessionRejectReason (-1 = absent)
  std::string ref_msg_type;  // 372 RefMsgType
  std::string clordid;       // of the message sent with MsgSeqNum == ref_seq
  std::string text;          // 58
};

struct EngineStats {
  std::int64_t sent = 0;
  std::int64_t send_failed = 0;  // not logged on when the order was due
  std::int64_t acked = 0;
  std::int64_t filled_orders = 0;
  std::int64_t filled_shares = 0;
  std::int64_t partial_fills = 0;
  std::int64_t rejected = 0;
  std::int64_t canceled = 0;
  std::int64_t replaced = 0;
  std::int64_t expired = 0;
  std::int64_t cancels_sent = 0;
  std::int64_t cancel_rejects = 0;
  std::int64_t business_rejects = 0;
  std::int64_t session_rejects = 0;
  std::int64_t mass_cancel_reports = 0;
  // ExecutionReports whose ClOrdID (and OrigClOrdID) this run never sent:
  // a gateway that misroutes another engine's reports shows up here.
  std::int64_t unknown_reports = 0;
  std::int64_t logons = 0;
  std::int64_t logouts = 0;
  bool logon_refused = false;
  std::int64_t resend_requests_sent = 0;
  std::int64_t resend_requests_received = 0;
  // Sequence numbers the peer reset instead of resuming: a Logon with
  // ResetSeqNumFlag(141)=Y that this engine did not ask for
  // (--reset-on-logon), a SequenceReset(35=4) without GapFillFlag=Y.
  std::int64_t reset_logons = 0;
  std::int64_t seq_resets = 0;
  // Logouts sent or received whose Text says "MsgSeqNum too low": a peer
  // that restarted its sequence numbers without a reset.
  std::int64_t seq_too_low = 0;
  // Orders sent that have had no answer yet (no ack, fill, reject or session
  // Reject): at the end of a run, orders lost between the engine and the
  // venue. Computed by stats(), with the first few ClOrdIDs.
  std::int64_t unanswered = 0;
  std::vector<std::string> unanswered_ids;
  std::string logout_text;                // Text of the last Logout received that had one
  std::vector<std::string> reject_texts;  // first few ExecType=8 / 35=9 / 35=j / 35=3 texts
  std::map<std::string, std::int64_t> reject_rules;   // text before the first ':' -> count
  std::vector<SessionReject> session_reject_details;  // the first few 35=3 received
};

class EngineApp : public FIX::Application {
 public:
  enum class State { kPendingNew, kWorking, kFilled, kRejected, kCanceled };

  // `exec_log` (may be null): one line per ExecutionReport received.
  EngineApp(EngineIdentity identity, bool reset_on_logon,
            std::shared_ptr<LineFile> exec_log = nullptr);

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override;
  void onLogout(const FIX::SessionID&) override;
  void toAdmin(FIX::Message&, const FIX::SessionID&) override;
  // Records the MsgSeqNum each order goes out with, so a session Reject's
  // RefSeqNum names the order it refused.
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override;
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override;
  void fromApp(const FIX::Message&,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override;

  // Main thread. Call before sending so a fast ack always finds its order.
  void register_order(const std::string& clordid, std::int64_t qty, const std::string& symbol,
                      char side);
  void forget_order(const std::string& clordid);  // the send failed
  void note_sent() { bump(&EngineStats::sent); }
  void note_send_failed() { bump(&EngineStats::send_failed); }
  void note_cancel_sent(const std::string& orig, const std::string& cancel_clordid);

  struct CancelTarget {
    std::string clordid, symbol;
    char side;
    std::int64_t qty;
  };
  // Working orders acked at least `age` ago with no cancel sent yet; marks them.
  std::vector<CancelTarget> due_for_cancel(std::chrono::milliseconds age);
  // No order awaits its first answer; with `working_counts`, none is still working.
  bool settled(bool working_counts) const;
  std::int64_t extra_responses() const;  // 35=9, 35=j and 35=r received

  bool logged_on() const { return logged_on_.load(std::memory_order_acquire); }
  bool logon_refused() const { return refused_.load(std::memory_order_acquire); }
  EngineStats stats() const;

 private:
  struct Order {
    std::string clordid;  // its key in orders_
    std::int64_t qty = 0;
    std::string symbol;
    char side = '1';
    State state = State::kPendingNew;
    std::chrono::steady_clock::time_point acked_at;
    bool cancel_sent = false;
  };
  void bump(std::int64_t EngineStats::*counter);
  void note_reject_text(const std::string& text, bool rule_histogram);
  void note_logout_text(const char* direction, const std::string& text);
  void log_exec(const FIX::Message& msg);
  Order* find(const std::string& clordid);

  EngineIdentity identity_;
  bool reset_on_logon_;
  std::shared_ptr<LineFile> exec_log_;
  mutable std::mutex mu_;
  std::map<std::string, Order> orders_;
  // Working orders by ack time, for due_for_cancel(): a long run holds many
  // done orders, and scanning them all for every order sent would grow
  // without bound. Entries of orders no longer working are dropped lazily.
  std::multimap<std::chrono::steady_clock::time_point, std::string> working_since_;
  std::map<std::string, std::string> aliases_;          // cancel ClOrdID -> original ClOrdID
  std::map<std::int64_t, std::string> seq_to_clordid_;  // outbound MsgSeqNum -> ClOrdID
  EngineStats stats_;
  std::int64_t extra_responses_ = 0;
  // Written on the QuickFIX thread; release pairs with the acquire loads above.
  std::atomic<bool> logged_on_{false};
  std::atomic<bool> refused_{false};
  bool ever_logged_on_ = false;  // guarded by mu_
};

}  // namespace sim
}  // namespace riskgate
