// An AdminServer over a FakeGateway with a real AuditLog in a temp dir, for
// the socket-free tests of AdminServer::handle (admin_handle_test.cpp,
// admin_console_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_gateway.hpp"
#include "gateway/control/admin_server.hpp"
#include "gateway/control/audit_log.hpp"
#include "temp_dir.hpp"

namespace riskgate::control::testing {

class AdminFixture : public ::testing::Test {
 protected:
  AdminFixture()
      : audit_({dir_.path() / "audit.log", false, std::chrono::milliseconds(1), 64}),
        server_({"127.0.0.1", 0}, test_tokens(), gw_, &audit_) {
    audit_.start();
  }
  // Every audit line written so far (after a flush), parsed.
  std::vector<nlohmann::json> audit_lines() {
    audit_.flush();
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.path() / "audit.log");
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  TempDir dir_;
  FakeGateway gw_;
  AuditLog audit_;
  AdminServer server_;
};

}  // namespace riskgate::control::testing
