#include "gateway/control/audit_chain.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "gateway/control/build_info.hpp"

namespace riskgate::control {

namespace {

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::string seal_record(std::string_view object, std::string_view prev_hex) {
  std::string line;
  line.reserve(object.size() + prev_hex.size() + 10);
  // Drop the closing brace, append the field, close again. An empty object
  // would give "{,": never produced (every record has ts and event), and the
  // verifier would report it as not JSON.
  line.append(object.substr(0, object.empty() ? 0 : object.size() - 1));
  line.append(",\"prev\":\"");
  line.append(prev_hex);
  line.append("\"}");
  return line;
}

std::string record_hash(std::string_view line) {
  return sha256_hex(line);
}

std::string last_record_hash(const std::filesystem::path& path, bool* partial) {
  if (partial != nullptr) *partial = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::string(kChainGenesis);
    throw std::runtime_error("cannot open " + path.string());
  }
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::int64_t>(in.tellg());
  if (size <= 0) return std::string(kChainGenesis);
  // Read backwards in growing windows until the window holds the whole last
  // line: records are a few hundred bytes, so one 4 KiB read is the norm.
  for (std::int64_t window = 4096;; window *= 4) {
    const std::int64_t from = std::max<std::int64_t>(0, size - window);
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    in.clear();
    in.seekg(from);
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    if (in.gcount() != static_cast<std::streamsize>(tail.size()))
      throw std::runtime_error("cannot read " + path.string());
    std::string_view t(tail);
    const bool ends_with_newline = t.back() == '\n';
    if (partial != nullptr) *partial = !ends_with_newline;
    if (ends_with_newline) t.remove_suffix(1);
    const auto nl = t.rfind('\n');
    if (nl != std::string_view::npos) return record_hash(t.substr(nl + 1));
    if (from == 0) return record_hash(t);
  }
}

ChainReport verify_audit_chain(const std::vector<std::filesystem::path>& files) {
  ChainReport rep;
  std::string prev_hash;  // Empty: the first record, whose predecessor may be gone.
  std::filesystem::path prev_file;
  std::uint64_t prev_line = 0;
  for (const auto& file : files) {
    std::string text;
    try {
      text = read_all(file);
    } catch (const std::exception& e) {
      rep.broken = ChainBreak{file, 0, e.what()};
      return rep;
    }
    std::uint64_t lineno = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      ++lineno;
      const std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) {
        rep.broken = ChainBreak{file, lineno,
                                "last line is incomplete (no newline): a write was cut short or "
                                "the file was truncated"};
        return rep;
      }
      const std::string_view line(text.data() + pos, nl - pos);
      pos = nl + 1;
      const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        rep.broken = ChainBreak{file, lineno, "not a JSON object: the line was edited or damaged"};
        return rep;
      }
      const auto it = j.find("prev");
      if (it == j.end() || !it->is_string() || !is_hex64(it->get<std::string>())) {
        rep.broken = ChainBreak{file, lineno, "no valid \"prev\" field (64 lowercase hex digits)"};
        return rep;
      }
      const std::string prev = it->get<std::string>();
      if (prev == kChainGenesis && lineno == 1) {
        if (!prev_hash.empty())
          rep.notes.push_back(file.string() +
                              ":1: the chain restarts (gateway started on an empty file); "
                              "records before it cannot be checked against it");
      } else if (!prev_hash.empty() && prev != prev_hash) {
        std::string what;
        if (lineno == 1) {
          what = "does not follow the last record of " + prev_file.string() + " (line " +
                 std::to_string(prev_line) +
                 "): records are missing between the files, the files are out of order, or that "
                 "record was edited";
        } else {
          what = "\"prev\" does not match line " + std::to_string(prev_line) +
                 ": that line was edited, or records between them were deleted";
        }
        rep.broken = ChainBreak{file, lineno, std::move(what)};
        return rep;
      }
      prev_hash = record_hash(line);
      prev_file = file;
      prev_line = lineno;
      ++rep.records;
    }
  }
  return rep;
}

}  // namespace riskgate::control
