// Build identity and file digests (issue 4, "the gateway verifies itself").
//
// build_id() is fixed when CMake configures the tree (git commit + UTC time of
// the configure step); re-run cmake to refresh it. The digests are what the
// release manifest approves: the SHA-256 of the executable that is actually
// running and of the config bytes that were actually loaded.
//
// Thread safety: all functions are reentrant. sha256_* allocate and do I/O:
// control thread / start-up only, never the order path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace riskgate::control {

// "<git commit>@<build time, ISO-8601 UTC>", e.g. "3f2a...@2024-05-01T12:00:00Z".
// The commit is "unknown" when the tree was configured outside git.
[[nodiscard]] std::string_view build_id() noexcept;
[[nodiscard]] std::string_view git_commit() noexcept;
[[nodiscard]] std::string_view build_time() noexcept;

// Lowercase hex SHA-256 (64 chars) of a file's bytes. Throws std::runtime_error
// naming the path if it cannot be read.
[[nodiscard]] std::string sha256_file(const std::filesystem::path& path);
// Lowercase hex SHA-256 of bytes in memory.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

// The running executable (/proc/self/exe resolved). Throws std::runtime_error
// if it cannot be resolved (no /proc).
[[nodiscard]] std::filesystem::path self_executable_path();

}  // namespace riskgate::control
