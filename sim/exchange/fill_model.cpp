#include "sim/exchange/fill_model.hpp"

#include <cstdlib>
#include <stdexcept>

#include "sim/common/quickfix_support.hpp"

namespace riskgate {
namespace sim {

namespace {
int parse_positive(const std::string& item, const std::string& value) {
  char* end = nullptr;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v <= 0 || v > 1000000) {
    throw std::invalid_argument("fill model item '" + item + "': expected a positive integer");
  }
  return static_cast<int>(v);
}
}  // namespace

FillModel FillModel::parse(const std::string& text) {
  FillModel m;
  for (const auto& item : split(text, ',')) {
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    const std::string arg = colon == std::string::npos ? "" : item.substr(colon + 1);
    if (name == "full" && arg.empty()) {
      m.kind = Kind::kFull;
    } else if (name == "ack" && arg.empty()) {
      m.kind = Kind::kAckOnly;
    } else if (name == "partial") {
      m.kind = Kind::kPartial;
      m.partial_fills = parse_positive(item, arg);
    } else if (name == "reject-every") {
      m.reject_every = parse_positive(item, arg);
    } else if (name == "rest-every") {
      m.rest_every = parse_positive(item, arg);
    } else {
      throw std::invalid_argument(
          "unknown fill model item '" + item +
          "' (expected full, ack, partial:N, reject-every:K, rest-every:K)");
    }
  }
  return m;
}

std::string FillModel::describe() const {
  std::string s = kind == Kind::kFull      ? "full"
                  : kind == Kind::kAckOnly ? "ack"
                                           : "partial:" + std::to_string(partial_fills);
  if (reject_every > 0) s += ",reject-every:" + std::to_string(reject_every);
  if (rest_every > 0) s += ",rest-every:" + std::to_string(rest_every);
  return s;
}

std::vector<std::int64_t> fill_sizes(const FillModel& model, std::int64_t qty,
                                     std::int64_t order_number) {
  std::vector<std::int64_t> out;
  if (qty <= 0) return out;
  if (model.rest_every > 0 && order_number > 0 && order_number % model.rest_every == 0) return out;
  switch (model.kind) {
    case FillModel::Kind::kAckOnly:
      break;
    case FillModel::Kind::kFull:
      out.push_back(qty);
      break;
    case FillModel::Kind::kPartial: {
      std::int64_t n = model.partial_fills;
      if (n > qty) n = qty;
      const std::int64_t piece = qty / n;
      for (std::int64_t i = 0; i + 1 < n; ++i) out.push_back(piece);
      out.push_back(qty - piece * (n - 1));
      break;
    }
  }
  return out;
}

}  // namespace sim
}  // namespace riskgate
