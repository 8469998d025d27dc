// Connections before their Logon (issue 10, item 4): admission against the
// pending caps, the hand-over to the session the Logon names, LogonTimeout
// for connections that never send one, and the once-a-second report of what
// the I/O thread counted instead of printing.
#include <algorithm>
#include <string>
#include <system_error>

#include "gateway/app/console.hpp"
#include "gateway/app/gateway.hpp"
#include "gateway/app/gateway_slot.hpp"
#include "gateway/codec/tags.hpp"

namespace riskgate::app {

namespace asio = boost::asio;
using detail::kClientTxCapacity;
using detail::kReportIntervalNs;

void Gateway::on_accept(asio::ip::tcp::socket s, std::int64_t logon_timeout_ns) {
  // A connection is anonymous until its Logon names the session.
  class Pending final : public net::ConnectionOwner {
   public:
    Pending(Gateway& gw, net::TcpConnection* c) : gw_(gw), c_(c) {}
    std::size_t on_bytes(std::string_view data) noexcept override {
      const auto f = codec::frame(data, gw_.pending_max_message_);
      if (f.status == codec::FrameStatus::kNeedMore) return 0;
      codec::Message m;
      Slot* target = nullptr;
      if (f.status == codec::FrameStatus::kMessage &&
          m.scan(f.message) == codec::ScanError::kNone && m.msg_type() == codec::msgtype::kLogon) {
        for (auto& s : gw_.slots_) {
          if (!s || !s->leg) continue;
          if (s->def->target_comp_id == m.get(codec::tag::kSenderCompID) &&
              s->def->sender_comp_id == m.get(codec::tag::kTargetCompID) && !s->conn)
            target = s.get();
        }
      }
      auto it = std::find_if(gw_.pending_.begin(), gw_.pending_.end(),
                             [&](auto& p) { return p.conn.get() == c_; });
      if (target == nullptr || it == gw_.pending_.end()) {
        // Counted, not printed: this is the I/O thread (report_io_events).
        gw_.io_events_.not_a_logon.fetch_add(1, std::memory_order_relaxed);
        c_->disconnect("unknown session");
        return data.size();
      }
      if (!gw_.address_allowed(*target, it->from)) {
        // Refused before the session sees the Logon: an engine from the
        // wrong host never gets a Logon answer, let alone a resend.
        gw_.audit_logon_refusal(target->def->name, it->from.to_string(),
                                EngineAuth::rule(EngineAuth::Verdict::kAddressNotAllowed),
                                EngineAuth::text(EngineAuth::Verdict::kAddressNotAllowed));
        c_->disconnect("address not allowed");
        return data.size();
      }
      auto owned = std::move(it->conn);
      gw_.limiter_->release(it->from);
      gw_.pending_.erase(it);
      Slot* slot = target;
      slot->attach(std::move(owned));
      slot->session->on_connected();
      delete this;  // Nothing of `this` is touched below.
      return slot->on_bytes(data);
    }
    void on_closed(std::string_view) noexcept override {
      auto it = std::find_if(gw_.pending_.begin(), gw_.pending_.end(),
                             [&](auto& p) { return p.conn.get() == c_; });
      if (it != gw_.pending_.end()) {
        gw_.limiter_->release(it->from);
        gw_.graveyard_.push_back(std::move(it->conn));
        gw_.pending_.erase(it);
      }
      delete this;
    }

   private:
    Gateway& gw_;
    net::TcpConnection* c_;
  };
  boost::system::error_code ec;
  const auto from = s.remote_endpoint(ec);
  if (ec) return;  // Already reset by the peer; the socket closes here.
  switch (limiter_->try_admit(from.address())) {
    case net::PendingLimiter::Verdict::kAdmitted:
      break;
    case net::PendingLimiter::Verdict::kOverTotal:
      io_events_.over_total.fetch_add(1, std::memory_order_relaxed);
      s.close(ec);  // Unread: a flood costs one accept and one close each.
      return;
    case net::PendingLimiter::Verdict::kOverAddress:
      io_events_.over_address.fetch_add(1, std::memory_order_relaxed);
      s.close(ec);
      return;
  }
  auto conn =
      std::make_unique<net::TcpConnection>(std::move(s), pending_rx_capacity_, kClientTxCapacity);
  auto* raw = conn.get();
  pending_.push_back(
      PendingConn{std::move(conn), from.address(), clock_->steady_ns() + logon_timeout_ns});
  raw->start(new Pending(*this, raw));
}

bool Gateway::address_allowed(const Slot& slot, const asio::ip::address& from) const noexcept {
  if (from.is_v4()) {
    const auto b = from.to_v4().to_bytes();
    return engine_auth_->check_address(slot.index, b) == EngineAuth::Verdict::kOk;
  }
  const auto b = from.to_v6().to_bytes();
  return engine_auth_->check_address(slot.index, b) == EngineAuth::Verdict::kOk;
}

void Gateway::audit_logon_refusal(std::string_view session, std::string_view peer,
                                  std::string_view rule, std::string_view text) noexcept {
  audit::AuditRecord r;
  r.utc_ns = clock_->utc_ns();
  r.event = audit::AuditEvent::kLogonRefused;
  audit::AuditRecord::set(r.session, session);
  audit::AuditRecord::set(r.rule, rule);
  // "peer <address>: <why>", built in place: this is the I/O thread.
  char buf[sizeof r.text];
  std::size_t n = 0;
  for (std::string_view part : {std::string_view("peer "), peer, std::string_view(": "), text})
    for (char c : part)
      if (n + 1 < sizeof buf) buf[n++] = c;
  audit::AuditRecord::set(r.text, std::string_view(buf, n));
  (void)producer_->try_record(r);
}

void Gateway::expire_pending() {
  if (pending_.empty()) return;
  const std::int64_t now = clock_->steady_ns();
  expired_.clear();
  for (auto& p : pending_)
    if (now >= p.deadline_ns && p.conn->open()) expired_.push_back(p.conn.get());
  // disconnect() may remove the entry from pending_ (Pending::on_closed), so
  // not while iterating it; the connection itself lives on in the graveyard.
  for (net::TcpConnection* c : expired_) {
    io_events_.logon_timeouts.fetch_add(1, std::memory_order_relaxed);
    c->disconnect("Logon timeout");
  }
}

void Gateway::report_io_events() {
  const std::int64_t now = clock_->steady_ns();
  if (now < next_report_ns_) return;
  next_report_ns_ = now + kReportIntervalNs;
  // One console line and one audit record per cause with news, at most once
  // per interval whatever the rate of the events themselves.
  auto report = [&](const std::atomic<std::uint64_t>& counter, std::uint64_t& seen,
                    const char* cause, const std::string& text) {
    const std::uint64_t total = counter.load(std::memory_order_relaxed);
    if (total == seen) return;
    const std::uint64_t n = total - seen;
    seen = total;
    log_warn("riskgate: " + std::to_string(n) + " " + text + " (" + std::to_string(total) +
             " since start)");
    audit_log_->record_control("connections_closed",
                               {{"cause", cause}, {"count", n}, {"total", total}});
  };
  report(io_events_.over_total, reported_.over_total, "max_pending_connections",
         "new connections closed unread: MaxPendingConnections (" +
             std::to_string(cfg_.gateway.max_pending_connections) + ") reached");
  report(io_events_.over_address, reported_.over_address, "max_pending_per_address",
         "new connections closed unread: MaxPendingPerAddress (" +
             std::to_string(cfg_.gateway.max_pending_per_address) + ") reached");
  report(io_events_.logon_timeouts, reported_.logon_timeouts, "logon_timeout",
         "connections closed: no Logon within LogonTimeout");
  report(io_events_.not_a_logon, reported_.not_a_logon, "not_a_logon",
         "connections refused: first message is not a Logon for a configured, free session");
  for (std::size_t i = 0; i < listeners_.size() && i < reported_.accept_errors.size(); ++i) {
    const std::uint64_t total = listeners_[i]->accept_errors();
    if (total == reported_.accept_errors[i]) continue;
    const std::uint64_t n = total - reported_.accept_errors[i];
    reported_.accept_errors[i] = total;
    const std::string why = std::system_category().message(listeners_[i]->last_accept_error());
    log_error("riskgate: accept on port " + std::to_string(listeners_[i]->port()) + " failed " +
              std::to_string(n) + " times (last: " + why + "); pausing accepts, up to 1 s");
    audit_log_->record_control(
        "accept_error",
        {{"port", listeners_[i]->port()}, {"count", n}, {"total", total}, {"error", why}});
  }
  for (auto& s : slots_) {
    if (!s || !s->connector) continue;
    const std::uint64_t total = s->connect_failures.load(std::memory_order_relaxed);
    if (total == s->reported_connect_failures) continue;
    const std::uint64_t n = total - s->reported_connect_failures;
    s->reported_connect_failures = total;
    const std::string why =
        std::system_category().message(s->last_connect_error.load(std::memory_order_relaxed));
    log_warn("riskgate: exchange session " + s->def->name + ": connect failed" +
             (n > 1 ? " " + std::to_string(n) + " times" : std::string()) + " (" + why +
             "), retrying in " + std::to_string(s->retry_ms.load(std::memory_order_relaxed)) +
             " ms");
  }
}

}  // namespace riskgate::app
