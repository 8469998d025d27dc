#include "sim/engine/engine_app.hpp"

#include <quickfix/Session.h>

#include <cmath>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>

#include "sim/common/quickfix_support.hpp"

namespace riskgate {
namespace sim {

namespace {
constexpr int kClOrdID = 11, kCumQty = 14, kExecID = 17, kLastQty = 32, kMsgSeqNum = 34,
              kMsgType = 35, kNewSeqNo = 36, kOrdStatus = 39, kOrigClOrdID = 41, kPossDupFlag = 43,
              kRefSeqNum = 45, kText = 58, kPossResend = 97, kGapFillFlag = 123, kRefTagID = 371,
              kRefMsgType = 372, kSessionRejectReason = 373, kResetSeqNumFlag = 141,
              kExecType = 150, kLeavesQty = 151, kAppSystemName = 1603, kUsername = 553,
              kPassword = 554, kTradingSystemVersion = 1604, kAppSystemVendor = 1605,
              kRawDataLength = 95, kRawData = 96;
constexpr std::size_t kMaxRejectTexts = 10;
constexpr std::size_t kMaxSeqMappings = 4096;  // Bounds memory on unbounded runs.

bool flag_set(const FIX::FieldMap& map, int tag) {
  return map.isSetField(tag) && map.getField(tag) == "Y";
}

// QuickFIX's text when a peer's MsgSeqNum is lower than expected without
// PossDupFlag: "MsgSeqNum too low, expecting X but received Y".
bool says_seq_too_low(const std::string& text) {
  return text.find("MsgSeqNum too low") != std::string::npos;
}

std::int64_t get_int_or(const FIX::FieldMap& map, int tag, std::int64_t fallback) {
  if (!map.isSetField(tag)) return fallback;
  try {
    return std::stoll(map.getField(tag));
  } catch (const std::exception&) {
    return fallback;
  }
}
}  // namespace

std::string read_attestation_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw std::runtime_error("cannot read attestation " + path);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    throw std::runtime_error("attestation file " + path + " starts with an empty line");
  return line;
}

EngineApp::EngineApp(EngineIdentity identity, bool reset_on_logon,
                     std::shared_ptr<LineFile> exec_log)
    : identity_(std::move(identity)),
      reset_on_logon_(reset_on_logon),
      exec_log_(std::move(exec_log)) {}

void EngineApp::bump(std::int64_t EngineStats::*counter) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(stats_.*counter);
}

EngineStats EngineApp::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EngineStats s = stats_;
  for (const auto& kv : orders_) {
    if (kv.second.state != State::kPendingNew) continue;
    ++s.unanswered;
    if (s.unanswered_ids.size() < kMaxRejectTexts) s.unanswered_ids.push_back(kv.first);
  }
  return s;
}

std::int64_t EngineApp::extra_responses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return extra_responses_;
}

void EngineApp::onLogon(const FIX::SessionID& sid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.logons;
    ever_logged_on_ = true;
  }
  logged_on_.store(true, std::memory_order_release);
  say("engine-sim logon " + sid.toString());
}

void EngineApp::onLogout(const FIX::SessionID& sid) {
  const bool was = logged_on_.exchange(false, std::memory_order_acq_rel);
  if (was) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.logouts;
  }
  say("engine-sim logout " + sid.toString());
}

void EngineApp::toAdmin(FIX::Message& msg, const FIX::SessionID&) {
  const std::string& type = msg.getHeader().getField(kMsgType);
  if (type == "A") {
    if (!identity_.app_name.empty()) msg.setField(kAppSystemName, identity_.app_name);
    if (!identity_.app_version.empty()) msg.setField(kTradingSystemVersion, identity_.app_version);
    if (!identity_.app_vendor.empty()) msg.setField(kAppSystemVendor, identity_.app_vendor);
    if (!identity_.build_digest.empty()) {
      msg.setField(identity_.build_digest_tag, identity_.build_digest);
    }
    if (!identity_.username.empty()) msg.setField(kUsername, identity_.username);
    if (!identity_.password.empty()) msg.setField(kPassword, identity_.password);
    if (!identity_.attestation.empty()) {
      msg.setField(kRawDataLength, std::to_string(identity_.attestation.size()));
      msg.setField(kRawData, identity_.attestation);
    }
    if (reset_on_logon_) msg.setField(kResetSeqNumFlag, "Y");
  } else if (type == "2") {
    bump(&EngineStats::resend_requests_sent);
  } else if (type == "5") {
    // QuickFIX's own Logouts pass here too, e.g. the answer to a peer's Logon
    // whose MsgSeqNum is too low.
    note_logout_text("sent", get_string_or(msg, kText, ""));
  }
}

