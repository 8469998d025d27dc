// config::print_config (riskgate --print-config): the effective config as
// TOML that loads back. The printer must stay in step with the loader, so
// these tests take the loader's own key list (config::keys_read_by_loader)
// and fail, naming the key, when a key the loader reads is missing from
// tests/config/data/every_key.toml or from what the printer writes.
#include "config/print_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/toml_writer.hpp"

namespace riskgate::config {
namespace {

const std::string kData = std::string(RISKGATE_SOURCE_DIR) + "/tests/config/data/";
const PrintHeader kHeader{"test.toml", std::string(64, 'a'), "cafe@2026-01-01T00:00:00Z"};

// Keys the loader looks up only to refuse them with a reason; no valid file
// sets them.
const std::set<std::string> kRefusedOnly = {"gateway.EndTime", "gateway.StartDay", "gateway.EndDay",
                                            "risk.auto_kill.on_quantity_multiplier_breach"};

// Two spellings of one limit; a table may set either, and the printer writes
// the second (1% = 100 bps).
const std::pair<std::string, std::string> kAlias = {"price_collar_pct", "price_collar_bps"};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string reprint(const std::string& text, const std::string& name) {
  return print_config(parse_config(text, name), kHeader);
}

// Every key path in a TOML tree, tables included, arrays of tables unindexed:
// the form keys_read_by_loader() uses.
void collect_paths(const toml::table& t, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [k, v] : t) {
    const std::string p =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    out.insert(p);
    if (const auto* sub = v.as_table()) collect_paths(*sub, p, out);
    if (const auto* arr = v.as_array(); arr != nullptr && arr->is_array_of_tables()) {
      for (const auto& e : *arr) collect_paths(*e.as_table(), p, out);
    }
  }
}

// Keys the printer reports unset: "# Key: reason" or "# A, B: reason" lines,
// as paths under the table header above them, and "# [[path]]: none".
std::set<std::string> off_comment_paths(const std::string& printed) {
  std::set<std::string> out;
  std::istringstream in(printed);
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.rfind("[", 0) == 0) {
      table = line.substr(line.find_first_not_of('['));
      table = table.substr(0, table.find(']'));
    } else if (line.rfind("# ", 0) == 0 && line.find(": ") != std::string::npos) {
      std::istringstream names(line.substr(2, line.find(": ") - 2));
      std::string name;
      while (std::getline(names, name, ',')) {
        name.erase(0, name.find_first_not_of(' '));
        if (name.rfind("[[", 0) == 0)  // "# [[risk.override]]: none": a whole array.
          out.insert(name.substr(2, name.size() - 4));
        else
          out.insert(table.empty() ? name : table + "." + name);
      }
    }
  }
  return out;
}

// The keys the loader reads in `text` that `present` lacks (aliases and
// refusal-only keys allowed for).
std::vector<std::string> keys_not_in(const std::string& text,
                                     const std::set<std::string>& present) {
  std::vector<std::string> missing;
  for (const auto& key : keys_read_by_loader(text, "keys.toml")) {
    if (present.count(key) != 0 || kRefusedOnly.count(key) != 0) continue;
    const auto dot = key.rfind('.');
    const std::string table = dot == std::string::npos ? "" : key.substr(0, dot + 1);
    const std::string leaf = key.substr(table.size());
    if (leaf == kAlias.first && present.count(table + kAlias.second) != 0) continue;
    if (leaf == kAlias.second && present.count(table + kAlias.first) != 0) continue;
    missing.push_back(key);
  }
  return missing;
}

std::string text_of(const toml::node& n) {
  std::ostringstream os;
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

std::optional<double> number_of(const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) return f->get();
  return std::nullopt;
}

// Scalars and arrays of scalars; an int and a float of the same value are
// equal (the printer writes 5000000.0 as 5000000).
bool same_value(const toml::node& a, const toml::node& b) {
  if (const auto x = number_of(a)) {
    const auto y = number_of(b);
    return y && *x == *y;
  }
  if (const auto* aa = a.as_array()) {
    const auto* ba = b.as_array();
    if (ba == nullptr || aa->size() != ba->size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i) {
      if (!same_value(*aa->get(i), *ba->get(i))) return false;
    }
    return true;
  }
  return a.type() == b.type() && text_of(a) == text_of(b);
}

