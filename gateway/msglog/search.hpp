// `riskgatectl msglog`: one order's whole conversation from the message logs
// of one day (line.hpp has the files and the format).
//
// What belongs to the order, starting from the ClOrdID given:
//   - on an engine session (a file whose "#" line says leg=engine): every
//     message carrying one of the order's ids as ClOrdID(11) or
//     OrigClOrdID(41), the ids growing along the way (a replace 35=G or a
//     cancel 35=F brings its new ClOrdID, and what carries that in 41 brings
//     the next), so a chain of replaces is followed to its end; the
//     execution reports and cancel rejects are found the same way;
//   - on its exchange session (the "#" line's route=), the same with the ids
//     as the gateway sent them there: cl_ord_id_prefix + the engine's id,
//     and what the exchange leg chains to them (a kill's cancel carries the
//     order's id in 41);
//   - on either, a session Reject (35=3) or BusinessMessageReject (35=j)
//     whose RefSeqNum(45) names one of those messages: the latest message
//     the other side sent on that session with that MsgSeqNum(34) before the
//     reject.
// Ids are matched whole (T-1 never matches T-10). Without `session`, every
// engine session of the day is searched for the id; with it, only that one.
//
// Memory: one small entry per message with an 11, a 41 or a 45 (about 100
// bytes), and per session the MsgSeqNums of the current numbering; the
// matching lines are read again from the files to be printed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::msglog {

// A missing directory, no files for the day, an unreadable file.
class SearchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SearchRequest {
  std::filesystem::path dir;
  std::string cl_ord_id;
  std::int32_t day = 0;                // Days since the epoch (line.hpp parse_day).
  std::optional<std::string> session;  // The engine session the ClOrdID is from.
};

struct Found {
  std::int64_t utc_ns = 0;
  std::string session;
  std::string line;  // The line as in the file: "<ts> <in|out> 8=...".
};

// The order's messages in time order (ties: file order). Throws SearchError.
[[nodiscard]] std::vector<Found> search(const SearchRequest& r);

// Calls f(line) for every line of one message-log file, plain or gzip (zlib
// reads both), without its '\n'; the view is valid only during the call.
// Throws SearchError.
void for_each_line(const std::filesystem::path& file,
                   const std::function<void(std::string_view)>& f);
[[nodiscard]] std::vector<std::string> read_lines(const std::filesystem::path& file);

// The days (sorted) that have message-log files in `dir`.
[[nodiscard]] std::vector<std::int32_t> days_in(const std::filesystem::path& dir);

}  // namespace riskgate::msglog
