// The Gateway's FIX message logs (issue 13 item 1): which sessions log where,
// the writer thread and the I/O thread's ring (gateway/msglog).
#include "gateway/app/gateway.hpp"
#include "gateway/control/audit_log.hpp"

namespace riskgate::app {

void Gateway::open_message_log() {
  const auto& sessions = cfg_.sessions;
  msglog_taps_.resize(sessions.size());
  auto dir_of = [this](const config::SessionDef& d) {
    return d.file_log_path ? *d.file_log_path : cfg_.gateway.file_log_path;
  };
  bool any = false;
  for (const auto& d : sessions) any = any || !dir_of(d).empty();
  if (!any) return;

  msglog::MessageLogWriter::Options o;
  o.ring_bytes = std::size_t{cfg_.gateway.message_log_ring_mib} << 20;
  o.retention_days = cfg_.gateway.message_log_retention_days;
  o.disk_reserve_bytes = std::uint64_t{cfg_.gateway.message_log_disk_reserve_mib} << 20;
  o.cpu = cfg_.gateway.message_log_cpu;
  msglog_ = std::make_unique<msglog::MessageLogWriter>(o);
  std::vector<std::int32_t> index(sessions.size(), -1);
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& d = sessions[i];
    const std::string dir = dir_of(d);
    if (dir.empty()) continue;
    // The "#" line of each file: what `riskgatectl msglog` needs to join an
    // engine's ClOrdIDs to the exchange leg's (route::ClientOptions prefix).
    std::string fields = "session=" + d.name;
    if (d.connection_type == config::ConnectionType::kAcceptor)
      fields += " leg=engine route=" + d.route + " cl_ord_id_prefix=" + d.cl_ord_id_prefix;
    else
      fields += " leg=exchange";
    fields += " sender=" + d.sender_comp_id + " target=" + d.target_comp_id;
    try {
      index[i] = msglog_->add_session({d.name, dir, fields});
    } catch (const std::exception& e) {
      throw std::runtime_error(opts_.config_path + ": session \"" + d.name +
                               "\": FileLogPath: " + e.what());
    }
  }
  msglog::MessageRing& ring = msglog_->add_ring("io-0");  // One per I/O thread.
  for (std::size_t i = 0; i < sessions.size(); ++i)
    if (index[i] >= 0)
      msglog_taps_[i] =
          std::make_unique<msglog::SessionTap>(ring, static_cast<std::uint16_t>(index[i]));
}

void Gateway::poll_message_log_reopen() {
  const std::uint64_t n = control::reopen_signals();
  if (n == seen_reopen_signals_) return;
  seen_reopen_signals_ = n;
  if (msglog_) msglog_->request_reopen();
}

}  // namespace riskgate::app