// Every key/value of `in` appears in `out` with an equal value; arrays of
// tables are matched by position (the printer keeps the file's order).
void expect_contains(const toml::table& in, const toml::table& out, const std::string& path,
                     std::vector<std::string>& problems) {
  for (const auto& [k, v] : in) {
    std::string key(k.str());
    const std::string p = path.empty() ? key : path + "." + key;
    if (key == kAlias.first) {
      const toml::node* o = out.get(kAlias.second);
      const auto pct = number_of(v);
      const auto bps = o ? number_of(*o) : std::nullopt;
      if (!pct || !bps || std::llround(*pct * 100) != std::llround(*bps))
        problems.push_back(p + " = " + text_of(v) + ": no " + kAlias.second + " 100x it");
      continue;
    }
    const toml::node* o = out.get(key);
    if (o == nullptr) {
      problems.push_back(p + ": not printed");
    } else if (const auto* t = v.as_table()) {
      if (o->as_table() == nullptr)
        problems.push_back(p + ": printed, but not as a table");
      else
        expect_contains(*t, *o->as_table(), p, problems);
    } else if (const auto* a = v.as_array(); a != nullptr && a->is_array_of_tables()) {
      const auto* oa = o->as_array();
      if (oa == nullptr || !oa->is_array_of_tables() || oa->size() != a->size()) {
        problems.push_back(p + ": printed with another number of entries");
        continue;
      }
      for (std::size_t i = 0; i < a->size(); ++i) {
        expect_contains(*a->get(i)->as_table(), *oa->get(i)->as_table(),
                        p + "[" + std::to_string(i) + "]", problems);
      }
    } else if (!same_value(v, *o)) {
      problems.push_back(p + " = " + text_of(v) + ", printed as " + text_of(*o));
    }
  }
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

TEST(PrintConfig, TheFullTestFileSetsEveryKeyTheLoaderReads) {
  const std::string text = read(kData + "every_key.toml");
  std::set<std::string> present;
  collect_paths(toml::parse(text), "", present);
  const auto missing = keys_not_in(text, present);
  EXPECT_TRUE(missing.empty()) << "add to tests/config/data/every_key.toml:" << joined(missing);
}

TEST(PrintConfig, EveryValueOfTheFullFileIsPrintedWithAnEqualValue) {
  const std::string text = read(kData + "every_key.toml");
  const std::string printed = reprint(text, "every_key.toml");
  const toml::table in = toml::parse(text);
  const toml::table out = toml::parse(printed);
  std::vector<std::string> problems;
  expect_contains(in, out, "", problems);
  EXPECT_TRUE(problems.empty()) << "config/print_config.cpp:" << joined(problems) << "\n"
                                << printed;
}

TEST(PrintConfig, ThePrintedFullConfigLoadsBackAndPrintsTheSame) {
  const std::string first = reprint(read(kData + "every_key.toml"), "every_key.toml");
  const std::string second = reprint(first, "printed.toml");
  EXPECT_EQ(first, second);
}

TEST(PrintConfig, TheDefaultsOfAMinimalConfigPrintLoadBackAndPrintTheSame) {
  const std::string first = reprint(read(kData + "minimal.toml"), "minimal.toml");
  const std::string second = reprint(first, "printed.toml");
  EXPECT_EQ(first, second);
}

TEST(PrintConfig, AMinimalConfigPrintsEveryKeyTheLoaderReadsAsAValueOrAsOff) {
  const std::string printed = reprint(read(kData + "minimal.toml"), "minimal.toml");
  std::set<std::string> present = off_comment_paths(printed);
  collect_paths(toml::parse(printed), "", present);
  const auto missing = keys_not_in(printed, present);
  EXPECT_TRUE(missing.empty()) << "print in config/print_config.cpp:" << joined(missing) << "\n"
                               << printed;
}

TEST(PrintConfig, DefaultsAndDerivedValuesAreSpelledOut) {
  const std::string p = reprint(read(kData + "minimal.toml"), "minimal.toml");
  for (const char* expected :
       {"IoThreads = 1\n", "AuditLog = \"var/audit.log\"\n", "KillFile = \"var/KILL\"\n",
        "JournalFile = \"var/journal.rgj\"\n", "AdminListen = \"127.0.0.1:8081\"\n",
        "KillOnReportAnomaly = []\n", "JournalSync = \"interval\"\n",
        "StartTime = \"00:00:00\"\nTimeZone = \"UTC\"\n", "# AdminTokensFile: off",
        "# Manifest: off", "# EngineSecretsFile: off", "ClOrdIDPrefix = \"ENGINE1-\"\n",
        "IdentityRequired = false\n",
        // Role defaults: an acceptor resends reports, an initiator gap-fills.
        "MaxMessageSize = 8192\n", "MaxMessageSize = 65536\n", "ResendApplication = true\n",
        "ResendApplication = false\n", "NonStopSession = true\n",
        "# AllowedRemoteAddresses: any address", "reference_price = 190\n",
        "max_open_orders = 1048576\n", "# max_order_qty: off\n", "# price_collar_bps: off\n",
        "# permitted_symbols: every symbol\n", "max_sent_multiple = 1.0\n",
        "account_breach_min_share = 0.5\n", "warmup_ms = 1800000\n"}) {
    EXPECT_NE(p.find(expected), std::string::npos) << expected << "\nin:\n" << p;
  }
}

TEST(PrintConfig, PricesAndNotionalsPrintAsTheExactDecimalTextTheLoaderRead) {
  const std::string p = reprint(read(kData + "every_key.toml"), "every_key.toml");
  for (const char* expected :
       {"reference_price = 190.1\n", "reference_price = 612345.123456\n",
        "max_open_notional = 250000000.000001\n", "max_gross_notional_day = 123456789012.123456\n",
        "max_order_notional = 5000000.25\n", "limit = 5000000000.5\n", "seed = 250000000.25\n",
        "price_collar_bps = 250\n", "price_collar_bps = 75\n", "typical_size_multiple = 12.5\n",
        "multiple = 20.5\n", "typical_size_multiple = 7.0\n"}) {
    EXPECT_NE(p.find(expected), std::string::npos) << expected << "\nin:\n" << p;
  }
}

TEST(PrintConfig, TheHeaderNamesTheFileItsDigestAndTheBuild) {
  const Config cfg = load_config(kData + "minimal.toml");
  const std::string p =
      print_config(cfg, PrintHeader{"/etc/riskgate/a\nb.toml", "0123abcd", "id9"});
  EXPECT_EQ(p.rfind("# riskgate --print-config", 0), 0U) << p;
  // A newline in the path must not end the comment and break the TOML.
  EXPECT_NE(p.find("# file:   /etc/riskgate/a?b.toml\n"), std::string::npos) << p;
  EXPECT_NE(p.find("# sha256: 0123abcd\n"), std::string::npos) << p;
  EXPECT_NE(p.find("# build:  id9\n"), std::string::npos) << p;
  EXPECT_NO_THROW((void)toml::parse(p));
}

TEST(TomlWriter, DecimalsAreExactAndShortest) {
  using detail::decimal_text;
  EXPECT_EQ(decimal_text(190'100'000, 6), "190.1");
  EXPECT_EQ(decimal_text(5'000'000, 6), "5");
  EXPECT_EQ(decimal_text(1, 6), "0.000001");
  EXPECT_EQ(decimal_text(0, 6), "0");
  EXPECT_EQ(decimal_text(-2'500'000, 6), "-2.5");
  EXPECT_EQ(decimal_text(9'223'372'036'854'775'807, 6), "9223372036854.775807");
  EXPECT_EQ(decimal_text(-9'223'372'036'854'775'807 - 1, 6), "-9223372036854.775808");
  EXPECT_EQ(decimal_text(250, 2), "2.5");
  EXPECT_EQ(decimal_text(42, 0), "42");
}

TEST(TomlWriter, RealsReadBackAsTheSameDoubleAndAreAlwaysFloats) {
  using detail::real_text;
  EXPECT_EQ(real_text(2.0), "2.0");
  EXPECT_EQ(real_text(0.1), "0.1");
  EXPECT_EQ(real_text(12.5), "12.5");
  for (const double v : {0.1, 1.0 / 3.0, 1e20, 1e-7, 123456.789}) {
    const std::string doc = "x = " + real_text(v);
    const toml::table t = toml::parse(doc);
    ASSERT_NE(t["x"].as_floating_point(), nullptr) << doc;
    EXPECT_EQ(t["x"].as_floating_point()->get(), v) << doc;
  }
}

TEST(TomlWriter, StringsWithQuotesBackslashesAndControlCharactersReadBackUnchanged) {
  const std::string s = "a\"b\\c\td\ne\x01f\x7Fg\xC3\xA9";
  const toml::table t = toml::parse("x = " + detail::toml_basic_string(s));
  ASSERT_NE(t["x"].as_string(), nullptr);
  EXPECT_EQ(t["x"].as_string()->get(), s);
}

}  // namespace
}  // namespace riskgate::config
