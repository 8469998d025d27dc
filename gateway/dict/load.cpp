// Startup only: QuickFIX XML -> the flat tables of dictionary.hpp. Allocates
// freely and throws std::runtime_error naming the file, the element and the
// problem; nothing here runs on the order path.
#include <algorithm>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "gateway/dict/dictionary.hpp"

namespace riskgate::dict {

namespace {

// QuickFIX's type names. A name not here is an error: a dictionary that
// means something we do not check must not pass for one we understood.
bool type_from_name(std::string_view n, FieldType& out) {
  struct Entry {
    std::string_view name;
    FieldType type;
  };
  static constexpr Entry kTypes[] = {
      {"STRING", FieldType::kString},
      {"CHAR", FieldType::kChar},
      {"BOOLEAN", FieldType::kBoolean},
      {"INT", FieldType::kInt},
      {"LENGTH", FieldType::kUnsigned},
      {"SEQNUM", FieldType::kUnsigned},
      {"TAGNUM", FieldType::kUnsigned},
      {"DAYOFMONTH", FieldType::kUnsigned},
      {"NUMINGROUP", FieldType::kNumInGroup},
      {"FLOAT", FieldType::kDecimal},
      {"QTY", FieldType::kDecimal},
      {"QUANTITY", FieldType::kDecimal},
      {"PRICE", FieldType::kDecimal},
      {"PRICEOFFSET", FieldType::kDecimal},
      {"AMT", FieldType::kDecimal},
      {"PERCENTAGE", FieldType::kDecimal},
      {"UTCTIMESTAMP", FieldType::kUtcTimestamp},
      {"TIME", FieldType::kUtcTimestamp},  // FIX 4.0/4.1 name.
      {"UTCTIMEONLY", FieldType::kUtcTimeOnly},
      {"UTCDATEONLY", FieldType::kUtcDate},
      {"UTCDATE", FieldType::kUtcDate},
      {"LOCALMKTDATE", FieldType::kUtcDate},
      {"DATE", FieldType::kUtcDate},
      {"MONTHYEAR", FieldType::kMonthYear},
      {"MULTIPLEVALUESTRING", FieldType::kMultipleValue},
      {"MULTIPLESTRINGVALUE", FieldType::kMultipleValue},
      {"MULTIPLECHARVALUE", FieldType::kMultipleValue},
      {"DATA", FieldType::kData},
      {"XMLDATA", FieldType::kData},
      // Free text as far as riskgate checks (ISO codes, time zones, ids).
      {"CURRENCY", FieldType::kString},
      {"EXCHANGE", FieldType::kString},
      {"COUNTRY", FieldType::kString},
      {"LANGUAGE", FieldType::kString},
      {"TZTIMEONLY", FieldType::kString},
      {"TZTIMESTAMP", FieldType::kString},
      {"LOCALMKTTIME", FieldType::kString},
      {"XID", FieldType::kString},
      {"XIDREF", FieldType::kString},
      {"RESERVED100PLUS", FieldType::kInt},
      {"RESERVED1000PLUS", FieldType::kInt},
      {"RESERVED4000PLUS", FieldType::kInt},
  };
  for (const Entry& e : kTypes) {
    if (e.name == n) {
      out = e.type;
      return true;
    }
  }
  return false;
}

}  // namespace

// Builds one Dictionary. A class (friend of Dictionary) rather than free
// functions so it can reach the private tables.
class Loader {
 public:
  Loader(Dictionary& d, std::string_view origin) : d_(d), origin_(origin) {}

  void run(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_parse_result pr = doc.load_buffer(xml.data(), xml.size());
    if (!pr) fail("XML parse error at byte " + std::to_string(pr.offset) + ": " + pr.description());
    const pugi::xml_node fix = doc.child("fix");
    if (!fix) fail("no <fix> root element");
    const std::string major = fix.attribute("major").value();
    const std::string minor = fix.attribute("minor").value();
    const std::string type = fix.attribute("type").as_string("FIX");
    if (major.empty() || minor.empty()) fail("<fix> needs major and minor attributes");
    d_.begin_string_ = type + "." + major + "." + minor;

    read_fields(fix.child("fields"));
    for (pugi::xml_node c : fix.child("components").children("component")) {
      const std::string name = c.attribute("name").value();
      if (name.empty()) fail("<component> without a name");
      if (!components_.emplace(name, c).second) fail("component " + name + " defined twice");
    }
    d_.scopes_.resize(2);
    fill_scope(0, fix.child("header"), "header", true, 0);
    fill_scope(1, fix.child("trailer"), "trailer", true, 0);

    d_.by_char_.fill(-1);
    for (pugi::xml_node m : fix.child("messages").children("message")) read_message(m);
    if (d_.messages_.empty()) fail("no <message> in <messages>");
    d_.finish_fields();
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("data dictionary " + std::string(origin_) + ": " + why);
  }

