// The Prometheus text writer (gateway/control/metrics_text.hpp), read back by
// the strict reader the integration test uses (tests/support/prom_text.hpp).
#include "gateway/control/metrics_text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "tests/support/prom_text.hpp"

namespace riskgate::control {
namespace {

using riskgate::testing::parse_prom_text;

TEST(MetricsText, AFamilyStartsWithItsHelpAndTypeLines) {
  MetricsText m;
  m.family("riskgate_x_total", MetricType::kCounter, "Things that happened.");
  m.sample({{"session", "ENGINE1"}}, std::uint64_t{7});
  EXPECT_EQ(m.text(),
            "# HELP riskgate_x_total Things that happened.\n"
            "# TYPE riskgate_x_total counter\n"
            "riskgate_x_total{session=\"ENGINE1\"} 7\n");
}

TEST(MetricsText, ASampleWithoutLabelsHasNoBraces) {
  MetricsText m;
  m.family("riskgate_up", MetricType::kGauge, "h");
  m.sample({}, std::int64_t{-3});
  EXPECT_NE(m.text().find("\nriskgate_up -3\n"), std::string::npos) << m.text();
}

TEST(MetricsText, LabelValuesEscapeBackslashQuoteAndNewline) {
  MetricsText m;
  m.family("riskgate_g", MetricType::kGauge, "h");
  m.sample({{"reason", "a\\b \"c\"\nd"}}, std::uint64_t{1});
  EXPECT_NE(m.text().find("riskgate_g{reason=\"a\\\\b \\\"c\\\"\\nd\"} 1\n"), std::string::npos)
      << m.text();
  const auto parsed = parse_prom_text(m.text());
  EXPECT_EQ(parsed.samples.at(0).labels.at("reason"), "a\\b \"c\"\nd");
}

TEST(MetricsText, HelpEscapesBackslashAndNewlineButNotQuotes) {
  std::string out;
  MetricsText::append_help(out, "one\\two\n\"three\"");
  EXPECT_EQ(out, "one\\\\two\\n\"three\"");
}

TEST(MetricsText, NumbersReadBackExactlyAndSpecialValuesUsePrometheusSpelling) {
  std::string out;
  MetricsText::append_value(out, 0.1);
  EXPECT_EQ(std::stod(out), 0.1);
  out.clear();
  MetricsText::append_value(out, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "+Inf");
  out.clear();
  MetricsText::append_value(out, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "-Inf");
  out.clear();
  MetricsText::append_value(out, std::nan(""));
  EXPECT_EQ(out, "NaN");
  out.clear();
  MetricsText::append_value(out, 1234567.0);
  EXPECT_EQ(out, "1234567");
}

TEST(MetricsText, HistogramBucketsAreCumulativeEndWithInfAndCountEqualsIt) {
  MetricsText m;
  m.family("riskgate_step_seconds", MetricType::kHistogram, "h");
  const std::array<double, 3> bounds = {1e-7, 5e-7, 1e-3};
  const std::array<std::uint64_t, 4> counts = {2, 3, 0, 1};
  m.histogram({{"exchange", "EXCH"}}, bounds, counts, 0.25);
  EXPECT_EQ(m.text(),
            "# HELP riskgate_step_seconds h\n"
            "# TYPE riskgate_step_seconds histogram\n"
            "riskgate_step_seconds_bucket{exchange=\"EXCH\",le=\"1e-07\"} 2\n"
            "riskgate_step_seconds_bucket{exchange=\"EXCH\",le=\"5e-07\"} 5\n"
            "riskgate_step_seconds_bucket{exchange=\"EXCH\",le=\"0.001\"} 5\n"
            "riskgate_step_seconds_bucket{exchange=\"EXCH\",le=\"+Inf\"} 6\n"
            "riskgate_step_seconds_sum{exchange=\"EXCH\"} 0.25\n"
            "riskgate_step_seconds_count{exchange=\"EXCH\"} 6\n");
  const auto parsed = parse_prom_text(m.text());
  EXPECT_EQ(parsed.value("riskgate_step_seconds_count"), 6);
}

TEST(MetricsText, AHistogramNeedsOneCountMoreThanItsBoundsAndAscendingBounds) {
  MetricsText m;
  m.family("riskgate_h", MetricType::kHistogram, "h");
  const std::array<double, 2> bounds = {2.0, 1.0};
  const std::array<std::uint64_t, 2> short_counts = {1, 1};
  const std::array<std::uint64_t, 3> counts = {1, 1, 1};
  EXPECT_THROW(m.histogram({}, bounds, short_counts, 0), std::invalid_argument);
  EXPECT_THROW(m.histogram({}, bounds, counts, 0), std::invalid_argument);
}

TEST(MetricsText, BadNamesAndAFamilyDeclaredTwiceAreRefused) {
  MetricsText m;
  EXPECT_THROW(m.family("1bad", MetricType::kGauge, "h"), std::invalid_argument);
  EXPECT_THROW(m.family("bad-name", MetricType::kGauge, "h"), std::invalid_argument);
  m.family("riskgate_a", MetricType::kGauge, "h");
  EXPECT_THROW(m.family("riskgate_a", MetricType::kGauge, "h"), std::invalid_argument);
  EXPECT_THROW(m.sample({{"bad-label", "x"}}, std::uint64_t{1}), std::invalid_argument);
  EXPECT_THROW(m.sample({{"__reserved", "x"}}, std::uint64_t{1}), std::invalid_argument);
  EXPECT_THROW(m.sample({{"le", "x"}}, std::uint64_t{1}), std::invalid_argument);
}

TEST(MetricsText, ASampleOfTheWrongKindForItsFamilyIsRefused) {
  MetricsText none;
  EXPECT_THROW(none.sample({}, std::uint64_t{1}), std::invalid_argument);
  MetricsText m;
  m.family("riskgate_h", MetricType::kHistogram, "h");
  EXPECT_THROW(m.sample({}, std::uint64_t{1}), std::invalid_argument);
  m.family("riskgate_g", MetricType::kGauge, "h");
  const std::array<double, 1> bounds = {1.0};
  const std::array<std::uint64_t, 2> counts = {1, 1};
  EXPECT_THROW(m.histogram({}, bounds, counts, 0), std::invalid_argument);
}

TEST(PromTextReader, RefusesWhatTheFormatDoesNotAllow) {
  // The reader is what the integration test trusts: it must fail on these.
  EXPECT_THROW((void)parse_prom_text("riskgate_a 1\n"), std::runtime_error);  // No TYPE.
  EXPECT_THROW((void)parse_prom_text("# HELP a h\n# TYPE a gauge\na{x=\"\\t\"} 1\n"),
               std::runtime_error);  // Bad escape.
  EXPECT_THROW((void)parse_prom_text("# HELP a h\n# TYPE a gauge\na 1\na 2\n"),
               std::runtime_error);  // A series twice.
  EXPECT_THROW((void)parse_prom_text("# HELP a h\n# TYPE a gauge\na one\n"), std::runtime_error);
  EXPECT_THROW((void)parse_prom_text("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                     "h_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"),
               std::runtime_error);  // Not cumulative.
}

}  // namespace
}  // namespace riskgate::control
