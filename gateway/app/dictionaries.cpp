#include "gateway/app/dictionaries.hpp"

#include <stdexcept>

#include "gateway/codec/tags.hpp"

namespace riskgate::app {

std::vector<AllowedTag> config_read_tags(const config::Config& cfg,
                                         const config::Manifest* manifest) {
  namespace tag = codec::tag;
  std::vector<AllowedTag> out;
  // Orders and replaces are where the route reads them (translate.cpp).
  const std::vector<std::string_view> orders = {"D", "G"};
  const std::vector<std::string_view> logon = {"A"};
  if (manifest != nullptr) {
    for (const auto& r : manifest->retired) out.push_back({r.tag, "RetiredTag", orders});
  }
  const auto& pc = cfg.risk.parent_child;
  if (pc.parent_id_tag != 0) out.push_back({pc.parent_id_tag, "ParentOrderID", orders});
  if (pc.parent_qty_tag != 0) out.push_back({pc.parent_qty_tag, "ParentOrderQty", orders});
  out.push_back({tag::kApplicationSystemName, "ApplicationSystemName", logon});
  out.push_back({tag::kTradingSystemVersion, "TradingSystemVersion", logon});
  out.push_back({tag::kApplicationSystemVendor, "ApplicationSystemVendor", logon});
  out.push_back({cfg.gateway.build_digest_tag, "BuildDigest", logon});
  return out;
}

std::shared_ptr<const dict::Dictionary> DictionarySet::for_session(const config::SessionDef& d) {
  if (!d.use_data_dictionary) return nullptr;
  const std::string version(config::to_string(d.begin_string));
  const std::string key = d.data_dictionary.empty() ? "builtin:" + version : d.data_dictionary;
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second;
  std::shared_ptr<dict::Dictionary> dd;
  try {
    dd = d.data_dictionary.empty() ? dict::Dictionary::builtin(version)
                                   : dict::Dictionary::load_file(d.data_dictionary);
  } catch (const std::exception& e) {
    throw std::runtime_error("session \"" + d.name + "\": " + e.what());
  }
  if (dd->begin_string() != version) {
    throw std::runtime_error("session \"" + d.name + "\": DataDictionary " + d.data_dictionary +
                             " is for " + std::string(dd->begin_string()) +
                             ", the session's BeginString is " + version);
  }
  for (const AllowedTag& a : allowed_) dd->allow_tag(a.tag, a.name, a.msg_types);
  loaded_.emplace(key, dd);
  return dd;
}

dict::ValidationOptions validation_options(const config::SessionDef& d) noexcept {
  dict::ValidationOptions o;
  o.fields_out_of_order = d.validate_fields_out_of_order;
  o.user_defined_fields = d.validate_user_defined_fields;
  o.allow_unknown_msg_fields = d.allow_unknown_msg_fields;
  return o;
}

}  // namespace riskgate::app
