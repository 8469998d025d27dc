#include "sim/exchange/exchange_app.hpp"

#include <quickfix/FieldConvertors.h>
#include <quickfix/FieldTypes.h>
#include <quickfix/Session.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace riskgate {
namespace sim {

namespace {
// Tag numbers used here, spelled out once (no data dictionary is installed).
constexpr int kAccount = 1, kAvgPx = 6, kClOrdID = 11, kCumQty = 14, kExecID = 17,
              kExecTransType = 20, kLastPx = 31, kLastQty = 32, kMsgType = 35, kOrderID = 37,
              kOrderQty = 38, kOrdStatus = 39, kOrdType = 40, kOrigClOrdID = 41, kPrice = 44,
              kSide = 54, kSymbol = 55, kText = 58, kTransactTime = 60, kCxlRejReason = 102,
              kOrdRejReason = 103, kExecType = 150, kLeavesQty = 151, kCxlRejResponseTo = 434,
              kMassCancelRequestType = 530, kMassCancelResponse = 531, kTotalAffectedOrders = 533,
              kMsgSeqNum = 34, kPossDupFlag = 43, kPossResend = 97, kGapFillFlag = 123,
              kNewSeqNo = 36, kResetSeqNumFlag = 141, kMassStatusReqID = 584, kTotNumReports = 911,
              kLastRptRequested = 912;

std::string now_utc() {
  return FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3);
}

char single_char(const FIX::FieldMap& map, int tag) {
  const std::string& v = map.getField(tag);
  if (v.size() != 1) throw FIX::IncorrectTagValue(tag);
  return v[0];
}

bool terminal(char ord_status) {
  return ord_status == '2' || ord_status == '4' || ord_status == '8';
}

bool flag_set(const FIX::FieldMap& map, int tag) {
  return map.isSetField(tag) && map.getField(tag) == "Y";
}

// QuickFIX's text when a peer's MsgSeqNum is lower than expected without
// PossDupFlag: "MsgSeqNum too low, expecting X but received Y".
bool says_seq_too_low(const std::string& text) {
  return text.find("MsgSeqNum too low") != std::string::npos;
}
}  // namespace

ExchangeApp::ExchangeApp(ExchangeOptions options) : options_(std::move(options)) {}

void ExchangeApp::onLogon(const FIX::SessionID& sid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.logons;
  }
  say("exchange-sim logon " + sid.toString());
}

void ExchangeApp::onLogout(const FIX::SessionID& sid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.logouts;
  }
  if (reenable_.exchange(false, std::memory_order_acq_rel)) {
    if (FIX::Session* s = FIX::Session::lookupSession(sid)) s->logon();
  }
  say("exchange-sim logout " + sid.toString());
}

ExchangeStats ExchangeApp::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void ExchangeApp::note_logout_text(const char* direction, const std::string& text) {
  if (text.empty()) return;
  if (says_seq_too_low(text)) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.seq_too_low;
  }
  say(std::string("exchange-sim logout_") + direction + ": text=" + quoted(text));
}

void ExchangeApp::toAdmin(FIX::Message& msg, const FIX::SessionID&) {
  if (msg.getHeader().getField(kMsgType) == "5") {
    note_logout_text("sent", get_string_or(msg, kText, ""));
  }
}

void ExchangeApp::fromAdmin(const FIX::Message& msg, const FIX::SessionID& sid) throw(
    FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) {
  const std::string& type = msg.getHeader().getField(kMsgType);
  const std::string seq = get_string_or(msg.getHeader(), kMsgSeqNum, "?");
  if (type == "A" && flag_set(msg, kResetSeqNumFlag)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.reset_logons;
    }
    say("exchange-sim reset_logon: session=" + sid.toString() + " seq=" + seq);
  } else if (type == "4" && !flag_set(msg, kGapFillFlag)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.seq_resets;
    }
    say("exchange-sim seq_reset: session=" + sid.toString() + " seq=" + seq +
        " new_seq=" + get_string_or(msg, kNewSeqNo, "?"));
  } else if (type == "5") {
    note_logout_text("received", get_string_or(msg, kText, ""));
  }
}

std::size_t ExchangeApp::working_orders() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = 0;
  for (const Order& o : orders_) n += is_working(o) ? 1 : 0;
  return n;
}