  void read_fields(pugi::xml_node fields) {
    if (!fields) fail("no <fields> section");
    for (pugi::xml_node f : fields.children("field")) {
      const std::string name = f.attribute("name").value();
      const int number = f.attribute("number").as_int(0);
      const std::string tname = f.attribute("type").value();
      if (name.empty() || number <= 0) fail("<field> needs a name and a positive number");
      FieldType t{};
      if (!type_from_name(tname, t)) fail("field " + name + ": unknown type \"" + tname + "\"");
      const auto tag = static_cast<std::uint32_t>(number);
      if (d_.dense(tag) != Dictionary::kNoField) {
        fail("field number " + std::to_string(number) + " defined twice (" + name + ")");
      }
      if (!by_name_.emplace(name, tag).second) fail("field name " + name + " defined twice");
      const std::uint16_t id = d_.add_field(tag, t);
      d_.field_names_[id] = name;
      std::vector<std::string> values;
      for (pugi::xml_node v : f.children("value")) {
        std::string e = v.attribute("enum").value();
        if (e.empty()) fail("field " + name + ": <value> without enum");
        values.push_back(std::move(e));
      }
      if (!values.empty()) add_enums(id, std::move(values));
    }
  }

  void add_enums(std::uint16_t id, std::vector<std::string> values) {
    if (d_.enum_sets_.size() >= Dictionary::kNoEnums) fail("too many enumerated fields");
    Dictionary::EnumSet es;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    es.begin = static_cast<std::uint32_t>(d_.enum_values_.size());
    for (std::string& v : values) {
      const auto c = static_cast<unsigned char>(v[0]);
      if (v.size() == 1) {
        es.one_char[c >> 6] |= std::uint64_t{1} << (c & 63);
      } else {
        d_.enum_values_.push_back(std::move(v));  // Still sorted: a subsequence.
      }
    }
    es.count = static_cast<std::uint32_t>(d_.enum_values_.size()) - es.begin;
    d_.fields_[id].enums = static_cast<std::uint16_t>(d_.enum_sets_.size());
    d_.enum_sets_.push_back(es);
  }

  [[nodiscard]] std::uint16_t field_id(const std::string& name, std::string_view where) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      fail(std::string(where) + ": field " + name + " is not defined in <fields>");
    }
    return d_.dense(it->second);
  }

  static bool required(pugi::xml_node n) {
    return std::string_view(n.attribute("required").value()) == "Y";
  }

  // Adds the children of `node` (field, group, component) to scope `si`.
  // `req` is false inside an optional component: its required fields are
  // required only when the component is present, which a flat scope cannot
  // express, so they are not enforced (QuickFIX does the same). Returns the
  // dense id of the first field added (a group's delimiter), or kNoField.
  std::uint16_t fill_scope(std::uint32_t si, pugi::xml_node node, std::string_view where, bool req,
                           int depth) {
    if (depth > 16) fail(std::string(where) + ": components nested too deep (a cycle?)");
    std::uint16_t first = Dictionary::kNoField;
    for (pugi::xml_node c : node.children()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view kind = c.name();
      const std::string name = c.attribute("name").value();
      std::uint16_t id = Dictionary::kNoField;
      if (kind == "field") {
        id = field_id(name, where);
        add_member(si, id, req && required(c), where);
      } else if (kind == "group") {
        id = field_id(name, where);
        if (d_.fields_[id].type != FieldType::kNumInGroup) {
          fail(std::string(where) + ": group " + name + " is not a NUMINGROUP field");
        }
        add_member(si, id, req && required(c), where);
        read_group(si, id, c, std::string(where) + " > " + name, depth);
      } else if (kind == "component") {
        const auto it = components_.find(name);
        if (it == components_.end()) fail(std::string(where) + ": unknown component " + name);
        id = fill_scope(si, it->second, where, req && required(c), depth + 1);
      } else {
        fail(std::string(where) + ": unexpected element <" + std::string(kind) + ">");
      }
      if (first == Dictionary::kNoField) first = id;
    }
    return first;
  }

  void read_group(std::uint32_t parent, std::uint16_t count_id, pugi::xml_node g,
                  const std::string& where, int depth) {
    const auto si = static_cast<std::uint32_t>(d_.scopes_.size());
    d_.scopes_.emplace_back();
    const std::uint16_t delim = fill_scope(si, g, where, true, depth + 1);
    if (delim == Dictionary::kNoField) fail(where + ": empty repeating group");
    Dictionary::GroupDef gd;
    gd.count_id = count_id;
    gd.delimiter_id = delim;
    gd.scope = si;
    const auto gi = static_cast<std::uint16_t>(d_.groups_.size());
    d_.groups_.push_back(gd);
    d_.scopes_[parent].groups.emplace_back(count_id, gi);
  }

  void add_member(std::uint32_t si, std::uint16_t id, bool req, std::string_view where) {
    Dictionary::Scope& s = d_.scopes_[si];
    if (s.has(id)) {
      fail(std::string(where) + ": field " + d_.field_names_[id] + " listed twice");
    }
    Dictionary::set_member(s, id);
    if (req) s.required.push_back(id);
  }

  void read_message(pugi::xml_node m) {
    Dictionary::MessageDef md;
    md.type = m.attribute("msgtype").value();
    md.name = m.attribute("name").value();
    if (md.type.empty() || md.name.empty()) fail("<message> needs name and msgtype");
    for (const auto& other : d_.messages_) {
      if (other.type == md.type) fail("message type " + md.type + " defined twice");
    }
    md.scope = static_cast<std::uint32_t>(d_.scopes_.size());
    d_.scopes_.emplace_back();
    fill_scope(md.scope, m, "message " + md.name, true, 0);
    const auto mi = static_cast<std::int16_t>(d_.messages_.size());
    if (md.type.size() == 1 && static_cast<unsigned char>(md.type[0]) < 128) {
      d_.by_char_[static_cast<unsigned char>(md.type[0])] = mi;
    }
    d_.messages_.push_back(std::move(md));
  }

  Dictionary& d_;
  std::string_view origin_;
  std::unordered_map<std::string, std::uint32_t> by_name_;
  std::map<std::string, pugi::xml_node> components_;
};

