// Golden round trips: real-looking FIX 4.2 and 4.4 orders and execution
// reports, with BodyLength and CheckSum computed outside the codec, framed,
// scanned and forwarded; the forwarded bytes are diffed against the expected
// bytes. A message already in our header order must come back unchanged.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/gateway/codec/fix_text.hpp"

namespace riskgate::codec {
namespace {

using test::pipes;
using test::wire;

struct Golden {
  const char* name;
  const char* in;  // as received, '|' for SOH
  const char* msg_type;
  std::uint64_t seq;
  const char* sender;
  const char* target;
  const char* sending_time;
  const char* expected;  // encode_forward with the header fields above
};

constexpr Golden kGolden[] = {
    {"Fix42NewOrderSingleInQuickFixHeaderOrder",
     "8=FIX.4.2|9=158|35=D|34=215|49=ENGINE1|52=20240315-14:30:00.123|56=RISKGATE|1=ACC1|"
     "11=ORD-20240315-0001|21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|"
     "60=20240315-14:30:00.120|10=061|",
     "D", 215, "ENGINE1", "RISKGATE", "20240315-14:30:00.123",
     "8=FIX.4.2|9=158|35=D|49=ENGINE1|56=RISKGATE|34=215|52=20240315-14:30:00.123|1=ACC1|"
     "11=ORD-20240315-0001|21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|"
     "60=20240315-14:30:00.120|10=061|"},
    {"Fix44NewOrderSingleWithVenueTags",
     "8=FIX.4.4|9=164|35=D|49=ENGINE1|56=RISKGATE|34=42|52=20240315-14:30:01.456|50=DESK7|"
     "1=ACC1|11=CL-77|38=100|40=2|44=189.5|54=2|55=MSFT|59=0|60=20240315-14:30:01.450|9001=X|"
     "5000=abc|10=091|",
     "D", 42, "ENGINE1", "RISKGATE", "20240315-14:30:01.456",
     "8=FIX.4.4|9=164|35=D|49=ENGINE1|56=RISKGATE|34=42|52=20240315-14:30:01.456|50=DESK7|"
     "1=ACC1|11=CL-77|38=100|40=2|44=189.5|54=2|55=MSFT|59=0|60=20240315-14:30:01.450|9001=X|"
     "5000=abc|10=091|"},
    {"Fix42ExecutionReportAck",
     "8=FIX.4.2|9=155|35=8|34=901|49=EXCHANGE|52=20240315-14:30:00.130|56=RISKGATE|6=0|"
     "11=E1-ORD-20240315-0001|14=0|17=EX-1|20=0|37=OID-1|38=500|39=0|54=1|55=AAPL|150=0|"
     "151=500|10=194|",
     "8", 901, "EXCHANGE", "RISKGATE", "20240315-14:30:00.130",
     "8=FIX.4.2|9=155|35=8|49=EXCHANGE|56=RISKGATE|34=901|52=20240315-14:30:00.130|6=0|"
     "11=E1-ORD-20240315-0001|14=0|17=EX-1|20=0|37=OID-1|38=500|39=0|54=1|55=AAPL|150=0|"
     "151=500|10=194|"},
    {"Fix44ExecutionReportFill",
     "8=FIX.4.4|9=157|35=8|49=EXCHANGE|56=RISKGATE|34=77|52=20240315-14:30:02.001|6=189.5|"
     "11=E1-CL-77|14=100|17=EX-2|31=189.5|32=100|37=OID-2|38=100|39=2|54=2|55=MSFT|150=F|"
     "151=0|10=065|",
     "8", 77, "EXCHANGE", "RISKGATE", "20240315-14:30:02.001",
     "8=FIX.4.4|9=157|35=8|49=EXCHANGE|56=RISKGATE|34=77|52=20240315-14:30:02.001|6=189.5|"
     "11=E1-CL-77|14=100|17=EX-2|31=189.5|32=100|37=OID-2|38=100|39=2|54=2|55=MSFT|150=F|"
     "151=0|10=065|"},
};

class GoldenMessage : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenMessage, FramesScansAndForwardsToTheExpectedBytes) {
  const Golden& g = GetParam();
  const std::string in = wire(g.in);

  const FrameResult f = frame(in, 4096);
  ASSERT_EQ(f.status, FrameStatus::kMessage) << to_string(f.error);
  ASSERT_EQ(f.consumed, in.size());

  Message msg;
  ASSERT_EQ(msg.scan(f.message), ScanError::kNone);
  EXPECT_EQ(msg.msg_type(), g.msg_type);
  EXPECT_EQ(msg.seq_num(), g.seq);
  EXPECT_EQ(msg.get(tag::kSenderCompID), g.sender);
  EXPECT_EQ(msg.get(tag::kTargetCompID), g.target);
  EXPECT_EQ(msg.get(tag::kSendingTime), g.sending_time);
  EXPECT_FALSE(is_header_tag(msg.fields()[msg.body_begin()].tag));
  std::int64_t sent_at = 0;
  EXPECT_TRUE(parse_utc_timestamp(msg.get(tag::kSendingTime), sent_at));

  Header h;
  h.begin_string = msg.begin_string();
  h.msg_type = g.msg_type;
  h.sender_comp_id = g.sender;
  h.target_comp_id = g.target;
  h.seq_num = g.seq;
  std::array<char, 32> time{};
  h.sending_time = {time.data(), format_utc_timestamp(time, sent_at)};
  std::array<char, 1024> out{};
  const EncodeResult r = encode_forward(out, h, msg);
  ASSERT_EQ(r.error, EncodeError::kNone);
  const std::string forwarded(out.data(), r.size);
  EXPECT_EQ(pipes(forwarded), g.expected);

  // Forwarding the forwarded message with the same header is the identity.
  Message again;
  ASSERT_EQ(again.scan(forwarded), ScanError::kNone);
  std::array<char, 1024> out2{};
  const EncodeResult r2 = encode_forward(out2, h, again);
  EXPECT_EQ(std::string(out2.data(), r2.size), forwarded);
}

std::string golden_name(const ::testing::TestParamInfo<Golden>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(Codec, GoldenMessage, ::testing::ValuesIn(kGolden), golden_name);

}  // namespace
}  // namespace riskgate::codec
