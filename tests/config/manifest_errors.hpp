// Shared by the manifest and attestation tests: what the loader says about a
// manifest text, and a substring check that prints the whole message.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/manifest.hpp"

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

namespace riskgate::config::test_support {

// The loader's errors for `text` (as "m.toml"); fails the test if it loads.
inline std::string manifest_error_of(const std::string& text) {
  try {
    (void)parse_manifest(text, "m.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "manifest was accepted:\n" << text;
  return {};
}

}  // namespace riskgate::config::test_support
