#include "gateway/journal/ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "common/prefetch.hpp"
#include "gateway/journal/crc32c.hpp"

namespace riskgate::journal {
namespace {

constexpr char kRingMagic[8] = {'R', 'G', 'J', 'R', 'I', 'N', 'G', '\1'};
constexpr std::uint32_t kRingVersion = 1;
// The write-ahead stays inside the double mapping: it is below the smallest
// capacity (a page).
static_assert(kWriteAheadBytes <= 4096);

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(),
                          "journal ring " + path.string() + ": " + what);
}

std::size_t page_size() noexcept {
  return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The control page is mapped shared; head and tail are accessed only through
// atomic_ref so both processes (and recovery's pread) agree on the bytes.
std::atomic_ref<std::uint64_t> head_of(RingControl* c) noexcept {
  return std::atomic_ref(c->head);
}
std::atomic_ref<std::uint64_t> tail_of(RingControl* c) noexcept {
  return std::atomic_ref(c->tail);
}

}  // namespace

std::string_view to_string(AppendStatus s) noexcept {
  switch (s) {
    case AppendStatus::kOk:
      return "ok";
    case AppendStatus::kRingFull:
      return "journal ring full";
    case AppendStatus::kTooLarge:
      return "journal record too large";
    case AppendStatus::kJournalFailed:
      return "journal failed";
  }
  return "?";
}

JournalRing::JournalRing(const std::filesystem::path& path, std::string_view gateway,
                         std::uint16_t producer, std::size_t capacity, std::uint64_t start_lsn,
                         std::int64_t journal_id, const std::atomic<bool>* healthy)
    : head_(start_lsn),
      cached_tail_(start_lsn),
      consumer_tail_(start_lsn),
      capacity_(capacity),
      mask_(capacity - 1),
      healthy_(healthy),
      producer_(producer),
      path_(path) {
  const std::size_t page = page_size();
  if (capacity == 0 || (capacity & (capacity - 1)) != 0 || capacity % page != 0)
    throw std::invalid_argument(
        "journal ring: capacity must be a power of two and a multiple of "
        "the page size");
  if (start_lsn % kRecordAlign != 0)
    throw std::invalid_argument("journal ring: start lsn must be 8-byte aligned");
  if (gateway.size() >= sizeof(RingControl::gateway))
    throw std::invalid_argument("journal ring: gateway name too long");
  if (healthy == nullptr) throw std::invalid_argument("journal ring: null health flag");

  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) throw_errno("open", path);
  auto fail = [&](const char* what) {
    const int e = errno;
    unmap();
    errno = e;
    throw_errno(what, path);
  };
  if (::ftruncate(fd_, static_cast<off_t>(page + capacity)) != 0) fail("ftruncate");
  void* ctl = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (ctl == MAP_FAILED) fail("mmap control");
  control_ = static_cast<RingControl*>(ctl);
  // Reserve twice the capacity of address space, then map the data area of
  // the file into both halves: byte i and byte i + capacity are the same.
  void* base =
      ::mmap(nullptr, 2 * capacity, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) fail("mmap reserve");
  data_ = static_cast<std::byte*>(base);
  for (std::size_t half = 0; half < 2; ++half) {
    void* m = ::mmap(data_ + half * capacity, capacity, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED, fd_, static_cast<off_t>(page));
    if (m == MAP_FAILED) fail("mmap data");
  }
  // Pre-fault every page now, writable, so the order path never takes a
  // fault (tmpfs: the pages are allocated here and never written back).
  std::memset(data_, 0, capacity);

  RingControl c{};
  std::memcpy(c.magic, kRingMagic, sizeof(c.magic));
  c.version = kRingVersion;
  c.producer = producer;
  c.capacity = capacity;
  c.journal_id = journal_id;
  if (!gateway.empty()) std::memcpy(c.gateway, gateway.data(), gateway.size());
  c.head = start_lsn;
  c.tail = start_lsn;
  std::memcpy(static_cast<void*>(control_), &c, sizeof(c));
}

JournalRing::~JournalRing() {
  unmap();
}

void JournalRing::unmap() noexcept {
  if (data_ != nullptr) ::munmap(data_, 2 * capacity_);
  if (control_ != nullptr) ::munmap(control_, page_size());
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  control_ = nullptr;
  fd_ = -1;
}

