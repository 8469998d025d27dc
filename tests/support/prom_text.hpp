// A strict reader of the Prometheus text exposition format 0.0.4, for tests:
// what riskgate's /metrics serves must parse here, or the test fails with the
// line and the reason. Checks: HELP and TYPE before a family's samples, one
// TYPE per family, names and label names by the grammar, label values with
// only \\ \" \n escapes, numbers (with +Inf, -Inf, NaN), no series twice, and
// for histograms cumulative buckets ending in le="+Inf" equal to _count.
// Header-only; throws std::runtime_error.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace riskgate::testing {

struct PromSample {
  std::string name;                           // With _bucket/_sum/_count for histograms.
  std::map<std::string, std::string> labels;  // Unescaped.
  double value = 0;
};

struct PromText {
  std::map<std::string, std::string> types;  // Family -> counter|gauge|histogram|...
  std::vector<PromSample> samples;

  // The sample has this name and its labels include every one of `match`.
  [[nodiscard]] static bool matches(const PromSample& s, const std::string& name,
                                    const std::map<std::string, std::string>& match) {
    if (s.name != name) return false;
    for (const auto& [k, v] : match) {
      const auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) return false;
    }
    return true;
  }

  // The value of the one sample with this name whose labels include `match`;
  // throws if there is none or more than one.
  [[nodiscard]] double value(const std::string& name,
                             const std::map<std::string, std::string>& match = {}) const {
    const PromSample* found = nullptr;
    for (const auto& s : samples) {
      if (!matches(s, name, match)) continue;
      if (found != nullptr) throw std::runtime_error("more than one series " + name);
      found = &s;
    }
    if (found == nullptr) throw std::runtime_error("no series " + name);
    return found->value;
  }
  // Sum over every sample with this name whose labels include `match`.
  [[nodiscard]] double sum(const std::string& name,
                           const std::map<std::string, std::string>& match = {}) const {
    double t = 0;
    for (const auto& s : samples) {
      if (matches(s, name, match)) t += s.value;
    }
    return t;
  }
};

namespace prom_detail {

inline bool name_ok(const std::string& n, bool colon) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool a =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!a && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

inline double number(const std::string& s) {
  if (s == "+Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (s == "NaN") return std::nan("");
  if (s.empty()) throw std::runtime_error("empty value");
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || s == "inf" || s == "nan")
    throw std::runtime_error("bad value '" + s + "'");
  return v;
}

}  // namespace prom_detail

inline PromText parse_prom_text(const std::string& text) {
  using prom_detail::name_ok;
  PromText out;
  std::set<std::string> helped, series;
  std::string family;  // Current (last TYPE).
  std::istringstream in(text);
  std::string line;
  int no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("metrics line " + std::to_string(no) + ": " + why + ": " + line);
  };
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("metrics: no final newline");
  while (std::getline(in, line)) {
    ++no;
    if (line.empty()) fail("empty line");
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kind, name;
      ls >> hash >> kind >> name;
      if (kind == "HELP") {
        if (!name_ok(name, true)) fail("bad name");
        if (!helped.insert(name).second) fail("second HELP");
        const std::string help = line.substr(std::min(line.size(), 7 + name.size() + 1));
        for (std::size_t i = 0; i < help.size(); ++i) {
          if (help[i] == '\\' &&
              (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')))
            fail("bad escape in HELP");
          if (help[i] == '\\') ++i;
        }
      } else if (kind == "TYPE") {
        std::string type, extra;
        ls >> type >> extra;
        if (!extra.empty()) fail("trailing text");
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped")
          fail("unknown type");
        if (out.types.count(name) != 0) fail("second TYPE");
        if (helped.count(name) == 0) fail("TYPE without HELP first");
        out.types[name] = type;
        family = name;
      } else {
        fail("unknown comment");
      }
      continue;
    }
    PromSample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!name_ok(s.name, true)) fail("bad metric name");
    std::string key = s.name + "{";
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i >= line.size()) fail("unterminated labels");
        if (line[i] == '}') {
          ++i;
          break;
        }
        const std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without =");
        const std::string ln = line.substr(i, eq - i);
        if (!name_ok(ln, false)) fail("bad label name '" + ln + "'");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') fail("label value not quoted");
        ++i;
        std::string v;
        while (true) {
          if (i >= line.size()) fail("unterminated label value");
          const char c = line[i++];
          if (c == '"') break;
          if (c == '\\') {
            if (i >= line.size()) fail("dangling escape");
            const char e = line[i++];
            if (e == '\\')
              v += '\\';
            else if (e == '"')
              v += '"';
            else if (e == 'n')
              v += '\n';
            else
              fail("bad escape in label value");
          } else {
            v += c;
          }
        }
        if (!s.labels.emplace(ln, v).second) fail("label twice");
        key += ln + "=" + v + ",";
        if (i < line.size() && line[i] == ',') ++i;
      }
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    const std::string rest = line.substr(i + 1);
    if (rest.find(' ') != std::string::npos) fail("timestamps are not expected");
    try {
      s.value = prom_detail::number(rest);
    } catch (const std::exception& e) {
      fail(e.what());
    }
    // The sample belongs to the current family.
    const auto type = out.types.find(family);
    if (type == out.types.end()) fail("sample before any TYPE");
    bool belongs = s.name == family;
    if (type->second == "histogram") {
      belongs =
          s.name == family + "_bucket" || s.name == family + "_sum" || s.name == family + "_count";
      if (s.name == family + "_bucket" && s.labels.count("le") == 0) fail("bucket without le");
    }
    if (!belongs) fail("sample outside its family " + family);
    if (!series.insert(key).second) fail("series twice");
    out.samples.push_back(std::move(s));
  }
  // Histograms: per label set (without le), buckets cumulative, +Inf last and
  // equal to _count.
  for (const auto& [fam, type] : out.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    std::map<std::map<std::string, std::string>, double> counts;
    for (const auto& s : out.samples) {
      auto labels = s.labels;
      if (s.name == fam + "_bucket") {
        const double le = prom_detail::number(labels.at("le"));
        labels.erase("le");
        buckets[labels].emplace_back(le, s.value);
      } else if (s.name == fam + "_count") {
        counts[labels] = s.value;
      }
    }
    for (const auto& [labels, b] : buckets) {
      for (std::size_t k = 1; k < b.size(); ++k) {
        if (!(b[k].first > b[k - 1].first)) throw std::runtime_error(fam + ": le not ascending");
        if (b[k].second < b[k - 1].second)
          throw std::runtime_error(fam + ": buckets not cumulative");
      }
      if (b.empty() || !std::isinf(b.back().first))
        throw std::runtime_error(fam + ": no +Inf bucket");
      const auto c = counts.find(labels);
      if (c == counts.end() || c->second != b.back().second)
        throw std::runtime_error(fam + ": _count differs from the +Inf bucket");
    }
  }
  return out;
}

}  // namespace riskgate::testing
