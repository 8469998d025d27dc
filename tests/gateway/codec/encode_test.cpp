// Encoding: our header on outgoing messages, bodies copied byte for byte, and
// BodyLength/CheckSum checked by framing the output again.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/gateway/codec/fix_text.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::codec {
namespace {

using test::make_message;
using test::pipes;
using test::wire;

Header exchange_header() {
  Header h;
  h.begin_string = "FIX.4.4";
  h.msg_type = msgtype::kNewOrderSingle;
  h.sender_comp_id = "RISKGATE";
  h.target_comp_id = "EXCHANGE";
  h.seq_num = 5;
  h.sending_time = "20240315-14:30:01.500";
  return h;
}

std::string encoded(std::span<const char> out, const EncodeResult& r) {
  EXPECT_EQ(r.error, EncodeError::kNone);
  return std::string(out.data(), r.size);
}

// The output must frame as exactly one message: BodyLength and CheckSum right.
void expect_frames_whole(const std::string& m) {
  const FrameResult f = frame(m, 1 << 16);
  EXPECT_EQ(f.status, FrameStatus::kMessage) << pipes(m);
  EXPECT_EQ(f.consumed, m.size());
  Message msg;
  EXPECT_EQ(msg.scan(m), ScanError::kNone);
}

TEST(Encoder, BuildsTheHeaderBodyLengthAndChecksum) {
  Header h;
  h.begin_string = "FIX.4.4";
  h.msg_type = msgtype::kHeartbeat;
  h.sender_comp_id = "RISKGATE";
  h.target_comp_id = "ENGINE1";
  h.seq_num = 7;
  h.sending_time = "20240315-14:30:00.000";
  std::array<char, 256> out{};
  const std::string m = encoded(out, encode(out, h, wire("112=TR1|")));
  // Golden bytes; BodyLength and CheckSum computed outside the codec.
  EXPECT_EQ(pipes(m),
            "8=FIX.4.4|9=66|35=0|49=RISKGATE|56=ENGINE1|34=7|52=20240315-14:30:00.000|112=TR1|"
            "10=177|");
  expect_frames_whole(m);
}

TEST(Encoder, AddsPossDupAndOrigSendingTimeForAResend) {
  Header h = exchange_header();
  h.begin_string = "FIX.4.2";
  h.seq_num = 12;
  h.sending_time = "20240315-14:31:00.000";
  h.poss_dup = true;
  h.orig_sending_time = "20240315-14:30:00.000";
  std::array<char, 256> out{};
  const std::string m = encoded(out, encode(out, h, wire("11=A|")));
  EXPECT_EQ(pipes(m),
            "8=FIX.4.2|9=96|35=D|49=RISKGATE|56=EXCHANGE|34=12|52=20240315-14:31:00.000|43=Y|"
            "122=20240315-14:30:00.000|11=A|10=112|");
  expect_frames_whole(m);
}

TEST(Encoder, RefusesEveryBufferTooSmallAndNeverWritesPastIt) {
  const Header h = exchange_header();
  const std::string body = wire("11=A|55=AAPL|");
  std::array<char, 256> full{};
  const std::size_t need = encode(full, h, body).size;
  for (std::size_t room = 0; room < need; ++room) {
    std::array<char, 256> out;
    out.fill('#');
    const EncodeResult r = encode(std::span<char>(out.data(), room), h, body);
    EXPECT_EQ(r.error, EncodeError::kNoSpace) << room;
    for (const char c : out) ASSERT_EQ(c, '#') << "wrote with only " << room << " bytes";
  }
  std::vector<char> exact(need);
  EXPECT_EQ(encode(exact, h, body).error, EncodeError::kNone);
}

TEST(Encoder, WritesManyDigitsOfSeqNumAndBodyLength) {
  Header h = exchange_header();
  h.seq_num = 18446744073709551615ULL;
  const std::string body = wire("58=" + std::string(1000, 'x') + "|");
  std::vector<char> out(2000);
  const std::string m = encoded(out, encode(out, h, body));
  expect_frames_whole(m);
  Message msg;
  ASSERT_EQ(msg.scan(m), ScanError::kNone);
  EXPECT_EQ(msg.seq_num(), 18446744073709551615ULL);
}

// A FIX 4.4 order with venue-specific tags and an on-behalf-of header tag.
const std::string kClientOrder = wire(
    "8=FIX.4.4|9=144|35=D|34=42|49=ENGINE1|52=20240315-14:30:01.456|56=RISKGATE|57=DESK|1=ACC1|"
    "11=CL-78|21=1|38=100|40=1|54=1|55=IBM|60=20240315-14:30:01.450|9001=X|10=232|");

TEST(ForwardEncoder, RewritesTheHeaderAndPrefixesTheClOrdIdKeepingEverythingElse) {
  Message in;
  ASSERT_EQ(in.scan(kClientOrder), ScanError::kNone);
  const std::array<Substitution, 1> subs{{{tag::kClOrdID, "E1-CL-78"}}};
  std::array<char, 512> out{};
  const std::string m = encoded(out, encode_forward(out, exchange_header(), in, subs));
  // Golden: header in our order, 57 kept in place, 9001 byte for byte.
  EXPECT_EQ(pipes(m),
            "8=FIX.4.4|9=147|35=D|49=RISKGATE|56=EXCHANGE|34=5|52=20240315-14:30:01.500|57=DESK|"
            "1=ACC1|11=E1-CL-78|21=1|38=100|40=1|54=1|55=IBM|60=20240315-14:30:01.450|9001=X|"
            "10=175|");
  expect_frames_whole(m);
}

TEST(ForwardEncoder, PreservesVenueSpecificTagsByteForByte) {
  const std::string client =
      make_message("FIX.4.4",
                   "35=D|49=ENGINE1|56=RISKGATE|34=3|52=20240315-14:30:01.456|11=A1|9001=X|55=AAPL|"
                   "5000=abc|20000=a b=c;d|");
  Message in;
  ASSERT_EQ(in.scan(client), ScanError::kNone);
  std::array<char, 512> out{};
  const std::string m = encoded(out, encode_forward(out, exchange_header(), in));
  EXPECT_NE(pipes(m).find("|11=A1|9001=X|55=AAPL|5000=abc|20000=a b=c;d|10="), std::string::npos)
      << pipes(m);
  expect_frames_whole(m);
}

TEST(ForwardEncoder, DropsTheHeaderTagsItRewritesIncludingPossDupAndPossResend) {
  const std::string client =
      make_message("FIX.4.2",
                   "35=D|34=9|49=ENGINE1|52=20240315-14:30:01.456|56=RISKGATE|43=Y|97=Y|"
                   "122=20240315-14:29:00.000|50=TRADER|115=CLIENTX|128=BROKER|11=A1|");
  Message in;
  ASSERT_EQ(in.scan(client), ScanError::kNone);
  std::array<char, 512> out{};
  const std::string m = encoded(out, encode_forward(out, exchange_header(), in));
  EXPECT_EQ(pipes(m).substr(0, pipes(m).size() - 7),
            "8=FIX.4.4|9=98|35=D|49=RISKGATE|56=EXCHANGE|34=5|52=20240315-14:30:01.500|"
            "50=TRADER|115=CLIENTX|128=BROKER|11=A1|");
  expect_frames_whole(m);
}

TEST(ForwardEncoder, SubstitutesEveryOccurrenceAndDropsAFieldWithAnEmptySubstitute) {
  const std::string client =
      make_message("FIX.4.4",
                   "35=D|49=E|56=R|34=3|52=20240315-14:30:01.456|11=A|41=B|526=S|"
                   "448=P1|448=P2|58=drop me|");
  Message in;
  ASSERT_EQ(in.scan(client), ScanError::kNone);
  const std::array<Substitution, 4> subs{
      {{tag::kClOrdID, "E1-A"}, {tag::kOrigClOrdID, "E1-B"}, {448, "PX"}, {tag::kText, ""}}};
  std::array<char, 512> out{};
  const std::string m = encoded(out, encode_forward(out, exchange_header(), in, subs));
  const std::string p = pipes(m);
  EXPECT_NE(p.find("|11=E1-A|41=E1-B|526=S|448=PX|448=PX|10="), std::string::npos) << p;
  EXPECT_EQ(p.find("58="), std::string::npos);
  expect_frames_whole(m);
}

TEST(ForwardEncoder, TakesBeginStringAndMsgTypeFromTheInputWhenTheHeaderLeavesThemEmpty) {
  Message in;
  ASSERT_EQ(in.scan(kClientOrder), ScanError::kNone);
  Header h = exchange_header();
  h.begin_string = {};
  h.msg_type = {};
  std::array<char, 512> out{};
  const std::string m = encoded(out, encode_forward(out, h, in));
  Message back;
  ASSERT_EQ(back.scan(m), ScanError::kNone);
  EXPECT_EQ(back.begin_string(), "FIX.4.4");
  EXPECT_EQ(back.msg_type(), "D");
}

TEST(ForwardEncoder, RefusesEveryBufferTooSmallAndNeverWritesPastIt) {
  Message in;
  ASSERT_EQ(in.scan(kClientOrder), ScanError::kNone);
  const std::array<Substitution, 1> subs{{{tag::kClOrdID, "E1-CL-78-LONGER"}}};
  std::array<char, 512> full{};
  const std::size_t need = encode_forward(full, exchange_header(), in, subs).size;
  for (std::size_t room = 0; room < need; ++room) {
    std::array<char, 512> out;
    out.fill('#');
    EXPECT_EQ(encode_forward(std::span<char>(out.data(), room), exchange_header(), in, subs).error,
              EncodeError::kNoSpace);
    for (const char c : out) ASSERT_EQ(c, '#') << "wrote with only " << room << " bytes";
  }
  std::vector<char> exact(need);
  EXPECT_EQ(encode_forward(exact, exchange_header(), in, subs).size, need);
}

TEST(Codec, MakesNoAllocationToFrameScanAndForwardAMessageAfterWarmUp) {
  std::string stream;
  for (int i = 0; i < 50; ++i) stream += kClientOrder;
  Message in;
  std::array<char, 1024> out{};
  const std::array<Substitution, 2> subs{{{tag::kClOrdID, "E1-CL-78"}, {9001, "Y"}}};
  const Header h = exchange_header();
  std::array<char, 32> time{};
  // Warm-up: one pass through every path.
  (void)in.scan(frame(stream, 4096).message);
  (void)encode_forward(out, h, in, subs);

  std::size_t messages = 0;
  std::size_t bytes_out = 0;
  std::uint64_t allocations = 0;
  {
    const riskgate::testing::AllocationScope scope;
    for (int round = 0; round < 20; ++round) {
      std::string_view view = stream;
      for (;;) {
        const FrameResult f = frame(view, 4096);
        if (f.status != FrameStatus::kMessage) break;
        if (in.scan(f.message) == ScanError::kNone) {
          Header hh = h;
          hh.sending_time = {time.data(), format_utc_timestamp(time, 1710513001500000000)};
          const EncodeResult r = encode_forward(out, hh, in, subs);
          bytes_out += r.size;
          ++messages;
        }
        view.remove_prefix(f.consumed);
      }
    }
    allocations = scope.count();
  }
  EXPECT_EQ(messages, 1000u);
  EXPECT_GT(bytes_out, 0u);
  EXPECT_EQ(allocations, 0u);
}

TEST(Codec, CountsTheAllocationsItWouldMakeSoTheZeroAboveIsMeaningful) {
  const riskgate::testing::AllocationScope scope;
  auto* p = new std::string(100, 'x');
  delete p;
  EXPECT_GE(scope.count(), 1u);
}

}  // namespace
}  // namespace riskgate::codec
