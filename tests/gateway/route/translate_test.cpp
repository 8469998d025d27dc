// Retired values on the order path (gateway/route/translate.hpp and
// retired_match.hpp): a retired value is matched after normalising case and
// whitespace on both sides, whole-tag retirement matches any value, and the
// per-order lookup allocates nothing. And translate_order's one reading of
// an order: values, repeated tags and required tags from one pass.
#include "gateway/route/translate.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "gateway/codec/tags.hpp"
#include "gateway/route/retired_match.hpp"
#include "risk/types.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/fix_peer.hpp"

namespace riskgate::route {
namespace {

using riskgate::testing::Parsed;
using riskgate::testing::raw_message;

constexpr std::uint32_t kPowerPeg = 9700;  // Retired by value: "PWRPEG".
constexpr std::uint32_t kOldAlgo = 9800;   // Retired as a whole: every value.

// The rule is constexpr: pin its edges at compile time too.
static_assert(retired_value_matches("PWRPEG", " pwr\tPeg\r\n"));
static_assert(retired_value_matches("", "anything"));
static_assert(!retired_value_matches("PWRPEG", "PWRPEGX"));
static_assert(!retired_value_matches("PWRPEG", "   "));

// A NewOrderSingle carrying `extra` ("tag=value|...") in its body.
Parsed order_with(const std::string& extra) {
  Parsed p(raw_message("FIX.4.4",
                       "35=D|49=ENGINE1|56=RISKGATE|34=2|52=20240102-03:04:05.000|"
                       "11=C1|1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.5|" +
                           extra));
  EXPECT_EQ(p.scan_error(), codec::ScanError::kNone) << extra;
  return p;
}

class RetiredValuesTest : public ::testing::Test {
 protected:
  RetiredValues retired;

  void SetUp() override {
    retired.add(kPowerPeg, "PWRPEG");
    retired.add(kOldAlgo, "");
  }

