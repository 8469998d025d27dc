// A fresh directory (under the system temp dir unless given another base),
// removed at scope exit. Named after the process and a per-process counter,
// so parallel test binaries and repeated fixtures never share one.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace riskgate::testing {

class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
    static std::atomic<int> n{0};
    path_ = base / ("riskgate-test-" + std::to_string(::getpid()) + "-" +
                    std::to_string(n.fetch_add(1, std::memory_order_relaxed)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace riskgate::testing