std::uint16_t Dictionary::add_field(std::uint32_t tag, FieldType type) {
  // Dense ids are 16-bit and kNoField is reserved; tags are bounded so the
  // tag -> id table stays small (a venue's tags are far below this).
  constexpr std::uint32_t kMaxTag = 1U << 20;
  if (fields_.size() >= kNoField - 1) throw std::runtime_error("data dictionary: too many fields");
  if (tag == 0 || tag >= kMaxTag) {
    throw std::runtime_error("data dictionary " + origin_ + ": field number " +
                             std::to_string(tag) + " out of range (1.." +
                             std::to_string(kMaxTag - 1) + ")");
  }
  if (tag >= tag_to_dense_.size()) tag_to_dense_.resize(tag + 1, kNoField);
  const auto id = static_cast<std::uint16_t>(fields_.size());
  tag_to_dense_[tag] = id;
  FieldDef fd;
  fd.tag = tag;
  fd.type = type;
  // Validated by the session before the dictionary sees the message
  // (session_inbound.cpp); MsgType is known because its message is.
  for (std::uint32_t t : {8U, 9U, 10U, 34U, 35U, 43U, 49U, 52U, 56U, 97U, 122U}) {
    fd.session_checked = fd.session_checked || t == tag;
  }
  fields_.push_back(fd);
  field_names_.emplace_back();
  return id;
}

void Dictionary::finish_fields() {
  for (std::size_t id = 0; id < fields_.size(); ++id) {
    FieldDef& f = fields_[id];
    const auto i = static_cast<std::uint16_t>(id);
    f.part = scopes_[0].has(i) ? 1 : scopes_[1].has(i) ? 2 : 0;
    const bool free_text = f.type == FieldType::kString || f.type == FieldType::kData ||
                           f.type == FieldType::kMultipleValue;
    f.check = !f.session_checked && (!free_text || f.enums != kNoEnums);
  }
}

void Dictionary::set_member(Scope& s, std::uint16_t id) {
  const std::size_t w = id >> 6;
  if (w >= s.members.size()) s.members.resize(w + 1, 0);
  s.members[w] |= std::uint64_t{1} << (id & 63);
}

std::shared_ptr<Dictionary> Dictionary::parse(std::string_view xml, std::string_view origin) {
  auto d = std::make_shared<Dictionary>();
  d->origin_ = origin;
  Loader(*d, origin).run(xml);
  return d;
}

std::shared_ptr<Dictionary> Dictionary::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("data dictionary " + path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) throw std::runtime_error("data dictionary " + path + ": read error");
  return parse(ss.str(), path);
}

void Dictionary::allow_tag(std::uint32_t tag, std::string_view name,
                           std::span<const std::string_view> msg_types) {
  std::uint16_t id = dense(tag);
  if (id == kNoField) {
    id = add_field(tag, FieldType::kString);  // Free text, body part: nothing to finish.
    field_names_[id] = name;
  }
  for (const MessageDef& m : messages_) {
    const bool wanted = std::any_of(msg_types.begin(), msg_types.end(),
                                    [&](std::string_view t) { return t == "*" || t == m.type; });
    // A tag that is a group member somewhere stays where the dictionary put
    // it; allowing it at the top level too is harmless (groups are walked
    // before the top level sees their members).
    if (wanted) set_member(scopes_[m.scope], id);
  }
}

bool Dictionary::message_has_field(std::string_view msg_type, std::uint32_t tag) const noexcept {
  const int mi = find_message(msg_type);
  const std::uint16_t id = dense(tag);
  return mi >= 0 && id != kNoField &&
         scopes_[messages_[static_cast<std::size_t>(mi)].scope].has(id);
}

bool Dictionary::message_requires_field(std::string_view msg_type,
                                        std::uint32_t tag) const noexcept {
  const int mi = find_message(msg_type);
  const std::uint16_t id = dense(tag);
  if (mi < 0 || id == kNoField) return false;
  const auto& req = scopes_[messages_[static_cast<std::size_t>(mi)].scope].required;
  return std::find(req.begin(), req.end(), id) != req.end();
}

}  // namespace riskgate::dict
