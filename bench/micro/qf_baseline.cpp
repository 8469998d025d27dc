// C++14: talks to QuickFIX. See qf_baseline.hpp.
#include "bench/micro/qf_baseline.hpp"

#include <quickfix/Message.h>

#include <exception>
#include <string>

namespace riskgate {
namespace bench {

std::size_t qf_parse_and_serialise(const char* data, std::size_t len) {
  try {
    // What a QuickFIX-based proxy does per message at the least: the string
    // copy of the receive buffer, the parse into a field map, and toString().
    const FIX::Message msg(std::string(data, len), false);
    std::string out;
    msg.toString(out);
    return out.size();
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace bench
}  // namespace riskgate