void EngineApp::note_logout_text(const char* direction, const std::string& text) {
  if (text.empty()) return;
  if (says_seq_too_low(text)) bump(&EngineStats::seq_too_low);
  say(std::string("engine-sim logout_") + direction + ": text=" + quoted(text));
}

void EngineApp::toApp(FIX::Message& msg, const FIX::SessionID&) throw(FIX::DoNotSend) {
  // QuickFIX has filled the header (MsgSeqNum included) before calling this.
  const FIX::FieldMap& h = msg.getHeader();
  if (!msg.isSetField(kClOrdID) || !h.isSetField(kMsgSeqNum)) return;
  const std::int64_t seq = get_int_or(h, kMsgSeqNum, 0);
  std::lock_guard<std::mutex> lock(mu_);
  if (seq_to_clordid_.size() >= kMaxSeqMappings) seq_to_clordid_.erase(seq_to_clordid_.begin());
  seq_to_clordid_[seq] = msg.getField(kClOrdID);
}

void EngineApp::fromAdmin(const FIX::Message& msg,
                          const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                       FIX::IncorrectTagValue, FIX::RejectLogon) {
  const std::string& type = msg.getHeader().getField(kMsgType);
  const std::string text = get_string_or(msg, kText, "");
  if (type == "5") note_logout_text("received", text);
  const std::string seq = get_string_or(msg.getHeader(), kMsgSeqNum, "?");
  if (type == "A" && flag_set(msg, kResetSeqNumFlag) && !reset_on_logon_) {
    bump(&EngineStats::reset_logons);
    say("engine-sim reset_logon: seq=" + seq);
  } else if (type == "4" && !flag_set(msg, kGapFillFlag)) {
    bump(&EngineStats::seq_resets);
    say("engine-sim seq_reset: seq=" + seq + " new_seq=" + get_string_or(msg, kNewSeqNo, "?"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (type == "5") {
    // Our own Logout at exit is answered without Text; keep the peer's reason.
    if (!text.empty()) stats_.logout_text = text;
    if (!ever_logged_on_) {
      stats_.logon_refused = true;
      refused_.store(true, std::memory_order_release);
    }
  } else if (type == "3") {
    ++stats_.session_rejects;
    note_reject_text("session reject: " + text, false);
    SessionReject r;
    r.ref_seq = get_int_or(msg, kRefSeqNum, 0);
    r.ref_tag = get_int_or(msg, kRefTagID, 0);
    r.reason = get_int_or(msg, kSessionRejectReason, -1);
    r.ref_msg_type = get_string_or(msg, kRefMsgType, "");
    r.text = text;
    const auto it = seq_to_clordid_.find(r.ref_seq);
    if (it != seq_to_clordid_.end()) {
      r.clordid = it->second;
      // Refused whole: the order will get no other answer.
      if (Order* o = find(r.clordid)) {
        if (o->state == State::kPendingNew) o->state = State::kRejected;
      }
    }
    if (stats_.session_reject_details.size() < kMaxRejectTexts) {
      stats_.session_reject_details.push_back(r);
    }
  } else if (type == "2") {
    ++stats_.resend_requests_received;
  }
}

EngineApp::Order* EngineApp::find(const std::string& clordid) {
  auto it = orders_.find(clordid);
  if (it != orders_.end()) return &it->second;
  auto alias = aliases_.find(clordid);
  if (alias == aliases_.end()) return nullptr;
  it = orders_.find(alias->second);
  return it == orders_.end() ? nullptr : &it->second;
}

void EngineApp::note_reject_text(const std::string& text, bool rule_histogram) {
  if (stats_.reject_texts.size() < kMaxRejectTexts) stats_.reject_texts.push_back(text);
  if (rule_histogram) {
    const auto colon = text.find(':');
    ++stats_.reject_rules[colon == std::string::npos ? text : text.substr(0, colon)];
  }
}

void EngineApp::fromApp(const FIX::Message& msg,
                        const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                     FIX::IncorrectTagValue,
                                                     FIX::UnsupportedMessageType) {
  const std::string& type = msg.getHeader().getField(kMsgType);
  const std::string text = get_string_or(msg, kText, "");
  std::lock_guard<std::mutex> lock(mu_);
  if (type == "9") {
    ++stats_.cancel_rejects;
    ++extra_responses_;
    note_reject_text("cancel reject: " + text, false);
    return;
  }
  if (type == "j") {
    ++stats_.business_rejects;
    ++extra_responses_;
    note_reject_text("business reject: " + text, false);
    return;
  }
  if (type == "r") {
    ++stats_.mass_cancel_reports;
    ++extra_responses_;
    return;
  }
  if (type != "8") throw FIX::UnsupportedMessageType();
  if (exec_log_) log_exec(msg);

  const std::string& exec_type = msg.getField(kExecType);
  const std::string& ord_status = msg.getField(kOrdStatus);
  Order* o = find(msg.getField(kClOrdID));
  if (o == nullptr && msg.isSetField(kOrigClOrdID)) o = find(msg.getField(kOrigClOrdID));
  if (o == nullptr) ++stats_.unknown_reports;
  const char et = exec_type.empty() ? '?' : exec_type[0];
  switch (et) {
    case '0':
      ++stats_.acked;
      if (o != nullptr && o->state == State::kPendingNew) {
        o->state = State::kWorking;
        o->acked_at = std::chrono::steady_clock::now();
        working_since_.emplace(o->acked_at, o->clordid);
      }
      break;
    case '1':
    case '2':
    case 'F': {
      const auto last = static_cast<std::int64_t>(std::llround(get_double(msg, kLastQty)));
      stats_.filled_shares += last;
      if (ord_status == "2") {
        ++stats_.filled_orders;
        if (o != nullptr) o->state = State::kFilled;
      } else {
        ++stats_.partial_fills;
        if (o != nullptr && o->state == State::kPendingNew) {
          // No ack seen: acked_at stays at the epoch, so it is due for a
          // cancel at once.
          o->state = State::kWorking;
          working_since_.emplace(o->acked_at, o->clordid);
        }
      }
      break;
    }
    case '8':
      ++stats_.rejected;
      note_reject_text(text, true);
      if (o != nullptr) o->state = State::kRejected;
      break;
    case '4':
      ++stats_.canceled;
      if (o != nullptr) o->state = State::kCanceled;
      break;
    case '5':
      ++stats_.replaced;
      break;
    case 'C':
      ++stats_.expired;
      if (o != nullptr) o->state = State::kCanceled;
      break;
    default:
      break;
  }
}

void EngineApp::log_exec(const FIX::Message& msg) {
  const FIX::FieldMap& h = msg.getHeader();
  std::string line = "exec: exec_id=" + get_string_or(msg, kExecID, "?") +
                     " seq=" + get_string_or(h, kMsgSeqNum, "?") +
                     " clordid=" + get_string_or(msg, kClOrdID, "?");
  if (msg.isSetField(kOrigClOrdID)) line += " orig_clordid=" + msg.getField(kOrigClOrdID);
  line += " exec_type=" + get_string_or(msg, kExecType, "?") +
          " ord_status=" + get_string_or(msg, kOrdStatus, "?") +
          " cum_qty=" + get_string_or(msg, kCumQty, "?") +
          " leaves_qty=" + get_string_or(msg, kLeavesQty, "?") +
          " poss_dup=" + (flag_set(h, kPossDupFlag) ? "Y" : "N") +
          " poss_resend=" + (flag_set(h, kPossResend) ? "Y" : "N");
  exec_log_->write(line);
}

void EngineApp::register_order(const std::string& clordid, std::int64_t qty,
                               const std::string& symbol, char side) {
  std::lock_guard<std::mutex> lock(mu_);
  Order o;
  o.clordid = clordid;
  o.qty = qty;
  o.symbol = symbol;
  o.side = side;
  orders_[clordid] = o;
}

void EngineApp::forget_order(const std::string& clordid) {
  std::lock_guard<std::mutex> lock(mu_);
  orders_.erase(clordid);
}

void EngineApp::note_cancel_sent(const std::string& orig, const std::string& cancel_clordid) {
  std::lock_guard<std::mutex> lock(mu_);
  aliases_[cancel_clordid] = orig;
  ++stats_.cancels_sent;
}

std::vector<EngineApp::CancelTarget> EngineApp::due_for_cancel(std::chrono::milliseconds age) {
  std::vector<CancelTarget> out;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = working_since_.begin(); it != working_since_.end() && now - it->first >= age;
       it = working_since_.erase(it)) {
    auto found = orders_.find(it->second);
    if (found == orders_.end()) continue;
    Order& o = found->second;
    if (o.state != State::kWorking || o.cancel_sent) continue;
    o.cancel_sent = true;
    out.push_back(CancelTarget{found->first, o.symbol, o.side, o.qty});
  }
  return out;
}

bool EngineApp::settled(bool working_counts) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& kv : orders_) {
    if (kv.second.state == State::kPendingNew) return false;
    if (working_counts && kv.second.state == State::kWorking) return false;
  }
  return true;
}

}  // namespace sim
}  // namespace riskgate
