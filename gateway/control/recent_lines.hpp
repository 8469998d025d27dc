// The last N records of one kind, kept in memory for a reader that wants the
// latest ones now rather than from the file: the ops console's "latest
// refusals" (GET /refusals) reads what the audit writer last wrote.
//
// Not thread-safe: the owner guards it (AuditLog holds it under its mutex).
// push() reuses the slot's string, so once every slot has held a record of
// typical size it stops allocating; the writer thread calls it, never the
// order path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::control {

class RecentLines {
 public:
  // capacity >= 1, else std::invalid_argument. Tune: what one screen shows.
  explicit RecentLines(std::size_t capacity);

  // Keeps `line`, dropping the oldest one when full.
  void push(std::string_view line);
  // The kept lines, newest first.
  [[nodiscard]] std::vector<std::string> newest_first() const;
  // Lines ever pushed (kept or since dropped).
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  std::vector<std::string> slots_;
  std::uint64_t total_ = 0;  // The next slot is total_ % capacity.
};

}  // namespace riskgate::control
