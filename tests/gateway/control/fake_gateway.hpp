// An in-memory GatewayControl for the admin API and fleet-audit tests.
#pragma once

#include <string>
#include <vector>

#include "gateway/control/admin_server.hpp"

namespace riskgate::control::testing {

class FakeGateway : public GatewayControl {
 public:
  std::string instance = "gw-test";
  std::string build_sha = std::string(64, 'a');
  std::string config_sha = std::string(64, 'c');
  std::string engine_version = "1.0.0";
  std::string engine_attestation;        // RawData(96) ENGINE1 presented; empty: none.
  std::int64_t engine_logon_unix_s = 0;  // When its Logon was checked.
  std::vector<KillRequest> kills;
  std::vector<KillRequest> releases;
  int reloads = 0;
  std::string config_text;  // running_config(); empty: not available.

  std::string running_config() override { return config_text; }

  nlohmann::json status() override {
    nlohmann::json ks = nlohmann::json::array();
    for (const auto& k : kills) {
      ks.push_back({{"scope", to_string(k.scope)},
                    {"target", k.target},
                    {"reason", k.reason},
                    {"actor", k.actor},
                    {"ts", "t"}});
    }
    return {
        {"instance", instance},
        {"version", "0.1.0"},
        {"build_id", "deadbeef@2024-01-01T00:00:00Z"},
        {"binary_sha256", build_sha},
        {"config_sha256", config_sha},
        {"manifest", {{"path", "m.toml"}, {"self_ok", true}, {"reason", "ok"}}},
        {"audit", {{"healthy", true}}},
        {"sessions",
         {{{"name", "ENGINE1"},
           {"role", "acceptor"},
           {"state", "logged_on"},
           {"sender_comp_id", "ENGINE1"},
           {"peer_host", "127.0.0.1"},
           {"engine",
            {{"app_name", "engine-sim"},
             {"version", engine_version},
             {"vendor", "riskgate"},
             {"digest", std::string(64, 'e')},
             {"approved", true},
             {"reason", "approved"},
             {"attestation", engine_attestation},
             {"logon_unix_s", engine_logon_unix_s}}}},
          {{"name", "EXCH"}, {"role", "initiator"}, {"state", "logged_on"}, {"engine", nullptr}}}},
        {"kills", ks},
        {"limits", {{"ACC1", {{"open_orders", 3}, {"max_open_orders", 100}}}}}};
  }
  ControlResult kill(const KillRequest& r) override {
    kills.push_back(r);
    return ControlResult::success("kill engaged", {{"cancels_sent", 2}});
  }
  ControlResult release(const KillRequest& r) override {
    releases.push_back(r);
    return ControlResult::success("kill released");
  }
  ControlResult reload(const std::string&, const std::string&) override {
    ++reloads;
    return ControlResult::success("reloaded");
  }
  ControlResult reenable_flow(const FlowRequest&) override { return ControlResult::success("ok"); }
};

inline std::vector<ApiToken> test_tokens() {
  return {{"olivia", Role::kOperator, "operator-token-0123456789"},
          {"adam", Role::kAdmin, "admin-token-0123456789abc"}};
}
inline constexpr const char* kOperatorAuth = "Bearer operator-token-0123456789";
inline constexpr const char* kAdminAuth = "Bearer admin-token-0123456789abc";

}  // namespace riskgate::control::testing
