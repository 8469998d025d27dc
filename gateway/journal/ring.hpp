// The order path's side of the journal: one wait-free single-producer ring
// per I/O thread, kept in a MAP_SHARED mapping of a file.
//
// Why the ring is a shared file mapping (the kill -9 problem): the I/O thread
// appends a record and then sends the message on its socket, before the
// journal thread has copied the record to the journal file. A ring on the
// process heap would die with the process, and a message the peer received
// would be missing from the journal. A MAP_SHARED page belongs to the kernel's
// page cache, not to the process: every byte the producer stored is still in
// the ring file after the process dies, however it dies. On the next start,
// Journal recovers the records the journal thread had not drained (from the
// ring's tail to its head) before anything else is appended. The ring file
// lives on tmpfs by default (/dev/shm): tmpfs pages are never written back,
// so the producer never takes a write-protect fault after the first lap,
// which a disk-backed shared mapping would after each writeback. Power loss
// is the sync policy's job (see journal.hpp), not the ring's.
//
// The data area is mapped twice, back to back, so a record that wraps past
// the end of the ring is still one contiguous span for both the producer's
// memcpy and the journal thread's write(): no padding records, no split
// copies.
//
// Order path cost: an acquire load of the health flag, a memcpy of the
// record and a release store of head. The checksum is not computed here: it
// guards against torn writes to the *file* (power loss, a cut copy), which
// the ring never sees, since memory below head cannot be torn by a process
// death. The journal thread seals each record (computes its CRC32C in place)
// just before writing it to the file, and recovery seals what it replays, so
// every record in a file is checksummed and ~30 ns of CRC stays off the
// order path.
// No lock, no allocation, no syscall, no page fault (the ring is pre-faulted
// at setup). It never blocks: a full ring is an error value, and the gateway
// must then fail closed (refuse the new order; see AppendStatus).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/cacheline.hpp"
#include "gateway/journal/record.hpp"

namespace riskgate::journal {

// The result of an append. Anything but kOk means the record is NOT in the
// journal, so the caller must not do what the record describes. The gateway
// (gateway/app/journaled_store.hpp) refuses a new order whose record does not
// fit and goes on; a message that went out without its record marks the
// journal failed, and new orders are refused until a restart.
enum class [[nodiscard]] AppendStatus : std::uint8_t{
    kOk = 0,
    kRingFull,       // The journal thread is behind by a whole ring (less the headroom asked).
    kTooLarge,       // Record > kMaxRecordBytes or > ring capacity, or a field over its bound.
    kJournalFailed,  // The journal thread could not write the file: fail closed.
};
[[nodiscard]] std::string_view to_string(AppendStatus s) noexcept;

// Layout of the first page of a ring file. Head and tail are read and written
// through std::atomic_ref (the struct stays trivially copyable, so recovery
// reads it with pread).
struct RingControl {
  char magic[8];
  std::uint32_t version;
  std::uint16_t producer;
  std::uint16_t reserved0;
  std::uint64_t capacity;
  std::int64_t journal_id;  // FileHeader::created_utc_ns of the journal it feeds.
  char gateway[64];
  // Producer-owned line: stream position after the last committed record.
  alignas(kCacheLine) std::uint64_t head;
  // Consumer-owned line: stream position up to which the journal file holds
  // the records (written to the file, not necessarily synced).
  alignas(kCacheLine) std::uint64_t tail;
  alignas(kCacheLine) std::uint8_t end_pad[1];
};
static_assert(sizeof(RingControl) <= 4096);

class JournalRing {
 public:
  // Setup (throws std::system_error / std::invalid_argument). Creates or
  // truncates `path`, maps it, pre-faults it. `capacity`: a power of two,
  // a multiple of the page size. Stream positions start at `start_lsn` (the
  // producer's next lsn in the journal file, so lsns keep increasing across
  // restarts). `healthy` belongs to the Journal and outlives the ring.
  JournalRing(const std::filesystem::path& path, std::string_view gateway, std::uint16_t producer,
              std::size_t capacity, std::uint64_t start_lsn, std::int64_t journal_id,
              const std::atomic<bool>* healthy);
  ~JournalRing();
  JournalRing(const JournalRing&) = delete;
  JournalRing& operator=(const JournalRing&) = delete;

  // --- Producer: exactly one thread (the I/O thread that owns the ring). ---

