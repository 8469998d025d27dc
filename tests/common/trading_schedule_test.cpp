#include "common/trading_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "common/tz_database.hpp"

namespace riskgate::schedule {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

std::int64_t date_of(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}
// UTC ns of y-m-d hh:mm:ss UTC.
std::int64_t utc(int y, unsigned m, unsigned d, int hh, int mm = 0, int ss = 0) {
  return ((date_of(y, m, d) * kDaySec) + hh * 3600 + mm * 60 + ss) * kSecNs;
}

Spec daily(std::string_view start, std::string_view end, Zone z = {}) {
  Spec s;
  s.start_s = parse_time_of_day(start);
  s.end_s = parse_time_of_day(end);
  s.zone = std::move(z);
  return s;
}

// Europe/London in 2024, by hand: BST from 31 March 01:00 UTC to 27 October
// 01:00 UTC.
Zone london_2024() {
  return Zone::with_transitions(
      "Europe/London", 0,
      {{utc(2024, 3, 31, 1) / kSecNs, 3600}, {utc(2024, 10, 27, 1) / kSecNs, 0}});
}

TEST(Schedule, ADailyScheduleStartsATradingDayAtStartTimeEachDay) {
  const Schedule s(daily("00:00:00", "00:00:00"));
  const Period p = s.period_at(utc(2024, 1, 2, 12));
  EXPECT_EQ(p.number, date_of(2024, 1, 2));
  EXPECT_EQ(p.start_ns, utc(2024, 1, 2, 0));
  EXPECT_EQ(p.next_start_ns, utc(2024, 1, 3, 0));
  EXPECT_TRUE(s.active(utc(2024, 1, 2, 23, 59, 59)));  // StartTime == EndTime: all day.
}

TEST(Schedule, TheInstantOfStartTimeBelongsToTheNewDayAndTheSecondBeforeToTheOld) {
  const Schedule s(daily("17:00:00", "16:00:00"));
  EXPECT_EQ(s.period_at(utc(2024, 1, 2, 17)).number, date_of(2024, 1, 2));
  EXPECT_EQ(s.period_at(utc(2024, 1, 2, 17) - 1).number, date_of(2024, 1, 1));
  EXPECT_EQ(s.next_boundary_ns(utc(2024, 1, 2, 16, 59, 59)), utc(2024, 1, 2, 17));
}

TEST(Schedule, AnOvernightSessionIsActiveFromStartTimeUntilEndTimeTheNextMorning) {
  const Schedule s(daily("22:00:00", "06:00:00"));
  EXPECT_FALSE(s.active(utc(2024, 1, 2, 21, 59, 59)));
  EXPECT_TRUE(s.active(utc(2024, 1, 2, 22)));
  EXPECT_TRUE(s.active(utc(2024, 1, 3, 3)));
  EXPECT_EQ(s.period_at(utc(2024, 1, 3, 3)).number, date_of(2024, 1, 2));
  EXPECT_FALSE(s.active(utc(2024, 1, 3, 6)));
  // Outside the window the period is still the one that started last night.
  EXPECT_EQ(s.period_at(utc(2024, 1, 3, 12)).number, date_of(2024, 1, 2));
  EXPECT_EQ(s.period_at(utc(2024, 1, 3, 22)).number, date_of(2024, 1, 3));
}

TEST(Schedule, ADaySessionIsActiveBetweenStartTimeAndEndTimeOnly) {
  const Schedule s(daily("08:00:00", "16:30:00"));
  EXPECT_FALSE(s.active(utc(2024, 1, 2, 7, 59, 59)));
  EXPECT_TRUE(s.active(utc(2024, 1, 2, 8)));
  EXPECT_TRUE(s.active(utc(2024, 1, 2, 16, 29, 59)));
  EXPECT_FALSE(s.active(utc(2024, 1, 2, 16, 30)));
}

TEST(Schedule, AWeeklySessionRunsFromStartDayStartTimeToEndDayEndTime) {
  Spec sp = daily("17:00:00", "17:00:00", parse_zone("UTC-05:00"));
  sp.start_day = parse_weekday("Sunday");
  sp.end_day = parse_weekday("fri");
  const Schedule s(sp);
  // 2024-01-07 is a Sunday; 17:00 at UTC-5 is 22:00 UTC.
  EXPECT_FALSE(s.active(utc(2024, 1, 7, 21, 59, 59)));
  EXPECT_TRUE(s.active(utc(2024, 1, 7, 22)));
  EXPECT_TRUE(s.active(utc(2024, 1, 10, 12)));          // Wednesday.
  EXPECT_TRUE(s.active(utc(2024, 1, 12, 21, 59, 59)));  // Friday 16:59:59 local.
  EXPECT_FALSE(s.active(utc(2024, 1, 12, 22)));
  EXPECT_FALSE(s.active(utc(2024, 1, 13, 12)));  // Saturday.
  const Period p = s.period_at(utc(2024, 1, 13, 12));
  EXPECT_EQ(p.number, date_of(2024, 1, 7));
  EXPECT_EQ(p.next_start_ns, utc(2024, 1, 14, 22));
}

TEST(Schedule, AWeeklySessionWithTheSameStartAndEndDaySpansTheWholeWeek) {
  Spec sp = daily("18:00:00", "17:00:00");
  sp.start_day = 0;
  sp.end_day = 0;
  const Schedule s(sp);
  EXPECT_TRUE(s.active(utc(2024, 1, 10, 12)));
  EXPECT_FALSE(s.active(utc(2024, 1, 14, 17, 30)));  // Sunday's hour off.
  EXPECT_TRUE(s.active(utc(2024, 1, 14, 18)));
}

TEST(Schedule, AFixedOffsetMovesTheBoundaryInUtc) {
  const Schedule s(daily("00:00:00", "00:00:00", parse_zone("UTC+09:00")));
  // Tokyo midnight on 2 January is 15:00 UTC on 1 January.
  EXPECT_EQ(s.period_at(utc(2024, 1, 1, 15)).number, date_of(2024, 1, 2));
  EXPECT_EQ(s.period_at(utc(2024, 1, 1, 15) - 1).number, date_of(2024, 1, 1));
}

TEST(Schedule, AcrossTheSpringDstChangeTheDayIs23HoursAndStartTimeStaysLocal) {
  const Schedule s(daily("08:00:00", "16:30:00", london_2024()));
  const Period before = s.period_at(utc(2024, 3, 30, 12));
  EXPECT_EQ(before.start_ns, utc(2024, 3, 30, 8));
  EXPECT_EQ(before.next_start_ns, utc(2024, 3, 31, 7));  // 08:00 BST.
  const Period after = s.period_at(utc(2024, 3, 31, 7));
  EXPECT_EQ(after.number, date_of(2024, 3, 31));
  EXPECT_EQ(after.end_ns, utc(2024, 3, 31, 15, 30));
  EXPECT_FALSE(s.active(utc(2024, 3, 31, 15, 30)));
}

TEST(Schedule, AcrossTheAutumnDstChangeTheDayIs25Hours) {
  const Schedule s(daily("08:00:00", "16:30:00", london_2024()));
  const Period p = s.period_at(utc(2024, 10, 26, 12));
  EXPECT_EQ(p.start_ns, utc(2024, 10, 26, 7));
  EXPECT_EQ(p.next_start_ns, utc(2024, 10, 27, 8));
  EXPECT_EQ(p.next_start_ns - p.start_ns, 25 * 3600 * kSecNs);
}

TEST(Schedule, AStartTimeInTheDstGapHappensAsMuchLaterAsTheGapIsLong) {
  // 01:30 does not exist in London on 31 March 2024: read at GMT it is 01:30
  // UTC, 02:30 BST.
  const Schedule s(daily("01:30:00", "01:30:00", london_2024()));
  EXPECT_EQ(s.period_at(utc(2024, 3, 31, 12)).start_ns, utc(2024, 3, 31, 1, 30));
}

TEST(Schedule, AStartTimeThatHappensTwiceWhenTheClockFallsBackIsTheFirst) {
  const Schedule s(daily("01:30:00", "01:30:00", london_2024()));
  EXPECT_EQ(s.period_at(utc(2024, 10, 27, 12)).start_ns, utc(2024, 10, 27, 0, 30));
}

TEST(Schedule, DescribeNamesTheWindowAndZone) {
  Spec sp = daily("17:00:00", "16:00:00", parse_zone("UTC+01:00"));
  sp.start_day = 0;
  sp.end_day = 5;
  EXPECT_EQ(Schedule(sp).describe(), "Sunday 17:00:00-Friday 16:00:00 UTC+01:00");
}

TEST(ScheduleParse, TimesMustBeHhMmSs) {
  EXPECT_EQ(parse_time_of_day("08:30:15"), 8 * 3600 + 30 * 60 + 15);
  EXPECT_THROW((void)parse_time_of_day("8:30:00"), std::invalid_argument);
  EXPECT_THROW((void)parse_time_of_day("24:00:00"), std::invalid_argument);
  EXPECT_THROW((void)parse_time_of_day("12:60:00"), std::invalid_argument);
}

TEST(ScheduleParse, WeekdaysAreFullNamesOrThreeLettersInAnyCase) {
  EXPECT_EQ(parse_weekday("Sunday"), 0);
  EXPECT_EQ(parse_weekday("MON"), 1);
  EXPECT_EQ(parse_weekday("saturday"), 6);
  EXPECT_THROW((void)parse_weekday("Funday"), std::invalid_argument);
}

TEST(ScheduleParse, ZonesAreUtcFixedOffsetsOrNamesOfTheTzDatabase) {
  EXPECT_EQ(parse_zone("UTC").offset_at(0), 0);
  EXPECT_EQ(parse_zone("UTC+05:30").offset_at(0), 5 * 3600 + 1800);
  EXPECT_EQ(parse_zone("-04:00").offset_at(0), -4 * 3600);
  EXPECT_EQ(parse_zone("GMT+1").name(), "UTC+01:00");
  EXPECT_THROW((void)parse_zone("UTC+19:00"), std::invalid_argument);
  EXPECT_THROW((void)parse_zone("UTC+"), std::invalid_argument);
  EXPECT_EQ(parse_zone("Asia/Tokyo").offset_at(utc(2026, 7, 1, 0) / kSecNs), 9 * 3600);
  EXPECT_EQ(parse_zone("Asia/Tokyo").name(), "Asia/Tokyo");
  // The tz database's POSIX-style names invert the sign: Etc/GMT+5 is UTC-5.
  EXPECT_EQ(parse_zone("Etc/GMT+5").offset_at(utc(2026, 7, 1, 0) / kSecNs), -5 * 3600);
}

TEST(ScheduleParse, AnUnknownZoneNameIsRefusedNamingTheTzDatabase) {
  for (const char* name : {"Mars/Olympus_Mons", "America/New York", "../../etc/passwd", "EST+"}) {
    try {
      (void)parse_zone(name);
      ADD_FAILURE() << name << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  try {
    (void)parse_zone("Mars/Olympus_Mons");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tz database"), std::string::npos) << e.what();
  }
}

// New York's DST of 2026: from 8 March 07:00 UTC to 1 November 06:00 UTC.
TEST(TzDatabase, NewYorkChangesToDaylightTimeAtTheSecondItsDatabaseSays) {
  const Zone ny = parse_zone("America/New_York");
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 7) / kSecNs - 1), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 7) / kSecNs), -4 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 11, 1, 6) / kSecNs - 1), -4 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 11, 1, 6) / kSecNs), -5 * 3600);
}