  std::uint32_t find(const std::string& extra) { return retired.find(order_with(extra).msg()); }
};

TEST_F(RetiredValuesTest, TheExactRetiredValueMatches) {
  EXPECT_EQ(find("9700=PWRPEG|"), kPowerPeg);
}

TEST_F(RetiredValuesTest, ALowercaseRetiredValueMatches) {
  EXPECT_EQ(find("9700=pwrpeg|"), kPowerPeg);
}

TEST_F(RetiredValuesTest, AMixedCaseRetiredValueMatches) {
  EXPECT_EQ(find("9700=PwrPeg|"), kPowerPeg);
  EXPECT_EQ(find("9700=pWRpEG|"), kPowerPeg);
}

TEST_F(RetiredValuesTest, LeadingAndTrailingSpacesAndTabsAreIgnored) {
  EXPECT_EQ(find("9700= PWRPEG|"), kPowerPeg);
  EXPECT_EQ(find("9700=PWRPEG |"), kPowerPeg);
  EXPECT_EQ(find("9700= PwrPeg |"), kPowerPeg);
  EXPECT_EQ(find("9700=\tpwrpeg\t|"), kPowerPeg);
  EXPECT_EQ(find("9700= \t PWRPEG \t \r\n|"), kPowerPeg);
}

TEST_F(RetiredValuesTest, InteriorSpacesAndTabsAreIgnored) {
  EXPECT_EQ(find("9700=PWR PEG|"), kPowerPeg);
  EXPECT_EQ(find("9700=Pwr\tPeg|"), kPowerPeg);
  EXPECT_EQ(find("9700=P W R  P\t\tE G|"), kPowerPeg);
}

TEST_F(RetiredValuesTest, ADifferentValueOfARetiredTagDoesNotMatch) {
  for (const char* v : {"PWRPEGX", "PWRPE", "XPWRPEG", "PWR-PEG", "PWRPEG2", "OTHER", "P"})
    EXPECT_EQ(find("9700=" + std::string(v) + "|"), 0u) << v;
}

TEST_F(RetiredValuesTest, NonAsciiAndControlBytesAreNotWhitespace) {
  // Only ASCII whitespace is ignored: a UTF-8 non-breaking space, DEL or NUL
  // is an ordinary byte, so these are different values.
  EXPECT_EQ(find("9700=PWR\xC2\xA0PEG|"), 0u);
  EXPECT_EQ(find("9700=PWRPEG\x7F|"), 0u);
  EXPECT_EQ(find(std::string("9700=PWR\0PEG|", 13)), 0u);
}

TEST_F(RetiredValuesTest, TheRetiredValueOnAnotherTagDoesNotMatch) {
  EXPECT_EQ(find("9701=PWRPEG|"), 0u);
  EXPECT_EQ(find("9701=pwrpeg|58=PWRPEG|"), 0u);
}

TEST_F(RetiredValuesTest, AWholeTagRetirementMatchesAnyValue) {
  EXPECT_EQ(find("9800=1|"), kOldAlgo);
  EXPECT_EQ(find("9800=anything at all|"), kOldAlgo);
  EXPECT_EQ(find("9800= |"), kOldAlgo);
}

TEST_F(RetiredValuesTest, AnOrderWithoutRetiredTagsMatchesNothing) {
  EXPECT_EQ(find(""), 0u);
  EXPECT_EQ(find("9701=1|"), 0u);
}

TEST(RetiredValues, TheConfiguredValueIsNormalisedToo) {
  RetiredValues r;
  r.add(kPowerPeg, "  pwr\tPeg ");
  EXPECT_EQ(r.find(order_with("9700=PWRPEG|").msg()), kPowerPeg);
  EXPECT_EQ(r.find(order_with("9700= PwrPeg |").msg()), kPowerPeg);
  EXPECT_EQ(r.find(order_with("9700=PWRPEGS|").msg()), 0u);
}

TEST(RetiredValues, AWhitespaceOnlyOrNonAsciiValueIsRefusedAtSetup) {
  RetiredValues r;
  EXPECT_THROW(r.add(kPowerPeg, "   "), std::invalid_argument);
  EXPECT_THROW(r.add(kPowerPeg, "\t \r\n"), std::invalid_argument);
  EXPECT_THROW(r.add(kPowerPeg, "PWR\xC2\xA0PEG"), std::invalid_argument);
  EXPECT_TRUE(r.empty()) << "a refused value must not retire the whole tag";
}

TEST(RetiredValues, FindingARetiredValueMakesNoHeapAllocation) {
  RetiredValues r;
  r.add(kPowerPeg, "PWRPEG");
  r.add(kOldAlgo, "");
  const Parsed hit = order_with("9700= pwr Peg |");
  const Parsed miss = order_with("9700=OTHER|9701=PWRPEG|");
  std::uint32_t hits = 0;
  riskgate::testing::AllocationScope scope;
  for (int i = 0; i < 1000; ++i) hits += r.find(hit.msg()) + r.find(miss.msg());
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(hits, 1000u * kPowerPeg);
}

TEST(TranslateOrder, MarksAnOrderCarryingARetiredValueInAnotherCase) {
  RetiredValues r;
  r.add(kPowerPeg, "PWRPEG");
  TranslateConfig cfg;
  cfg.retired = &r;
  for (const char* v : {"pwrpeg", " PwrPeg "}) {
    const Parsed p = order_with("9700=" + std::string(v) + "|");
    risk::OrderView view;
    const TranslateResult tr = translate_order(p.msg(), cfg, view);
    EXPECT_EQ(tr.bad_tag, 0u) << v;
    EXPECT_TRUE(view.carries_retired_value) << v;
    EXPECT_EQ(view.retired_tag, kPowerPeg) << v;
  }
  const Parsed live = order_with("9701=PWRPEG|9700=PEG|");
  risk::OrderView view;
  (void)translate_order(live.msg(), cfg, view);
  EXPECT_FALSE(view.carries_retired_value);
}

// translate_order reads every field in one pass (an occurrence table): the
// values risk sees, the repeated-tag rule and the required tags must all
// come from that one reading.
TEST(TranslateOrder, EveryValueRiskReadsIsTheOnlyOccurrenceOfItsTag) {
  TranslateConfig cfg;
  cfg.parent_id_tag = 9001;
  cfg.parent_qty_tag = 9002;
  const Parsed p = order_with("9001=PARENT7|9002=5000|");
  risk::OrderView view;
  const TranslateResult tr = translate_order(p.msg(), cfg, view);
  ASSERT_EQ(tr.bad_tag, 0u);
  EXPECT_EQ(view.action, risk::Action::kNew);
  EXPECT_EQ(view.cl_ord_id, "C1");
  EXPECT_EQ(view.account, "ACC1");
  EXPECT_EQ(view.symbol, "AAPL");
  EXPECT_EQ(view.side, risk::Side::kBuy);
  EXPECT_EQ(view.ord_type, risk::OrdType::kLimit);
  EXPECT_EQ(view.quantity, 100);
  EXPECT_EQ(view.price, 190'500'000);
  EXPECT_EQ(view.parent_id, "PARENT7");
  EXPECT_EQ(view.parent_quantity, 5000);
  EXPECT_EQ(repeated_read_tag(p.msg(), cfg), 0u);
}

TEST(TranslateOrder, ARepeatedTagWinsOverARetiredValueAndAMalformedOne) {
  RetiredValues r;
  r.add(kPowerPeg, "PWRPEG");
  TranslateConfig cfg;
  cfg.retired = &r;
  cfg.parent_id_tag = 9001;
  for (const std::string extra : {"9700=PWRPEG|38=1000000|", "44=x|9001=P1|9001=P2|"}) {
    const Parsed p = order_with(extra);
    risk::OrderView view;
    const TranslateResult tr = translate_order(p.msg(), cfg, view);
    EXPECT_EQ(tr.session_reject_reason, codec::reject_reason::kTagAppearsMoreThanOnce) << extra;
    EXPECT_EQ(tr.bad_tag, repeated_read_tag(p.msg(), cfg)) << extra;
    EXPECT_NE(tr.bad_tag, 0u) << extra;
  }
}

TEST(TranslateOrder, AParentTagConfiguredAsAStandardTagReadsThatTagsOnlyOccurrence) {
  TranslateConfig cfg;
  cfg.parent_id_tag = 1;  // Account: an odd choice, but read once, as itself.
  const Parsed p = order_with("");
  risk::OrderView view;
  ASSERT_EQ(translate_order(p.msg(), cfg, view).bad_tag, 0u);
  EXPECT_EQ(view.parent_id, "ACC1");
  EXPECT_EQ(view.account, "ACC1");
}

TEST(TranslateOrder, TheFirstMissingRequiredTagIsNamedInTheFixOrder) {
  Parsed p(raw_message("FIX.4.4",
                       "35=D|49=ENGINE1|56=RISKGATE|34=2|52=20240102-03:04:05.000|"
                       "11=C1|38=100|40=2|"));
  ASSERT_EQ(p.scan_error(), codec::ScanError::kNone);
  risk::OrderView view;
  const TranslateResult tr = translate_order(p.msg(), TranslateConfig{}, view);
  EXPECT_EQ(tr.bad_tag, 55u);  // Symbol before Side.
  EXPECT_EQ(tr.session_reject_reason, codec::reject_reason::kRequiredTagMissing);
}

}  // namespace
}  // namespace riskgate::route
