// The Logon checks of an engine session (issue 12, items 4 and 5): who may
// log on, and with what proof. Runs on the I/O thread at Logon only, where
// allocation is allowed (README, latency model); never per order.

#include "gateway/app/gateway.hpp"
#include "gateway/app/gateway_slot.hpp"
#include "gateway/codec/tags.hpp"

namespace riskgate::app {

static_assert(control::PublishedIdentity::kAttestation == config::kMaxAttestationBytes,
              "status shows the whole attestation, so the fleet audit can verify it");

std::string_view Gateway::check_logon(route::ClientLeg& leg, const codec::Message& logon) {
  Slot& slot = *slots_[leg.index()];
  // The password first: a Logon that fails it is refused before anything
  // else looks at what it declares (the address was checked at admission).
  const auto auth =
      engine_auth_->check_password(leg.index(), logon.get(codec::tag::kUsername),
                                   logon.get(codec::tag::kPassword), clock_->steady_ns());
  if (auth != EngineAuth::Verdict::kOk) {
    audit_logon_refusal(slot.def->name, slot.remote, EngineAuth::rule(auth),
                        EngineAuth::text(auth));
    logon_reason_ = std::string("Logon refused: ") + std::string(EngineAuth::text(auth));
    return logon_reason_;
  }
  config::DeclaredIdentity id;
  id.app_name = logon.get(codec::tag::kApplicationSystemName);
  id.version = logon.get(codec::tag::kTradingSystemVersion);
  id.vendor = logon.get(codec::tag::kApplicationSystemVendor);
  id.build_digest = logon.get(cfg_.gateway.build_digest_tag);
  const std::string_view attestation = logon.get(codec::tag::kRawData);
  const std::int64_t now_s = clock_->utc_ns() / 1'000'000'000;
  if (!slot.def->identity_required || !manifest_) {
    // Not verified here, but still shown to the fleet audit, which compares
    // every connected engine with the manifest it is given.
    slot.identity.publish(id.app_name, id.version, id.vendor, id.build_digest, slot.remote, false,
                          "not verified (IdentityRequired = false or no manifest)", attestation,
                          now_s);
    return {};
  }
  std::string reason;
  // The attestation first: it is the proof, and a claim nobody signed is not
  // worth comparing. Knight's eighth server would declare the current release
  // from stale files; only its attestation, from the previous release, tells.
  if (manifest_->attestation) {
    const config::AttestationVerdict av = manifest_->verify_attestation(
        slot.def->target_comp_id, slot.remote, id, attestation,
        logon.get(codec::tag::kRawDataLength), now_s, manifest_->gateway.version, &reason);
    if (av != config::AttestationVerdict::kOk)
      return unapproved_logon(leg, id, attestation, config::to_string(av), reason);
  }
  const auto verdict = manifest_->verify_engine(slot.def->target_comp_id, slot.remote, id,
                                                manifest_->gateway.version, &reason);
  if (verdict != config::IdentityVerdict::kApproved)
    return unapproved_logon(leg, id, attestation, config::to_string(verdict), reason);
  slot.identity.publish(id.app_name, id.version, id.vendor, id.build_digest, slot.remote, true,
                        "approved", attestation, now_s);
  audit::AuditRecord r;
  r.utc_ns = clock_->utc_ns();
  r.event = audit::AuditEvent::kLogonAccepted;
  audit::AuditRecord::set(r.session, slot.def->name);
  std::string text = std::string(id.app_name) + " " + std::string(id.version) +
                     (manifest_->attestation ? " (attested)" : "");
  audit::AuditRecord::set(r.text, text);
  (void)producer_->try_record(r);
  return {};
}

std::string_view Gateway::unapproved_logon(route::ClientLeg& leg,
                                           const config::DeclaredIdentity& id,
                                           std::string_view attestation, std::string_view rule,
                                           const std::string& reason) {
  Slot& slot = *slots_[leg.index()];
  audit::AuditRecord r;
  r.utc_ns = clock_->utc_ns();
  audit::AuditRecord::set(r.session, slot.def->name);
  audit::AuditRecord::set(r.rule, rule);
  audit::AuditRecord::set(r.text, reason);
  if (slot.def->on_unapproved_identity == config::OnUnapprovedIdentity::kKill) {
    // Accepted so it can cancel, with its kill switch engaged: it cannot trade.
    slot.identity.publish(id.app_name, id.version, id.vendor, id.build_digest, slot.remote, false,
                          reason, attestation, r.utc_ns / 1'000'000'000);
    engine_->kills().engage(risk::KillScope::kClientSession, leg.index(),
                            risk::KillReason::kVersionMismatch);
    // It did not pass every check: no replay of the engine's past reports.
    slot.session->withhold_replay();
    r.event = audit::AuditEvent::kLogonAcceptedKilled;
    (void)producer_->try_record(r);
    return {};
  }
  r.event = audit::AuditEvent::kLogonRefused;
  (void)producer_->try_record(r);
  logon_reason_ = "unapproved engine identity (" + std::string(rule) + "): " + reason;
  return logon_reason_;
}

}  // namespace riskgate::app