JournalRing::Reservation JournalRing::try_reserve(std::size_t payload_len,
                                                  std::size_t headroom) noexcept {
  Reservation r;
  // Acquire: pairs with the journal's release store of false after a failed
  // write, so a producer that sees false also sees why (Journal::last_error).
  if (!healthy_->load(std::memory_order_acquire)) {
    r.status = AppendStatus::kJournalFailed;
    return r;
  }
  const std::size_t length = sizeof(RecordHeader) + payload_len;
  const std::size_t stored = align_record(length);
  if (length > kMaxRecordBytes || stored > capacity_) {
    r.status = AppendStatus::kTooLarge;
    return r;
  }
  const std::size_t needed = stored + headroom;
  if (head_ + needed - cached_tail_ > capacity_) {
    // Acquire: pairs with consume()'s release store, so the journal thread's
    // reads of these bytes are complete before we overwrite them.
    cached_tail_ = tail_of(control_).load(std::memory_order_acquire);
    if (head_ + needed - cached_tail_ > capacity_) {
      r.status = AppendStatus::kRingFull;
      return r;
    }
  }
  r.record = data_ + (head_ & mask_);
  r.length = static_cast<std::uint32_t>(length);
  // Deterministic file bytes: the padding after the payload (under 8 bytes)
  // is written, though not checksummed. One zero word ending the record
  // clears it before the payload is written over the rest of that word. (A
  // memset call in commit() measured ~10 ns of the order step's record, and
  // compilers turn a byte loop back into that call.)
  const std::uint64_t zero = 0;
  std::memcpy(r.record + stored - sizeof zero, &zero, sizeof zero);
  return r;
}

void JournalRing::commit(const Reservation& r, RecordType type, std::uint16_t session,
                         std::uint64_t sequence, std::int64_t utc_ns) noexcept {
  // The header as five 8-byte words, stored straight into the record. (Built
  // as a RecordHeader on the stack and copied, its 16-byte reload waited on
  // four narrower stores: a failed store-to-load forward on every record.)
  // crc stays 0: seal() on the journal thread fills it in (see ring.hpp).
  static_assert(std::endian::native == std::endian::little);
  static_assert(offsetof(RecordHeader, length) == 4 && offsetof(RecordHeader, type) == 8 &&
                offsetof(RecordHeader, session) == 10 && offsetof(RecordHeader, producer) == 12 &&
                offsetof(RecordHeader, lsn) == 16 && offsetof(RecordHeader, sequence) == 24 &&
                offsetof(RecordHeader, utc_ns) == 32 && sizeof(RecordHeader) == 40);
  const auto put64 = [&r](std::size_t at, std::uint64_t v) noexcept {
    std::memcpy(r.record + at, &v, sizeof(v));
  };
  put64(0, std::uint64_t{r.length} << 32);
  put64(8, static_cast<std::uint64_t>(type) | std::uint64_t{session} << 16 |
               std::uint64_t{producer_} << 32);
  put64(16, head_);
  put64(24, sequence);
  put64(32, static_cast<std::uint64_t>(utc_ns));
  head_ += align_record(r.length);  // The padding was zeroed by try_reserve.
  // Release: pairs with readable()'s acquire load (the journal thread) and
  // orders the record bytes before head for a recovering process, which
  // reads head first and trusts only bytes below it.
  head_of(control_).store(head_, std::memory_order_release);
  // The next records' lines, a lap old, warmed now rather than missed inside
  // the next order's step. The data area is mapped twice, so the range may
  // run past the end of the first mapping.
  prefetch_for_write(data_ + (head_ & mask_), kWriteAheadBytes);
}

AppendStatus JournalRing::try_append(RecordType type, std::uint16_t session, std::uint64_t sequence,
                                     std::int64_t utc_ns, std::string_view payload) noexcept {
  const Reservation r = try_reserve(payload.size());
  if (r.status != AppendStatus::kOk) return r.status;
  if (!payload.empty()) std::memcpy(r.payload().data(), payload.data(), payload.size());
  commit(r, type, session, sequence, utc_ns);
  return AppendStatus::kOk;
}

std::span<std::byte> JournalRing::readable() const noexcept {
  // Acquire: pairs with commit()'s release store; the record bytes below
  // head are visible.
  const std::uint64_t head = head_of(control_).load(std::memory_order_acquire);
  return {data_ + (consumer_tail_ & mask_), static_cast<std::size_t>(head - consumer_tail_)};
}

