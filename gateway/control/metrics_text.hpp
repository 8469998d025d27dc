// The Prometheus text exposition format, version 0.0.4 (what /metrics
// serves; Content-Type kMetricsContentType), written to the spec:
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram|untyped
//   <name>{<label>="<value, with \, " and newline escaped>",...} <value>
// Every family is declared once, with its HELP and TYPE lines before its
// samples, and a sample belongs to the family declared last (a histogram's
// samples are <name>_bucket{le=...}, <name>_sum and <name>_count). Names and
// label names are checked against the format's grammar; a wrong one throws
// std::invalid_argument (a programming error: every name is a constant here).
//
// Why not prometheus-cpp: the scrape reads counters the I/O thread already
// keeps (route and session counters, the risk engine's atomics) and writes
// them out once; prometheus-cpp would hold a second copy of each in its own
// registry objects, updated by whom? Either the order path (a second
// increment per event) or a copy step before each scrape. Writing the text
// directly costs neither (README "Metrics").
//
// Thread: whichever thread builds the scrape (the admin API's control
// thread); it allocates.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace riskgate::control {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram, kUntyped };
[[nodiscard]] std::string_view to_string(MetricType t) noexcept;

struct Label {
  std::string_view name;
  std::string_view value;
};
using Labels = std::initializer_list<Label>;

class MetricsText {
 public:
  // Starts a family. Throws if the name is not a metric name, or was declared before.
  void family(std::string_view name, MetricType type, std::string_view help);

  // One sample of the current counter, gauge or untyped family.
  void sample(Labels labels, double value);
  void sample(Labels labels, std::uint64_t value);
  void sample(Labels labels, std::int64_t value);

  // One histogram series of the current histogram family: `bounds` are the
  // buckets' upper bounds (ascending, in the family's unit), `counts` the
  // per-bucket (not cumulative) counts with one more entry than `bounds` for
  // the +Inf bucket. Written cumulative, ending with le="+Inf", then _sum and
  // _count (= the +Inf bucket).
  void histogram(Labels labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum);

  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

  // Exposed for tests: the escaping rules and the number format.
  static void append_label_value(std::string& out, std::string_view v);
  static void append_help(std::string& out, std::string_view v);
  static void append_value(std::string& out, double v);

 private:
  void series(std::string_view suffix, Labels labels, std::string_view le);
  void require(MetricType t) const;

  std::string out_;
  std::string current_;  // The family samples go to.
  MetricType type_ = MetricType::kUntyped;
  std::string declared_;  // "\n"-separated names declared so far.
};

// The grammar: [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without ':' for
// label names (and not starting with "__", which is reserved).
[[nodiscard]] bool valid_metric_name(std::string_view name) noexcept;
[[nodiscard]] bool valid_label_name(std::string_view name) noexcept;

}  // namespace riskgate::control