std::size_t ExchangeApp::write_book(const std::string& path) const {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Order& o : orders_) {
      if (!is_working(o)) continue;
      lines.push_back("order: clordid=" + o.clordid + " order_id=" + o.order_id +
                      " side=" + std::string(1, o.side) + " symbol=" + o.symbol +
                      " order_qty=" + format_qty(o.qty) + " cum_qty=" + format_qty(o.cum) +
                      " leaves_qty=" + format_qty(o.qty - o.cum) +
                      " price=" + format_price(o.price));
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines) out << l << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
  return lines.size();
}

void ExchangeApp::fromApp(const FIX::Message& msg,
                          const FIX::SessionID& sid) throw(FIX::FieldNotFound,
                                                           FIX::IncorrectDataFormat,
                                                           FIX::IncorrectTagValue,
                                                           FIX::UnsupportedMessageType) {
  const std::string& type = msg.getHeader().getField(kMsgType);
  std::lock_guard<std::mutex> lock(mu_);
  if (type == "D") {
    on_new_order(msg, sid);
  } else if (type == "F") {
    on_cancel(msg, sid);
  } else if (type == "G") {
    on_replace(msg, sid);
  } else if (type == "q" && options_.mass_cancel) {
    on_mass_cancel(msg, sid);
  } else if (type == "H") {
    on_status_request(msg, sid);
  } else if (type == "AF" && !is_fix42()) {
    on_mass_status_request(msg, sid);
  } else {
    // QuickFIX answers this with BusinessMessageReject, BusinessRejectReason=3.
    throw FIX::UnsupportedMessageType();
  }
}

ExchangeApp::Order* ExchangeApp::find(const FIX::SessionID& sid, const std::string& clordid) {
  auto it = by_clordid_.find(sid.toString() + '|' + clordid);
  return it == by_clordid_.end() ? nullptr : &orders_[it->second];
}

void ExchangeApp::on_new_order(const FIX::Message& msg, const FIX::SessionID& sid) {
  Order o;
  o.session = sid.toString();
  o.clordid = msg.getField(kClOrdID);
  o.symbol = msg.getField(kSymbol);
  o.side = single_char(msg, kSide);
  o.ord_type = single_char(msg, kOrdType);
  o.has_account = msg.isSetField(kAccount);
  if (o.has_account) o.account = msg.getField(kAccount);
  const double qty = get_double(msg, kOrderQty);
  o.qty = static_cast<std::int64_t>(std::llround(qty));
  if (o.ord_type == '2' || msg.isSetField(kPrice)) {
    o.price = get_double(msg, kPrice);
  } else {
    auto ref = options_.ref_prices.find(o.symbol);
    o.price = ref == options_.ref_prices.end() ? 100.0 : ref->second;
  }
  ++stats_.orders;
  o.order_id = "O" + std::to_string(stats_.orders);
  // Counted before any verdict: a duplicate is the peer's fault whether or
  // not this venue would take it again.
  const bool duplicate = !new_order_ids_.insert(o.session + '|' + o.clordid).second;

  // Every order gets exactly one answer first: New or Rejected.
  std::string reject;
  int rej_reason = 0;  // 0 = broker/exchange option
  if (o.qty <= 0) {
    reject = "exchange_invalid_qty: OrderQty must be positive";
  } else if (find(sid, o.clordid) != nullptr) {
    reject = "exchange_duplicate_clordid: " + o.clordid + " already used on this session";
    rej_reason = 6;  // duplicate order
  } else if (options_.fill_model.reject_every > 0 &&
             stats_.orders % options_.fill_model.reject_every == 0) {
    reject =
        "exchange_reject_every: order " + std::to_string(stats_.orders) +
        " rejected by fill model reject-every:" + std::to_string(options_.fill_model.reject_every);
  }
  if (duplicate) {
    ++stats_.duplicate_orders;
    if (reject.empty()) ++stats_.duplicates_accepted;
    const FIX::FieldMap& h = msg.getHeader();
    say("exchange-sim duplicate_order: clordid=" + o.clordid + " seq=" +
        get_string_or(h, kMsgSeqNum, "?") + " poss_dup=" + (flag_set(h, kPossDupFlag) ? "Y" : "N") +
        " poss_resend=" + (flag_set(h, kPossResend) ? "Y" : "N") +
        " accepted=" + (reject.empty() ? "1" : "0"));
  }
  if (!reject.empty()) {
    o.status = '8';
    ++stats_.rejected;
    send_exec(sid, o, Exec::kRejected, 0, "", reject, rej_reason);
  } else {
    orders_.push_back(o);
    by_clordid_[o.session + '|' + o.clordid] = orders_.size() - 1;
    Order& live = orders_.back();
    ++stats_.acked;
    send_exec(sid, live, Exec::kNew, 0, "", "", -1);
    for (std::int64_t piece : fill_sizes(options_.fill_model, live.qty, stats_.orders)) {
      live.avg_px =
          (live.avg_px * static_cast<double>(live.cum) + live.price * static_cast<double>(piece)) /
          static_cast<double>(live.cum + piece);
      live.cum += piece;
      live.status = live.cum >= live.qty ? '2' : '1';
      stats_.filled_qty += piece;
      if (live.status == '2') {
        ++stats_.filled_orders;
      } else {
        ++stats_.partial_fills;
      }
      send_exec(sid, live, Exec::kFill, piece, "", "", -1);
    }
  }

  if (options_.drop_after > 0 && !drop_done_ && stats_.orders >= options_.drop_after) {
    drop_done_ = true;
    // Release pairs with the acquire in take_drop_request(); only the flag matters.
    drop_requested_.store(true, std::memory_order_release);
  }
}

