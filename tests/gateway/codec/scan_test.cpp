// Scanning: fields found in place, header values, and the errors that become
// a session-level Reject.
#include <gtest/gtest.h>

#include <string>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/gateway/codec/fix_text.hpp"

namespace riskgate::codec {
namespace {

using test::make_message;
using test::wire;

TEST(Scanner, FindsEveryFieldInPlaceWithItsOffsetAndLength) {
  const std::string m = make_message("FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=12|55=AAPL|");
  Message msg;
  ASSERT_EQ(msg.scan(m), ScanError::kNone);
  ASSERT_EQ(msg.fields().size(), 8u);
  EXPECT_EQ(msg.raw().data(), m.data());
  for (const Field& f : msg.fields()) {
    const std::string_view text = std::string_view(m).substr(f.offset, f.length);
    EXPECT_EQ(text.back(), '\x01');
    EXPECT_EQ(std::to_string(f.tag) + "=" + std::string(f.value) + "\x01", text);
    EXPECT_GE(f.value.data(), m.data());
    EXPECT_LE(f.value.data() + f.value.size(), m.data() + m.size());
  }
  EXPECT_EQ(msg.fields().back().tag, tag::kCheckSum);
  EXPECT_EQ(msg.get(tag::kSymbol), "AAPL");
  EXPECT_EQ(msg.get(tag::kPrice), "");
  EXPECT_FALSE(msg.has(tag::kPrice));
}

TEST(Scanner, FillsTheHeaderValuesTheSessionNeeds) {
  const std::string m =
      make_message("FIX.4.2",
                   "35=8|34=901|49=EXCHANGE|52=20240315-14:30:00.130|56=RISKGATE|43=Y|97=Y|"
                   "122=20240315-14:29:00.000|11=X|");
  Message msg;
  ASSERT_EQ(msg.scan(m), ScanError::kNone);
  EXPECT_EQ(msg.begin_string(), "FIX.4.2");
  EXPECT_EQ(msg.msg_type(), "8");
  EXPECT_EQ(msg.seq_num(), 901u);
  EXPECT_TRUE(msg.poss_dup());
  EXPECT_TRUE(msg.poss_resend());
  EXPECT_EQ(msg.fields()[msg.body_begin()].tag, tag::kClOrdID);
}

TEST(Scanner, ReportsNoSeqNumAndNoFlagsWhenTheyAreAbsentOrInvalid) {
  Message msg;
  ASSERT_EQ(msg.scan(make_message("FIX.4.4", "35=0|49=A|56=B|52=20240315-14:30:00.000|43=N|")),
            ScanError::kNone);
  EXPECT_EQ(msg.seq_num(), 0u);
  EXPECT_FALSE(msg.poss_dup());
  EXPECT_FALSE(msg.poss_resend());
  ASSERT_EQ(msg.scan(make_message("FIX.4.4", "35=0|49=A|56=B|34=12x|")), ScanError::kNone);
  EXPECT_EQ(msg.seq_num(), 0u);
}

TEST(Scanner, PointsBodyBeginPastTheEndWhenThereIsNoBody) {
  Message msg;
  ASSERT_EQ(msg.scan(make_message("FIX.4.4", "35=0|49=A|56=B|34=3|52=20240315-14:30:00.000|")),
            ScanError::kNone);
  EXPECT_EQ(msg.body_begin(), msg.fields().size());
}

TEST(Scanner, KeepsHeaderTagsSuchAsOnBehalfOfInTheHeader) {
  Message msg;
  ASSERT_EQ(msg.scan(make_message("FIX.4.4",
                                  "35=D|49=A|56=B|34=3|50=DESK|115=ONBEHALF|128=DELIV|"
                                  "52=20240315-14:30:00.000|1=ACC1|")),
            ScanError::kNone);
  EXPECT_EQ(msg.fields()[msg.body_begin()].tag, tag::kAccount);
}

TEST(Scanner, KeepsRepeatedTagsOfARepeatingGroupInOrder) {
  const std::string m =
      make_message("FIX.4.4", "35=D|49=A|56=B|34=3|453=2|448=P1|447=D|452=1|448=P2|447=D|452=3|");
  Message msg;
  ASSERT_EQ(msg.scan(m), ScanError::kNone);
  std::vector<std::string_view> parties;
  for (const Field& f : msg.fields()) {
    if (f.tag == 448) parties.push_back(f.value);
  }
  EXPECT_EQ(parties, (std::vector<std::string_view>{"P1", "P2"}));
  EXPECT_EQ(msg.get(448), "P1");
}

TEST(Scanner, ReportsBadHeaderOrderWhenMsgTypeIsNotTheThirdField) {
  Message msg;
  const std::string m = make_message("FIX.4.4", "34=17|35=D|49=A|56=B|");
  EXPECT_EQ(msg.scan(m), ScanError::kBadHeaderOrder);
  // The whole message is still scanned so that the Reject can cite it.
  EXPECT_EQ(msg.seq_num(), 17u);
  EXPECT_EQ(msg.msg_type(), "D");
}

TEST(Scanner, ReportsBadHeaderOrderWhenBeginStringOrBodyLengthIsNotFirst) {
  Message msg;
  EXPECT_EQ(msg.scan(wire("9=5|8=FIX.4.4|35=0|10=000|")), ScanError::kBadHeaderOrder);
  EXPECT_EQ(msg.scan(wire("8=FIX.4.4|9=5|")), ScanError::kBadHeaderOrder);
  EXPECT_EQ(msg.scan(""), ScanError::kBadHeaderOrder);
}

TEST(Scanner, ReportsAMalformedFieldForEveryBrokenFieldShape) {
  const char* const cases[] = {
      "8=FIX.4.4|9=5|35=D|55|",            // no '='
      "8=FIX.4.4|9=5|35=D|55=|",           // empty value
      "8=FIX.4.4|9=5|35=D|5x5=A|",         // non-numeric tag
      "8=FIX.4.4|9=5|35=D|=A|",            // no tag
      "8=FIX.4.4|9=5|35=D|0=A|",           // tag 0
      "8=FIX.4.4|9=5|35=D|055=A|",         // leading zero
      "8=FIX.4.4|9=5|35=D|1234567890=A|",  // tag too long
      "8=FIX.4.4|9=5|35=D|55=A",           // no final SOH
      "8=FIX.4.4|9=5|35=D||",              // empty field
  };
  for (const char* c : cases) {
    Message msg;
    EXPECT_EQ(msg.scan(wire(c)), ScanError::kMalformedField) << c;
    EXPECT_EQ(msg.fields().size(), 3u) << "fields before the bad one stay usable: " << c;
  }
}

TEST(Scanner, RefusesMoreFieldsThanItHasRoomFor) {
  std::string body = "35=D|";
  for (std::size_t i = 0; i < Message::kMaxFields; ++i) body += "58=x|";
  Message msg;
  EXPECT_EQ(msg.scan(make_message("FIX.4.4", body)), ScanError::kTooManyFields);
  EXPECT_EQ(msg.fields().size(), Message::kMaxFields);
}

TEST(Scanner, ForgetsThePreviousMessageWhenScanningTheNext) {
  const std::string first = make_message("FIX.4.4", "35=D|34=5|43=Y|11=A|");
  const std::string second = make_message("FIX.4.2", "35=0|");
  Message msg;
  ASSERT_EQ(msg.scan(first), ScanError::kNone);
  ASSERT_EQ(msg.scan(second), ScanError::kNone);
  EXPECT_EQ(msg.seq_num(), 0u);
  EXPECT_FALSE(msg.poss_dup());
  EXPECT_FALSE(msg.has(tag::kClOrdID));
  EXPECT_EQ(msg.begin_string(), "FIX.4.2");
}

TEST(HeaderTags, AreTheStandardHeaderAndTrailerOnly) {
  for (const std::uint32_t t : {8u, 9u, 35u, 49u, 56u, 34u, 52u, 43u, 97u, 122u, 50u, 57u, 115u,
                                128u, 1128u, 10u, 93u, 89u}) {
    EXPECT_TRUE(is_header_tag(t)) << t;
  }
  for (const std::uint32_t t : {1u, 11u, 38u, 44u, 55u, 58u, 9001u, 5000u}) {
    EXPECT_FALSE(is_header_tag(t)) << t;
  }
}

TEST(ScanError, HasAName) {
  EXPECT_EQ(to_string(ScanError::kBadHeaderOrder), "8, 9, 35 not first");
}

}  // namespace
}  // namespace riskgate::codec
