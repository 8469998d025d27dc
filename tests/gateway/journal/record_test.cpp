// The record format on its own: the checksum, and a reader that drops a torn
// tail (every cut, every flipped byte) without touching earlier records.
#include "gateway/journal/record.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "gateway/journal/crc32c.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"

namespace riskgate::journal {
namespace {

using testing::TempDir;

TEST(Crc32c, MatchesTheCastagnoliCheckValue) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32c(0, s.data(), s.size()), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(0, s.data(), s.size()), 0xE3069283u);
}

TEST(Crc32c, HardwareAndPortableAgreeAtEveryLengthAndSplit) {
  std::mt19937 rng(7);
  std::vector<unsigned char> buf(300);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (std::size_t n = 0; n <= buf.size(); ++n) {
    const auto whole = crc32c(0, buf.data(), n);
    ASSERT_EQ(whole, crc32c_portable(0, buf.data(), n)) << n;
    const std::size_t half = n / 3;
    ASSERT_EQ(whole, crc32c(crc32c(0, buf.data(), half), buf.data() + half, n - half)) << n;
  }
}

// The order step's encoder copies identifiers in overlapping words (record.cpp,
// copy_id): every length on each side of its word boundaries, in every field,
// must come back byte for byte, with not one byte written past the payload.
TEST(OrderEventEncoding, EveryIdentifierLengthRoundTripsAndNothingIsWrittenPastThePayload) {
  const std::string source = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int field = 0; field < 4; ++field) {
    for (std::size_t n = 0; n <= 40; ++n) {
      OrderEvent e;
      e.kind = OrderEventKind::kReplace;
      e.side = '2';
      e.ord_type = '2';
      e.client_session = 0x01020304;
      e.order_qty = -1;
      e.price = 19'050'000'000;
      e.last_qty = 7;
      e.cum_qty = 8;
      e.leaves_qty = 9;
      e.cl_ord_id = "E1-A";
      e.orig_cl_ord_id = "E1-B";
      e.symbol = "AAPL";
      e.account = "ACC1";
      const std::string id = source.substr(field, n);
      (field == 0   ? e.cl_ord_id
       : field == 1 ? e.orig_cl_ord_id
       : field == 2 ? e.symbol
                    : e.account) = id;
      const std::size_t size = payload_size(e);
      std::vector<std::byte> buf(size + 32, std::byte{0xA5});
      ASSERT_TRUE(encode(e, std::span(buf).first(size)));
      for (std::size_t i = size; i < buf.size(); ++i)
        ASSERT_EQ(buf[i], std::byte{0xA5}) << "field " << field << " length " << n << " byte " << i;
      for (std::size_t i = offsetof(OrderEventFixed, reserved); i < sizeof(OrderEventFixed); ++i)
        ASSERT_EQ(buf[i], std::byte{0}) << "reserved byte " << i << " is not zero";
      RecordView v;
      v.header.type = static_cast<std::uint16_t>(RecordType::kOrderEvent);
      v.payload = std::span<const std::byte>(buf).first(size);
      OrderEvent d;
      ASSERT_TRUE(decode(v, d)) << "field " << field << " length " << n;
      EXPECT_EQ(d.kind, e.kind);
      EXPECT_EQ(d.side, e.side);
      EXPECT_EQ(d.ord_type, e.ord_type);
      EXPECT_EQ(d.client_session, e.client_session);
      EXPECT_EQ(d.order_qty, e.order_qty);
      EXPECT_EQ(d.price, e.price);
      EXPECT_EQ(d.last_qty, e.last_qty);
      EXPECT_EQ(d.cum_qty, e.cum_qty);
      EXPECT_EQ(d.leaves_qty, e.leaves_qty);
      EXPECT_EQ(d.cl_ord_id, e.cl_ord_id);
      EXPECT_EQ(d.orig_cl_ord_id, e.orig_cl_ord_id);
      EXPECT_EQ(d.symbol, e.symbol);
      EXPECT_EQ(d.account, e.account);
    }
  }
}

