// Shared by the journal tests: a scratch directory and a journal config in it.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "tests/support/temp_dir.hpp"

namespace riskgate::journal::testing {

using ::riskgate::testing::TempDir;

inline JournalConfig test_config(const std::filesystem::path& dir) {
  JournalConfig c;
  c.file = dir / "gw.journal";
  c.ring_dir = dir;
  c.gateway = "gw-test";
  c.trading_day = 20240502;
  c.ring_capacity = std::size_t{1} << 16;
  c.sync = SyncPolicy::kNone;
  return c;
}

// A plausible ~200-byte NewOrderSingle as the exchange leg would send it.
inline std::string fix_order(std::uint64_t seq, const std::string& cl_ord_id = "ORD1") {
  std::string m =
      "8=FIX.4.4\x01"
      "9=178\x01"
      "35=D\x01"
      "34=" +
      std::to_string(seq) +
      "\x01"
      "49=RISKGATE\x01"
      "56=EXCH\x01"
      "52=20240502-13:45:01.123456\x01"
      "11=" +
      cl_ord_id +
      "\x01"
      "1=ACCT-0001\x01"
      "55=ACME\x01"
      "54=1\x01"
      "38=100\x01"
      "40=2\x01"
      "44=101.25\x01"
      "59=0\x01"
      "60=20240502-13:45:01.123\x01";
  m += "10=000\x01";
  return m;
}

inline std::vector<char> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_all(const std::filesystem::path& p, const char* data, std::size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(n));
}

}  // namespace riskgate::journal::testing
