// Randomised robustness: valid messages with random damage, framed whole and
// in random read sizes, scanned and forwarded. The framer must never crash,
// never read outside its buffer (run under ASan: -DRISKGATE_SANITIZE=ON),
// always make progress, decide the same whatever the read sizes, and never
// lose the clean message behind the damage. Deterministic seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "tests/gateway/codec/fix_text.hpp"

namespace riskgate::codec {
namespace {

using test::make_message;

constexpr std::size_t kMax = 1024;

std::vector<std::string> corpus() {
  return {
      make_message("FIX.4.2",
                   "35=D|34=215|49=ENGINE1|52=20240315-14:30:00.123|56=RISKGATE|1=ACC1|"
                   "11=ORD-1|21=1|38=500|40=2|44=190.25|54=1|55=AAPL|59=0|"),
      make_message("FIX.4.4",
                   "35=8|49=EXCHANGE|56=RISKGATE|34=77|52=20240315-14:30:02.001|"
                   "6=189.5|11=E1-CL-77|14=100|17=EX-2|31=189.5|32=100|37=OID-2|"
                   "38=100|39=2|54=2|55=MSFT|150=F|151=0|58=8=FIX in text|"),
      make_message("FIXT.1.1",
                   "35=A|49=ENGINE1|56=RISKGATE|34=1|52=20240315-14:30:00.000|98=0|"
                   "108=30|1137=9|"),
      make_message("FIX.4.4", "35=0|49=A|56=B|34=2|52=20240315-14:30:00.000|"),
  };
}

// Copies into a heap block of exactly the right size, so that ASan reports
// any read past the end (a std::string's spare capacity would hide it).
struct ExactBuffer {
  explicit ExactBuffer(const std::string& s) : size(s.size()), data(new char[s.size()]) {
    if (size != 0) std::memcpy(data.get(), s.data(), size);
  }
  std::string_view view() const { return {data.get(), size}; }
  std::size_t size;
  std::unique_ptr<char[]> data;
};

std::string mutate(std::string m, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % (n == 0 ? 1 : n)); };
  auto random_byte = [&] {
    static constexpr char kInteresting[] = {'\x01', '=', '8',  '9',    '1', '0', 'F',
                                            'I',    'X', '\0', '\xff', '-', '.'};
    return rng() % 2 ? kInteresting[pick(sizeof kInteresting)] : static_cast<char>(rng());
  };
  const int rounds = 1 + static_cast<int>(pick(3));
  for (int r = 0; r < rounds && !m.empty(); ++r) {
    switch (pick(8)) {
      case 0:  // overwrite one byte
        m[pick(m.size())] = random_byte();
        break;
      case 1:  // delete a run
        m.erase(pick(m.size()), 1 + pick(8));
        break;
      case 2:  // insert bytes
        m.insert(pick(m.size() + 1), std::string(1 + pick(4), random_byte()));
        break;
      case 3: {  // change the BodyLength
        const std::size_t at = m.find(
            "\x01"
            "9=");
        if (at != std::string::npos && at + 3 < m.size())
          m[at + 3] = static_cast<char>('0' + pick(10));
        break;
      }
      case 4:  // truncate
        m.resize(pick(m.size()));
        break;
      case 5:  // a stray header in the middle
        m.insert(pick(m.size() + 1),
                 "8=FIX.4.4\x01"
                 "9=");
        break;
      case 6:  // an SOH where there was none, or none where there was one
        m[pick(m.size())] = m[pick(m.size())] == '\x01' ? 'x' : '\x01';
        break;
      default:  // duplicate a slice
      {
        const std::size_t from = pick(m.size());
        m.insert(pick(m.size() + 1), m.substr(from, 1 + pick(20)));
        break;
      }
    }
  }
  return m;
}

struct Outcome {
  std::vector<std::string> messages;
  std::size_t garbled = 0;
};

