// Test helpers: FIX messages written with '|' for SOH, and a message builder
// that computes BodyLength and CheckSum on its own (not with the codec under
// test), so the two implementations check each other.
#pragma once

#include <string>
#include <string_view>

namespace riskgate::codec::test {

inline std::string wire(std::string_view with_pipes) {
  std::string s(with_pipes);
  for (char& c : s) {
    if (c == '|') c = '\x01';
  }
  return s;
}

inline std::string pipes(std::string_view raw) {
  std::string s(raw);
  for (char& c : s) {
    if (c == '\x01') c = '|';
  }
  return s;
}

inline std::string checksum_field(std::string_view before_trailer) {
  unsigned sum = 0;
  for (const char c : before_trailer) sum += static_cast<unsigned char>(c);
  sum %= 256;
  std::string digits = std::to_string(sum);
  return "10=" + std::string(3 - digits.size(), '0') + digits + "\x01";
}

// "8=<begin>|9=<len>|<body>10=ddd|" from a body written with pipes.
inline std::string make_message(std::string_view begin_string, std::string_view body_with_pipes) {
  const std::string body = wire(body_with_pipes);
  std::string m = "8=" + std::string(begin_string) +
                  "\x01"
                  "9=" +
                  std::to_string(body.size()) + "\x01" + body;
  return m + checksum_field(m);
}

}  // namespace riskgate::codec::test
