// The data dictionary's validation, against a small dictionary written here
// so that each SessionRejectReason is reached by exactly the input that
// should reach it.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "gateway/codec/codec.hpp"
#include "gateway/dict/dictionary.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::dict {
namespace {

constexpr std::string_view kXml = R"(<fix type="FIX" major="4" minor="4">
 <header>
  <field name="BeginString" required="Y"/><field name="BodyLength" required="Y"/>
  <field name="MsgType" required="Y"/><field name="SenderCompID" required="Y"/>
  <field name="TargetCompID" required="Y"/><field name="MsgSeqNum" required="Y"/>
  <field name="SendingTime" required="Y"/><field name="PossDupFlag" required="N"/>
 </header>
 <trailer><field name="Signature" required="N"/><field name="CheckSum" required="Y"/></trailer>
 <messages>
  <message name="Heartbeat" msgtype="0" msgcat="admin"><field name="TestReqID" required="N"/></message>
  <message name="NewOrderSingle" msgtype="D" msgcat="app">
   <field name="ClOrdID" required="Y"/>
   <field name="Account" required="N"/>
   <component name="Parties" required="N"/>
   <field name="Symbol" required="Y"/>
   <field name="Side" required="Y"/>
   <field name="TransactTime" required="Y"/>
   <field name="OrderQty" required="Y"/>
   <field name="OrdType" required="Y"/>
   <field name="Price" required="N"/>
   <field name="ExecInst" required="N"/>
   <field name="ExpireDate" required="N"/>
  </message>
  <message name="Other" msgtype="AE" msgcat="app"><field name="Symbol" required="Y"/></message>
 </messages>
 <components>
  <component name="Parties">
   <group name="NoPartyIDs" required="N">
    <field name="PartyID" required="N"/>
    <field name="PartyIDSource" required="N"/>
    <field name="PartyRole" required="Y"/>
    <group name="NoPartySubIDs" required="N">
     <field name="PartySubID" required="N"/>
     <field name="PartySubIDType" required="N"/>
    </group>
   </group>
  </component>
 </components>
 <fields>
  <field number="1" name="Account" type="STRING"/>
  <field number="8" name="BeginString" type="STRING"/>
  <field number="9" name="BodyLength" type="LENGTH"/>
  <field number="10" name="CheckSum" type="STRING"/>
  <field number="11" name="ClOrdID" type="STRING"/>
  <field number="18" name="ExecInst" type="MULTIPLEVALUESTRING">
   <value enum="1" description="NOT_HELD"/><value enum="G" description="ALL_OR_NONE"/>
  </field>
  <field number="34" name="MsgSeqNum" type="SEQNUM"/>
  <field number="35" name="MsgType" type="STRING"/>
  <field number="38" name="OrderQty" type="QTY"/>
  <field number="40" name="OrdType" type="CHAR">
   <value enum="1" description="MARKET"/><value enum="2" description="LIMIT"/>
  </field>
  <field number="43" name="PossDupFlag" type="BOOLEAN"/>
  <field number="44" name="Price" type="PRICE"/>
  <field number="49" name="SenderCompID" type="STRING"/>
  <field number="52" name="SendingTime" type="UTCTIMESTAMP"/>
  <field number="54" name="Side" type="CHAR">
   <value enum="1" description="BUY"/><value enum="2" description="SELL"/>
  </field>
  <field number="55" name="Symbol" type="STRING"/>
  <field number="56" name="TargetCompID" type="STRING"/>
  <field number="60" name="TransactTime" type="UTCTIMESTAMP"/>
  <field number="89" name="Signature" type="DATA"/>
  <field number="112" name="TestReqID" type="STRING"/>
  <field number="432" name="ExpireDate" type="LOCALMKTDATE"/>
  <field number="447" name="PartyIDSource" type="CHAR"/>
  <field number="448" name="PartyID" type="STRING"/>
  <field number="452" name="PartyRole" type="INT"/>
  <field number="453" name="NoPartyIDs" type="NUMINGROUP"/>
  <field number="523" name="PartySubID" type="STRING"/>
  <field number="802" name="NoPartySubIDs" type="NUMINGROUP"/>
  <field number="803" name="PartySubIDType" type="INT"/>
 </fields>
</fix>)";