void ExchangeApp::on_cancel(const FIX::Message& msg, const FIX::SessionID& sid) {
  const std::string clordid = msg.getField(kClOrdID);
  const std::string orig = msg.getField(kOrigClOrdID);
  Order* o = find(sid, orig);
  if (o == nullptr) {
    ++stats_.cancel_rejects;
    send_cancel_reject(sid, nullptr, clordid, orig, '1', 1, "exchange_unknown_order: " + orig);
    return;
  }
  if (terminal(o->status)) {
    ++stats_.cancel_rejects;
    send_cancel_reject(sid, o, clordid, orig, '1', 0, "exchange_too_late: order is done");
    return;
  }
  o->status = '4';
  o->clordid = clordid;
  by_clordid_[o->session + '|' + clordid] = static_cast<std::size_t>(o - orders_.data());
  ++stats_.canceled;
  send_exec(sid, *o, Exec::kCanceled, 0, orig, "", -1);
}

void ExchangeApp::on_replace(const FIX::Message& msg, const FIX::SessionID& sid) {
  const std::string clordid = msg.getField(kClOrdID);
  const std::string orig = msg.getField(kOrigClOrdID);
  const auto new_qty = static_cast<std::int64_t>(std::llround(get_double(msg, kOrderQty)));
  Order* o = find(sid, orig);
  if (o == nullptr) {
    ++stats_.cancel_rejects;
    send_cancel_reject(sid, nullptr, clordid, orig, '2', 1, "exchange_unknown_order: " + orig);
    return;
  }
  if (terminal(o->status) || new_qty <= o->cum) {
    ++stats_.cancel_rejects;
    send_cancel_reject(sid, o, clordid, orig, '2', 0,
                       "exchange_too_late: order is done or new qty <= cum qty");
    return;
  }
  o->qty = new_qty;
  if (msg.isSetField(kPrice)) o->price = get_double(msg, kPrice);
  o->clordid = clordid;
  by_clordid_[o->session + '|' + clordid] = static_cast<std::size_t>(o - orders_.data());
  ++stats_.replaced;
  send_exec(sid, *o, Exec::kReplaced, 0, orig, "", -1);
}

