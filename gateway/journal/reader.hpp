// Reading a journal file: iterate verified records, rebuild state, print.
//
// Off the order path (allocates, does I/O): used by Journal at open, by
// restart (later: the session MessageStore, the order table, the risk
// engine's daily counters) and by `riskgatectl journal`.
//
// A reader never half-applies: it stops at the first record that fails
// parse_record (torn tail: truncated, bad checksum, garbage length) and
// reports where; nothing from that record or after it is returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/journal/record.hpp"

namespace riskgate::journal {

struct ScanResult {
  std::uint64_t records = 0;
  // File offset after the last valid record: where the next append goes.
  std::uint64_t valid_end = 0;
  // Set if bytes after valid_end were dropped (a torn or corrupt tail).
  bool torn = false;
  RecordError error = RecordError::kEnd;
  std::uint64_t file_size = 0;
};

// A journal file mapped read-only. Throws std::runtime_error naming the file
// if it cannot be opened or its header is invalid.
//
// Holds a shared flock(2) on the file while it lives: the journal thread
// cuts an old day's file back to its roll (install_day_file) only when it can
// take the lock exclusively, so a reader's mapping never shrinks under it
// (which would be SIGBUS), and the cut is skipped while anyone reads.
class JournalFile {
 public:
  // `limit`: reads only the first `limit` bytes (a file that another thread
  // is still appending to, read up to a record boundary it knows).
  explicit JournalFile(const std::filesystem::path& path, std::size_t limit = SIZE_MAX);
  ~JournalFile();
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  [[nodiscard]] const FileHeader& header() const noexcept { return header_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Calls f(const RecordView&) for each valid record in file order. Views
  // point into the mapping: valid while this object lives.
  ScanResult scan(const std::function<void(const RecordView&)>& f) const;
  // The same, each record as the logical records it stands for
  // (split_record): what every reader of state uses. The count in the
  // result is of stored records.
  ScanResult scan_logical(const std::function<void(const RecordView&)>& f) const;

 private:
  std::filesystem::path path_;
  FileHeader header_{};
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;  // Open for the lock's sake only.
};

// One outbound numbering of a session that a sequence reset ended (a
// kSequenceSet that took the numbers back: a StartTime or logon reset, 141=Y,
// a period reset at a restart).
struct SentEpoch {
  std::uint64_t end_offset = 0;     // File offset of the kSequenceSet that ended it.
  std::uint64_t last_sent_seq = 0;  // Highest outbound MsgSeqNum in force just before it.
};

// The state a restart rebuilds from a journal (item 4 consumes it).
struct RecoveredSession {
  std::string name;  // Empty if no kSessionDeclared record was seen.
  // File offset of its last kSessionDeclared record: when a file written
  // before ids were kept by name declares one name under two ids, the later
  // declaration is the session's.
  std::uint64_t declared_at = 0;
  Leg leg = Leg::kEngine;
  std::uint64_t last_sent_seq = 0;       // Highest outbound MsgSeqNum since the last seqset.
  std::uint64_t last_processed_seq = 0;  // Highest inbound MsgSeqNum processed.
  // Outbound messages by MsgSeqNum, for ResendRequest (a seqset clears it:
  // numbers restart, so older messages can never be asked for).
  std::map<std::uint64_t, std::string> outbound;
  std::size_t outbound_bytes = 0;  // Sum of the sizes in `outbound`.
  // When the numbering in force began: the stamp of the kSequenceSet that
  // set our numbers back to 1, or of the session's first record.
  std::int64_t numbering_start_utc_ns = 0;
  // The numberings that resets ended, oldest first; the one still in force
  // at the end of the file is last_sent_seq.
  std::vector<SentEpoch> ended_epochs;
  // The highest outbound MsgSeqNum this session recorded in the numbering in
  // force at file offset `offset` (by the end of that numbering): an order
  // step journaled there with a higher number was never sent. A number of an
  // earlier numbering is not compared with today's, which a reset took back.
  [[nodiscard]] std::uint64_t last_sent_seq_at(std::uint64_t offset) const noexcept;
  [[nodiscard]] std::uint64_t next_sender_seq() const noexcept { return last_sent_seq + 1; }
  [[nodiscard]] std::uint64_t next_target_seq() const noexcept { return last_processed_seq + 1; }
};

struct RecoveredState {
  FileHeader header{};
  ScanResult scan;
  std::unordered_map<std::uint16_t, RecoveredSession> sessions;
  std::uint32_t counters_day = 0;         // Of the last counters snapshot.
  std::vector<DailyCounter> counters;     // The last snapshot.
  std::uint64_t next_kill_cancel_id = 0;  // Highest seen; 0 if none.
  std::uint32_t trading_day = 0;          // The file's day, or the last roll's to_day.
};

// Replays every valid record of the file into a RecoveredState. Each
// session keeps at most `outbound_bytes` of its most recent sent messages
// (the gateway's resend store holds 16 MiB; older numbers are gap-filled if
// asked for), so a long journal does not cost its size in memory.
inline constexpr std::size_t kRecoverOutboundBytes = std::size_t{16} << 20;
// Order events are not collected: a restart replays them by streaming the
// file (JournalFile::scan), so a day's events are never held at once.
[[nodiscard]] RecoveredState recover(const JournalFile& file,
                                     std::size_t outbound_bytes = kRecoverOutboundBytes);

// Session ids to names, from kSessionDeclared records, for printing.
using SessionNames = std::unordered_map<std::uint16_t, std::string>;

// One line, no newline: "<offset> <utc> <type> <session> <fields...>".
// Outbound FIX is printed with SOH as '|'.
[[nodiscard]] std::string format_record(const RecordView& r, const SessionNames& names);

// What `riskgatectl journal` prints: the file header, then one line per
// record that matches (session: records of that session; order: order events
// whose ClOrdID or OrigClOrdID is it, and the outbound messages carrying
// 11=<id> or 41=<id>), then a line for a torn tail if there is one.
struct PrintFilter {
  std::optional<std::string> session;
  std::optional<std::string> cl_ord_id;
};
void print_journal(const JournalFile& file, const PrintFilter& filter, std::ostream& out);

}  // namespace riskgate::journal