bool seal(std::span<std::byte> records) noexcept {
  std::size_t pos = 0;
  while (pos < records.size()) {
    if (records.size() - pos < sizeof(RecordHeader)) return false;
    std::uint32_t length;
    std::memcpy(&length, records.data() + pos + kCrcOffset, sizeof(length));
    if (length < sizeof(RecordHeader) || length > kMaxRecordBytes ||
        align_record(length) > records.size() - pos)
      return false;
    const std::uint32_t crc = crc32c(0, records.data() + pos + kCrcOffset, length - kCrcOffset);
    std::memcpy(records.data() + pos, &crc, sizeof(crc));
    pos += align_record(length);
  }
  return true;
}

void JournalRing::consume(std::size_t bytes) noexcept {
  consumer_tail_ += bytes;
  // Release: pairs with try_reserve()'s acquire load of tail; our reads of
  // the consumed bytes (the write() into the file) happen before reuse.
  tail_of(control_).store(consumer_tail_, std::memory_order_release);
}

RingRecovery recover_ring(const std::filesystem::path& path, std::string_view gateway,
                          std::uint16_t producer, std::int64_t journal_id, std::uint64_t from_lsn,
                          const std::function<void(const RecordView&)>& on_record) {
  RingRecovery out;
  out.producer = producer;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.reason = std::string("open: ") + std::strerror(errno);
    return out;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  RingControl c{};
  if (::pread(fd, &c, sizeof(c), 0) != static_cast<ssize_t>(sizeof(c))) {
    out.reason = "short control page";
    return out;
  }
  const std::string_view ring_gateway(c.gateway, ::strnlen(c.gateway, sizeof(c.gateway)));
  const std::size_t page = page_size();
  if (std::memcmp(c.magic, kRingMagic, sizeof(c.magic)) != 0 || c.version != kRingVersion) {
    out.reason = "not a journal ring";
  } else if (ring_gateway != gateway || c.producer != producer || c.journal_id != journal_id) {
    out.reason = "ring belongs to another journal";
  } else if (c.capacity == 0 || (c.capacity & (c.capacity - 1)) != 0 || c.head < c.tail ||
             c.head - c.tail > c.capacity || c.tail % kRecordAlign != 0) {
    out.reason = "inconsistent head/tail";
  }
  if (!out.reason.empty()) return out;
  out.tail = c.tail;
  out.head = c.head;
  out.end = c.tail;
  // Unwrap [tail, head) into one buffer (setup path: allocation is fine).
  const std::size_t n = static_cast<std::size_t>(c.head - c.tail);
  std::vector<std::byte> buf(n);
  const std::size_t start = static_cast<std::size_t>(c.tail & (c.capacity - 1));
  const std::size_t first = std::min<std::size_t>(n, c.capacity - start);
  if (::pread(fd, buf.data(), first, static_cast<off_t>(page + start)) !=
          static_cast<ssize_t>(first) ||
      (n > first && ::pread(fd, buf.data() + first, n - first, static_cast<off_t>(page)) !=
                        static_cast<ssize_t>(n - first))) {
    out.reason = "short data read";
    return out;
  }
  // Bytes below head are whole (head is published after them, and a process
  // death cannot tear memory); the journal thread may not have sealed them.
  if (!seal(buf)) {
    out.reason = "records below head do not chain";
    return out;
  }
  out.usable = true;
  std::size_t pos = 0;
  for (;;) {
    RecordView v;
    const RecordError e = parse_record(std::span(buf).subspan(pos), c.tail + pos, v);
    // A record is trusted only at its own position, from its own producer: a
    // stale record from an earlier lap can never pass for a new one.
    if (e == RecordError::kNone &&
        (v.header.lsn != c.tail + pos || v.header.producer != producer)) {
      out.stop = RecordError::kBadPayload;
      break;
    }
    if (e != RecordError::kNone) {
      out.stop = e;
      break;
    }
    if (v.header.lsn >= from_lsn) {
      on_record(v);
      ++out.records;
    }
    pos += v.stored_size();
    out.end = c.tail + pos;
  }
  return out;
}

}  // namespace riskgate::journal
