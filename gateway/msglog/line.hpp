// The message log's file names and line format: written by the writer
// thread, read by `riskgatectl msglog`. Both sides use these functions, so
// the format is defined once.
//
// Files: <dir>/<session>.<YYYYMMDD>.log, one per session per UTC day (the
// day of each line's timestamp); a past day's file becomes
// <session>.<YYYYMMDD>.log.gz (gzip: zcat, zgrep).
//
// Lines:
//   # riskgate message log session=ENGINE1 leg=engine route=EXCH1 cl_ord_id_prefix=E1- opened=<ts>
//   <ts> in 8=FIX.4.4|9=...|35=D|...|10=123|
//   <ts> out 8=FIX.4.4|9=...|35=8|...|10=045|
//   <ts> GAP 12 messages
// <ts> is UTC with nanoseconds, 20261130-03:14:15.123456789: when the
// gateway read the message (one clock read per socket read) or sent it (the
// clock read that stamped its SendingTime). The message is as on the wire
// with SOH shown as '|' and a CR or LF inside a value (data fields only)
// shown as a space, so one message is one line; a '|' inside a value is
// written "\\|" and a backslash "\\\\", so no value can pass for a field
// boundary (field() steps over them); the values of Password(554)
// and NewPassword(925) are written as "***". A "#" line starts each file
// and each reopen and names the session; for an engine session it also names
// its exchange session and the prefix the gateway puts on its ClOrdIDs there.
// A GAP line stands where that many messages of the session are missing
// (the ring was full: see ring.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace riskgate::msglog {

// Days since 1970-01-01 (UTC) of a timestamp in ns.
[[nodiscard]] std::int32_t day_of(std::int64_t utc_ns) noexcept;
[[nodiscard]] std::int64_t day_start_ns(std::int32_t day) noexcept;
[[nodiscard]] std::string day_string(std::int32_t day);  // "YYYYMMDD"
// "YYYYMMDD" -> day; nullopt if not a valid date.
[[nodiscard]] std::optional<std::int32_t> parse_day(std::string_view yyyymmdd) noexcept;

// "YYYYMMDD-HH:MM:SS.nnnnnnnnn" (27 characters).
inline constexpr std::size_t kTimestampSize = 27;
void format_timestamp(std::int64_t utc_ns, char (&out)[kTimestampSize]) noexcept;
[[nodiscard]] std::optional<std::int64_t> parse_timestamp(std::string_view ts) noexcept;

[[nodiscard]] std::string file_name(std::string_view session, std::int32_t day);
struct FileName {
  std::string session;
  std::int32_t day = 0;
  bool gz = false;
};
// "<session>.<YYYYMMDD>.log" or "....log.gz"; nullopt for anything else.
[[nodiscard]] std::optional<FileName> parse_file_name(std::string_view name);

void append_message_line(std::string& out, std::int64_t utc_ns, bool inbound, std::string_view raw);
void append_gap_line(std::string& out, std::int64_t utc_ns, std::uint64_t messages);
// `fields`: "key=value ..." (session=..., leg=..., ...), written after the title.
void append_header_line(std::string& out, std::int64_t utc_ns, std::string_view fields);

struct Line {
  enum class Kind : std::uint8_t { kMessage, kGap, kHeader } kind = Kind::kMessage;
  std::int64_t utc_ns = 0;
  std::string_view timestamp;                              // As written.
  bool inbound = false;                                    // kMessage.
  std::string_view message;                                // kMessage: with '|' for SOH.
  std::uint64_t gap = 0;                                   // kGap.
  std::map<std::string, std::string, std::less<>> header;  // kHeader: key=value pairs.
};
// One line without its '\n'; nullopt if it is not a message-log line.
[[nodiscard]] std::optional<Line> parse_line(std::string_view text);

// The value of `tag` in a message as logged ('|'-separated); the first
// occurrence; empty if absent. Escapes inside it are kept as written.
[[nodiscard]] std::string_view field(std::string_view message, std::string_view tag) noexcept;

}  // namespace riskgate::msglog
