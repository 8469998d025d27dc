#include "gateway/control/ctl_msglog.hpp"

#include <ostream>

#include "common/utc_clock.hpp"
#include "gateway/control/ctl.hpp"
#include "gateway/msglog/line.hpp"
#include "gateway/msglog/search.hpp"

namespace riskgate::control {

int run_msglog(const MsglogRequest& r, std::ostream& out, std::ostream& err) {
  msglog::SearchRequest s;
  s.dir = r.dir;
  s.cl_ord_id = r.cl_ord_id;
  if (r.date.empty()) {
    s.day = msglog::day_of(utc_now_ns());
  } else if (const auto d = msglog::parse_day(r.date)) {
    s.day = *d;
  } else {
    err << "riskgatectl: msglog: --date: expected YYYYMMDD, got \"" << r.date << "\"\n";
    return kCtlUsage;
  }
  if (!r.session.empty()) s.session = r.session;
  std::vector<msglog::Found> found;
  try {
    found = msglog::search(s);
  } catch (const msglog::SearchError& e) {
    err << "riskgatectl: msglog: " << e.what() << "\n";
    return kCtlUsage;
  }
  if (found.empty()) {
    err << "riskgatectl: msglog: no message carries ClOrdID " << r.cl_ord_id << " on "
        << msglog::day_string(s.day) << (r.session.empty() ? "" : " in session " + r.session)
        << "\n";
    return kCtlDrift;
  }
  for (const auto& f : found) {
    // "<ts> <in|out> 8=..." -> "<ts> <session> <in|out> 8=...".
    const std::string_view line = f.line;
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    out << line.substr(0, sp) << ' ' << f.session << line.substr(sp) << '\n';
  }
  return kCtlOk;
}

}  // namespace riskgate::control
