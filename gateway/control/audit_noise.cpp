#include "gateway/control/audit_noise.hpp"

namespace riskgate::control {

NoiseLimiter::NoiseLimiter(std::int64_t window_ns, std::size_t max_causes)
    : window_ns_(window_ns), max_causes_(max_causes < 1 ? 1 : max_causes) {
  causes_.reserve(max_causes_);
}

NoiseLimiter::Cause& NoiseLimiter::find(std::string_view cause) {
  for (auto& c : causes_)
    if (c.name == cause) return c;
  // The last slot is kept for "other", so the table never outgrows max_causes_.
  if (causes_.size() + 1 < max_causes_) {
    causes_.push_back(Cause{std::string(cause)});
    return causes_.back();
  }
  for (auto& c : causes_)
    if (c.name == "other") return c;
  causes_.push_back(Cause{"other"});
  return causes_.back();
}

std::optional<std::uint64_t> NoiseLimiter::admit(std::string_view cause, std::int64_t now_ns) {
  Cause& c = find(cause);
  if (now_ns < c.window_end_ns) {
    ++c.pending;
    ++suppressed_total_;
    return std::nullopt;
  }
  const std::uint64_t carried = c.pending;
  c.pending = 0;
  c.window_end_ns = now_ns + window_ns_;
  return carried;
}

std::vector<NoiseLimiter::Summary> NoiseLimiter::due(std::int64_t now_ns) {
  std::vector<Summary> out;
  for (auto& c : causes_) {
    if (c.pending == 0 || now_ns < c.window_end_ns) continue;
    out.push_back(Summary{c.name, c.pending});
    c.pending = 0;
    // The summary is this window's record: the next event waits a window.
    c.window_end_ns = now_ns + window_ns_;
  }
  return out;
}

}  // namespace riskgate::control
