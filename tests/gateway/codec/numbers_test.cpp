// Numbers, timestamps and BodyBuilder: exact at every boundary, no locale.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gateway/codec/codec.hpp"
#include "tests/gateway/codec/fix_text.hpp"

namespace riskgate::codec {
namespace {

TEST(ParseUint, ReadsDigitsUpToTheLargestValue) {
  std::uint64_t v = 0;
  EXPECT_TRUE(parse_uint("0", v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(parse_uint("000123", v));
  EXPECT_EQ(v, 123u);
  EXPECT_TRUE(parse_uint("18446744073709551615", v));
  EXPECT_EQ(v, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parse_uint("18446744073709551616", v));
  EXPECT_FALSE(parse_uint("99999999999999999999", v));
}

TEST(ParseUint, RefusesAnythingButDigits) {
  std::uint64_t v = 7;
  for (const char* s : {"", "+1", "-1", "1a", " 1", "1 ", "1.0", "0x10"}) {
    EXPECT_FALSE(parse_uint(s, v)) << s;
  }
  EXPECT_EQ(v, 7u) << "a failed parse leaves the output alone";
}

TEST(ParseInt, ReadsBothSignsToTheLimits) {
  std::int64_t v = 0;
  EXPECT_TRUE(parse_int("-42", v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(parse_int("9223372036854775807", v));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(parse_int("-9223372036854775808", v));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(parse_int("9223372036854775808", v));
  EXPECT_FALSE(parse_int("-9223372036854775809", v));
  EXPECT_FALSE(parse_int("-", v));
  EXPECT_FALSE(parse_int("--1", v));
  EXPECT_FALSE(parse_int("", v));
}

TEST(ParseFixed6, ReadsPricesAsExactMicroUnits) {
  struct Case {
    const char* text;
    std::int64_t micro;
  };
  for (const Case c :
       {Case{"190.25", 190'250'000}, Case{"100", 100'000'000}, Case{"0", 0}, Case{"-0.5", -500'000},
        Case{".5", 500'000}, Case{"1.", 1'000'000}, Case{"0.000001", 1},
        Case{"190.2500000000", 190'250'000}, Case{"-0", 0}, Case{"007.10", 7'100'000},
        Case{"9223372036854.775807", std::numeric_limits<std::int64_t>::max()},
        Case{"-9223372036854.775807", -std::numeric_limits<std::int64_t>::max()}}) {
    std::int64_t v = 12345;
    EXPECT_TRUE(parse_fixed6(c.text, v)) << c.text;
    EXPECT_EQ(v, c.micro) << c.text;
  }
}

TEST(ParseFixed6, RefusesMalformedTextPrecisionLossAndOverflow) {
  for (const char* s :
       {"", ".", "-", "-.", "+1", "1e5", " 1", "1 ", "1.2.3", "1,5", "0.0000001", "1.1234567",
        "9223372036854.775808", "9223372036855", "NaN", "99999999999999999999999"}) {
    std::int64_t v = 0;
    EXPECT_FALSE(parse_fixed6(s, v)) << s;
  }
}

TEST(UtcTimestamp, FormatsTheEpochAndAKnownInstant) {
  std::array<char, 21> out{};
  ASSERT_EQ(format_utc_timestamp(out, 0), 21u);
  EXPECT_EQ(std::string(out.data(), 21), "19700101-00:00:00.000");
  // 2024-03-15 14:30:00.123456789 UTC.
  ASSERT_EQ(format_utc_timestamp(out, 1710513000123456789), 21u);
  EXPECT_EQ(std::string(out.data(), 21), "20240315-14:30:00.123");
  ASSERT_EQ(format_utc_timestamp(out, 951782400000000000), 21u);
  EXPECT_EQ(std::string(out.data(), 21), "20000229-00:00:00.000");
}

TEST(UtcTimestamp, FormatsTimesBeforeTheEpochWithFloorDivision) {
  std::array<char, 21> out{};
  ASSERT_EQ(format_utc_timestamp(out, -1), 21u);
  EXPECT_EQ(std::string(out.data(), 21), "19691231-23:59:59.999");
}

TEST(UtcTimestamp, WritesNothingIntoATooSmallBuffer) {
  std::array<char, 20> out{};
  EXPECT_EQ(format_utc_timestamp(out, 0), 0u);
}

TEST(UtcTimestamp, ParsesSecondsMillisMicrosAndNanos) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parse_utc_timestamp("20240315-14:30:00", ns));
  EXPECT_EQ(ns, 1710513000000000000);
  ASSERT_TRUE(parse_utc_timestamp("20240315-14:30:00.123", ns));
  EXPECT_EQ(ns, 1710513000123000000);
  ASSERT_TRUE(parse_utc_timestamp("20240315-14:30:00.123456", ns));
  EXPECT_EQ(ns, 1710513000123456000);
  ASSERT_TRUE(parse_utc_timestamp("20240315-14:30:00.123456789", ns));
  EXPECT_EQ(ns, 1710513000123456789);
  ASSERT_TRUE(parse_utc_timestamp("19691231-23:59:59.999", ns));
  EXPECT_EQ(ns, -1000000);
}

TEST(UtcTimestamp, AcceptsLeapDaysAndALeapSecond) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_utc_timestamp("20240229-00:00:00", ns));
  EXPECT_TRUE(parse_utc_timestamp("20000229-00:00:00", ns));
  EXPECT_TRUE(parse_utc_timestamp("20161231-23:59:60", ns));
}

TEST(UtcTimestamp, RefusesImpossibleDatesBadShapesAndOverflow) {
  for (const char* s : {"",
                        "20230229-00:00:00",
                        "21000229-00:00:00",
                        "20241301-00:00:00",
                        "20240001-00:00:00",
                        "20240100-00:00:00",
                        "20240431-00:00:00",
                        "20240315-24:00:00",
                        "20240315-14:60:00",
                        "20240315-14:30:61",
                        "20240315 14:30:00",
                        "20240315-14.30:00",
                        "20240315-14:30:00.",
                        "20240315-14:30:00.12",
                        "20240315-14:30:00,123",
                        "20240315-14:30:00.1234",
                        "2024031-14:30:00.000",
                        "20240315-14:30:0x",
                        "99991231-23:59:59",
                        "00000101-00:00:00"}) {
    std::int64_t ns = 0;
    EXPECT_FALSE(parse_utc_timestamp(s, ns)) << s;
  }
}

TEST(UtcTimestamp, RoundTripsRandomInstantsToTheMillisecond) {
  std::mt19937_64 rng(20240315);
  std::uniform_int_distribution<std::int64_t> dist(-2'000'000'000'000'000'000,
                                                   7'000'000'000'000'000'000);
  std::array<char, 21> out{};
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t t = dist(rng);
    ASSERT_EQ(format_utc_timestamp(out, t), 21u);
    std::int64_t back = 0;
    ASSERT_TRUE(parse_utc_timestamp({out.data(), 21}, back)) << std::string(out.data(), 21);
    const std::int64_t ms_floor =
        t >= 0 ? t / 1'000'000 * 1'000'000 : (t - 999'999) / 1'000'000 * 1'000'000;
    ASSERT_EQ(back, ms_floor) << std::string(out.data(), 21);
  }
}

TEST(BodyBuilder, AppendsFieldsIntegersAndMinimalDecimals) {
  std::array<char, 256> buf{};
  BodyBuilder b(buf);
  EXPECT_TRUE(b.add(58, "hello"));
  EXPECT_TRUE(b.add_int(34, -17));
  EXPECT_TRUE(b.add_fixed6(44, 190'250'000));
  EXPECT_TRUE(b.add_fixed6(38, 1'000'000));
  EXPECT_TRUE(b.add_fixed6(31, -500'000));
  EXPECT_TRUE(b.add_fixed6(6, 0));
  EXPECT_TRUE(b.add_fixed6(44, 1));
  EXPECT_TRUE(b.add_raw(test::wire("9001=X|")));
  EXPECT_EQ(test::pipes(b.view()),
            "58=hello|34=-17|44=190.25|38=1|31=-0.5|6=0|44=0.000001|9001=X|");
  EXPECT_FALSE(b.overflowed());
}

TEST(BodyBuilder, WritesTheExtremeIntegersAndPrices) {
  std::array<char, 256> buf{};
  BodyBuilder b(buf);
  EXPECT_TRUE(b.add_int(1, std::numeric_limits<std::int64_t>::min()));
  EXPECT_TRUE(b.add_fixed6(2, std::numeric_limits<std::int64_t>::min()));
  EXPECT_TRUE(b.add_fixed6(3, std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(test::pipes(b.view()),
            "1=-9223372036854775808|2=-9223372036854.775808|3=9223372036854.775807|");
}

TEST(BodyBuilder, FailsWholeFieldsWhenFullAndStaysFailedUntilCleared) {
  std::array<char, 16> buf{};
  BodyBuilder b(buf);
  EXPECT_TRUE(b.add(58, "abcdef"));   // "58=abcdef|": 10 bytes, 6 left
  EXPECT_FALSE(b.add(1, "xxxxxxx"));  // needs 10
  EXPECT_EQ(test::pipes(b.view()), "58=abcdef|");
  EXPECT_TRUE(b.overflowed());
  EXPECT_FALSE(b.add(1, "x")) << "would fit, but a body with a hole must not be sent";
  EXPECT_FALSE(b.add_raw(test::wire("1=x|")));
  EXPECT_EQ(test::pipes(b.view()), "58=abcdef|");
  b.clear();
  EXPECT_FALSE(b.overflowed());
  EXPECT_TRUE(b.view().empty());
  EXPECT_TRUE(b.add(1, "x"));
}

TEST(BodyBuilder, RefusesAnEmptyValueOrTagZeroRatherThanWriteAMalformedField) {
  std::array<char, 64> buf{};
  BodyBuilder b(buf);
  EXPECT_FALSE(b.add(58, ""));
  EXPECT_TRUE(b.overflowed());
  b.clear();
  EXPECT_FALSE(b.add(0, "x"));
  EXPECT_TRUE(b.view().empty());
}

}  // namespace
}  // namespace riskgate::codec
