// The journal's on-disk format: one file header, then records.
//
//   file   := FileHeader (128 bytes) record*
//   record := RecordHeader (40 bytes) payload (length - 40 bytes) zero padding to 8
//
// Every record carries a CRC32C over everything after the crc field (the rest
// of the header and the payload; not the padding). A record is valid only if
// its length is sane, it fits in the bytes that follow, its type is known and
// its checksum matches; a reader stops at the first invalid record (a torn
// tail after a crash or power loss) and applies nothing from it. parse_record
// is the one place that decides validity: the file reader, the ring recovery
// and the tests all call it.
//
// Integers are little-endian, in host layout (riskgate runs on x86-64 and
// AArch64 Linux, both little-endian); the static_asserts pin the layouts.
// Bump kFormatVersion on any change to them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace riskgate::journal {

// 3: adds kOrderSent. 4: adds kCarriedOrder and kPositionCarry (a file per
// trading day). An older file is read as it is, and its header is rewritten
// to the current version when a gateway opens it to append (journal.cpp).
inline constexpr std::uint32_t kFormatVersion = 4;
inline constexpr std::uint32_t kOldestReadableVersion = 2;
inline constexpr char kFileMagic[8] = {'R', 'G', 'J', 'R', 'N', 'L', '\0', '\1'};
inline constexpr std::size_t kRecordAlign = 8;
// Largest record accepted (header + payload). A FIX message riskgate sends
// is far smaller; the bound stops a corrupt length from making a reader walk
// off into garbage. Raise it (and kFormatVersion is unaffected) if a venue
// needs bigger messages.
inline constexpr std::uint32_t kMaxRecordBytes = 64 * 1024;
// Session id for gateway-wide records (counters, kill-cancel id, day roll).
inline constexpr std::uint16_t kNoSession = 0xFFFF;
// Producer of the records the journal thread writes itself at the head of a
// day's file (each session's numbers and resend store). Above every ring's
// number, so a ring's replay never compares its lsns with them.
inline constexpr std::uint16_t kRollProducer = 0xFFFF;

[[nodiscard]] constexpr std::size_t align_record(std::size_t n) noexcept {
  return (n + kRecordAlign - 1) & ~(kRecordAlign - 1);
}

enum class RecordType : std::uint16_t {
  // sequence = MsgSeqNum(34); payload = the FIX message exactly as sent.
  kOutbound = 1,
  // sequence = MsgSeqNum(34) of an inbound message fully processed; no payload.
  kInboundProcessed = 2,
  // Binds `session` to a name and leg; payload SessionDeclared + name. Written
  // when a session is created, so a reader can print names.
  kSessionDeclared = 3,
  // Sequence numbers set outside the normal flow (reset, day roll, operator):
  // sequence = next sender MsgSeqNum; payload SequenceSet.
  kSequenceSet = 4,
  // An order-table event; payload OrderEventFixed + ClOrdID + OrigClOrdID.
  kOrderEvent = 5,
  // Snapshot of the daily counters; payload DailyCountersFixed + DailyCounter[n].
  kDailyCounters = 6,
  // sequence = the next kill-cancel ClOrdID counter value; no payload.
  kKillCancelCounter = 7,
  // The trading day changed; payload TradingDayRoll.
  kTradingDayRoll = 8,
  // sequence = an outbound MsgSeqNum whose kOutbound record stands for a
  // message that was never sent (the transport refused it): the number is
  // given back and reused, and a resend must never replay that message.
  kOutboundVoid = 9,
  // sequence = MsgSeqNum of an admin message sent (not kept for resend: a
  // resend gap-fills it); no payload. Advances the next sender number.
  kSenderSeq = 10,
  // A new order or replace and the message that sent it, in one record: the
  // order step's single append (three records before: the order event, the
  // message and the engine's inbound number, about 40 ns each inside the
  // step). session = the exchange session; sequence = its MsgSeqNum(34);
  // payload OrderSentFixed + the order event's payload + zero padding to 8 +
  // the FIX message exactly as sent. It stands for exactly the records it
  // replaces, in this order: kOrderEvent (session, sequence), kOutbound
  // (session, sequence, message) and, if in_session != kNoSession,
  // kInboundProcessed (in_session, in_seq); split_record gives them, and
  // every reader of state reads records through it.
  kOrderSent = 11,
  // The day roll's carry (journal.hpp, "A file per trading day"): an order
  // still working when the day rolled, as the route group holds it.
  // session = its exchange session; sequence 0; payload as kOrderEvent, kind
  // kNew (an order: cum_qty and leaves_qty are what it has executed and has
  // open) or kReplace (a replace not yet acked: orig_cl_ord_id is its
  // order); last_qty is the quantity its exposure reserves (-1: none), price
  // the per-unit price it reserves at. A restart applies these only at the
  // head of a file, where they
  // stand for every event of the days before; anywhere else the events
  // before them already said the same, and they are skipped.
  kCarriedOrder = 12,
  // The day roll's carry: one (account, symbol) position, or one symbol's
  // last fill price (the collar's anchor), as the risk engine held it. After
  // the carried orders, so it overrides what their replay moved. session
  // kNoSession; payload PositionCarryFixed + account + symbol. Applied as
  // kCarriedOrder is: only at the head of a file.
  kPositionCarry = 13,
};
[[nodiscard]] bool is_known(RecordType t) noexcept;
[[nodiscard]] std::string_view to_string(RecordType t) noexcept;