// Frames, scans and forwards everything in `buf`; checks the invariants.
void process(std::string_view view, Outcome& out, std::string* rest) {
  Message msg;
  std::array<char, 2048> encoded{};
  Header h;
  h.sender_comp_id = "RISKGATE";
  h.target_comp_id = "EXCHANGE";
  h.seq_num = 1;
  h.sending_time = "20240315-14:30:00.000";
  const std::array<Substitution, 1> subs{{{tag::kClOrdID, "E1-X"}}};
  for (;;) {
    const FrameResult r = frame(view, kMax);
    ASSERT_LE(r.consumed, view.size());
    if (r.status == FrameStatus::kNeedMore) {
      ASSERT_EQ(r.consumed, 0u);
      break;
    }
    ASSERT_GT(r.consumed, 0u) << "no progress";
    if (r.status == FrameStatus::kMessage) {
      ASSERT_LE(r.message.size(), kMax);
      out.messages.emplace_back(r.message);
      if (msg.scan(r.message) == ScanError::kNone) {
        const EncodeResult e = encode_forward(encoded, h, msg, subs);
        ASSERT_EQ(e.error, EncodeError::kNone);
        const FrameResult again = frame({encoded.data(), e.size}, 4096);
        ASSERT_EQ(again.status, FrameStatus::kMessage) << test::pipes({encoded.data(), e.size});
        ASSERT_EQ(again.consumed, e.size);
      }
    } else {
      ++out.garbled;
    }
    view.remove_prefix(r.consumed);
  }
  if (rest != nullptr) *rest = std::string(view);
}

TEST(CodecRobustness, SurvivesTwentyThousandDamagedStreamsAndRecoversTheNextCleanMessage) {
  const std::vector<std::string> clean = corpus();
  std::mt19937_64 rng(0x5EEDC0DEC);
  std::size_t total_messages = 0;
  std::size_t total_garbled = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string stream;
    const int before = static_cast<int>(rng() % 3);
    for (int k = 0; k < before; ++k) stream += clean[rng() % clean.size()];
    stream += mutate(clean[rng() % clean.size()], rng);
    // Two clean messages behind the damage: the second always starts right
    // after an SOH, so no damage before it can hide it.
    const std::string& sentinel = clean[rng() % clean.size()];
    stream += clean[rng() % clean.size()] + sentinel;

    // Whole stream in one read, from an exact-size buffer.
    const ExactBuffer exact(stream);
    Outcome whole;
    std::string rest;
    process(exact.view(), whole, &rest);
    if (HasFatalFailure()) FAIL() << "iteration " << i << ": " << test::pipes(stream);
    ASSERT_TRUE(rest.empty()) << "iteration " << i << " left " << test::pipes(rest);
    ASSERT_FALSE(whole.messages.empty()) << "iteration " << i;
    ASSERT_EQ(whole.messages.back(), sentinel) << "iteration " << i << ": " << test::pipes(stream);

    // The same stream in random read sizes decides the same messages.
    Outcome chunked;
    std::string pending;
    std::size_t at = 0;
    while (at < stream.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 64, stream.size() - at);
      pending.append(stream, at, n);
      at += n;
      const ExactBuffer buf(pending);
      process(buf.view(), chunked, &pending);
      if (HasFatalFailure()) FAIL() << "iteration " << i << " (chunked)";
    }
    ASSERT_EQ(chunked.messages, whole.messages) << "iteration " << i << ": " << test::pipes(stream);

    // Scanning arbitrary bytes (never framed) is safe too.
    const std::string damaged = mutate(clean[rng() % clean.size()], rng);
    const ExactBuffer raw(damaged);
    Message msg;
    (void)msg.scan(raw.view());
    for (const Field& f : msg.fields()) {
      ASSERT_LE(std::size_t{f.offset} + f.length, damaged.size());
    }

    total_messages += whole.messages.size();
    total_garbled += whole.garbled;
  }
  // The damage really was damage, and the clean messages really came through.
  EXPECT_GT(total_garbled, 10000u);
  EXPECT_GT(total_messages, 40000u);
}

}  // namespace
}  // namespace riskgate::codec
