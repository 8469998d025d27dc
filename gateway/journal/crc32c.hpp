// CRC32C (Castagnoli, the iSCSI/ext4 polynomial), used to detect torn or
// corrupt journal records.
//
// Why CRC32C and not zlib's crc32: zlib is not linked by any order-path
// target, and x86-64 has a CRC32C instruction (SSE4.2: ~8 bytes per 3 cycles
// in one stream), so the journal thread seals records much faster than it
// can write them. Other CPUs (or x86 without SSE4.2) use a slicing-by-8
// table (~1 byte/cycle). The order path never computes one (see ring.hpp). The choice is made once,
// at static initialisation; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace riskgate::journal {

// Extends `crc` (0 to start) over [data, data+n). Thread-safe, no allocation,
// no syscall. crc32c(crc32c(0, a), b) == crc32c(0, a+b).
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t n) noexcept;

// The portable implementation, exposed so tests can check both paths agree.
[[nodiscard]] std::uint32_t crc32c_portable(std::uint32_t crc, const void* data,
                                            std::size_t n) noexcept;

}  // namespace riskgate::journal