struct RecordHeader {
  std::uint32_t crc;     // CRC32C of bytes [4, length) of the record.
  std::uint32_t length;  // Header + payload bytes, before padding.
  std::uint16_t type;    // RecordType.
  std::uint16_t session;
  std::uint16_t producer;  // The ring (I/O thread) that wrote it.
  std::uint16_t reserved;  // 0.
  // Byte position of this record in its producer's stream. Strictly
  // increasing per producer within a journal file: recovery uses it to skip
  // ring records the file already holds.
  std::uint64_t lsn;
  std::uint64_t sequence;  // Meaning depends on type (see RecordType).
  std::int64_t utc_ns;
};
static_assert(sizeof(RecordHeader) == 40 && alignof(RecordHeader) == 8);
inline constexpr std::size_t kCrcOffset = sizeof(std::uint32_t);

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_size;  // sizeof(FileHeader); records start here.
  std::uint32_t trading_day;  // yyyymmdd.
  std::uint32_t reserved0;
  // Identifies this file: ring files record the journal they feed, so a ring
  // left behind by another file is never replayed into this one.
  std::int64_t created_utc_ns;
  char gateway[64];  // NUL-padded.
  std::uint8_t reserved1[28];
  std::uint32_t crc;  // CRC32C of the bytes before it.
};
static_assert(sizeof(FileHeader) == 128);

// Throws std::invalid_argument if the gateway name does not fit (63 bytes).
[[nodiscard]] FileHeader make_file_header(std::string_view gateway, std::uint32_t trading_day,
                                          std::int64_t created_utc_ns);
// Magic, version, size and checksum; false if any is wrong.
[[nodiscard]] bool valid_file_header(const FileHeader& h) noexcept;
[[nodiscard]] std::string_view gateway_name(const FileHeader& h) noexcept;

enum class Leg : std::uint8_t { kEngine = 0, kExchange = 1 };
struct SessionDeclared {
  Leg leg;
  std::uint8_t name_len;
  std::uint8_t reserved[6];
  // name_len name bytes follow.
};
static_assert(sizeof(SessionDeclared) == 8);

struct SequenceSet {
  std::uint64_t next_target_seq;
};

enum class OrderEventKind : std::uint8_t {
  kNew = 1,       // Forwarded to the exchange (PendingNew).
  kReplace = 2,   // A replace (35=G) forwarded; cl_ord_id = the new id, orig = the order.
  kCancel = 3,    // A cancel (35=F) forwarded; orig = the order. kill_cancel for riskgate's own.
  kFill = 4,      // A (partial) fill counted: last_qty, cum_qty, leaves_qty.
  kDone = 5,      // The order left the table (filled, cancelled, expired, replaced).
  kRejected = 6,  // The exchange or riskgate rejected it; exposure released.
  // The exchange acked a replace: cl_ord_id (the replacement, until now a
  // pending replace) becomes the order; orig (the replaced order) is done.
  kReplaced = 7,
  // The venue cancelled or corrected down an execution: last_qty is no
  // longer executed; cum_qty and leaves_qty are the order after it.
  kTradeBust = 8,
};
[[nodiscard]] std::string_view to_string(OrderEventKind k) noexcept;

