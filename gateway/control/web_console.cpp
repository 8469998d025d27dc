#include "gateway/control/web_console.hpp"

#include <algorithm>
#include <cctype>

namespace riskgate::control {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const ConsoleAsset* find_console_asset(std::string_view path) noexcept {
  for (const ConsoleAsset& a : console_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::optional<RequestRefusal> check_state_change(std::string_view content_type,
                                                 std::string_view origin, std::string_view host) {
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (!iequals(media, "application/json")) {
    return RequestRefusal{
        415, "Content-Type must be application/json, got \"" + std::string(content_type) + "\""};
  }
  if (!origin.empty()) {
    // Scheme and host compare case-insensitively (RFC 6454 serialises them
    // lower case; a Host header may not be). https too: behind a
    // TLS-terminating proxy the browser's origin is https while the proxy
    // forwards the same Host to this plain-HTTP listener.
    const std::string own = "http://" + std::string(host);
    if (host.empty() ||
        (!iequals(origin, own) && !iequals(origin, "https://" + std::string(host)))) {
      return RequestRefusal{403, "cross-origin request refused: Origin " + std::string(origin) +
                                     " is not this console's origin " + own};
    }
  }
  return std::nullopt;
}

}  // namespace riskgate::control
