// One [[session]] of riskgate.toml as the session layer's settings. Shared by
// the gateway and the socket-free route harness (tests, micro-benchmarks), so
// both run sessions configured exactly alike.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "gateway/app/dictionaries.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::app {

// `dictionary`: the session's data dictionary (DictionarySet::for_session),
// null for none. `unknown`: [gateway] UnknownAppMessages, which decides what
// an engine leg does with a MsgType its dictionary does not define.
[[nodiscard]] inline session::SessionConfig session_config_for(
    const config::SessionDef& d, std::shared_ptr<const dict::Dictionary> dictionary = nullptr,
    config::UnknownAppMessages unknown = config::UnknownAppMessages::kReject) {
  session::SessionConfig sc;
  sc.begin_string = std::string(config::to_string(d.begin_string));
  sc.sender_comp_id = d.sender_comp_id;
  sc.target_comp_id = d.target_comp_id;
  sc.role = d.connection_type == config::ConnectionType::kAcceptor ? session::Role::kAcceptor
                                                                   : session::Role::kInitiator;
  sc.heart_bt_int_s = d.heart_bt_int;
  sc.max_latency_ms = static_cast<std::int64_t>(d.max_latency_s) * 1000;
  sc.check_latency = d.check_latency;
  sc.reset_on_logon = d.reset_on_logon;
  sc.resend_policy =
      d.resend_application ? session::ResendPolicy::kResend : session::ResendPolicy::kGapFill;
  // Engine legs keep what riskgate sends them while they are away (reports);
  // the exchange leg refuses orders instead (see SessionConfig).
  // Not with ResetOnLogon: the reset at the next Logon would drop them.
  sc.store_while_down =
      sc.role == session::Role::kAcceptor && d.resend_application && !d.reset_on_logon;
  sc.max_message_size = d.max_message_size;
  sc.logon_timeout_ms = static_cast<std::int64_t>(d.logon_timeout_s) * 1000;
  sc.logout_timeout_ms = static_cast<std::int64_t>(d.logout_timeout_s) * 1000;
  sc.resend_request_timeout_ms = static_cast<std::int64_t>(d.resend_request_timeout_s) * 1000;
  sc.dictionary = std::move(dictionary);
  sc.validation = validation_options(d);
  // 2q on engine legs: a type FIX does not define is refused at the session
  // unless such types are forwarded. The exchange leg leaves its venue's own
  // types to the route, which audits them.
  sc.validation.reject_undefined_msg_types =
      sc.role == session::Role::kAcceptor && unknown == config::UnknownAppMessages::kReject;
  return sc;
}

}  // namespace riskgate::app