// The order step's record (kOrderSent) byte by byte, written over a buffer
// of 0xA5: reserved bytes and the padding before the message are zero (the
// file's bytes are the same whatever the ring held before), and the parts
// read back as the event, the engine's number and the message.
TEST(OrderEventEncoding, AnOrderSentPayloadHasZeroReservedAndPaddingBytesAndSplitsIntoItsParts) {
  const std::string raw = "8=FIX.4.4|9=5|35=D|11=E1-ABC|10=000|";
  for (std::size_t n = 1; n <= 16; ++n) {  // Every padding length, and none.
    OrderEvent e;
    e.kind = OrderEventKind::kNew;
    e.side = '1';
    e.ord_type = '2';
    e.client_session = 3;
    e.order_qty = 100;
    e.price = 190'500'000;
    e.cl_ord_id = std::string_view("E1-ABCDEFGHIJKLMNOP").substr(0, n);
    e.symbol = "AAPL";
    e.account = "ACC1";
    const std::size_t size = order_sent_payload_size(e, raw.size());
    std::vector<std::byte> buf(sizeof(RecordHeader) + size + 32, std::byte{0xA5});
    const std::span<std::byte> payload = std::span(buf).subspan(sizeof(RecordHeader), size);
    ASSERT_TRUE(encode_order_sent(e, 7, 41, raw, payload));
    const std::size_t event_end = sizeof(OrderSentFixed) + payload_size(e);
    const std::size_t at = size - raw.size();
    ASSERT_EQ(at, align_record(event_end)) << n;
    for (std::size_t i = offsetof(OrderSentFixed, reserved); i < sizeof(OrderSentFixed); ++i)
      ASSERT_EQ(payload[i], std::byte{0}) << "length " << n << " reserved byte " << i;
    for (std::size_t i = event_end; i < at; ++i)
      ASSERT_EQ(payload[i], std::byte{0}) << "length " << n << " padding byte " << i;
    for (std::size_t i = sizeof(RecordHeader) + size; i < buf.size(); ++i)
      ASSERT_EQ(buf[i], std::byte{0xA5}) << "length " << n << ": written past the payload";

    RecordView v;
    v.header.type = static_cast<std::uint16_t>(RecordType::kOrderSent);
    v.header.session = 9;
    v.header.sequence = 12;
    v.header.length = static_cast<std::uint32_t>(sizeof(RecordHeader) + size);
    v.record = std::span<const std::byte>(buf).first(sizeof(RecordHeader) + size);
    v.payload = std::span<const std::byte>(payload);
    RecordParts parts;
    ASSERT_EQ(split_record(v, parts), 3u) << n;
    OrderEvent d;
    bool saw_event = false, saw_inbound = false, saw_message = false;
    for (const RecordView& p : parts) {
      if (p.type() == RecordType::kOrderEvent) {
        ASSERT_TRUE(decode(p, d));
        EXPECT_EQ(d.cl_ord_id, e.cl_ord_id);
        EXPECT_EQ(d.symbol, "AAPL");
        EXPECT_EQ(d.price, 190'500'000);
        saw_event = true;
      } else if (p.type() == RecordType::kInboundProcessed) {
        EXPECT_EQ(p.header.session, 7);
        EXPECT_EQ(p.header.sequence, 41u);
        saw_inbound = true;
      } else if (p.type() == RecordType::kOutbound) {
        EXPECT_EQ(p.payload_text(), raw);
        EXPECT_EQ(p.header.sequence, 12u);
        saw_message = true;
      }
    }
    EXPECT_TRUE(saw_event && saw_inbound && saw_message) << n;
  }
}

TEST(FileHeader, RoundTripsAndRejectsCorruption) {
  FileHeader h = make_file_header("gw-a", 20240502, 123);
  EXPECT_TRUE(valid_file_header(h));
  EXPECT_EQ(gateway_name(h), "gw-a");
  h.trading_day = 20240503;
  EXPECT_FALSE(valid_file_header(h));
  EXPECT_THROW((void)make_file_header(std::string(64, 'x'), 1, 1), std::invalid_argument);
}

TEST(ParseRecord, RejectsGarbageLengthsAndUnknownTypes) {
  std::vector<std::byte> zeros(64);
  RecordView v;
  EXPECT_EQ(parse_record({}, 0, v), RecordError::kEnd);
  EXPECT_EQ(parse_record(std::span(zeros).first(10), 0, v), RecordError::kTruncatedHeader);
  // A pre-zeroed region (length 0) is never mistaken for a record.
  EXPECT_EQ(parse_record(zeros, 0, v), RecordError::kBadLength);
}