// Debian's tz files list transitions through 2037; later years come from
// the zone's rule at the end of its file. 2040's DST: 11 March to 4 November.
TEST(TzDatabase, YearsPastTheListedTransitionsFollowTheZonesRule) {
  const Zone ny = parse_zone("America/New_York");
  EXPECT_EQ(ny.offset_at(utc(2040, 1, 15, 12) / kSecNs), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2040, 3, 11, 7) / kSecNs - 1), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2040, 3, 11, 7) / kSecNs), -4 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2040, 7, 1, 12) / kSecNs), -4 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2040, 11, 4, 6) / kSecNs), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2099, 7, 1, 12) / kSecNs), -4 * 3600);
  const Zone sydney = parse_zone("Australia/Sydney");  // Southern hemisphere: DST over new year.
  EXPECT_EQ(sydney.offset_at(utc(2045, 1, 1, 0) / kSecNs), 11 * 3600);
  EXPECT_EQ(sydney.offset_at(utc(2045, 7, 1, 0) / kSecNs), 10 * 3600);
}

// Nuuk's rule ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0") uses RFC 8536's negative
// hours, which the date library does not read: rather than keep the last
// listed offset after 2037 (wrong every summer), the zone is refused.
TEST(TzDatabase, AZoneWhoseRuleCannotBeReadIsRefusedRatherThanWrongAfterItsListedYears) {
  try {
    (void)parse_zone("America/Nuuk");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("\"America/Nuuk\": its rule after 2037-"), std::string::npos) << what;
    EXPECT_NE(what.find("M3.5.0/-1"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// The rule is read from the file's bytes before the date library reads the
// file: its reader asserts (aborting the process, on a config reload too) on
// a file that is not TZif, so such a file must be refused before it.
TEST(TzDatabase, TheRuleIsTheLastLineOfAVersion2FileAndAnythingElseIsRefused) {
  std::ifstream f(std::string(tzdb::kZoneInfoDir) + "/America/New_York", std::ios::binary);
  const std::string ny((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string why;
  EXPECT_EQ(tzdb::zone_rule_of(ny, why), "EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(why, "");

  const auto refused = [](std::string_view bytes) {
    std::string reason;
    const std::string rule = tzdb::zone_rule_of(bytes, reason);
    EXPECT_EQ(rule, "") << "for " << bytes.size() << " bytes";
    return reason;
  };
  EXPECT_EQ(refused("garbage\n"), "not a TZif file");
  EXPECT_EQ(refused(""), "not a TZif file");
  EXPECT_EQ(refused("TZif"), "not a TZif file");
  std::string v1 = ny;
  v1[4] = '\0';  // A version 1 file: transitions to 2037, nothing after.
  EXPECT_NE(refused(v1).find("version 2"), std::string::npos);
  EXPECT_NE(refused(ny.substr(0, ny.size() - 1)).find("no rule"), std::string::npos);
  const std::string empty_rule = ny.substr(0, ny.rfind('\n', ny.size() - 2) + 1) + "\n";
  EXPECT_EQ(refused(empty_rule), "no rule after its transitions");
}

TEST(TzDatabase, LondonFromTheDatabaseAgreesWithTheZoneBuiltByHand) {
  const Zone db = parse_zone("Europe/London");
  const Zone hand = london_2024();
  for (std::int64_t t = utc(2024, 1, 1, 0) / kSecNs; t < utc(2025, 1, 1, 0) / kSecNs; t += 1800) {
    ASSERT_EQ(db.offset_at(t), hand.offset_at(t)) << t;
  }
}

// The US equity session, 09:30-16:00 New York time, opens at 14:30 UTC in
// winter and at 13:30 UTC once DST starts: a fixed offset would refuse the
// first hour of every trading day for eight months of the year.
TEST(TzDatabase, ASessionInNewYorkTimeOpensAnHourEarlierInUtcOnceDaylightTimeStarts) {
  const Schedule s(daily("09:30:00", "16:00:00", parse_zone("America/New_York")));
  const Period fri = s.period_at(utc(2026, 3, 6, 15));
  EXPECT_EQ(fri.start_ns, utc(2026, 3, 6, 14, 30));
  EXPECT_EQ(fri.end_ns, utc(2026, 3, 6, 21));
  const Period mon = s.period_at(utc(2026, 3, 9, 15));
  EXPECT_EQ(mon.start_ns, utc(2026, 3, 9, 13, 30));
  EXPECT_EQ(mon.end_ns, utc(2026, 3, 9, 20));
  EXPECT_TRUE(s.active(utc(2026, 3, 9, 13, 45)));
  EXPECT_FALSE(s.active(utc(2026, 3, 6, 13, 45)));
  EXPECT_EQ(s.describe(), "09:30:00-16:00:00 America/New_York");
}

TEST(ScheduleParse, StartDayWithoutEndDayIsRefused) {
  Spec sp;
  sp.start_day = 1;
  EXPECT_THROW(Schedule{sp}, std::invalid_argument);
}

}  // namespace
}  // namespace riskgate::schedule