struct OrderEventFixed {
  std::int64_t order_qty;
  std::int64_t price;  // The route layer's fixed-point price, as it keeps it.
  std::int64_t last_qty;
  std::int64_t cum_qty;
  std::int64_t leaves_qty;
  std::uint32_t client_session;  // Journal session id of the engine that owns it.
  OrderEventKind kind;
  char side;  // FIX Side(54).
  std::uint8_t cl_ord_id_len;
  std::uint8_t orig_cl_ord_id_len;
  std::uint8_t symbol_len;
  std::uint8_t account_len;
  char ord_type;       // FIX OrdType(40); 0 when the event does not carry one.
  char time_in_force;  // FIX TimeInForce(59); 0 when absent or not carried (files before it).
  std::uint8_t reserved[4];
  // cl_ord_id_len + orig_cl_ord_id_len + symbol_len + account_len bytes follow.
};
static_assert(sizeof(OrderEventFixed) == 56);

// The whole event, as the producer fills it and the reader decodes it.
// Identifiers are views: into the caller's buffers when appending, into the
// journal when reading. At most 255 bytes each (route keeps 63). kNew and
// kReplace carry what a restart needs to rebuild the order and its risk
// reservation (symbol, account, OrdType, price); kFill carries the fill's
// LastPx in `price`.
struct OrderEvent {
  OrderEventKind kind = OrderEventKind::kNew;
  char side = '1';
  char ord_type = 0;
  char time_in_force = 0;  // kNew, kReplace: the order's TimeInForce(59); 0 = Day.
  std::uint32_t client_session = 0;
  std::int64_t order_qty = 0;
  std::int64_t price = 0;
  std::int64_t last_qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;
  std::string_view symbol;
  std::string_view account;
};

struct PositionCarryFixed {
  std::int64_t position;      // Net executed quantity (buy > 0); kHasPosition.
  std::int64_t last_fill_px;  // The symbol's last fill price; kHasLastFill.
  std::uint8_t account_len;   // 0 for a symbol's last fill price alone.
  std::uint8_t symbol_len;
  std::uint8_t flags;  // kHasPosition | kHasLastFill.
  std::uint8_t reserved[5];
  // account_len + symbol_len bytes follow.
};
static_assert(sizeof(PositionCarryFixed) == 24);

// A decoded kPositionCarry; views into the record or the caller's buffers.
struct PositionCarry {
  static constexpr std::uint8_t kHasPosition = 1;
  static constexpr std::uint8_t kHasLastFill = 2;
  std::uint8_t flags = 0;
  std::int64_t position = 0;
  std::int64_t last_fill_px = 0;
  std::string_view account;
  std::string_view symbol;
};

struct OrderSentFixed {
  std::uint64_t in_seq;      // The engine message's MsgSeqNum(34), processed by this step.
  std::uint16_t in_session;  // Its session; kNoSession if none.
  std::uint8_t reserved[6];
};
static_assert(sizeof(OrderSentFixed) == 16);

struct DailyCountersFixed {
  std::uint32_t trading_day;  // yyyymmdd the counters belong to.
  std::uint32_t count;        // DailyCounter entries that follow.
};
// One counter. The ids are the wiring's (risk engine's counter table); the
// journal stores and returns them without interpreting them.
struct DailyCounter {
  std::uint32_t id;
  std::uint32_t reserved;
  std::int64_t value;
};
static_assert(sizeof(DailyCountersFixed) == 8 && sizeof(DailyCounter) == 16);

struct TradingDayRoll {
  std::uint32_t from_day;
  std::uint32_t to_day;
};

