// Files that hold secrets (AdminTokensFile, EngineSecretsFile) must be
// readable by their owner only: a token or a password hash that every local
// user can read lets any local process act as an operator or an engine.
#pragma once

#include <filesystem>
#include <string_view>

namespace riskgate::control {

// Throws std::runtime_error naming `key`, the file and its mode when the file
// cannot be examined or is readable, writable or executable by group or
// others. Setup-time only (one stat).
void require_private_file(const std::filesystem::path& path, std::string_view key);

}  // namespace riskgate::control
