#include "gateway/journal/reader.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <ostream>
#include <stdexcept>

namespace riskgate::journal {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
  throw std::runtime_error("journal " + path.string() + ": " + why);
}

std::string format_utc(std::int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  std::array<char, 48> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf.data() + n, buf.size() - n, ".%09lldZ",
                static_cast<long long>(ns % 1'000'000'000));
  return buf.data();
}

std::string session_label(std::uint16_t id, const SessionNames& names) {
  if (id == kNoSession) return "-";
  if (const auto it = names.find(id); it != names.end()) return it->second;
  return std::string("#").append(std::to_string(id));
}

bool fix_has_field(std::string_view msg, std::string_view tag, std::string_view value) {
  std::string needle = "\x01";
  needle.append(tag).append("=").append(value).append("\x01");
  return msg.find(needle) != std::string_view::npos;
}

}  // namespace

JournalFile::JournalFile(const std::filesystem::path& path, std::size_t limit) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::strerror(errno));
  // Shared, and before the size is read: the journal thread cuts an old
  // day's file (install_day_file) only under the exclusive lock, so the size
  // read here holds for as long as this object lives. Readers never wait for
  // each other, and the journal thread holds the lock for one ftruncate.
  // Without it (a file system without flock) the read goes on unprotected.
  while (::flock(fd, LOCK_SH) != 0 && errno == EINTR) {
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    fail(path, std::strerror(e));
  }
  size_ = std::min(static_cast<std::size_t>(st.st_size), limit);
  if (size_ < sizeof(FileHeader)) {
    ::close(fd);
    fail(path, "shorter than a journal header");
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) {
    const int e = errno;
    ::close(fd);
    fail(path, std::string("mmap: ") + std::strerror(e));
  }
  data_ = static_cast<const std::byte*>(m);
  std::memcpy(&header_, data_, sizeof(header_));
  if (!valid_file_header(header_)) {
    ::munmap(const_cast<std::byte*>(data_), size_);
    ::close(fd);
    data_ = nullptr;
    fail(path, "not a riskgate journal (bad magic, version or header checksum)");
  }
  fd_ = fd;
}

JournalFile::~JournalFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);  // Releases the lock.
}

ScanResult JournalFile::scan(const std::function<void(const RecordView&)>& f) const {
  ScanResult r;
  r.file_size = size_;
  const std::span<const std::byte> all(data_, size_);
  std::size_t pos = sizeof(FileHeader);
  r.valid_end = pos;
  for (;;) {
    RecordView v;
    r.error = parse_record(all.subspan(pos), pos, v);
    if (r.error != RecordError::kNone) break;
    f(v);
    ++r.records;
    // A record cut inside its padding is whole: the checksum covers it.
    pos = std::min(size_, pos + v.stored_size());
    r.valid_end = pos;
  }
  r.torn = r.error != RecordError::kEnd;
  return r;
}

ScanResult JournalFile::scan_logical(const std::function<void(const RecordView&)>& f) const {
  RecordParts parts;
  return scan([&](const RecordView& r) {
    const std::size_t n = split_record(r, parts);
    for (std::size_t i = 0; i < n; ++i) f(parts[i]);
  });
}

std::uint64_t RecoveredSession::last_sent_seq_at(std::uint64_t offset) const noexcept {
  // The first numbering that ended after `offset` is the one in force there.
  const auto it =
      std::upper_bound(ended_epochs.begin(), ended_epochs.end(), offset,
                       [](std::uint64_t o, const SentEpoch& e) { return o < e.end_offset; });
  return it != ended_epochs.end() ? it->last_sent_seq : last_sent_seq;
}

