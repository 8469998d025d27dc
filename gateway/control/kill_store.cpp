#include "gateway/control/kill_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace riskgate::control {
namespace {

std::string errno_text() {
  return std::system_category().message(errno);
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

void write_all_and_sync(const std::filesystem::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    throw KillStateError("kill state: cannot create " + path.string() + ": " + errno_text());
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      throw KillStateError("kill state: write to " + path.string() + " failed: " + why);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    throw KillStateError("kill state: fsync of " + path.string() + " failed: " + why);
  }
  ::close(fd);
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw KillStateError("kill state: cannot open directory " + dir.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  const std::string why = rc != 0 ? errno_text() : std::string();
  ::close(fd);
  if (rc != 0)
    throw KillStateError("kill state: fsync of directory " + dir.string() + " failed: " + why);
}

std::vector<KillEntry> parse_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KillStateError("kill state: cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw KillStateError("kill state: " + path.string() + " is not valid JSON (" + e.what() + ")");
  }
  auto bad = [&](const std::string& why) {
    return KillStateError("kill state: " + path.string() + ": " + why);
  };
  if (!j.is_object() || !j.contains("version") || !j["version"].is_number_integer()) {
    throw bad("missing integer \"version\"");
  }
  if (j["version"].get<int>() != 1) throw bad("unsupported version " + j["version"].dump());
  if (!j.contains("kills") || !j["kills"].is_array()) throw bad("missing array \"kills\"");
  std::vector<KillEntry> out;
  std::size_t i = 0;
  for (const auto& k : j["kills"]) {
    const std::string where = "kills[" + std::to_string(i++) + "]";
    if (!k.is_object()) throw bad(where + " is not an object");
    for (const char* key : {"scope", "target", "reason", "actor"}) {
      if (!k.contains(key) || !k[key].is_string())
        throw bad(where + "." + key + " missing or not a string");
    }
    if (!k.contains("utc_ns") || !k["utc_ns"].is_number_integer())
      throw bad(where + ".utc_ns missing");
    const auto scope = parse_scope(k["scope"].get<std::string>());
    if (!scope) throw bad(where + ".scope \"" + k["scope"].get<std::string>() + "\" is unknown");
    out.push_back(KillEntry{*scope, k["target"].get<std::string>(), k["reason"].get<std::string>(),
                            k["actor"].get<std::string>(), k["utc_ns"].get<std::int64_t>()});
  }
  return out;
}

}  // namespace

KillStore::KillStore(std::filesystem::path state_dir) : dir_(std::move(state_dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw KillStateError("kill state: cannot create state dir " + dir_.string() + ": " +
                         ec.message());
  const auto path = file();
  if (std::filesystem::exists(path, ec)) entries_ = parse_file(path);
}

bool KillStore::engage(KillEntry entry) {
  if (entry.scope == Scope::kGlobal) entry.target.clear();
  if (entry.utc_ns == 0) entry.utc_ns = utc_now_ns();
  std::lock_guard lk(mu_);
  for (const auto& e : entries_) {
    if (e.scope == entry.scope && e.target == entry.target) return false;
  }
  entries_.push_back(std::move(entry));
  save_locked();
  return true;
}

bool KillStore::release(Scope scope, const std::string& target, const std::string& reason,
                        const std::string& actor) {
  (void)actor;  // Who released is the audit log's business; the state file holds engaged kills.
  if (blank(reason)) throw std::invalid_argument("release needs a reason");
  const std::string t = scope == Scope::kGlobal ? std::string() : target;
  std::lock_guard lk(mu_);
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const KillEntry& e) {
    return e.scope == scope && e.target == t;
  });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  save_locked();
  return true;
}

bool KillStore::engaged(Scope scope, const std::string& target) const {
  const std::string t = scope == Scope::kGlobal ? std::string() : target;
  std::lock_guard lk(mu_);
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const KillEntry& e) { return e.scope == scope && e.target == t; });
}

std::vector<KillEntry> KillStore::entries() const {
  std::lock_guard lk(mu_);
  return entries_;
}

void KillStore::save_locked() const {
  nlohmann::json kills = nlohmann::json::array();
  for (const auto& e : entries_) {
    kills.push_back({{"scope", to_string(e.scope)},
                     {"target", e.target},
                     {"reason", e.reason},
                     {"actor", e.actor},
                     {"utc_ns", e.utc_ns},
                     {"ts", format_utc(e.utc_ns)}});
  }
  const nlohmann::json doc = {{"version", 1}, {"kills", std::move(kills)}};
  std::string bytes = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  bytes.push_back('\n');
  const auto final_path = file();
  auto tmp = final_path;
  tmp += ".tmp";
  write_all_and_sync(tmp, bytes);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    throw KillStateError("kill state: rename " + tmp.string() + " -> " + final_path.string() +
                         " failed: " + errno_text());
  }
  fsync_dir(dir_);
}

std::filesystem::path KillStore::quarantine(const std::filesystem::path& state_dir) {
  const auto from = state_dir / kFileName;
  auto to = from;
  to += ".corrupt-" + std::to_string(utc_now_ns());
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec)
    throw KillStateError("kill state: cannot move " + from.string() + " aside: " + ec.message());
  return to;
}

}  // namespace riskgate::control
