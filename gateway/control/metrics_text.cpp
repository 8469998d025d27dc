#include "gateway/control/metrics_text.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace riskgate::control {

std::string_view to_string(MetricType t) noexcept {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

namespace {

bool name_char(char c, bool first, bool colon) noexcept {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view n, bool colon) noexcept {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!name_char(n[i], i == 0, colon)) return false;
  }
  return true;
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
  return valid_name(name, true);
}

bool valid_label_name(std::string_view name) noexcept {
  return valid_name(name, false) && name.substr(0, 2) != "__";
}

void MetricsText::append_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void MetricsText::append_help(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void MetricsText::append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Shortest text that reads back as the same double (Go's ParseFloat, which
  // Prometheus uses, reads every form to_chars writes).
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void MetricsText::family(std::string_view name, MetricType type, std::string_view help) {
  if (!valid_metric_name(name))
    throw std::invalid_argument("metrics: bad metric name \"" + std::string(name) + "\"");
  const std::string key = "\n" + std::string(name) + "\n";
  if (("\n" + declared_).find(key) != std::string::npos)
    throw std::invalid_argument("metrics: family " + std::string(name) + " declared twice");
  declared_ += std::string(name) + "\n";
  current_ = name;
  type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += to_string(type);
  out_ += '\n';
}

void MetricsText::require(MetricType t) const {
  if (current_.empty()) throw std::invalid_argument("metrics: a sample before any family");
  const bool histogram = type_ == MetricType::kHistogram;
  if ((t == MetricType::kHistogram) != histogram) {
    throw std::invalid_argument("metrics: family " + current_ + " is a " +
                                std::string(to_string(type_)) + ", not a " +
                                std::string(to_string(t)));
  }
}

void MetricsText::series(std::string_view suffix, Labels labels, std::string_view le) {
  out_ += current_;
  out_ += suffix;
  if (labels.size() == 0 && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (const Label& l : labels) {
    if (!valid_label_name(l.name) || l.name == "le")
      throw std::invalid_argument("metrics: bad label name \"" + std::string(l.name) + "\" in " +
                                  current_);
    if (!first) out_ += ',';
    first = false;
    out_ += l.name;
    out_ += "=\"";
    append_label_value(out_, l.value);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += "} ";
}

void MetricsText::sample(Labels labels, double value) {
  require(MetricType::kGauge);
  series({}, labels, {});
  append_value(out_, value);
  out_ += '\n';
}

void MetricsText::sample(Labels labels, std::uint64_t value) {
  require(MetricType::kGauge);
  series({}, labels, {});
  out_ += std::to_string(value);
  out_ += '\n';
}

void MetricsText::sample(Labels labels, std::int64_t value) {
  require(MetricType::kGauge);
  series({}, labels, {});
  out_ += std::to_string(value);
  out_ += '\n';
}

void MetricsText::histogram(Labels labels, std::span<const double> bounds,
                            std::span<const std::uint64_t> counts, double sum) {
  require(MetricType::kHistogram);
  if (counts.size() != bounds.size() + 1)
    throw std::invalid_argument("metrics: histogram " + current_ +
                                " needs one count per bound plus +Inf");
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i < bounds.size() && i > 0 && !(bounds[i] > bounds[i - 1]))
      throw std::invalid_argument("metrics: histogram " + current_ + " bounds not ascending");
    cumulative += counts[i];
    le.clear();
    if (i < bounds.size()) {
      append_value(le, bounds[i]);
    } else {
      le = "+Inf";
    }
    series("_bucket", labels, le);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  series("_sum", labels, {});
  append_value(out_, sum);
  out_ += '\n';
  series("_count", labels, {});
  out_ += std::to_string(cumulative);
  out_ += '\n';
}

}  // namespace riskgate::control