// A parsed, checksum-verified record. `payload` points into the bytes given
// to parse_record.
struct RecordView {
  std::uint64_t offset = 0;  // Where it starts in its file (or ring stream).
  RecordHeader header{};
  std::span<const std::byte> record;  // Header + payload (header.length bytes).
  std::span<const std::byte> payload;
  [[nodiscard]] RecordType type() const noexcept { return RecordType{header.type}; }
  [[nodiscard]] std::size_t stored_size() const noexcept { return align_record(header.length); }
  [[nodiscard]] std::string_view payload_text() const noexcept {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

enum class RecordError : std::uint8_t {
  kNone = 0,
  kEnd,              // No bytes left: a clean end, not an error.
  kTruncatedHeader,  // Fewer bytes than a header.
  kBadLength,        // length < header or > kMaxRecordBytes.
  kTruncatedRecord,  // length runs past the bytes available.
  kBadChecksum,
  kUnknownType,
  kBadPayload,  // Checksum fine but the payload does not match its type's layout.
};
[[nodiscard]] std::string_view to_string(RecordError e) noexcept;

// Validates the record at the start of `bytes`; on kNone fills `out`
// (offset = `offset`). The padding after a record may be missing at the very
// end of the bytes (a writer never leaves it so, but a cut file may); the
// next record starts at out.stored_size().
[[nodiscard]] RecordError parse_record(std::span<const std::byte> bytes, std::uint64_t offset,
                                       RecordView& out) noexcept;

// Payload sizes and encoders: the producer reserves payload_size(...) bytes
// and encodes into them. Return false (nothing written) if a field is out of
// bounds (identifier > 255 bytes, name > 255 bytes).
[[nodiscard]] std::size_t payload_size(const OrderEvent& e) noexcept;
// Every identifier of `e` within its 255-byte bound (encode refuses it otherwise).
[[nodiscard]] constexpr bool ids_fit(const OrderEvent& e) noexcept {
  return e.cl_ord_id.size() <= 255 && e.orig_cl_ord_id.size() <= 255 && e.symbol.size() <= 255 &&
         e.account.size() <= 255;
}
[[nodiscard]] bool encode(const OrderEvent& e, std::span<std::byte> out) noexcept;
// kOrderSent: the event, the engine message it processes (in_session,
// in_seq; kNoSession and 0 if none) and the message sent (non-empty).
[[nodiscard]] std::size_t order_sent_payload_size(const OrderEvent& e,
                                                  std::size_t raw_size) noexcept;
[[nodiscard]] bool encode_order_sent(const OrderEvent& e, std::uint16_t in_session,
                                     std::uint64_t in_seq, std::string_view raw,
                                     std::span<std::byte> out) noexcept;
[[nodiscard]] std::size_t position_carry_size(const PositionCarry& c) noexcept;
[[nodiscard]] bool encode(const PositionCarry& c, std::span<std::byte> out) noexcept;
[[nodiscard]] std::size_t session_declared_size(std::string_view name) noexcept;
[[nodiscard]] bool encode_session_declared(Leg leg, std::string_view name,
                                           std::span<std::byte> out) noexcept;

// The logical records a verified record stands for: itself, or for
// kOrderSent its parts (see RecordType). Parts share the record's offset,
// lsn, producer, utc_ns and `record` span; each has its own type, session,
// sequence and payload, and header.length = header + its payload (so its
// stored_size() is not a file position: use the record's). Returns the
// number of parts written to `out`.
using RecordParts = std::array<RecordView, 3>;
[[nodiscard]] std::size_t split_record(const RecordView& r, RecordParts& out) noexcept;

// Decoders for a checksum-verified record of the matching type. false if the
// payload does not have the type's layout (parse_record already rejects
// those, so false here means a caller passed the wrong type).
// kOrderEvent and kCarriedOrder.
[[nodiscard]] bool decode(const RecordView& r, OrderEvent& out) noexcept;
[[nodiscard]] bool decode(const RecordView& r, PositionCarry& out) noexcept;
[[nodiscard]] bool decode_session_declared(const RecordView& r, Leg& leg,
                                           std::string_view& name) noexcept;
[[nodiscard]] bool decode(const RecordView& r, SequenceSet& out) noexcept;
[[nodiscard]] bool decode(const RecordView& r, TradingDayRoll& out) noexcept;
// Counters are copied into `out` (up to out.size()); returns the count in
// the record, or -1 if the payload is malformed.
[[nodiscard]] long decode_daily_counters(const RecordView& r, std::uint32_t& trading_day,
                                         std::span<DailyCounter> out) noexcept;

}  // namespace riskgate::journal
