#include "gateway/msglog/search.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "gateway/msglog/line.hpp"

namespace riskgate::msglog {
namespace {

struct File {
  std::filesystem::path path;
  std::string session;
};

struct SessionInfo {
  bool engine = false;
  std::string route;   // Engine sessions: the exchange session.
  std::string prefix;  // Engine sessions: the ClOrdID prefix on the exchange leg.
  std::set<std::string, std::less<>> ids;
};

struct Entry {
  std::uint32_t file;
  std::uint64_t line;
  std::string cl, orig;
  std::int64_t target = -1;  // Rejects: the entry their RefSeqNum names, if it has an 11/41.
  bool matched = false;
};

std::uint64_t to_u64(std::string_view s) noexcept {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc{} ? v : 0;
}

}  // namespace

void for_each_line(const std::filesystem::path& file,
                   const std::function<void(std::string_view)>& f) {
  gzFile gz = ::gzopen(file.c_str(), "rb");
  if (gz == nullptr)
    throw SearchError("cannot open " + file.string() + ": " + std::strerror(errno));
  std::string pending;
  std::vector<char> buf(std::size_t{1} << 16);
  for (;;) {
    const int got = ::gzread(gz, buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int code = 0;
      const std::string why = ::gzerror(gz, &code);
      ::gzclose(gz);
      throw SearchError("cannot read " + file.string() + ": " + why);
    }
    if (got == 0) break;
    std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
    while (!chunk.empty()) {
      const std::size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending.append(chunk);
        break;
      }
      if (pending.empty()) {
        f(chunk.substr(0, nl));
      } else {
        pending.append(chunk.substr(0, nl));
        f(pending);
        pending.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
  ::gzclose(gz);
  if (!pending.empty()) f(pending);  // A last line cut short (the writer was killed).
}

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::vector<std::string> out;
  for_each_line(file, [&](std::string_view l) { out.emplace_back(l); });
  return out;
}

std::vector<std::int32_t> days_in(const std::filesystem::path& dir) {
  std::set<std::int32_t> days;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (const auto f = parse_file_name(e.path().filename().string())) days.insert(f->day);
  return {days.begin(), days.end()};
}

std::vector<Found> search(const SearchRequest& r) {
  std::error_code ec;
  if (!std::filesystem::is_directory(r.dir, ec))
    throw SearchError("no such directory: " + r.dir.string());
  if (r.cl_ord_id.empty()) throw SearchError("the ClOrdID is empty");

  std::vector<File> files;
  for (const auto& e : std::filesystem::directory_iterator(r.dir, ec)) {
    const auto f = parse_file_name(e.path().filename().string());
    if (f && f->day == r.day) files.push_back({e.path(), f->session});
  }
  if (files.empty()) {
    std::string have;
    for (const auto d : days_in(r.dir)) have += (have.empty() ? "" : ", ") + day_string(d);
    throw SearchError(
        "no message logs for " + day_string(r.day) + " in " + r.dir.string() +
        (have.empty() ? " (the directory has none)" : " (days present: " + have + ")"));
  }
  // .log.gz before .log of the same session: the compressed part is older.
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) {
    if (a.session != b.session) return a.session < b.session;
    return a.path.extension() == ".gz" && b.path.extension() != ".gz";
  });