RecoveredState recover(const JournalFile& file, std::size_t outbound_bytes) {
  RecoveredState s;
  s.header = file.header();
  s.trading_day = s.header.trading_day;
  s.scan = file.scan_logical([&](const RecordView& r) {
    if (r.header.session != kNoSession) {
      auto& sess = s.sessions[r.header.session];
      if (sess.numbering_start_utc_ns == 0) sess.numbering_start_utc_ns = r.header.utc_ns;
    }
    switch (r.type()) {
      case RecordType::kOutbound: {
        auto& sess = s.sessions[r.header.session];
        sess.last_sent_seq = std::max(sess.last_sent_seq, r.header.sequence);
        std::string& slot = sess.outbound[r.header.sequence];
        sess.outbound_bytes -= slot.size();
        slot = std::string(r.payload_text());
        sess.outbound_bytes += slot.size();
        // Oldest first out, as the resend store itself forgets them.
        while (sess.outbound_bytes > outbound_bytes && sess.outbound.size() > 1) {
          sess.outbound_bytes -= sess.outbound.begin()->second.size();
          sess.outbound.erase(sess.outbound.begin());
        }
        break;
      }
      case RecordType::kInboundProcessed: {
        auto& sess = s.sessions[r.header.session];
        sess.last_processed_seq = std::max(sess.last_processed_seq, r.header.sequence);
        break;
      }
      case RecordType::kSenderSeq: {
        auto& sess = s.sessions[r.header.session];
        sess.last_sent_seq = std::max(sess.last_sent_seq, r.header.sequence);
        break;
      }
      case RecordType::kOutboundVoid: {
        // The message was never sent and its number is reused: forget it.
        auto& sess = s.sessions[r.header.session];
        if (const auto it = sess.outbound.find(r.header.sequence); it != sess.outbound.end()) {
          sess.outbound_bytes -= it->second.size();
          sess.outbound.erase(it);
        }
        if (sess.last_sent_seq >= r.header.sequence)
          sess.last_sent_seq = r.header.sequence == 0 ? 0 : r.header.sequence - 1;
        break;
      }
      case RecordType::kSessionDeclared: {
        auto& sess = s.sessions[r.header.session];
        std::string_view name;
        if (decode_session_declared(r, sess.leg, name)) {
          sess.name = std::string(name);
          sess.declared_at = r.offset;
        }
        break;
      }
      case RecordType::kSequenceSet: {
        auto& sess = s.sessions[r.header.session];
        SequenceSet set{};
        if (!decode(r, set)) break;
        // Outbound numbers went back: the resend store of the old numbering
        // is void. (A set that moves only the inbound number keeps it.)
        if (r.header.sequence <= sess.last_sent_seq) {
          sess.outbound.clear();
          sess.outbound_bytes = 0;
          sess.ended_epochs.push_back(SentEpoch{r.offset, sess.last_sent_seq});
        }
        sess.last_sent_seq = r.header.sequence == 0 ? 0 : r.header.sequence - 1;
        sess.last_processed_seq = set.next_target_seq == 0 ? 0 : set.next_target_seq - 1;
        // Our numbers start again at 1: a new numbering from here.
        if (r.header.sequence <= 1) sess.numbering_start_utc_ns = r.header.utc_ns;
        break;
      }
      case RecordType::kOrderEvent:
      case RecordType::kCarriedOrder:
      case RecordType::kPositionCarry:
        break;  // Streamed by the restart (app::DurableState::restore_orders).
      case RecordType::kOrderSent:
        break;  // Never seen here: scan_logical gives its parts.
      case RecordType::kDailyCounters: {
        std::uint32_t day = 0;
        const long n = decode_daily_counters(r, day, {});
        if (n < 0) break;
        s.counters.resize(static_cast<std::size_t>(n));
        (void)decode_daily_counters(r, day, s.counters);
        s.counters_day = day;
        break;
      }
      case RecordType::kKillCancelCounter:
        s.next_kill_cancel_id = std::max(s.next_kill_cancel_id, r.header.sequence);
        break;
      case RecordType::kTradingDayRoll: {
        TradingDayRoll roll{};
        if (decode(r, roll)) s.trading_day = roll.to_day;
        break;
      }
    }
  });
  return s;
}

