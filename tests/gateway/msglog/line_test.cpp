#include "gateway/msglog/line.hpp"

#include <gtest/gtest.h>

namespace riskgate::msglog {
namespace {

// 2026-11-30 03:14:15.123456789 UTC.
constexpr std::int64_t kT = 1'796'008'455'123'456'789;

TEST(MessageLogLine, TheTimestampIsUtcWithNanosecondsAndParsesBack) {
  char ts[kTimestampSize];
  format_timestamp(kT, ts);
  EXPECT_EQ(std::string_view(ts, kTimestampSize), "20261130-03:14:15.123456789");
  EXPECT_EQ(parse_timestamp(std::string_view(ts, kTimestampSize)), kT);
  EXPECT_EQ(parse_timestamp("20261131-03:14:15.123456789"), std::nullopt);  // No 31 Nov.
  EXPECT_EQ(day_string(day_of(kT)), "20261130");
  EXPECT_EQ(parse_day("20261130"), day_of(kT));
  EXPECT_EQ(parse_day("2026113"), std::nullopt);
}

TEST(MessageLogLine, AMessageIsOneLineWithSohShownAsBarAndParsesBack) {
  std::string out;
  append_message_line(out, kT, true,
                      "8=FIX.4.4\x01"
                      "35=D\x01"
                      "58=a\nb\x01"
                      "10=001\x01");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 in 8=FIX.4.4|35=D|58=a b|10=001|\n");
  const auto l = parse_line(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, Line::Kind::kMessage);
  EXPECT_TRUE(l->inbound);
  EXPECT_EQ(l->utc_ns, kT);
  EXPECT_EQ(field(l->message, "35"), "D");
  EXPECT_EQ(field(l->message, "58"), "a b");
  EXPECT_EQ(field(l->message, "5"), "");  // Whole tags only.

  out.clear();
  append_gap_line(out, kT, 12);
  EXPECT_EQ(out, "20261130-03:14:15.123456789 GAP 12 messages\n");
  const auto g = parse_line(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, Line::Kind::kGap);
  EXPECT_EQ(g->gap, 12u);

  out.clear();
  append_header_line(out, kT, "session=E1 leg=engine route=X cl_ord_id_prefix=E1-");
  const auto h = parse_line(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, Line::Kind::kHeader);
  EXPECT_EQ(h->header.at("cl_ord_id_prefix"), "E1-");
  EXPECT_EQ(h->header.at("route"), "X");
  EXPECT_FALSE(parse_line("garbage"));
}

TEST(MessageLogLine, PasswordsNeverReachTheFile) {
  std::string out;
  append_message_line(out, kT, true,
                      "8=FIX.4.4\x01"
                      "35=A\x01"
                      "553=ENGINE1\x01"
                      "554=s3cret\x01"
                      "925=n3w\x01"
                      "10=001\x01");
  EXPECT_EQ(out,
            "20261130-03:14:15.123456789 in 8=FIX.4.4|35=A|553=ENGINE1|554=***|925=***|10=001|\n");
}

TEST(MessageLogLine, TheAttestationInRawDataNeverReachesTheFile) {
  std::string out;
  append_message_line(out, kT, true,
                      "8=FIX.4.4\x01"
                      "35=A\x01"
                      "95=9\x01"
                      "96=RGA1|x=y\x01"
                      "10=001\x01");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 in 8=FIX.4.4|35=A|95=9|96=***|10=001|\n");
}

TEST(MessageLogLine, TagsThatOnlyLookLikeASecretAreWrittenAsSent) {
  // 5540, 9250, 960 and 1554 are not 554, 925 or 96; nor is a value "96=".
  std::string out;
  append_message_line(out, kT, false,
                      "8=FIX.4.4\x01"
                      "35=D\x01"
                      "5540=a\x01"
                      "9250=b\x01"
                      "960=c\x01"
                      "1554=d\x01"
                      "58=96=x 554=y\x01"
                      "10=001\x01");
  EXPECT_EQ(out,
            "20261130-03:14:15.123456789 out "
            "8=FIX.4.4|35=D|5540=a|9250=b|960=c|1554=d|58=96=x 554=y|10=001|\n");
}

TEST(MessageLogLine, ASecretAsTheFirstFieldIsMaskedAndLineBreaksBecomeSpaces) {
  std::string out;
  append_message_line(out, kT, true,
                      "554=pw\x01"
                      "58=a\nb\rc\x01");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 in 554=***|58=a b c|\n");
  out.clear();
  append_message_line(out, kT, true,
                      "35=0\x01"
                      "58=a\nb\rc\x01"
                      "10=001");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 in 35=0|58=a b c|10=001\n");
}

TEST(MessageLogLine, ABarInsideAValueIsEscapedSoItCannotPassForAField) {
  std::string out;
  append_message_line(out, kT, true,
                      "8=FIX.4.4\x01"
                      "35=D\x01"
                      "58=x|11=EVIL\\\x01"
                      "11=REAL\x01");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 in 8=FIX.4.4|35=D|58=x\\|11=EVIL\\\\|11=REAL|\n");
  const auto l = parse_line(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(l);
  EXPECT_EQ(field(l->message, "11"), "REAL");
  EXPECT_EQ(field(l->message, "58"), "x\\|11=EVIL\\\\");
  // A message without either character is written as before.
  out.clear();
  append_message_line(out, kT, false, "35=0\x01");
  EXPECT_EQ(out, "20261130-03:14:15.123456789 out 35=0|\n");
}

TEST(MessageLogLine, FileNamesCarryTheSessionAndTheDay) {
  EXPECT_EQ(file_name("ENGINE.1", day_of(kT)), "ENGINE.1.20261130.log");
  const auto f = parse_file_name("ENGINE.1.20261130.log.gz");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->session, "ENGINE.1");
  EXPECT_EQ(f->day, day_of(kT));
  EXPECT_TRUE(f->gz);
  EXPECT_FALSE(parse_file_name("audit.log"));
  EXPECT_FALSE(parse_file_name("E1.20261130.log.gz.part"));
  EXPECT_FALSE(parse_file_name(".20261130.log"));
}

}  // namespace
}  // namespace riskgate::msglog