  // Pass 1: the entries, the sessions' roles, the rejects' targets.
  std::map<std::string, SessionInfo, std::less<>> sessions;
  std::vector<Entry> entries;
  for (std::uint32_t fi = 0; fi < files.size(); ++fi) {
    SessionInfo& info = sessions[files[fi].session];
    // Per direction: MsgSeqNum -> the entry (or -2: a message without 11/41)
    // of the current numbering; cleared when the numbers start again.
    std::unordered_map<std::uint64_t, std::int64_t> last_seq[2];
    std::uint64_t high[2] = {0, 0};
    std::uint64_t line_no = 0;
    for_each_line(files[fi].path, [&](std::string_view text) {
      const std::uint64_t n = line_no++;
      const auto l = parse_line(text);
      if (!l) return;
      if (l->kind == Line::Kind::kHeader) {
        if (const auto it = l->header.find("leg"); it != l->header.end())
          info.engine = it->second == "engine";
        if (const auto it = l->header.find("route"); it != l->header.end()) info.route = it->second;
        if (const auto it = l->header.find("cl_ord_id_prefix"); it != l->header.end())
          info.prefix = it->second;
        return;
      }
      if (l->kind != Line::Kind::kMessage) return;
      const int dir = l->inbound ? 0 : 1;
      const std::string_view type = field(l->message, "35");
      const std::uint64_t seq = to_u64(field(l->message, "34"));
      std::int64_t target = -1;
      if (type == "3" || type == "j") {
        // It answers a message the other side sent.
        const std::uint64_t ref = to_u64(field(l->message, "45"));
        if (const auto it = last_seq[1 - dir].find(ref); it != last_seq[1 - dir].end())
          target = it->second;
      }
      const std::string_view cl = field(l->message, "11");
      const std::string_view orig = field(l->message, "41");
      std::int64_t self = -2;
      if (!cl.empty() || !orig.empty() || target >= 0) {
        self = static_cast<std::int64_t>(entries.size());
        entries.push_back({fi, n, std::string(cl), std::string(orig), target, false});
      }
      if (seq != 0) {
        // A lower number without PossDupFlag is a new numbering (a reset);
        // a PossDup resend or gap fill reuses old numbers within this one.
        if (seq < high[dir] && field(l->message, "43") != "Y") {
          last_seq[dir].clear();
          high[dir] = 0;
        }
        high[dir] = std::max(high[dir], seq);
        last_seq[dir][seq] = self;
      }
    });
  }

  // Seeds.
  if (r.session) {
    const auto it = sessions.find(*r.session);
    if (it == sessions.end())
      throw SearchError("no message log of session " + *r.session + " for " + day_string(r.day) +
                        " in " + r.dir.string());
    it->second.ids.insert(r.cl_ord_id);
  } else {
    // Engine sessions only: an exchange leg's ids are the engine ids with
    // their session's prefix, reached by the mapping below.
    for (auto& [name, info] : sessions)
      if (info.engine) info.ids.insert(r.cl_ord_id);
  }

  // Closure: ids along 11/41 within each session, engine ids mapped onto
  // their exchange session, rejects of matched messages; until nothing moves.
  for (bool moved = true; moved;) {
    moved = false;
    for (auto& e : entries) {
      if (e.matched) continue;
      SessionInfo& info = sessions[files[e.file].session];
      const bool hit = (!e.cl.empty() && info.ids.count(e.cl) != 0) ||
                       (!e.orig.empty() && info.ids.count(e.orig) != 0) ||
                       (e.target >= 0 && entries[static_cast<std::size_t>(e.target)].matched);
      if (!hit) continue;
      e.matched = true;
      moved = true;
      if (!e.cl.empty()) info.ids.insert(e.cl);
      if (!e.orig.empty()) info.ids.insert(e.orig);
    }
    for (auto& [name, info] : sessions) {
      if (!info.engine || info.route.empty() || info.prefix.empty()) continue;
      const auto ex = sessions.find(info.route);
      if (ex == sessions.end()) continue;
      for (const auto& id : info.ids) moved |= ex->second.ids.insert(info.prefix + id).second;
    }
  }

  // Pass 2: the matched lines, as written.
  std::vector<std::set<std::uint64_t>> wanted(files.size());
  for (const auto& e : entries)
    if (e.matched) wanted[e.file].insert(e.line);
  std::vector<Found> out;
  for (std::uint32_t fi = 0; fi < files.size(); ++fi) {
    if (wanted[fi].empty()) continue;
    std::uint64_t line_no = 0;
    for_each_line(files[fi].path, [&](std::string_view text) {
      if (wanted[fi].count(line_no++) == 0) return;
      const auto l = parse_line(text);
      out.push_back({l ? l->utc_ns : 0, files[fi].session, std::string(text)});
    });
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Found& a, const Found& b) { return a.utc_ns < b.utc_ns; });
  return out;
}

}  // namespace riskgate::msglog
