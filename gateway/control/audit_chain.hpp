// The audit log's hash chain (issue 12, item 3): one truth for how a record is
// sealed and how a file, or a run of rotated files, is checked.
//
// Record format: one JSON object per line. Its last field is
// `"prev":"<64 hex>"`, the SHA-256 of the previous line's bytes (without the
// newline). The chain runs across files: after a rotation, the first record
// of the new file names the last record of the old one. So deleting a record
// breaks the chain at the line after it, and editing one breaks it at the
// line after it too (its hash changed). Two things a chain without a key
// cannot show: an edit of the very last line, and a forger who rewrites every
// line after his edit. Ship the files elsewhere promptly for that.
//
// kChainGenesis (64 zeros) starts a chain: the first record ever, or the first
// one of a gateway started on an empty file (the previous file's last hash is
// unknown then). The verifier accepts a genesis only as a file's first record
// and prints it as a note, since what came before it cannot be checked.
//
// Thread safety: free functions, reentrant; they allocate, hash and (the
// file ones) do I/O. Control plane only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::control {

inline constexpr std::string_view kChainGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// `object` is one serialised JSON object ("{...}", no newline). Returns it
// with `,"prev":"<prev_hex>"` added as its last field.
[[nodiscard]] std::string seal_record(std::string_view object, std::string_view prev_hex);

// SHA-256 (hex) of a sealed line without its newline: the next record's prev.
[[nodiscard]] std::string record_hash(std::string_view line);

// Where a chain carried on from an existing file starts: the hash of its last
// line, or kChainGenesis if the file is missing or empty. `partial` is set when
// the file does not end with a newline (a write cut short): the caller must
// end that line before appending. Throws std::runtime_error if unreadable.
[[nodiscard]] std::string last_record_hash(const std::filesystem::path& path,
                                           bool* partial = nullptr);

struct ChainBreak {
  std::filesystem::path file;
  std::uint64_t line = 0;  // 1-based; 0 for the file as a whole.
  std::string what;
};

struct ChainReport {
  std::uint64_t records = 0;         // Lines checked before the first break.
  std::vector<std::string> notes;    // Chain restarts (genesis records).
  std::optional<ChainBreak> broken;  // The first break, if any.
};

// Checks `files` as one chain, oldest first (audit.log.2, audit.log.1,
// audit.log). The first record of the first file may name any predecessor
// (one that has been rotated away); every other record must name the line
// before it, across file boundaries. Stops at the first break.
[[nodiscard]] ChainReport verify_audit_chain(const std::vector<std::filesystem::path>& files);

}  // namespace riskgate::control