  // Reserve-then-commit, so a record can be encoded in place (no staging
  // copy). At most one reservation is outstanding; commit it before the next
  // try_reserve. A reservation that is never committed is simply overwritten.
  struct Reservation {
    std::byte* record = nullptr;
    std::uint32_t length = 0;  // Header + payload.
    AppendStatus status = AppendStatus::kOk;
    [[nodiscard]] std::span<std::byte> payload() const noexcept {
      return {record + sizeof(RecordHeader), length - sizeof(RecordHeader)};
    }
  };
  // `headroom`: bytes that must still be free after this record, else
  // kRingFull. The order step keeps some (order_step_headroom, journal.hpp):
  // when the journal thread is held up, new orders are refused while the
  // ring can still take what the refusals and the reports in flight append.
  [[nodiscard]] Reservation try_reserve(std::size_t payload_len, std::size_t headroom = 0) noexcept;
  // Fills the header and publishes. After it returns the record survives the
  // death of the process.
  void commit(const Reservation& r, RecordType type, std::uint16_t session, std::uint64_t sequence,
              std::int64_t utc_ns) noexcept;
  // try_reserve + memcpy + commit.
  AppendStatus try_append(RecordType type, std::uint16_t session, std::uint64_t sequence,
                          std::int64_t utc_ns, std::string_view payload) noexcept;

  // --- Consumer: exactly one thread (the journal thread). ---

  // Committed records not yet consumed: whole records, oldest first,
  // contiguous, not yet sealed. Empty if none. The consumer may write into
  // them (seal) until it consumes them; the producer does not touch them.
  [[nodiscard]] std::span<std::byte> readable() const noexcept;
  // The first `bytes` of readable() are in the journal file: the producer may
  // reuse them, and recovery will not replay them.
  void consume(std::size_t bytes) noexcept;

  // Producer: the stream position the next record will start at.
  [[nodiscard]] std::uint64_t head_position() const noexcept { return head_; }
  // Producer: the `len` committed bytes at stream position `pos`, if the
  // producer has not overwritten them and can append `margin` more bytes
  // before it would; else nullptr. Contiguous (the double mapping), and
  // valid until the producer's appends come within `margin` of them: the
  // journaled store answers ResendRequests from here (journaled_store.hpp).
  [[nodiscard]] const std::byte* committed_bytes(std::uint64_t pos, std::size_t len,
                                                 std::size_t margin) const noexcept {
    if (pos + len > head_ || head_ + margin > pos + capacity_) return nullptr;
    return data_ + (pos & mask_);
  }

  [[nodiscard]] std::uint16_t producer() const noexcept { return producer_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void unmap() noexcept;

  // Producer-owned line (process memory): its own head and its last view of
  // the consumer's tail, refreshed only when the ring looks full.
  alignas(kCacheLine) std::uint64_t head_;
  std::uint64_t cached_tail_;
  // Consumer-owned line.
  alignas(kCacheLine) std::uint64_t consumer_tail_;
  // Read-only after construction.
  alignas(kCacheLine) RingControl* control_ = nullptr;
  std::byte* data_ = nullptr;  // capacity_ bytes, mapped twice.
  std::size_t capacity_;
  std::size_t mask_;
  const std::atomic<bool>* healthy_;
  std::uint16_t producer_;
  int fd_ = -1;
  std::filesystem::path path_;
};

// Computes and stores the CRC32C of each record in `records` (a run of
// whole records as the producer committed them). false if the lengths do not
// chain exactly to the end (the ring's memory is corrupt): nothing after the
// bad record is sealed.
[[nodiscard]] bool seal(std::span<std::byte> records) noexcept;

// What recover_ring found in a ring file left by an earlier process.
struct RingRecovery {
  bool usable = false;  // Ring file valid and for this journal; else nothing replayed.
  std::uint16_t producer = 0;
  std::uint64_t tail = 0;
  std::uint64_t head = 0;
  std::uint64_t records = 0;             // Passed to the callback.
  std::uint64_t end = 0;                 // Stream position after the last valid record.
  RecordError stop = RecordError::kEnd;  // Why the scan stopped before head, if it did.
  std::string reason;                    // Why unusable.
};

// Setup, not the order path (allocates). Reads the ring file at `path` (the
// process that wrote it is gone) and calls on_record(view) for each valid
// record in [tail, head) whose lsn >= from_lsn, oldest first; view.payload
// is valid only during the call. Stops at the first invalid record. Never
// modifies the file. The file must be `producer`'s ring of `gateway`'s journal
// `journal_id`, else it is unusable and nothing is replayed.
RingRecovery recover_ring(const std::filesystem::path& path, std::string_view gateway,
                          std::uint16_t producer, std::int64_t journal_id, std::uint64_t from_lsn,
                          const std::function<void(const RecordView&)>& on_record);

}  // namespace riskgate::journal