// Builds a framed message: header, then `body` ("tag=value|..." with '|' for
// SOH), BodyLength and CheckSum computed.
std::string framed(std::string_view type, std::string body, std::string_view header_extra = "") {
  for (char& c : body) {
    if (c == '|') c = '\x01';
  }
  std::string hx(header_extra);
  for (char& c : hx) {
    if (c == '|') c = '\x01';
  }
  std::string inner = "35=" + std::string(type) + "\x01" + "49=ENG\x01" + "56=GW\x01" + "34=7\x01" +
                      "52=20261129-12:00:00.000\x01" + hx + body;
  std::string msg =
      "8=FIX.4.4\x01" + std::string("9=") + std::to_string(inner.size()) + "\x01" + inner;
  unsigned sum = 0;
  for (char c : msg) sum += static_cast<unsigned char>(c);
  char cs[8];
  std::snprintf(cs, sizeof cs, "%03u", sum % 256);
  return msg + "10=" + cs + "\x01";
}

constexpr std::string_view kOrder = "11=A1|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|44=10.5|";

class ValidateTest : public ::testing::Test {
 protected:
  Verdict run(const std::string& raw, ValidationOptions opts = {}) {
    validator_ = std::make_unique<Validator>(dict_, opts);
    raw_ = raw;
    EXPECT_EQ(msg_.scan(raw_), codec::ScanError::kNone) << raw_;
    return validator_->validate(msg_);
  }
  Verdict order(std::string body, ValidationOptions opts = {}) {
    return run(framed("D", std::move(body)), opts);
  }
  // An order through the validator already built, keeping its shape cache.
  Verdict check(std::string body) {
    raw_ = framed("D", std::move(body));
    EXPECT_EQ(msg_.scan(raw_), codec::ScanError::kNone);
    return validator_->validate(msg_);
  }

  std::shared_ptr<Dictionary> dict_ = Dictionary::parse(kXml, "test");
  std::unique_ptr<Validator> validator_;
  std::string raw_;
  codec::Message msg_;
};

TEST_F(ValidateTest, AWellFormedOrderPasses) {
  const Verdict v = order(std::string(kOrder));
  EXPECT_TRUE(v.ok()) << v.reason << " tag " << v.ref_tag << " " << v.text;
}

TEST_F(ValidateTest, EachRiskReadTagRepeatedIsRejectedWithReason13AndTheTag) {
  for (std::string_view t : {"38=1000000|", "44=99|", "55=MSFT|", "54=2|", "40=1|", "11=B2|"}) {
    const Verdict v = order(std::string(kOrder) + std::string(t));
    EXPECT_EQ(v.reason, 13) << t;
    EXPECT_EQ(std::to_string(v.ref_tag) + "=", std::string(t.substr(0, t.find('=') + 1))) << t;
  }
  const Verdict acct = order("1=X|" + std::string(kOrder) + "1=Y|");
  EXPECT_EQ(acct.reason, 13);
  EXPECT_EQ(acct.ref_tag, 1U);
}

TEST_F(ValidateTest, ARepeatedHeaderTagIsRejectedWithReason13) {
  const Verdict v = run(framed("D", std::string(kOrder), "49=OTHER|"));
  EXPECT_EQ(v.reason, 13);
  EXPECT_EQ(v.ref_tag, 49U);
}

TEST_F(ValidateTest, AHeaderTagAfterTheBodyIsRejectedWithReason14) {
  const Verdict v = order(std::string(kOrder) + "43=Y|");
  EXPECT_EQ(v.reason, 14);
  EXPECT_EQ(v.ref_tag, 43U);
}

TEST_F(ValidateTest, ABodyTagAfterATrailerTagIsRejectedWithReason14) {
  const Verdict v = order(std::string(kOrder) + "89=sig|1=ACC|");
  EXPECT_EQ(v.reason, 14);
  EXPECT_EQ(v.ref_tag, 1U);
}

TEST_F(ValidateTest, FieldsOutOfOrderPassWhenTheSwitchIsOff) {
  ValidationOptions o;
  o.fields_out_of_order = false;
  EXPECT_TRUE(order(std::string(kOrder) + "43=Y|", o).ok());
}

TEST_F(ValidateTest, AMissingRequiredFieldIsRejectedWithReason1) {
  const Verdict v = order("11=A1|55=IBM|54=1|60=20261129-12:00:00|40=2|");
  EXPECT_EQ(v.reason, 1);
  EXPECT_EQ(v.ref_tag, 38U);
}

