// The control tests' scratch directory: the shared one.
#pragma once

#include "tests/support/temp_dir.hpp"

namespace riskgate::control::testing {

using ::riskgate::testing::TempDir;

}  // namespace riskgate::control::testing
