#include "gateway/journal/record.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "gateway/journal/crc32c.hpp"

namespace riskgate::journal {
namespace {

template <typename T>
T load(std::span<const std::byte> p, std::size_t at = 0) noexcept {
  T v;
  std::memcpy(&v, p.data() + at, sizeof(T));  // Payloads are not aligned for T in general.
  return v;
}

// The per-type layout check parse_record applies after the checksum, so a
// decoder never reads past a payload.
std::size_t order_event_size(std::span<const std::byte> p) noexcept {
  const auto f = load<OrderEventFixed>(p);
  return sizeof(OrderEventFixed) + std::size_t{f.cl_ord_id_len} + f.orig_cl_ord_id_len +
         f.symbol_len + f.account_len;
}

// Where a kOrderSent payload's message starts (after the event's padding).
std::size_t order_sent_raw_offset(std::size_t event_size) noexcept {
  return align_record(sizeof(OrderSentFixed) + event_size);
}

bool payload_layout_ok(RecordType t, std::span<const std::byte> p) noexcept {
  switch (t) {
    case RecordType::kOrderSent: {
      if (p.size() < sizeof(OrderSentFixed) + sizeof(OrderEventFixed)) return false;
      const std::size_t ev = order_event_size(p.subspan(sizeof(OrderSentFixed)));
      // The message is not empty: a kOutbound never is.
      return p.size() > order_sent_raw_offset(ev);
    }
    case RecordType::kOutbound:
      return !p.empty();
    case RecordType::kInboundProcessed:
    case RecordType::kKillCancelCounter:
    case RecordType::kOutboundVoid:
    case RecordType::kSenderSeq:
      return p.empty();
    case RecordType::kSessionDeclared:
      return p.size() >= sizeof(SessionDeclared) &&
             p.size() == sizeof(SessionDeclared) + load<SessionDeclared>(p).name_len;
    case RecordType::kSequenceSet:
      return p.size() == sizeof(SequenceSet);
    case RecordType::kOrderEvent:
    case RecordType::kCarriedOrder:
      return p.size() >= sizeof(OrderEventFixed) && p.size() == order_event_size(p);
    case RecordType::kPositionCarry: {
      if (p.size() < sizeof(PositionCarryFixed)) return false;
      const auto f = load<PositionCarryFixed>(p);
      return p.size() == sizeof(f) + std::size_t{f.account_len} + f.symbol_len;
    }
    case RecordType::kDailyCounters:
      return p.size() >= sizeof(DailyCountersFixed) &&
             p.size() == sizeof(DailyCountersFixed) +
                             std::size_t{load<DailyCountersFixed>(p).count} * sizeof(DailyCounter);
    case RecordType::kTradingDayRoll:
      return p.size() == sizeof(TradingDayRoll);
  }
  return false;
}

}  // namespace

bool is_known(RecordType t) noexcept {
  return static_cast<std::uint16_t>(t) >= 1 && static_cast<std::uint16_t>(t) <= 13;
}

std::string_view to_string(RecordType t) noexcept {
  switch (t) {
    case RecordType::kOutbound:
      return "outbound";
    case RecordType::kInboundProcessed:
      return "inbound";
    case RecordType::kSessionDeclared:
      return "session";
    case RecordType::kSequenceSet:
      return "seqset";
    case RecordType::kOrderEvent:
      return "order";
    case RecordType::kDailyCounters:
      return "counters";
    case RecordType::kKillCancelCounter:
      return "killid";
    case RecordType::kTradingDayRoll:
      return "dayroll";
    case RecordType::kOutboundVoid:
      return "void";
    case RecordType::kSenderSeq:
      return "adminseq";
    case RecordType::kOrderSent:
      return "order+out";
    case RecordType::kCarriedOrder:
      return "carried-order";
    case RecordType::kPositionCarry:
      return "carried-position";
  }
  return "unknown";
}

std::string_view to_string(OrderEventKind k) noexcept {
  switch (k) {
    case OrderEventKind::kNew:
      return "new";
    case OrderEventKind::kReplace:
      return "replace";
    case OrderEventKind::kCancel:
      return "cancel";
    case OrderEventKind::kFill:
      return "fill";
    case OrderEventKind::kDone:
      return "done";
    case OrderEventKind::kRejected:
      return "rejected";
    case OrderEventKind::kReplaced:
      return "replaced";
    case OrderEventKind::kTradeBust:
      return "trade-bust";
  }
  return "unknown";
}

std::string_view to_string(RecordError e) noexcept {
  switch (e) {
    case RecordError::kNone:
      return "ok";
    case RecordError::kEnd:
      return "end";
    case RecordError::kTruncatedHeader:
      return "truncated header";
    case RecordError::kBadLength:
      return "bad length";
    case RecordError::kTruncatedRecord:
      return "truncated record";
    case RecordError::kBadChecksum:
      return "bad checksum";
    case RecordError::kUnknownType:
      return "unknown record type";
    case RecordError::kBadPayload:
      return "malformed payload";
  }
  return "?";
}

FileHeader make_file_header(std::string_view gateway, std::uint32_t trading_day,
                            std::int64_t created_utc_ns) {
  FileHeader h{};
  if (gateway.empty() || gateway.size() >= sizeof(h.gateway))
    throw std::invalid_argument("journal: gateway name must be 1..63 bytes");
  std::memcpy(h.magic, kFileMagic, sizeof(h.magic));
  h.version = kFormatVersion;
  h.header_size = sizeof(FileHeader);
  h.trading_day = trading_day;
  h.created_utc_ns = created_utc_ns;
  std::memcpy(h.gateway, gateway.data(), gateway.size());
  h.crc = crc32c(0, &h, offsetof(FileHeader, crc));
  return h;
}

bool valid_file_header(const FileHeader& h) noexcept {
  return std::memcmp(h.magic, kFileMagic, sizeof(h.magic)) == 0 &&
         h.version >= kOldestReadableVersion && h.version <= kFormatVersion &&
         h.header_size == sizeof(FileHeader) && h.crc == crc32c(0, &h, offsetof(FileHeader, crc));
}

std::string_view gateway_name(const FileHeader& h) noexcept {
  return {h.gateway, ::strnlen(h.gateway, sizeof(h.gateway))};
}

RecordError parse_record(std::span<const std::byte> bytes, std::uint64_t offset,
                         RecordView& out) noexcept {
  if (bytes.empty()) return RecordError::kEnd;
  if (bytes.size() < sizeof(RecordHeader)) return RecordError::kTruncatedHeader;
  const auto h = load<RecordHeader>(bytes);
  if (h.length < sizeof(RecordHeader) || h.length > kMaxRecordBytes) return RecordError::kBadLength;
  if (h.length > bytes.size()) return RecordError::kTruncatedRecord;
  if (h.crc != crc32c(0, bytes.data() + kCrcOffset, h.length - kCrcOffset))
    return RecordError::kBadChecksum;
  const auto type = RecordType{h.type};
  if (!is_known(type)) return RecordError::kUnknownType;
  const auto payload = bytes.subspan(sizeof(RecordHeader), h.length - sizeof(RecordHeader));
  if (!payload_layout_ok(type, payload)) return RecordError::kBadPayload;
  out.offset = offset;
  out.header = h;
  out.record = bytes.first(h.length);
  out.payload = payload;
  return RecordError::kNone;
}

std::size_t payload_size(const OrderEvent& e) noexcept {
  return sizeof(OrderEventFixed) + e.cl_ord_id.size() + e.orig_cl_ord_id.size() + e.symbol.size() +
         e.account.size();
}

namespace {

// The order step's encoders write straight into the ring, word by word. A
// struct built on the stack field by field and then copied whole is reloaded
// with wide loads that span several narrower pending stores: the loads cannot
// be forwarded from the store buffer and wait for it to drain, once per
// record (the same reason JournalRing::commit writes the header as words).
void put64(std::byte* at, std::uint64_t v) noexcept {
  std::memcpy(at, &v, sizeof(v));
}

// `n` bytes, sizeof(Word) <= n <= 2 * sizeof(Word), as two word copies that
// overlap in the middle: no loop, no call.
template <typename Word>
void copy_two_words(std::byte* to, const char* from, std::size_t n) noexcept {
  Word head, tail;
  std::memcpy(&head, from, sizeof(Word));
  std::memcpy(&tail, from + n - sizeof(Word), sizeof(Word));
  std::memcpy(to, &head, sizeof(Word));
  std::memcpy(to + n - sizeof(Word), &tail, sizeof(Word));
}

struct Word16 {  // 16 bytes, copied as one vector move.
  std::uint64_t lo, hi;
};

// An identifier (at most 255 bytes; up to 32 covers ClOrdIDs, UUIDs
// included) without a call into the library's memcpy below 33 bytes. An
// empty view copies nothing (its data() may be null).
void copy_id(std::byte* to, std::string_view s) noexcept {
  const std::size_t n = s.size();
  if (n > 32) {
    std::memcpy(to, s.data(), n);
  } else if (n > 16) {
    copy_two_words<Word16>(to, s.data(), n);
  } else if (n >= 8) {
    copy_two_words<std::uint64_t>(to, s.data(), n);
  } else if (n >= 4) {
    copy_two_words<std::uint32_t>(to, s.data(), n);
  } else {
    for (std::size_t i = 0; i < n; ++i) to[i] = static_cast<std::byte>(s[i]);
  }
}

// OrderEventFixed, as put64 writes it (little-endian words).
static_assert(std::endian::native == std::endian::little);
static_assert(offsetof(OrderEventFixed, order_qty) == 0 && offsetof(OrderEventFixed, price) == 8 &&
              offsetof(OrderEventFixed, last_qty) == 16 &&
              offsetof(OrderEventFixed, cum_qty) == 24 &&
              offsetof(OrderEventFixed, leaves_qty) == 32 &&
              offsetof(OrderEventFixed, client_session) == 40 &&
              offsetof(OrderEventFixed, kind) == 44 && offsetof(OrderEventFixed, side) == 45 &&
              offsetof(OrderEventFixed, cl_ord_id_len) == 46 &&
              offsetof(OrderEventFixed, orig_cl_ord_id_len) == 47 &&
              offsetof(OrderEventFixed, symbol_len) == 48 &&
              offsetof(OrderEventFixed, account_len) == 49 &&
              offsetof(OrderEventFixed, ord_type) == 50 &&
              offsetof(OrderEventFixed, time_in_force) == 51 && sizeof(OrderEventFixed) == 56);
static_assert(offsetof(OrderSentFixed, in_seq) == 0 && offsetof(OrderSentFixed, in_session) == 8 &&
              sizeof(OrderSentFixed) == 16);

// Precondition: ids_fit(e) and `out` holds payload_size(e) bytes.
void encode_unchecked(const OrderEvent& e, std::byte* out) noexcept {
  const auto byte = [](auto v, int shift) noexcept {
    return static_cast<std::uint64_t>(static_cast<std::uint8_t>(v)) << shift;
  };
  put64(out, static_cast<std::uint64_t>(e.order_qty));
  put64(out + 8, static_cast<std::uint64_t>(e.price));
  put64(out + 16, static_cast<std::uint64_t>(e.last_qty));
  put64(out + 24, static_cast<std::uint64_t>(e.cum_qty));
  put64(out + 32, static_cast<std::uint64_t>(e.leaves_qty));
  put64(out + 40, std::uint64_t{e.client_session} | byte(e.kind, 32) | byte(e.side, 40) |
                      byte(e.cl_ord_id.size(), 48) | byte(e.orig_cl_ord_id.size(), 56));
  put64(out + 48, byte(e.symbol.size(), 0) | byte(e.account.size(), 8) | byte(e.ord_type, 16) |
                      byte(e.time_in_force, 24));
  std::byte* p = out + sizeof(OrderEventFixed);
  for (const std::string_view s : {e.cl_ord_id, e.orig_cl_ord_id, e.symbol, e.account}) {
    copy_id(p, s);
    p += s.size();
  }
}

}  // namespace

bool encode(const OrderEvent& e, std::span<std::byte> out) noexcept {
  if (!ids_fit(e) || out.size() < payload_size(e)) return false;
  encode_unchecked(e, out.data());
  return true;
}

std::size_t order_sent_payload_size(const OrderEvent& e, std::size_t raw_size) noexcept {
  return order_sent_raw_offset(payload_size(e)) + raw_size;
}

bool encode_order_sent(const OrderEvent& e, std::uint16_t in_session, std::uint64_t in_seq,
                       std::string_view raw, std::span<std::byte> out) noexcept {
  const std::size_t ev = payload_size(e);
  const std::size_t at = order_sent_raw_offset(ev);
  if (raw.empty() || out.size() < at + raw.size()) return false;
  if (!ids_fit(e)) return false;
  // Deterministic file bytes: the padding (under 8 bytes, before the
  // message) is checksummed. One zero word ending at the message clears it;
  // the event is written over the rest of the word next. (A loop here is
  // turned back into a memset call by GCC.)
  put64(out.data() + at - 8, 0);
  put64(out.data(), in_seq);
  put64(out.data() + 8, in_session);  // With OrderSentFixed's reserved bytes, zero.
  encode_unchecked(e, out.data() + sizeof(OrderSentFixed));
  std::memcpy(out.data() + at, raw.data(), raw.size());
  return true;
}

std::size_t split_record(const RecordView& r, RecordParts& out) noexcept {
  if (r.type() != RecordType::kOrderSent || !payload_layout_ok(r.type(), r.payload)) {
    out[0] = r;
    return 1;
  }
  const auto f = load<OrderSentFixed>(r.payload);
  const auto event = r.payload.subspan(sizeof(f));
  const std::size_t ev = order_event_size(event);
  const auto part = [&r](RecordType type, std::uint16_t session, std::uint64_t sequence,
                         std::span<const std::byte> payload) {
    RecordView v = r;
    v.header.type = static_cast<std::uint16_t>(type);
    v.header.session = session;
    v.header.sequence = sequence;
    v.header.length = static_cast<std::uint32_t>(sizeof(RecordHeader) + payload.size());
    v.payload = payload;
    return v;
  };
  out[0] = part(RecordType::kOrderEvent, r.header.session, r.header.sequence, event.first(ev));
  out[1] = part(RecordType::kOutbound, r.header.session, r.header.sequence,
                r.payload.subspan(order_sent_raw_offset(ev)));
  if (f.in_session == kNoSession) return 2;
  out[2] = part(RecordType::kInboundProcessed, f.in_session, f.in_seq, {});
  return 3;
}

std::size_t session_declared_size(std::string_view name) noexcept {
  return sizeof(SessionDeclared) + name.size();
}

bool encode_session_declared(Leg leg, std::string_view name, std::span<std::byte> out) noexcept {
  if (name.size() > 255 || out.size() < session_declared_size(name)) return false;
  SessionDeclared d{};
  d.leg = leg;
  d.name_len = static_cast<std::uint8_t>(name.size());
  std::memcpy(out.data(), &d, sizeof(d));
  if (!name.empty()) std::memcpy(out.data() + sizeof(d), name.data(), name.size());
  return true;
}

bool decode(const RecordView& r, OrderEvent& out) noexcept {
  if ((r.type() != RecordType::kOrderEvent && r.type() != RecordType::kCarriedOrder) ||
      !payload_layout_ok(r.type(), r.payload))
    return false;
  const auto f = load<OrderEventFixed>(r.payload);
  const auto* ids = reinterpret_cast<const char*>(r.payload.data() + sizeof(OrderEventFixed));
  out.kind = f.kind;
  out.side = f.side;
  out.ord_type = f.ord_type;
  out.time_in_force = f.time_in_force;
  out.client_session = f.client_session;
  out.order_qty = f.order_qty;
  out.price = f.price;
  out.last_qty = f.last_qty;
  out.cum_qty = f.cum_qty;
  out.leaves_qty = f.leaves_qty;
  out.cl_ord_id = {ids, f.cl_ord_id_len};
  ids += f.cl_ord_id_len;
  out.orig_cl_ord_id = {ids, f.orig_cl_ord_id_len};
  ids += f.orig_cl_ord_id_len;
  out.symbol = {ids, f.symbol_len};
  ids += f.symbol_len;
  out.account = {ids, f.account_len};
  return true;
}

std::size_t position_carry_size(const PositionCarry& c) noexcept {
  return sizeof(PositionCarryFixed) + c.account.size() + c.symbol.size();
}

bool encode(const PositionCarry& c, std::span<std::byte> out) noexcept {
  if (c.account.size() > 255 || c.symbol.size() > 255 || out.size() < position_carry_size(c))
    return false;
  PositionCarryFixed f{};
  f.position = c.position;
  f.last_fill_px = c.last_fill_px;
  f.account_len = static_cast<std::uint8_t>(c.account.size());
  f.symbol_len = static_cast<std::uint8_t>(c.symbol.size());
  f.flags = c.flags;
  std::memcpy(out.data(), &f, sizeof(f));
  std::byte* p = out.data() + sizeof(f);
  for (const std::string_view s : {c.account, c.symbol}) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  return true;
}

bool decode(const RecordView& r, PositionCarry& out) noexcept {
  if (r.type() != RecordType::kPositionCarry || !payload_layout_ok(r.type(), r.payload))
    return false;
  const auto f = load<PositionCarryFixed>(r.payload);
  const auto* names = reinterpret_cast<const char*>(r.payload.data() + sizeof(f));
  out.flags = f.flags;
  out.position = f.position;
  out.last_fill_px = f.last_fill_px;
  out.account = {names, f.account_len};
  out.symbol = {names + f.account_len, f.symbol_len};
  return true;
}

bool decode_session_declared(const RecordView& r, Leg& leg, std::string_view& name) noexcept {
  if (r.type() != RecordType::kSessionDeclared || !payload_layout_ok(r.type(), r.payload))
    return false;
  const auto d = load<SessionDeclared>(r.payload);
  leg = d.leg;
  name = {reinterpret_cast<const char*>(r.payload.data() + sizeof(d)), d.name_len};
  return true;
}

bool decode(const RecordView& r, SequenceSet& out) noexcept {
  if (r.type() != RecordType::kSequenceSet || !payload_layout_ok(r.type(), r.payload)) return false;
  out = load<SequenceSet>(r.payload);
  return true;
}

bool decode(const RecordView& r, TradingDayRoll& out) noexcept {
  if (r.type() != RecordType::kTradingDayRoll || !payload_layout_ok(r.type(), r.payload))
    return false;
  out = load<TradingDayRoll>(r.payload);
  return true;
}

long decode_daily_counters(const RecordView& r, std::uint32_t& trading_day,
                           std::span<DailyCounter> out) noexcept {
  if (r.type() != RecordType::kDailyCounters || !payload_layout_ok(r.type(), r.payload)) return -1;
  const auto f = load<DailyCountersFixed>(r.payload);
  trading_day = f.trading_day;
  const std::size_t n = std::min<std::size_t>(f.count, out.size());
  for (std::size_t i = 0; i < n; ++i)
    out[i] = load<DailyCounter>(r.payload, sizeof(f) + i * sizeof(DailyCounter));
  return static_cast<long>(f.count);
}

}  // namespace riskgate::journal