TEST_F(ValidateTest, AnUndefinedTagIsRejectedWithReason0) {
  const Verdict v = order(std::string(kOrder) + "4999=x|");
  EXPECT_EQ(v.reason, 0);
  EXPECT_EQ(v.ref_tag, 4999U);
}

TEST_F(ValidateTest, ATagDefinedButNotForThisTypeIsRejectedWithReason2) {
  const Verdict v = order(std::string(kOrder) + "112=T|");
  EXPECT_EQ(v.reason, 2);
  EXPECT_EQ(v.ref_tag, 112U);
}

TEST_F(ValidateTest, AllowUnknownMsgFieldsLetsBothKindsBelow5000Through) {
  ValidationOptions o;
  o.allow_unknown_msg_fields = true;
  EXPECT_TRUE(order(std::string(kOrder) + "112=T|4999=x|", o).ok());
  // ... but not user-defined tags, which have their own switch.
  EXPECT_EQ(order(std::string(kOrder) + "9700=PWRPEG|", o).reason, 0);
}

TEST_F(ValidateTest, UserDefinedTagsPassOnlyWhenTheirValidationIsOff) {
  EXPECT_EQ(order(std::string(kOrder) + "9700=PWRPEG|").reason, 0);
  ValidationOptions o;
  o.user_defined_fields = false;
  EXPECT_TRUE(order(std::string(kOrder) + "9700=PWRPEG|", o).ok());
}

TEST_F(ValidateTest, AnAllowedTagIsCheckedForRepeatsLikeAnyOther) {
  const std::string_view types[] = {"D"};
  dict_->allow_tag(9700, "RetiredFlag", types);
  EXPECT_TRUE(order(std::string(kOrder) + "9700=PWRPEG|").ok());
  EXPECT_EQ(order(std::string(kOrder) + "9700=A|9700=B|").reason, 13);
  EXPECT_EQ(run(framed("AE", "55=IBM|9700=x|")).reason, 2) << "allowed for D only";
}

TEST_F(ValidateTest, TimestampsAreCheckedByteForByteAtEveryPosition) {
  // The date and time digits are checked a word at a time: every position
  // must still refuse a byte that is not a digit, and the colons must be
  // colons (';' and '9' differ from ':' and '0' in one bit).
  const std::string good = "20261129-12:34:56.789";
  EXPECT_TRUE(order("11=A1|55=IBM|54=1|60=" + good + "|38=100|40=2|").ok());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const char bad : {'/', ':', ';', 'A', ' ', '\x7f', '9'}) {
      if (bad == good[i] || (good[i] >= '0' && good[i] <= '9' && bad == '9')) continue;
      std::string ts = good;
      ts[i] = bad;
      const Verdict v = order("11=A1|55=IBM|54=1|60=" + ts + "|38=100|40=2|");
      EXPECT_EQ(v.reason, 6) << ts;
      EXPECT_EQ(v.ref_tag, 60u) << ts;
    }
  }
  // Field ranges: month, day, hour, minute, second (60 is a leap second).
  for (const char* ts : {"20261329-12:00:00", "20261100-12:00:00", "20261132-12:00:00",
                         "20261129-24:00:00", "20261129-12:60:00", "20261129-12:00:61"})
    EXPECT_EQ(order(std::string("11=A1|55=IBM|54=1|60=") + ts + "|38=100|40=2|").reason, 6) << ts;
  EXPECT_TRUE(order("11=A1|55=IBM|54=1|60=20261231-23:59:60|38=100|40=2|").ok());
}

TEST_F(ValidateTest, WrongValueFormatsAreRejectedWithReason6) {
  struct Case {
    std::string body;
    std::uint32_t tag;
  };
  const Case cases[] = {
      {"11=A1|55=IBM|54=1|60=20261129-12:00:00|38=1e6|40=2|", 38},
      {"11=A1|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|44=1.2.3|", 44},
      {"11=A1|55=IBM|54=12|60=20261129-12:00:00|38=100|40=2|", 54},
      {"11=A1|55=IBM|54=1|60=20261329-12:00:00|38=100|40=2|", 60},
      {"11=A1|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|432=2026113|", 432},
      {"11=A1|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|453=x|", 453},
  };
  for (const Case& c : cases) {
    const Verdict v = order(c.body);
    EXPECT_EQ(v.reason, 6) << c.body;
    EXPECT_EQ(v.ref_tag, c.tag) << c.body;
  }
}

