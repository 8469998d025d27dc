#include "gateway/audit/audit_record.hpp"

namespace riskgate::audit {

std::string_view to_string(AuditEvent e) noexcept {
  switch (e) {
    case AuditEvent::kOrderRefused:
      return "order_refused";
    case AuditEvent::kRetiredValue:
      return "retired_value";
    case AuditEvent::kLogonAccepted:
      return "logon_accepted";
    case AuditEvent::kLogonRefused:
      return "logon_refused";
    case AuditEvent::kLogonAcceptedKilled:
      return "logon_accepted_killed";
    case AuditEvent::kKillTripped:
      return "kill_tripped";
    case AuditEvent::kCancelSent:
      return "cancel_sent";
    case AuditEvent::kMassCancelSent:
      return "mass_cancel_sent";
    case AuditEvent::kFlowDisabled:
      return "flow_disabled";
    case AuditEvent::kSessionEvent:
      return "session_event";
    case AuditEvent::kOther:
      return "other";
    case AuditEvent::kFlowThrottled:
      return "flow_throttled";
    case AuditEvent::kMessageRejected:
      return "message_rejected";
    case AuditEvent::kReportAnomaly:
      return "report_anomaly";
    case AuditEvent::kExchangeReject:
      return "exchange_reject";
    case AuditEvent::kTradingDayRolled:
      return "trading_day_rolled";
    case AuditEvent::kTradeCorrected:
      return "trade_corrected";
  }
  return "unknown";
}

}  // namespace riskgate::audit
