// Admission control for connections that have not logged on yet.
//
// A connection is "pending" from accept until its Logon names a session (or
// it closes). Pending connections cost a descriptor and two buffers each and
// are anonymous, so they are capped overall and per source address: one
// address cannot take every slot, and a flood cannot take every descriptor
// (issue 10: 1,100 idle connections locked every engine and the admin API
// out). Over a cap, the caller closes the new socket at once, before reading
// a byte.
//
// Thread: the owning I/O thread only. try_admit() allocates (a map node per
// new source address), which is allowed: accept is not the order path. The
// map holds only addresses with a pending connection, so it never has more
// than max_total entries.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <map>

namespace riskgate::net {

class PendingLimiter {
 public:
  enum class Verdict : std::uint8_t {
    kAdmitted,
    kOverTotal,    // MaxPendingConnections reached.
    kOverAddress,  // MaxPendingPerAddress reached for this source address.
  };

  // Both caps at least 1 (the config enforces it); max_per_address is
  // clamped to max_total.
  PendingLimiter(std::size_t max_total, std::size_t max_per_address) noexcept;

  // Admits and counts the connection, or says which cap refuses it (nothing
  // is counted then).
  [[nodiscard]] Verdict try_admit(const boost::asio::ip::address& from);
  // The connection logged on or closed. Must pair with an admitted try_admit.
  void release(const boost::asio::ip::address& from) noexcept;

  [[nodiscard]] std::size_t pending() const noexcept { return total_; }
  [[nodiscard]] std::size_t pending_from(const boost::asio::ip::address& from) const noexcept;
  [[nodiscard]] std::size_t addresses() const noexcept { return per_address_.size(); }
  [[nodiscard]] std::size_t max_total() const noexcept { return max_total_; }
  [[nodiscard]] std::size_t max_per_address() const noexcept { return max_per_address_; }

 private:
  std::size_t max_total_;
  std::size_t max_per_address_;
  std::size_t total_ = 0;
  std::map<boost::asio::ip::address, std::size_t> per_address_;
};

}  // namespace riskgate::net