TEST_F(ValidateTest, AValueOutsideTheEnumerationIsRejectedWithReason5) {
  const Verdict v = order("11=A1|55=IBM|54=9|60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(v.reason, 5);
  EXPECT_EQ(v.ref_tag, 54U);
  EXPECT_TRUE(order(std::string(kOrder) + "18=1 G|").ok());
  EXPECT_EQ(order(std::string(kOrder) + "18=1 Z|").reason, 5);
}

TEST_F(ValidateTest, AGroupWhoseEntriesMatchItsCountPasses) {
  EXPECT_TRUE(order("11=A1|453=2|448=P1|452=1|448=P2|447=D|452=3|55=IBM|54=1|"
                    "60=20261129-12:00:00|38=100|40=2|")
                  .ok());
}

TEST_F(ValidateTest, AGroupCountAboveOrBelowItsEntriesIsRejectedWithReason16) {
  const Verdict more = order(
      "11=A1|453=3|448=P1|452=1|448=P2|452=3|55=IBM|54=1|"
      "60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(more.reason, 16);
  EXPECT_EQ(more.ref_tag, 453U);
  const Verdict fewer = order(
      "11=A1|453=1|448=P1|452=1|448=P2|452=3|55=IBM|54=1|"
      "60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(fewer.reason, 16);
  EXPECT_EQ(fewer.ref_tag, 453U);
}

TEST_F(ValidateTest, AGroupEntryNotStartingWithItsDelimiterIsRejectedWithReason15) {
  const Verdict v = order("11=A1|453=1|452=1|448=P1|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(v.reason, 15);
  EXPECT_EQ(v.ref_tag, 452U);
}

TEST_F(ValidateTest, ATagRepeatedInsideOneGroupEntryIsRejectedWithReason13) {
  const Verdict v = order(
      "11=A1|453=1|448=P1|452=1|452=2|55=IBM|54=1|"
      "60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(v.reason, 13);
  EXPECT_EQ(v.ref_tag, 452U);
}

TEST_F(ValidateTest, ARequiredFieldMissingFromAGroupEntryIsRejectedWithReason1) {
  const Verdict v = order(
      "11=A1|453=2|448=P1|452=1|448=P2|55=IBM|54=1|"
      "60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(v.reason, 1);
  EXPECT_EQ(v.ref_tag, 452U);
}

TEST_F(ValidateTest, NestedGroupsAreCountedPerEntry) {
  EXPECT_TRUE(order("11=A1|453=2|448=P1|452=1|802=2|523=S1|523=S2|448=P2|452=3|802=1|523=S3|"
                    "55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|")
                  .ok());
  const Verdict v = order(
      "11=A1|453=1|448=P1|452=1|802=1|523=S1|523=S2|"
      "55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|");
  EXPECT_EQ(v.reason, 16);
  EXPECT_EQ(v.ref_tag, 802U);
}

TEST_F(ValidateTest, AGroupMemberOutsideItsGroupIsNotDefinedForTheMessage) {
  const Verdict v = order(std::string(kOrder) + "448=P1|");
  EXPECT_EQ(v.reason, 2);
  EXPECT_EQ(v.ref_tag, 448U);
}

TEST_F(ValidateTest, TwoCharacterMessageTypesAreFound) {
  EXPECT_TRUE(run(framed("AE", "55=IBM|")).ok());
  EXPECT_EQ(run(framed("AE", "")).reason, 1);
  EXPECT_FALSE(validator_->known_type("AF"));
  EXPECT_TRUE(validator_->known_type("D"));
}

TEST_F(ValidateTest, ValidationAllocatesNothing) {
  validator_ = std::make_unique<Validator>(dict_, ValidationOptions{});
  raw_ = framed("D",
                "11=A1|453=2|448=P1|452=1|448=P2|452=3|55=IBM|54=1|"
                "60=20261129-12:00:00|38=100|40=2|44=10.5|");
  ASSERT_EQ(msg_.scan(raw_), codec::ScanError::kNone);
  const testing::AllocationScope allocs;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(validator_->validate(msg_).ok());
  EXPECT_EQ(allocs.count(), 0U);
}

TEST_F(ValidateTest, ARememberedShapeStillHasItsValuesChecked) {
  validator_ = std::make_unique<Validator>(dict_, ValidationOptions{});
  EXPECT_TRUE(check(std::string(kOrder)).ok());
  EXPECT_TRUE(check(std::string(kOrder)).ok());
  EXPECT_EQ(validator_->shape_hits(), 1U);
  // Same tags, in the same order: only the values differ.
  const Verdict bad_side = check("11=A1|55=IBM|54=9|60=20261129-12:00:00|38=100|40=2|44=10.5|");
  EXPECT_EQ(bad_side.reason, 5);
  EXPECT_EQ(bad_side.ref_tag, 54U);
  const Verdict bad_qty = check("11=A1|55=IBM|54=1|60=20261129-12:00:00|38=x|40=2|44=10.5|");
  EXPECT_EQ(bad_qty.reason, 6);
  EXPECT_EQ(validator_->shape_hits(), 3U);
  // One field more (a repeat) is another shape: the full walk refuses it.
  EXPECT_EQ(check(std::string(kOrder) + "38=1000000|").reason, 13);
}

TEST_F(ValidateTest, MessagesWithRepeatingGroupsAreNeverTakenFromTheShapeCache) {
  validator_ = std::make_unique<Validator>(dict_, ValidationOptions{});
  const std::string rest =
      "448=P1|452=1|448=P2|452=3|55=IBM|54=1|60=20261129-12:00:00|38=100|40=2|";
  EXPECT_TRUE(check("11=A1|453=2|" + rest).ok());
  // The same tags in the same order, but the count now disagrees.
  EXPECT_EQ(check("11=A1|453=3|" + rest).reason, 16);
  EXPECT_EQ(validator_->shape_hits(), 0U);
}

TEST_F(ValidateTest, NoSwitchLetsATagThroughTwice) {
  ValidationOptions lenient;
  lenient.allow_unknown_msg_fields = true;
  lenient.user_defined_fields = false;
  for (const ValidationOptions& o : {ValidationOptions{}, lenient}) {
    const bool lax = o.allow_unknown_msg_fields;
    // Defined, but not for this type.
    EXPECT_EQ(order(std::string(kOrder) + "112=A|112=B|", o).reason, lax ? 13 : 2);
    // Not defined at all, below 5000 and from 5000.
    EXPECT_EQ(order(std::string(kOrder) + "4999=1|4999=2|", o).reason, lax ? 13 : 0);
    EXPECT_EQ(order(std::string(kOrder) + "9000=1|9000=2|", o).reason, lax ? 13 : 0);
    // A group member outside its group, twice.
    EXPECT_EQ(order(std::string(kOrder) + "448=A|448=B|", o).reason, lax ? 13 : 2);
  }
  EXPECT_TRUE(order(std::string(kOrder) + "112=A|4999=1|9000=2|", lenient).ok());
}

TEST_F(ValidateTest, TheShapeCacheChecksExactlyTheValuesTheFullWalkChecks) {
  ValidationOptions o;
  o.allow_unknown_msg_fields = true;
  validator_ = std::make_unique<Validator>(dict_, o);
  // 803 (an INT group member) at the top level: let through unchecked by
  // the switch, so its value is not checked, the first time or later.
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(check(std::string(kOrder) + "803=not-a-number|").ok()) << i;
  EXPECT_EQ(validator_->shape_hits(), 2U);
}

TEST(DictionaryLoad, BadDictionariesAreRefusedWithTheReason) {
  auto err = [](std::string_view xml) {
    try {
      (void)Dictionary::parse(xml, "bad.xml");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(err("<fix major='4' minor='4'><fields><field number='1' name='A' type='NOPE'/>"
                "</fields><messages/></fix>")
                .find("unknown type \"NOPE\""),
            std::string::npos);
  EXPECT_NE(err("<fix major='4' minor='4'><fields><field number='1' name='A' type='STRING'/>"
                "</fields><messages><message name='X' msgtype='X'><field name='B' required='Y'/>"
                "</message></messages></fix>")
                .find("field B is not defined"),
            std::string::npos);
  EXPECT_NE(err("<fix major='4' minor='4'><fields><field number='1' name='A' type='STRING'/>"
                "</fields><messages><message name='X' msgtype='X'><group name='A' required='N'>"
                "<field name='A' required='N'/></group></message></messages></fix>")
                .find("not a NUMINGROUP"),
            std::string::npos);
  EXPECT_NE(err("<fix major='4' minor='4'><fields><field number='1' name='A' type='STRING'/>"
                "<field number='1' name='B' type='STRING'/></fields></fix>")
                .find("defined twice"),
            std::string::npos);
  EXPECT_NE(err("<fix").find("bad.xml: XML parse error"), std::string::npos);
}

}  // namespace
}  // namespace riskgate::dict
