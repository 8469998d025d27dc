// `riskgatectl msglog`: one order's whole conversation, both legs, from the
// FIX message logs (gateway/msglog/search.hpp says what belongs to it).
// Offline: reads files, talks to no gateway, needs no token.
//
//   riskgatectl msglog --dir DIR --cl-ord-id ID [--date YYYYMMDD] [--session NAME]
//
// Prints one line per message, in time order:
//   <UTC time with ns> <session> <in|out> 8=FIX.4.4|9=...|10=...|
// ("in": the gateway received it on that session; "out": it sent it).
// --date defaults to today (UTC). Reads <session>.<date>.log and .log.gz.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace riskgate::control {

struct MsglogRequest {
  std::string dir;
  std::string cl_ord_id;
  std::string date;     // YYYYMMDD; empty: today (UTC).
  std::string session;  // Empty: every engine session.
};

// kCtlOk (found), kCtlDrift (nothing carries that ClOrdID on that day) or
// kCtlUsage (bad date, missing directory, no files for the day).
int run_msglog(const MsglogRequest& r, std::ostream& out, std::ostream& err);

}  // namespace riskgate::control
