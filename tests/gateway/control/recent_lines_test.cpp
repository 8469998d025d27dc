// The last-N buffer behind the console's latest refusals (recent_lines.hpp).
#include "gateway/control/recent_lines.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace riskgate::control {
namespace {

TEST(RecentLines, KeepsTheLastNNewestFirstAndCountsEveryPush) {
  RecentLines r(3);
  EXPECT_TRUE(r.newest_first().empty());
  r.push("a");
  r.push("b");
  EXPECT_EQ(r.newest_first(), (std::vector<std::string>{"b", "a"}));
  r.push("c");
  r.push("d");
  r.push("e");
  EXPECT_EQ(r.newest_first(), (std::vector<std::string>{"e", "d", "c"}));
  EXPECT_EQ(r.total(), 5u);
  EXPECT_THROW(RecentLines(0), std::invalid_argument);
}

}  // namespace
}  // namespace riskgate::control
