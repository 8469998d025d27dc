#include "gateway/app/console.hpp"

#include <gtest/gtest.h>

namespace riskgate::app {
namespace {

// 2026-11-30T03:40:12.123456789Z
constexpr std::int64_t kUtcNs = 1'796'010'012'123'456'789;

TEST(ConsoleLine, ATerminalLineStartsWithItsUtcTimeToTheMicrosecondAndItsLevel) {
  EXPECT_EQ(format_line(Level::kWarn, kUtcNs, "riskgate: WARNING: x", false),
            "2026-11-30T03:40:12.123456Z WARN  riskgate: WARNING: x\n");
  EXPECT_EQ(format_line(Level::kInfo, kUtcNs, "a", false), "2026-11-30T03:40:12.123456Z INFO  a\n");
  EXPECT_EQ(format_line(Level::kError, kUtcNs, "a", false),
            "2026-11-30T03:40:12.123456Z ERROR a\n");
  EXPECT_EQ(format_line(Level::kDebug, kUtcNs, "a", false),
            "2026-11-30T03:40:12.123456Z DEBUG a\n");
}

TEST(ConsoleLine, UnderJournaldALineCarriesItsSyslogPriorityAndNoTimestamp) {
  EXPECT_EQ(format_line(Level::kError, kUtcNs, "riskgate: x", true), "<3>riskgate: x\n");
  EXPECT_EQ(format_line(Level::kWarn, kUtcNs, "x", true), "<4>x\n");
  EXPECT_EQ(format_line(Level::kInfo, kUtcNs, "x", true), "<6>x\n");
  EXPECT_EQ(format_line(Level::kDebug, kUtcNs, "x", true), "<7>x\n");
}

TEST(ConsoleLine, TheEpochPrintsAsMidnightOfTheFirstOfJanuary1970) {
  EXPECT_EQ(format_line(Level::kInfo, 0, "a", false), "1970-01-01T00:00:00.000000Z INFO  a\n");
}

TEST(ConsoleLevel, LevelNamesParseInAnyCaseAndAnythingElseIsRefused) {
  EXPECT_EQ(parse_level("debug"), Level::kDebug);
  EXPECT_EQ(parse_level("INFO"), Level::kInfo);
  EXPECT_EQ(parse_level("Warn"), Level::kWarn);
  EXPECT_EQ(parse_level("warning"), Level::kWarn);
  EXPECT_EQ(parse_level("error"), Level::kError);
  EXPECT_FALSE(parse_level("").has_value());
  EXPECT_FALSE(parse_level("verbose").has_value());
  EXPECT_FALSE(parse_level("info ").has_value());
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError})
    EXPECT_EQ(parse_level(to_string(l)), l);
}

}  // namespace
}  // namespace riskgate::app
