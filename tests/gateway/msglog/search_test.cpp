#include "gateway/msglog/search.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "gateway/msglog/line.hpp"
#include "tests/support/temp_dir.hpp"

namespace riskgate::msglog {
namespace {

namespace fs = std::filesystem;
using riskgate::testing::TempDir;

constexpr std::int64_t kT = 1'796'008'455'000'000'000;  // 2026-11-30 03:14:15 UTC.

// Builds one session's log file line by line, as the writer would.
class LogFile {
 public:
  LogFile(const fs::path& dir, std::string session, std::string header)
      : path_(dir / file_name(session, day_of(kT))) {
    append_header_line(text_, kT, header);
  }
  // `fields` with '|' for SOH, after 8=/9= (the search never looks at those).
  LogFile& in(std::int64_t ms, const std::string& fields) { return add(ms, true, fields); }
  LogFile& out(std::int64_t ms, const std::string& fields) { return add(ms, false, fields); }
  void write() const { std::ofstream(path_) << text_; }
  void write_gz() const {
    gzFile gz = ::gzopen((path_.string() + ".gz").c_str(), "wb");
    ::gzwrite(gz, text_.data(), static_cast<unsigned>(text_.size()));
    ::gzclose(gz);
  }

 private:
  LogFile& add(std::int64_t ms, bool inbound, const std::string& fields) {
    std::string raw = "8=FIX.4.4|9=99|" + fields + "10=000|";
    for (char& c : raw)
      if (c == '|') c = '\x01';
    append_message_line(text_, kT + ms * 1'000'000, inbound, raw);
    return *this;
  }
  fs::path path_;
  std::string text_;
};

// Engine E1 (prefix P1-) and engine E2 (prefix P2-) routed to exchange EX.
// T-1 is new, replaced to T-1R, which is partly filled, then cancelled by
// T-1C; T-10 and E2's T-1 are other orders; a Heartbeat numbered like the
// order draws no reject of interest.
struct Day {
  TempDir dir;
  Day(bool gz_exchange = false) {
    LogFile e1(dir.path(), "E1", "session=E1 leg=engine route=EX cl_ord_id_prefix=P1-");
    e1.in(0, "35=D|34=2|11=T-1|55=AAPL|")
        .out(1, "35=8|34=2|11=T-1|150=0|")
        .in(2, "35=D|34=3|11=T-10|55=AAPL|")
        .out(3, "35=8|34=3|11=T-10|150=0|")
        .in(4, "35=G|34=4|11=T-1R|41=T-1|")
        .out(6, "35=8|34=4|11=T-1R|41=T-1|150=5|")
        .out(7, "35=8|34=5|11=T-1R|150=F|32=100|")
        .in(8, "35=F|34=5|11=T-1C|41=T-1R|")
        .out(10, "35=8|34=6|11=T-1C|41=T-1R|150=4|")
        .in(11, "35=0|34=6|")
        .out(12, "35=3|34=7|45=6|58=bad heartbeat|")
        .in(13, "35=F|34=7|11=T-1X|41=T-1C|99=garbled|")
        .out(14, "35=3|34=8|45=7|373=5|58=value is incorrect|")
        .out(15, "35=3|34=9|45=3|58=about seq 3 of the other direction|")
        .write();
    LogFile e2(dir.path(), "E2", "session=E2 leg=engine route=EX cl_ord_id_prefix=P2-");
    e2.in(0, "35=D|34=2|11=T-1|55=MSFT|").out(1, "35=8|34=2|11=T-1|150=0|").write();
    LogFile ex(dir.path(), "EX", "session=EX leg=exchange");
    ex.out(0, "35=D|34=2|11=P1-T-1|")
        .out(1, "35=D|34=3|11=P2-T-1|")
        .in(1, "35=8|34=2|11=P1-T-1|150=0|")
        .out(2, "35=D|34=4|11=P1-T-10|")
        .out(5, "35=G|34=5|11=P1-T-1R|41=P1-T-1|")
        .in(6, "35=8|34=3|11=P1-T-1R|41=P1-T-1|150=5|")
        .in(7, "35=8|34=4|11=P1-T-1R|150=F|")
        .out(9, "35=F|34=6|11=P1-T-1C|41=P1-T-1R|")
        .in(10, "35=8|34=5|11=P1-T-1C|41=P1-T-1R|150=4|")
        .in(11, "35=3|34=6|45=4|58=about T-10|");
    if (gz_exchange)
      ex.write_gz();
    else
      ex.write();
  }
};

std::vector<std::string> brief(const std::vector<Found>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) {
    const auto l = parse_line(f.line);
    out.push_back(
        f.session + (l->inbound ? " in " : " out ") + std::string(field(l->message, "35")) + " " +
        std::string(field(l->message, "11")) + "/" + std::string(field(l->message, "41")) + "/" +
        std::string(field(l->message, "45")));
  }
  return out;
}

const std::vector<std::string> kConversation = {
    "E1 in D T-1//",       "EX out D P1-T-1//",        "E1 out 8 T-1//",
    "EX in 8 P1-T-1//",    "E1 in G T-1R/T-1/",        "EX out G P1-T-1R/P1-T-1/",
    "E1 out 8 T-1R/T-1/",  "EX in 8 P1-T-1R/P1-T-1/",  "E1 out 8 T-1R//",
    "EX in 8 P1-T-1R//",   "E1 in F T-1C/T-1R/",       "EX out F P1-T-1C/P1-T-1R/",
    "E1 out 8 T-1C/T-1R/", "EX in 8 P1-T-1C/P1-T-1R/", "E1 in F T-1X/T-1C/",
    "E1 out 3 //7",
};

TEST(MessageLogSearch, FindsTheOrderOnBothLegsAlongItsReplacesAndNothingOfOtherOrders) {
  Day d;
  SearchRequest r{d.dir.path(), "T-1", day_of(kT), std::string("E1")};
  EXPECT_EQ(brief(search(r)), kConversation);
}

TEST(MessageLogSearch, ASessionRejectCountsOnlyWhenItsRefSeqNumNamesAMessageOfTheOrder) {
  Day d;
  const auto found = brief(search({d.dir.path(), "T-10", day_of(kT), std::string("E1")}));
  const std::vector<std::string> want = {"E1 in D T-10//", "EX out D P1-T-10//", "E1 out 8 T-10//",
                                         "EX in 3 //4", "E1 out 3 //3"};
  EXPECT_EQ(found, want);
}

TEST(MessageLogSearch, AResendKeepsTheNumberingAndAResetStartsANewOne) {
  TempDir dir;
  LogFile e1(dir.path(), "E1", "session=E1 leg=engine route=EX cl_ord_id_prefix=P1-");
  e1.in(0, "35=D|34=5|11=A|")
      .in(1, "35=D|34=6|11=B|")
      .in(2, "35=D|34=5|43=Y|11=A|")  // A PossDup resend: same numbering.
      .out(3, "35=3|34=9|45=6|")      // About B.
      .in(4, "35=A|34=1|141=Y|")      // A reset: numbering starts again.
      .out(5, "35=3|34=2|45=6|")      // About seq 6 of the new numbering: none.
      .write();
  const auto found = brief(search({dir.path(), "B", day_of(kT), std::string("E1")}));
  const std::vector<std::string> want = {"E1 in D B//", "E1 out 3 //6"};
  EXPECT_EQ(found, want);
}

TEST(MessageLogSearch, WithoutASessionEveryEngineThatUsedTheIdIsSearched) {
  Day d;
  const auto found = brief(search({d.dir.path(), "T-1", day_of(kT), std::nullopt}));
  EXPECT_EQ(found.size(), kConversation.size() + 3);  // E2's order: D in, D out, ack.
  EXPECT_NE(std::find(found.begin(), found.end(), "EX out D P2-T-1//"), found.end());
}

TEST(MessageLogSearch, ReadsCompressedFilesToo) {
  Day d(true);
  ASSERT_TRUE(fs::exists(d.dir.path() / "EX.20261130.log.gz"));
  EXPECT_EQ(brief(search({d.dir.path(), "T-1", day_of(kT), std::string("E1")})), kConversation);
}

TEST(MessageLogSearch, AMissingDirectoryDayOrSessionIsAClearError) {
  Day d;
  try {
    (void)search({d.dir.path() / "nope", "T-1", day_of(kT), std::nullopt});
    FAIL();
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("no such directory"), std::string::npos);
  }
  try {
    (void)search({d.dir.path(), "T-1", day_of(kT) - 1, std::nullopt});
    FAIL();
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("no message logs for 20261129"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("days present: 20261130"), std::string::npos);
  }
  EXPECT_THROW((void)search({d.dir.path(), "T-1", day_of(kT), std::string("E9")}), SearchError);
  EXPECT_TRUE(search({d.dir.path(), "NOPE", day_of(kT), std::nullopt}).empty());
}

}  // namespace
}  // namespace riskgate::msglog
