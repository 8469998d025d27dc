// Data dictionaries for the configured sessions (issue 10), loaded once at
// startup and shared by every session that names the same one.
//
// The tags riskgate's own configuration makes it read (retired tags from the
// manifest, the parent tags of the parent/child check, the identity tags of
// the Logon) are added to every dictionary for the messages that carry them,
// so that validation never refuses the very field a safety check needs to
// see (a retired flag must reach the retired check and trip its session, not
// merely draw "Invalid tag number"), and so that such a tag repeated is
// still refused (373=13) before any check reads it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/manifest.hpp"
#include "gateway/dict/dictionary.hpp"

namespace riskgate::app {

struct AllowedTag {
  std::uint32_t tag = 0;
  std::string name;
  std::vector<std::string_view> msg_types;  // Static strings ("D", "G", "A", "*").
};

// The tags named by `cfg` and `manifest` (may be null), as above.
[[nodiscard]] std::vector<AllowedTag> config_read_tags(const config::Config& cfg,
                                                       const config::Manifest* manifest);

class DictionarySet {
 public:
  explicit DictionarySet(std::vector<AllowedTag> allowed) : allowed_(std::move(allowed)) {}

  // The dictionary for session `d`: null when UseDataDictionary is false;
  // its DataDictionary file, or the built-in one for its BeginString. Throws
  // std::runtime_error naming the session and the problem (unreadable or
  // invalid file, or a dictionary for another FIX version).
  [[nodiscard]] std::shared_ptr<const dict::Dictionary> for_session(const config::SessionDef& d);

 private:
  std::vector<AllowedTag> allowed_;
  std::map<std::string, std::shared_ptr<const dict::Dictionary>> loaded_;  // By path or version.
};

// The validation switches of session `d`.
[[nodiscard]] dict::ValidationOptions validation_options(const config::SessionDef& d) noexcept;

}  // namespace riskgate::app
