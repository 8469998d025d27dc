// Durable kill-switch state (issue 4: "the kill state is persisted and
// survives a restart").
//
// The set of engaged kills lives in <state_dir>/kill-state.json. Every change
// rewrites the whole file atomically: write kill-state.json.tmp, fsync it,
// rename() over kill-state.json, fsync the directory. After a crash at any
// point (kill -9, power loss with sync) the file is either the old set or the
// new one, never a mix; a leftover .tmp is ignored and overwritten.
//
// File format (version 1):
//   {"version":1,"kills":[{"scope":"account","target":"ACC1","reason":"...",
//     "actor":"alice","utc_ns":1714564800000000000,"ts":"2024-05-01T12:00:00.000000000Z"}]}
// Scope names are those of control::to_string(Scope).
//
// Start-up contract (fail closed): the constructor throws KillStateError if
// the file exists but cannot be read or parsed. The gateway must then start
// with the global kill engaged and say so loudly; it should rename the bad file
// aside (KillStore::quarantine) so an operator can inspect it, and engage a
// global kill whose reason quotes the error. A missing file means "no kills".
//
// The store is the durable record only. The gateway flips its atomic kill
// flags first (so refusals start at once), then calls engage()/release().
//
// Thread safety: all members are internally locked; intended for the control
// thread. Not for the order path (allocates, fsyncs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/control/types.hpp"

namespace riskgate::control {

class KillStateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KillEntry {
  Scope scope = Scope::kGlobal;
  std::string target;  // Empty for kGlobal.
  std::string reason;
  std::string actor;        // Token name, "kill-file", "signal", "auto:<rule>", "verify".
  std::int64_t utc_ns = 0;  // When it was engaged; 0 → filled with now by engage().
};

class KillStore {
 public:
  // Creates state_dir if needed and loads the file. Throws KillStateError
  // (corrupt/unreadable file, naming the path and the reason).
  explicit KillStore(std::filesystem::path state_dir);

  // Engages (scope, target). Returns false if it was already engaged (the
  // original entry is kept: who engaged it first stays on record). Persists
  // before returning; throws KillStateError if the file cannot be written, in
  // which case the entry is still engaged in memory (kills are never lost to
  // an I/O error; the operator sees the error).
  bool engage(KillEntry entry);

  // Releases (scope, target). Throws std::invalid_argument if `reason` is
  // empty or blank (release is a deliberate act). Returns false if it was not
  // engaged. Persists like engage().
  bool release(Scope scope, const std::string& target, const std::string& reason,
               const std::string& actor);

  [[nodiscard]] bool engaged(Scope scope, const std::string& target) const;
  [[nodiscard]] std::vector<KillEntry> entries() const;
  [[nodiscard]] std::filesystem::path file() const { return dir_ / kFileName; }

  // Renames an unreadable kill-state.json to kill-state.json.corrupt-<utc_ns>
  // so the next save does not destroy the evidence. Returns the new path.
  static std::filesystem::path quarantine(const std::filesystem::path& state_dir);

  static constexpr const char* kFileName = "kill-state.json";

 private:
  void save_locked() const;  // Throws KillStateError.

  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::vector<KillEntry> entries_;
};

}  // namespace riskgate::control
