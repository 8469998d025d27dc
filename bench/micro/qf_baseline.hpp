// The QuickFIX baseline for the micro-benchmarks, behind a plain function so
// that the C++20 benchmarks never include QuickFIX (whose Debian headers need
// C++14). Written in C++14: this header is compiled in both modes.
#pragma once

#include <cstddef>

namespace riskgate {
namespace bench {

// Parses `len` bytes of one FIX message into FIX::Message (no data
// dictionary, no validation: the cheapest QuickFIX path) and serialises it
// again with toString(). Returns the serialised size, or 0 if QuickFIX threw.
std::size_t qf_parse_and_serialise(const char* data, std::size_t len);

}  // namespace bench
}  // namespace riskgate