void ExchangeApp::on_mass_cancel(const FIX::Message& msg, const FIX::SessionID& sid) {
  const std::string clordid = msg.getField(kClOrdID);
  const std::string type = msg.getField(kMassCancelRequestType);
  // 1 = by symbol, 7 = all orders; anything else is outside this venue's scope.
  const bool by_symbol = type == "1";
  if (!by_symbol && type != "7") throw FIX::IncorrectTagValue(kMassCancelRequestType);
  const std::string symbol = by_symbol ? msg.getField(kSymbol) : "";
  const std::string session = sid.toString();
  std::int64_t affected = 0;
  for (Order& o : orders_) {
    if (o.session != session || terminal(o.status)) continue;
    if (by_symbol && o.symbol != symbol) continue;
    o.status = '4';
    ++affected;
    ++stats_.canceled;
    send_exec(sid, o, Exec::kCanceled, 0, o.clordid, "mass cancel " + clordid, -1);
  }
  ++stats_.mass_cancels;
  FIX::Message r;
  r.getHeader().setField(kMsgType, "r");
  r.setField(kClOrdID, clordid);
  r.setField(kOrderID, "MC" + std::to_string(stats_.mass_cancels));
  r.setField(kMassCancelRequestType, type);
  r.setField(kMassCancelResponse, type);  // response codes mirror the request types
  r.setField(kTotalAffectedOrders, std::to_string(affected));
  if (by_symbol) r.setField(kSymbol, symbol);
  send(r, sid);
}

// OrderStatusRequest: the order's state now, or, for a ClOrdID this venue
// does not know (any more), a rejected status with OrdRejReason 5 (unknown
// order), as FIX specifies.
void ExchangeApp::on_status_request(const FIX::Message& msg, const FIX::SessionID& sid) {
  ++stats_.status_requests;
  const std::string clordid = msg.getField(kClOrdID);
  if (const Order* o = find(sid, clordid)) {
    send_exec(sid, *o, Exec::kStatus, 0, "", "", -1);
    return;
  }
  Order unknown;
  unknown.order_id = "NONE";
  unknown.clordid = clordid;
  unknown.symbol = get_string_or(msg, kSymbol, "?");
  const std::string side = get_string_or(msg, kSide, "1");
  unknown.side = side.empty() ? '1' : side[0];
  unknown.status = '8';
  send_exec(sid, unknown, Exec::kStatus, 0, "", "unknown order", 5);
}

// OrderMassStatusRequest (FIX 4.4; this venue answers every request type
// with every order of the session): one ExecutionReport (ExecType I) per
// working order, each with the request's MassStatusReqID and TotNumReports,
// the last with LastRptRequested=Y. With no working order, one report that
// names none (no ClOrdID), TotNumReports=0.
void ExchangeApp::on_mass_status_request(const FIX::Message& msg, const FIX::SessionID& sid) {
  ++stats_.mass_status_requests;
  const std::string req = msg.getField(kMassStatusReqID);
  const std::string session = sid.toString();
  std::vector<std::size_t> working;
  for (std::size_t i = 0; i < orders_.size(); ++i)
    if (orders_[i].session == session && is_working(orders_[i])) working.push_back(i);
  const std::string total = std::to_string(working.size());
  if (working.empty()) {
    Order none;
    none.order_id = "NONE";
    none.symbol = "NONE";
    none.status = '8';
    send_exec(sid, none, Exec::kStatus, 0, "", "no working orders", -1,
              {{kMassStatusReqID, req}, {kTotNumReports, "0"}, {kLastRptRequested, "Y"}});
    return;
  }
  for (std::size_t k = 0; k < working.size(); ++k) {
    std::vector<std::pair<int, std::string>> extra{{kMassStatusReqID, req},
                                                   {kTotNumReports, total}};
    if (k + 1 == working.size()) extra.emplace_back(kLastRptRequested, "Y");
    send_exec(sid, orders_[working[k]], Exec::kStatus, 0, "", "", -1, extra);
  }
}