// Three records on disk; the last is cut at every byte and flipped at every
// byte. The first two always survive, the third is never half-read.
class TornTail : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = testing::test_config(dir_.path());
    {
      Journal j(cfg);
      auto& ring = j.ring(0);
      ASSERT_EQ(append_outbound(ring, 1, 1, 10, testing::fix_order(1, "A")), AppendStatus::kOk);
      ASSERT_EQ(append_outbound(ring, 1, 2, 20, testing::fix_order(2, "B")), AppendStatus::kOk);
      // A record that ends inside its padding, so the cuts cover both
      // "inside the record" and "inside the padding".
      std::string last = testing::fix_order(3, "C") + "58=x";
      while ((sizeof(RecordHeader) + last.size() + 1) % kRecordAlign == 0) last += 'x';
      last += '\x01';
      ASSERT_NE((sizeof(RecordHeader) + last.size()) % kRecordAlign, 0u);
      ASSERT_EQ(append_outbound(ring, 1, 3, 30, last), AppendStatus::kOk);
      (void)j.do_work(std::chrono::steady_clock::now());
    }
    bytes_ = testing::read_all(cfg.file);
    JournalFile f(cfg.file);
    std::vector<RecordView> views;
    const auto sr = f.scan([&](const RecordView& r) { views.push_back(r); });
    ASSERT_EQ(sr.records, 3u);
    ASSERT_FALSE(sr.torn);
    last_offset_ = views[2].offset;
    last_length_ = views[2].header.length;
  }

  ScanResult scan(const std::vector<char>& b, std::vector<std::uint64_t>* seqs = nullptr) {
    const auto p = dir_.path() / "cut.journal";
    testing::write_all(p, b.data(), b.size());
    JournalFile f(p);
    return f.scan([&](const RecordView& r) {
      if (seqs != nullptr) seqs->push_back(r.header.sequence);
    });
  }

  TempDir dir_;
  std::vector<char> bytes_;
  std::uint64_t last_offset_ = 0;
  std::uint64_t last_length_ = 0;
};

TEST_F(TornTail, ACutAtEveryByteOfTheLastRecordDropsItAndKeepsTheOthers) {
  for (std::size_t cut = last_offset_; cut < bytes_.size(); ++cut) {
    std::vector<char> b(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<std::uint64_t> seqs;
    const ScanResult sr = scan(b, &seqs);
    if (cut >= last_offset_ + last_length_) {
      // Only padding is missing: the checksummed record is whole.
      EXPECT_EQ(sr.records, 3u) << cut;
      continue;
    }
    ASSERT_EQ(sr.records, 2u) << cut;
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2})) << cut;
    EXPECT_EQ(sr.valid_end, last_offset_) << cut;
    EXPECT_EQ(sr.torn, cut != last_offset_) << cut;  // A cut at the boundary is a clean end.
  }
}

TEST_F(TornTail, AFlippedByteAnywhereInTheLastRecordDropsIt) {
  for (std::size_t i = last_offset_; i < last_offset_ + last_length_; ++i) {
    std::vector<char> b = bytes_;
    b[i] = static_cast<char>(b[i] ^ 0x20);
    std::vector<std::uint64_t> seqs;
    const ScanResult sr = scan(b, &seqs);
    ASSERT_EQ(sr.records, 2u) << i;
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2})) << i;
    EXPECT_TRUE(sr.torn) << i;
    EXPECT_EQ(sr.valid_end, last_offset_) << i;
  }
}

TEST_F(TornTail, ReopeningCutsTheTornTailReportsItAndAppendsAfterTheGoodRecords) {
  auto cfg = testing::test_config(dir_.path());
  std::vector<char> b(bytes_.begin(),
                      bytes_.begin() + static_cast<std::ptrdiff_t>(last_offset_ + 17));
  testing::write_all(cfg.file, b.data(), b.size());
  {
    Journal j(cfg);
    EXPECT_TRUE(j.open_report().torn_tail);
    EXPECT_EQ(j.open_report().torn_offset, last_offset_);
    EXPECT_EQ(j.open_report().dropped_bytes, 17u);
    EXPECT_EQ(j.open_report().file_records, 2u);
    ASSERT_EQ(append_outbound(j.ring(0), 1, 3, 40, testing::fix_order(3, "D")), AppendStatus::kOk);
  }
  JournalFile f(cfg.file);
  const RecoveredState s = recover(f);
  EXPECT_FALSE(s.scan.torn);
  ASSERT_EQ(s.sessions.at(1).outbound.size(), 3u);
  EXPECT_NE(s.sessions.at(1).outbound.at(3).find("11=D\x01"), std::string::npos);
}

}  // namespace
}  // namespace riskgate::journal