std::string format_record(const RecordView& r, const SessionNames& names) {
  std::string line = std::to_string(r.offset);
  line += ' ';
  line += format_utc(r.header.utc_ns);
  line += ' ';
  line += to_string(r.type());
  line += ' ';
  line += session_label(r.header.session, names);
  auto add = [&line](std::string_view k, const auto& v) {
    line += ' ';
    line += k;
    line += '=';
    if constexpr (std::is_convertible_v<decltype(v), std::string_view>) {
      line += std::string_view(v);
    } else {
      line += std::to_string(v);
    }
  };
  switch (r.type()) {
    case RecordType::kOutbound: {
      add("seq", r.header.sequence);
      std::string fix(r.payload_text());
      for (char& c : fix)
        if (c == '\x01') c = '|';
      add("msg", fix);
      break;
    }
    case RecordType::kInboundProcessed:
    case RecordType::kOutboundVoid:
    case RecordType::kSenderSeq:
    case RecordType::kOrderSent:  // Printed whole only if not split (scan_logical splits it).
      add("seq", r.header.sequence);
      break;
    case RecordType::kSessionDeclared: {
      Leg leg{};
      std::string_view name;
      if (decode_session_declared(r, leg, name)) {
        add("leg", std::string_view(leg == Leg::kEngine ? "engine" : "exchange"));
        add("name", name);
      }
      break;
    }
    case RecordType::kSequenceSet: {
      SequenceSet set{};
      if (decode(r, set)) {
        add("next_sender", r.header.sequence);
        add("next_target", set.next_target_seq);
      }
      break;
    }
    case RecordType::kOrderEvent:
    case RecordType::kCarriedOrder: {
      OrderEvent e;
      if (decode(r, e)) {
        add("event", to_string(e.kind));
        add("clordid", e.cl_ord_id);
        if (!e.orig_cl_ord_id.empty()) add("orig", e.orig_cl_ord_id);
        add("side", std::string_view(&e.side, 1));
        if (!e.symbol.empty()) add("symbol", e.symbol);
        if (!e.account.empty()) add("account", e.account);
        add("qty", e.order_qty);
        add("px", e.price);
        if (r.type() == RecordType::kCarriedOrder)
          add("reserved", e.last_qty);
        else if (e.kind == OrderEventKind::kFill || e.kind == OrderEventKind::kTradeBust)
          add("last", e.last_qty);
        add("cum", e.cum_qty);
        add("leaves", e.leaves_qty);
        add("owner", session_label(static_cast<std::uint16_t>(e.client_session), names));
        if (r.header.sequence != 0) add("seq", r.header.sequence);
      }
      break;
    }
    case RecordType::kDailyCounters: {
      std::uint32_t day = 0;
      std::array<DailyCounter, 64> c{};
      const long n = decode_daily_counters(r, day, c);
      add("day", day);
      add("n", n);
      for (long i = 0; i < std::min<long>(n, 64); ++i) {
        const auto& dc = c[static_cast<std::size_t>(i)];
        add(std::to_string(dc.id), dc.value);
      }
      break;
    }
    case RecordType::kPositionCarry: {
      PositionCarry c;
      if (decode(r, c)) {
        if (!c.account.empty()) add("account", c.account);
        add("symbol", c.symbol);
        if ((c.flags & PositionCarry::kHasPosition) != 0) add("position", c.position);
        if ((c.flags & PositionCarry::kHasLastFill) != 0) add("last_fill_px", c.last_fill_px);
      }
      break;
    }
    case RecordType::kKillCancelCounter:
      add("next", r.header.sequence);
      break;
    case RecordType::kTradingDayRoll: {
      TradingDayRoll roll{};
      if (decode(r, roll)) {
        add("from", roll.from_day);
        add("to", roll.to_day);
        // The carry records just before it, when it started a day's file.
        if (r.header.sequence != 0) add("carried", r.header.sequence - 1);
      }
      break;
    }
  }
  return line;
}

void print_journal(const JournalFile& file, const PrintFilter& filter, std::ostream& out) {
  const FileHeader& h = file.header();
  out << "journal " << file.path().string() << " gateway=" << gateway_name(h)
      << " day=" << h.trading_day << " version=" << h.version
      << " created=" << format_utc(h.created_utc_ns) << "\n";
  // Names first (a session may be declared after records that use its id in
  // a file written by an older build; one cheap extra pass keeps it simple).
  SessionNames names;
  (void)file.scan([&](const RecordView& r) {
    Leg leg{};
    std::string_view name;
    if (decode_session_declared(r, leg, name)) names[r.header.session] = std::string(name);
  });
  std::optional<std::uint16_t> session_id;
  if (filter.session) {
    for (const auto& [id, name] : names)
      if (name == *filter.session) session_id = id;
    if (!session_id) out << "no session named " << *filter.session << " in this journal\n";
  }
  // Logical records: an order step's one record prints as the order event,
  // the message and the engine's number it stands for (each line has its
  // offset, so they show as one record).
  const ScanResult sr = file.scan_logical([&](const RecordView& r) {
    if (filter.session && (!session_id || r.header.session != *session_id)) return;
    if (filter.cl_ord_id) {
      const std::string& id = *filter.cl_ord_id;
      OrderEvent e;
      const bool match =
          ((r.type() == RecordType::kOrderEvent || r.type() == RecordType::kCarriedOrder) &&
           decode(r, e) && (e.cl_ord_id == id || e.orig_cl_ord_id == id)) ||
          (r.type() == RecordType::kOutbound && (fix_has_field(r.payload_text(), "11", id) ||
                                                 fix_has_field(r.payload_text(), "41", id)));
      if (!match) return;
    }
    out << format_record(r, names) << "\n";
  });
  out << "records=" << sr.records << " valid_end=" << sr.valid_end << " file_size=" << sr.file_size;
  if (sr.torn)
    out << " torn_tail_at=" << sr.valid_end << " (" << to_string(sr.error) << ", dropped)";
  out << "\n";
}

}  // namespace riskgate::journal
