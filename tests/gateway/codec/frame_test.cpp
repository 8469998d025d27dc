// Framing: one TCP byte stream in, whole verified messages out; garbled input
// is dropped as the FIX session layer says, without losing the next message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "tests/gateway/codec/fix_text.hpp"

namespace riskgate::codec {
namespace {

using test::make_message;
using test::wire;

constexpr std::size_t kMax = 4096;

std::string order(int n) {
  return make_message("FIX.4.4", "35=D|49=ENGINE1|56=RISKGATE|34=" + std::to_string(n) +
                                     "|52=20240315-14:30:00.123|11=ORD-" + std::to_string(n) +
                                     "|38=100|40=2|44=190.25|54=1|55=AAPL|");
}

struct Drained {
  std::vector<std::string> messages;
  std::vector<FrameError> errors;  // one per kGarbled / kTooLarge
  std::string rest;                // bytes left when the framer asked for more
};

// Runs the framer over `buf` until it asks for more, as a session's receive
// loop does, checking the framing invariants at every step.
Drained drain(std::string buf, std::size_t max = kMax) {
  Drained out;
  std::string_view view = buf;
  for (;;) {
    const FrameResult r = frame(view, max);
    EXPECT_LE(r.consumed, view.size());
    if (r.status == FrameStatus::kNeedMore) {
      EXPECT_EQ(r.consumed, 0u);
      break;
    }
    EXPECT_GT(r.consumed, 0u) << "the framer must always make progress";
    if (r.status == FrameStatus::kMessage) {
      EXPECT_EQ(r.error, FrameError::kNone);
      EXPECT_EQ(r.message.size(), r.consumed);
      EXPECT_EQ(r.message.data(), view.data());
      out.messages.emplace_back(r.message);
    } else {
      out.errors.push_back(r.error);
    }
    view.remove_prefix(r.consumed);
  }
  out.rest = std::string(view);
  return out;
}

TEST(Framer, AsksForMoreOnAnEmptyBuffer) {
  const FrameResult r = frame({}, kMax);
  EXPECT_EQ(r.status, FrameStatus::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(Framer, FramesOneWholeMessageAndConsumesExactlyIt) {
  const std::string m = order(1);
  const FrameResult r = frame(m, kMax);
  ASSERT_EQ(r.status, FrameStatus::kMessage);
  EXPECT_EQ(r.consumed, m.size());
  EXPECT_EQ(r.message, m);
}

TEST(Framer, WaitsWithoutConsumingOnEveryProperPrefixOfAMessage) {
  const std::string m = order(1);
  for (std::size_t n = 0; n < m.size(); ++n) {
    const FrameResult r = frame(std::string_view(m).substr(0, n), kMax);
    EXPECT_EQ(r.status, FrameStatus::kNeedMore) << "prefix of " << n << " bytes";
    EXPECT_EQ(r.consumed, 0u);
  }
}

TEST(Framer, ReassemblesAMessageFedOneByteAtATime) {
  const std::string m = order(7);
  std::string buffer;
  std::vector<std::string> out;
  for (const char c : m) {
    buffer.push_back(c);
    const FrameResult r = frame(buffer, kMax);
    if (r.status == FrameStatus::kMessage) {
      out.emplace_back(r.message);
      buffer.erase(0, r.consumed);
    } else {
      ASSERT_EQ(r.status, FrameStatus::kNeedMore);
      ASSERT_EQ(r.consumed, 0u);
    }
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], m);
  EXPECT_TRUE(buffer.empty());
}

TEST(Framer, FramesTwentyMessagesFromOneRead) {
  std::string read;
  std::vector<std::string> sent;
  for (int i = 1; i <= 20; ++i) {
    sent.push_back(order(i));
    read += sent.back();
  }
  const Drained d = drain(read);
  EXPECT_EQ(d.messages, sent);
  EXPECT_TRUE(d.errors.empty());
  EXPECT_TRUE(d.rest.empty());
}

TEST(Framer, KeepsTheIncompleteTailOfAReadForTheNextRead) {
  const std::string a = order(1);
  const std::string b = order(2);
  const Drained d = drain(a + b.substr(0, 30));
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.rest, b.substr(0, 30));
  EXPECT_EQ(drain(d.rest + b.substr(30)).messages, std::vector<std::string>{b});
}

TEST(Framer, DropsAMessageWithABadChecksumAndKeepsTheNextOne) {
  std::string bad = order(1);
  bad[bad.size() - 2] =
      bad[bad.size() - 2] == '9' ? '0' : static_cast<char>(bad[bad.size() - 2] + 1);
  const std::string good = order(2);
  const FrameResult r = frame(bad + good, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadChecksum);
  EXPECT_EQ(r.consumed, bad.size());
  const Drained d = drain(bad + good);
  EXPECT_EQ(d.messages, std::vector<std::string>{good});
}

TEST(Framer, DropsAMessageWhoseBodyWasAlteredUnderAValidChecksumField) {
  std::string bad = order(1);
  bad[bad.find("AAPL")] = 'B';  // same length, different sum
  const FrameResult r = frame(bad, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadChecksum);
}

TEST(Framer, RefusesAChecksumThatIsNotThreeDigits) {
  std::string letters = order(1);
  letters[letters.size() - 3] = 'a';  // "10=dad"
  const FrameResult r = frame(letters, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadChecksum);

  // "10=61<SOH>": two digits, so the next message's "8" sits where the SOH
  // should be. The next message must survive.
  const std::string m = order(1);
  const std::string two_digits = m.substr(0, m.size() - 4) + m.substr(m.size() - 3);
  const std::string good = order(2);
  const FrameResult r2 = frame(two_digits + good, kMax);
  EXPECT_EQ(r2.status, FrameStatus::kGarbled);
  EXPECT_EQ(r2.error, FrameError::kBadChecksum);
  EXPECT_EQ(r2.consumed, two_digits.size());
  EXPECT_EQ(drain(two_digits + good).messages, std::vector<std::string>{good});
}

// Rewrites the BodyLength of a valid message by `delta`, keeping the checksum
// right for the altered bytes so that only the length is wrong.
std::string with_body_length_off_by(const std::string& m, int delta) {
  const std::size_t start = m.find(
                                "\x01"
                                "9=") +
                            3;
  const std::size_t end = m.find('\x01', start);
  const int length = std::stoi(m.substr(start, end - start));
  std::string head =
      m.substr(0, start) + std::to_string(length + delta) + m.substr(end, m.size() - 7 - end);
  return head + test::checksum_field(head);
}

TEST(Framer, DropsAMessageWhoseBodyLengthIsTooShortAndKeepsTheNextOne) {
  const std::string bad = with_body_length_off_by(order(1), -3);
  const std::string good = order(2);
  const FrameResult r = frame(bad + good, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadBodyLength);
  EXPECT_EQ(r.consumed, bad.size()) << "drop exactly up to the next 8=FIX";
  EXPECT_EQ(drain(bad + good).messages, std::vector<std::string>{good});
}

TEST(Framer, DropsAMessageWhoseBodyLengthIsTooLongAndKeepsTheNextOne) {
  const std::string bad = with_body_length_off_by(order(1), +5);
  const std::string good = order(2);
  const FrameResult r = frame(bad + good, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadBodyLength);
  EXPECT_EQ(r.consumed, bad.size());
  EXPECT_EQ(drain(bad + good).messages, std::vector<std::string>{good});
}

TEST(Framer, WaitsOnATooLongBodyLengthUntilTheNextHeaderShowsItIsWrong) {
  const std::string bad = with_body_length_off_by(order(1), +40);
  EXPECT_EQ(frame(bad, kMax).status, FrameStatus::kNeedMore);
  const std::string good = order(2);
  // Only part of the next message: its header alone proves the length wrong,
  // so the session does not stall until enough bytes arrive.
  const FrameResult r = frame(bad + good.substr(0, 12), kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadBodyLength);
  EXPECT_EQ(r.consumed, bad.size());
  EXPECT_EQ(drain(bad + good).messages, std::vector<std::string>{good});
}

TEST(Framer, SkipsGarbageBeforeTheNextBeginString) {
  const std::string good = order(1);
  const std::string garbage = "\x01\x02GARBAGE 10=123\x01 8=FIY ";
  const FrameResult r = frame(garbage + good, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kNoBeginString);
  EXPECT_EQ(r.consumed, garbage.size());
  const Drained d = drain(garbage + good);
  EXPECT_EQ(d.messages, std::vector<std::string>{good});
}

TEST(Framer, SkipsGarbageBetweenMessages) {
  const std::string a = order(1);
  const std::string b = order(2);
  const std::string c = order(3);
  const Drained d = drain(a + "xx\x01yy" + b + std::string(300, '\x07') + c);
  EXPECT_EQ(d.messages, (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(d.errors.size(), 2u);
  EXPECT_TRUE(d.rest.empty());
}

TEST(Framer, DropsAllGarbageButKeepsAPartialBeginStringAtTheEnd) {
  Drained d = drain("no message here 8=F");
  EXPECT_TRUE(d.messages.empty());
  EXPECT_EQ(d.rest, "8=F") << "the rest of 8=FIX may come in the next read";
  d = drain("only garbage");
  EXPECT_TRUE(d.rest.empty());
  EXPECT_EQ(d.errors, std::vector<FrameError>{FrameError::kNoBeginString});
}

TEST(Framer, GarblesAHeaderWhoseSecondFieldIsNotBodyLength) {
  const std::string good = order(2);
  const std::string bad = wire("8=FIX.4.4|35=D|9=5|");
  const FrameResult r = frame(bad + good, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadBodyLength);
  EXPECT_EQ(drain(bad + good).messages, std::vector<std::string>{good});
}

TEST(Framer, GarblesANonNumericOrEmptyBodyLength) {
  EXPECT_EQ(frame(wire("8=FIX.4.4|9=1x2|35=0|10=000|"), kMax).error, FrameError::kBadBodyLength);
  EXPECT_EQ(frame(wire("8=FIX.4.4|9=|35=0|10=000|"), kMax).error, FrameError::kBadBodyLength);
}

TEST(Framer, GarblesABeginStringWithoutAnEnd) {
  const FrameResult r = frame("8=FIX.4.4" + std::string(40, 'A'), kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kNoBeginString);
}

TEST(Framer, FramesEveryBeginStringThatStartsWithFix) {
  for (const char* version : {"FIX.4.2", "FIX.4.4", "FIXT.1.1", "FIX.5.0SP2"}) {
    const std::string m = make_message(version, "35=0|49=A|56=B|34=1|52=20240315-14:30:00.000|");
    const FrameResult r = frame(m, kMax);
    EXPECT_EQ(r.status, FrameStatus::kMessage) << version;
  }
}

TEST(Framer, AcceptsAMessageExactlyAtTheMaximumSizeAndRefusesOneByteLess) {
  const std::string m = order(1);
  EXPECT_EQ(frame(m, m.size()).status, FrameStatus::kMessage);
  const FrameResult r = frame(m, m.size() - 1);
  EXPECT_EQ(r.status, FrameStatus::kTooLarge);
  EXPECT_EQ(r.error, FrameError::kTooLarge);
  EXPECT_GT(r.consumed, 0u);
}

TEST(Framer, RefusesAnOversizeMessageFromItsBodyLengthBeforeTheBodyArrives) {
  const FrameResult r = frame(wire("8=FIX.4.4|9=5000|35=D|"), kMax);
  EXPECT_EQ(r.status, FrameStatus::kTooLarge);
  // Even before the BodyLength field is complete.
  EXPECT_EQ(frame("8=FIX.4.4\x01"
                  "9=99999",
                  kMax)
                .status,
            FrameStatus::kTooLarge);
  EXPECT_EQ(frame("8=FIX.4.4\x01"
                  "9=" +
                      std::string(30, '9'),
                  SIZE_MAX)
                .status,
            FrameStatus::kTooLarge);
}

TEST(Framer, DropsAnOversizeMessageAndFramesTheNextOne) {
  const std::string big = make_message(
      "FIX.4.4", "35=D|49=E|56=R|34=1|52=20240315-14:30:00.000|58=" + std::string(kMax, 'x') + "|");
  const std::string good = order(2);
  const Drained d = drain(big + good);
  EXPECT_EQ(d.messages, std::vector<std::string>{good});
  ASSERT_FALSE(d.errors.empty());
  EXPECT_EQ(d.errors.front(), FrameError::kTooLarge);
}

TEST(Framer, DoesNotMistakeBeginStringTextInsideAFieldForAMessage) {
  // "58=FIX..." contains "8=FIX": after a garbled message the framer may try
  // it, but it must not produce a message from it and must still find the
  // real one behind.
  const std::string with_text = make_message(
      "FIX.4.4", "35=D|49=E|56=R|34=1|52=20240315-14:30:00.000|58=FIX.4.4 is our version|");
  std::string bad = with_text;
  bad[bad.size() - 3] = bad[bad.size() - 3] == '0' ? '1' : '0';
  const std::string good = order(2);
  const Drained d = drain(bad + good);
  EXPECT_EQ(d.messages, std::vector<std::string>{good});
}

TEST(Framer, DropsAMessageThatHidesAnotherHeaderEvenWhenLengthAndChecksumAgree) {
  // What a corrupt BodyLength that happens to land on a later trailer looks
  // like: the outer frame is self-consistent but swallows a whole message.
  const std::string inner = order(2);
  const std::string outer =
      make_message("FIX.4.4", "35=D|49=E|56=R|34=1|58=x|" + test::pipes(inner));
  const FrameResult r = frame(outer, kMax);
  EXPECT_EQ(r.status, FrameStatus::kGarbled);
  EXPECT_EQ(r.error, FrameError::kBadBodyLength);
  EXPECT_EQ(drain(outer).messages, std::vector<std::string>{inner});
}

TEST(Framer, FramesAMessageWithFieldsWhoseTagsStartWithEight) {
  // "<SOH>8" alone (tags 80-89, 8xx) is not a header.
  const std::string m =
      make_message("FIX.4.4", "35=8|49=E|56=R|34=1|851=1|80=5|8=|87=1|58=8=FIX|800=8=FI|11=A|");
  EXPECT_EQ(frame(m, kMax).status, FrameStatus::kMessage);
}

TEST(FrameError, HasAName) {
  EXPECT_EQ(to_string(FrameError::kBadChecksum), "bad CheckSum");
  EXPECT_EQ(to_string(FrameError::kTooLarge), "message too large");
}

}  // namespace
}  // namespace riskgate::codec