void ExchangeApp::send_exec(const FIX::SessionID& sid, const Order& o, Exec kind,
                            std::int64_t last_qty, const std::string& orig_clordid,
                            const std::string& text, int rej_reason,
                            const std::vector<std::pair<int, std::string>>& extra) {
  FIX::Message er;
  er.getHeader().setField(kMsgType, "8");
  char exec_type = '0';
  switch (kind) {
    case Exec::kNew:
      exec_type = '0';
      break;
    case Exec::kFill:
      // FIX 4.4 merged partial fill/fill into Trade (F); 4.2 still has 1 and 2.
      exec_type = is_fix42() ? (o.status == '2' ? '2' : '1') : 'F';
      break;
    case Exec::kCanceled:
      exec_type = '4';
      break;
    case Exec::kReplaced:
      exec_type = '5';
      break;
    case Exec::kRejected:
      exec_type = '8';
      break;
    case Exec::kStatus:
      // FIX 4.4: ExecType I (Order Status). FIX 4.2 has no I: ExecTransType
      // 3 (Status) with the order's current state as ExecType.
      exec_type = is_fix42() ? o.status : 'I';
      break;
  }
  er.setField(kOrderID, o.order_id);
  er.setField(kExecID, next_exec_id());
  if (is_fix42()) er.setField(kExecTransType, kind == Exec::kStatus ? "3" : "0");
  er.setField(kExecType, std::string(1, exec_type));
  er.setField(kOrdStatus, std::string(1, o.status));
  if (!o.clordid.empty()) er.setField(kClOrdID, o.clordid);
  if (!orig_clordid.empty()) er.setField(kOrigClOrdID, orig_clordid);
  if (o.has_account) er.setField(kAccount, o.account);
  er.setField(kSymbol, o.symbol);
  er.setField(kSide, std::string(1, o.side));
  er.setField(kOrdType, std::string(1, o.ord_type));
  er.setField(kOrderQty, format_qty(o.qty));
  if (o.ord_type == '2') er.setField(kPrice, format_price(o.price));
  const bool live = o.status == '0' || o.status == '1';
  er.setField(kLeavesQty, format_qty(live ? o.qty - o.cum : 0));
  er.setField(kCumQty, format_qty(o.cum));
  er.setField(kAvgPx, format_price(o.avg_px));
  if (last_qty > 0) {
    er.setField(kLastQty, format_qty(last_qty));
    er.setField(kLastPx, format_price(o.price));
  }
  er.setField(kTransactTime, now_utc());
  if (rej_reason >= 0) er.setField(kOrdRejReason, std::to_string(rej_reason));
  if (!text.empty()) er.setField(kText, text);
  for (const auto& f : extra) er.setField(f.first, f.second);
  if (!send(er, sid)) return;
  ++stats_.exec_reports;
  if (options_.exec_log) {
    // The header was filled in place by the send: 34 is the number it went
    // (or will be resent) with.
    std::string line = "exec: exec_id=" + er.getField(kExecID) +
                       " seq=" + get_string_or(er.getHeader(), kMsgSeqNum, "?") +
                       " clordid=" + o.clordid;
    if (!orig_clordid.empty()) line += " orig_clordid=" + orig_clordid;
    line += " exec_type=" + std::string(1, exec_type) + " ord_status=" + std::string(1, o.status) +
            " cum_qty=" + format_qty(o.cum) + " leaves_qty=" + er.getField(kLeavesQty);
    options_.exec_log->write(line);
  }
}

void ExchangeApp::send_cancel_reject(const FIX::SessionID& sid, const Order* order,
                                     const std::string& clordid, const std::string& orig_clordid,
                                     char response_to, int reason, const std::string& text) {
  FIX::Message r;
  r.getHeader().setField(kMsgType, "9");
  r.setField(kOrderID, order != nullptr ? order->order_id : "NONE");
  r.setField(kClOrdID, clordid);
  r.setField(kOrigClOrdID, orig_clordid);
  r.setField(kOrdStatus, std::string(1, order != nullptr ? order->status : '8'));
  r.setField(kCxlRejResponseTo, std::string(1, response_to));
  r.setField(kCxlRejReason, std::to_string(reason));
  r.setField(kText, text);
  if (order != nullptr && order->has_account) r.setField(kAccount, order->account);
  send(r, sid);
}

bool ExchangeApp::send(FIX::Message& msg, const FIX::SessionID& sid) {
  try {
    // false only says it did not reach the wire now; it is stored either way.
    (void)FIX::Session::sendToTarget(msg, sid);
  } catch (const FIX::SessionNotFound&) {
    return false;
  }
  ++app_sent_;
  if (options_.gap_after > 0 && !gap_done_ && app_sent_ >= options_.gap_after) {
    gap_done_ = true;
    if (const int skipped = skip_outbound_seq(sid)) {
      say("exchange-sim gap: skipped outbound MsgSeqNum " + std::to_string(skipped));
    }
  }
  return true;
}

}  // namespace sim
}  // namespace riskgate
