#include "gateway/control/verify.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace riskgate::control {
namespace {

std::string str_or(const toml::node_view<const toml::node>& n, std::string_view src,
                   std::string_view where, bool required) {
  if (!n) {
    if (required) {
      throw std::runtime_error(std::string(src) + ": " + std::string(where) + " is missing");
    }
    return {};
  }
  if (auto s = n.value<std::string>()) return *s;
  throw std::runtime_error(std::string(src) + ": " + std::string(where) + " must be a string");
}

std::vector<std::string> str_list(const toml::node_view<const toml::node>& n, std::string_view src,
                                  std::string_view where) {
  std::vector<std::string> out;
  if (!n) return out;
  const auto* arr = n.as_array();
  if (!arr)
    throw std::runtime_error(std::string(src) + ": " + std::string(where) + " must be an array");
  for (const auto& e : *arr) {
    if (auto s = e.value<std::string>()) {
      out.push_back(*s);
    } else {
      throw std::runtime_error(std::string(src) + ": " + std::string(where) + " must hold strings");
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

ManifestView parse_manifest_view(std::string_view text, std::string_view source) {
  toml::table tbl;
  try {
    tbl = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ": " << e.description();
    throw std::runtime_error(os.str());
  }
  const toml::table& t = tbl;
  ManifestView m;
  m.gateway_version = str_or(t["gateway"]["version"], source, "gateway.version", false);
  m.build_digest = str_or(t["gateway"]["build_digest"], source, "gateway.build_digest", true);
  m.config_digest = str_or(t["gateway"]["config_digest"], source, "gateway.config_digest", true);
  if (const auto* engines = t["engine"].as_array()) {
    std::size_t i = 0;
    for (const auto& e : *engines) {
      const auto* et = e.as_table();
      const std::string where = "engine[" + std::to_string(i++) + "]";
      if (!et) throw std::runtime_error(std::string(source) + ": " + where + " must be a table");
      const toml::node_view<const toml::node> v{et};
      m.engines.push_back(
          EngineApprovalView{str_or(v["sender_comp_id"], source, where + ".sender_comp_id", true),
                             str_or(v["host"], source, where + ".host", false),
                             str_or(v["app_name"], source, where + ".app_name", true),
                             str_or(v["version"], source, where + ".version", true),
                             str_or(v["vendor"], source, where + ".vendor", true),
                             str_or(v["build_digest"], source, where + ".build_digest", true)});
    }
  }
  if (const auto* compat = t["compatibility"].as_array()) {
    std::size_t i = 0;
    for (const auto& c : *compat) {
      const auto* ct = c.as_table();
      const std::string where = "compatibility[" + std::to_string(i++) + "]";
      if (!ct) throw std::runtime_error(std::string(source) + ": " + where + " must be a table");
      const toml::node_view<const toml::node> v{ct};
      m.compatibility.push_back(
          CompatibilityView{str_list(v["gateway_versions"], source, where + ".gateway_versions"),
                            str_or(v["app_name"], source, where + ".app_name", true),
                            str_list(v["engine_versions"], source, where + ".engine_versions")});
    }
  }
  return m;
}

ManifestView load_manifest_view(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("manifest: cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_manifest_view(ss.str(), path.string());
}

bool digest_matches(std::string_view expected, std::string_view actual) noexcept {
  if (expected == "any") return true;
  if (expected.empty() || expected.size() != actual.size()) return false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(expected[i])) !=
        std::tolower(static_cast<unsigned char>(actual[i]))) {
      return false;
    }
  }
  return true;
}

SelfVerdict verify_self(const ManifestView& m, std::string_view binary_sha256,
                        std::string_view config_sha256) {
  SelfVerdict v;
  v.binary_ok = digest_matches(m.build_digest, binary_sha256);
  v.config_ok = digest_matches(m.config_digest, config_sha256);
  if (!v.binary_ok) {
    v.reason += "binary sha256 " + std::string(binary_sha256) +
                " does not match the manifest's approved build_digest " + m.build_digest;
  }
  if (!v.config_ok) {
    if (!v.reason.empty()) v.reason += "; ";
    v.reason += "config sha256 " + std::string(config_sha256) +
                " does not match the manifest's approved config_digest " + m.config_digest;
  }
  if (v.ok()) v.reason = "ok";
  return v;
}

EngineVerdict verify_engine_identity(const ManifestView& m, std::string_view sender_comp_id,
                                     std::string_view host, const EngineIdentity& id) {
  const std::string who(sender_comp_id);
  const EngineApprovalView* match = nullptr;
  for (const auto& e : m.engines) {
    if (e.sender_comp_id != sender_comp_id) continue;
    if (!e.host.empty() && e.host == host) {
      match = &e;
      break;
    }
    if (e.host.empty() && match == nullptr) match = &e;
  }
  if (match == nullptr) return {false, who + ": no approved engine identity in the manifest"};
  struct Field {
    const char* name;
    const std::string& declared;
    const std::string& approved;
  };
  const Field fields[] = {{"ApplicationSystemName(1603)", id.app_name, match->app_name},
                          {"TradingSystemVersion(1604)", id.version, match->version},
                          {"ApplicationSystemVendor(1605)", id.vendor, match->vendor}};
  for (const auto& f : fields) {
    if (f.declared.empty()) return {false, who + ": " + f.name + " missing"};
  }
  for (const auto& f : fields) {
    if (f.declared != f.approved) {
      return {false, who + ": " + f.name + " " + f.declared +
                         " not approved (approved: " + f.approved + ")"};
    }
  }
  if (id.digest.empty() && match->build_digest != "any") {
    return {false, who + ": build digest missing"};
  }
  if (!digest_matches(match->build_digest, id.digest)) {
    return {false, who + ": build digest " + id.digest +
                       " not approved (approved: " + match->build_digest + ")"};
  }
  if (!m.compatibility.empty()) {
    const bool ok = std::any_of(m.compatibility.begin(), m.compatibility.end(), [&](const auto& c) {
      return c.app_name == id.app_name && contains(c.engine_versions, id.version) &&
             contains(c.gateway_versions, m.gateway_version);
    });
    if (!ok) {
      return {false, who + ": " + id.app_name + " " + id.version +
                         " is not approved with gateway release " + m.gateway_version};
    }
  }
  return {true, "approved"};
}

}  // namespace riskgate::control
