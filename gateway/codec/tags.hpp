// FIX tag numbers and enumerated values used by riskgate (FIX 4.2 / 4.4).
#pragma once

#include <cstdint>
#include <string_view>

namespace riskgate::codec::tag {
inline constexpr std::uint32_t kAccount = 1;
inline constexpr std::uint32_t kAvgPx = 6;
inline constexpr std::uint32_t kBeginSeqNo = 7;
inline constexpr std::uint32_t kBeginString = 8;
inline constexpr std::uint32_t kBodyLength = 9;
inline constexpr std::uint32_t kCheckSum = 10;
inline constexpr std::uint32_t kClOrdID = 11;
inline constexpr std::uint32_t kCumQty = 14;
inline constexpr std::uint32_t kEndSeqNo = 16;
inline constexpr std::uint32_t kExecID = 17;
inline constexpr std::uint32_t kExecTransType = 20;  // FIX 4.2 only
inline constexpr std::uint32_t kHandlInst = 21;
inline constexpr std::uint32_t kLastPx = 31;
inline constexpr std::uint32_t kLastQty = 32;  // LastShares in 4.2
inline constexpr std::uint32_t kMsgSeqNum = 34;
inline constexpr std::uint32_t kMsgType = 35;
inline constexpr std::uint32_t kNewSeqNo = 36;
inline constexpr std::uint32_t kOrderID = 37;
inline constexpr std::uint32_t kOrderQty = 38;
inline constexpr std::uint32_t kOrdStatus = 39;
inline constexpr std::uint32_t kOrdType = 40;
inline constexpr std::uint32_t kOrigClOrdID = 41;
inline constexpr std::uint32_t kPossDupFlag = 43;
inline constexpr std::uint32_t kPrice = 44;
inline constexpr std::uint32_t kRefSeqNum = 45;
inline constexpr std::uint32_t kSenderCompID = 49;
inline constexpr std::uint32_t kSenderSubID = 50;
inline constexpr std::uint32_t kSendingTime = 52;
inline constexpr std::uint32_t kSide = 54;
inline constexpr std::uint32_t kSymbol = 55;
inline constexpr std::uint32_t kTargetCompID = 56;
inline constexpr std::uint32_t kText = 58;
inline constexpr std::uint32_t kTimeInForce = 59;
inline constexpr std::uint32_t kTransactTime = 60;
inline constexpr std::uint32_t kEncryptMethod = 98;
inline constexpr std::uint32_t kCxlRejReason = 102;
inline constexpr std::uint32_t kOrdRejReason = 103;
inline constexpr std::uint32_t kHeartBtInt = 108;
inline constexpr std::uint32_t kTestReqID = 112;
inline constexpr std::uint32_t kOrigSendingTime = 122;
inline constexpr std::uint32_t kGapFillFlag = 123;
inline constexpr std::uint32_t kResetSeqNumFlag = 141;
inline constexpr std::uint32_t kExecType = 150;
inline constexpr std::uint32_t kLeavesQty = 151;
inline constexpr std::uint32_t kPossResend = 97;
inline constexpr std::uint32_t kRefTagID = 371;
inline constexpr std::uint32_t kRefMsgType = 372;
inline constexpr std::uint32_t kSessionRejectReason = 373;
inline constexpr std::uint32_t kBusinessRejectRefID = 379;
inline constexpr std::uint32_t kBusinessRejectReason = 380;
inline constexpr std::uint32_t kCxlRejResponseTo = 434;
inline constexpr std::uint32_t kMassCancelRequestType = 530;
inline constexpr std::uint32_t kMassCancelResponse = 531;  // 0 = the request was rejected.
inline constexpr std::uint32_t kMassStatusReqID = 584;  // OrderMassStatusRequest and its reports.
inline constexpr std::uint32_t kMassStatusReqType = 585;
inline constexpr std::uint32_t kTotNumReports = 911;
inline constexpr std::uint32_t kLastRptRequested = 912;
inline constexpr std::uint32_t kRawDataLength = 95;  // Logon: an engine's release attestation.
inline constexpr std::uint32_t kRawData = 96;
inline constexpr std::uint32_t kUsername = 553;  // Logon (FIX 4.3+): engine credentials.
inline constexpr std::uint32_t kPassword = 554;
inline constexpr std::uint32_t kNextExpectedMsgSeqNum = 789;
inline constexpr std::uint32_t kApplicationSystemName = 1603;
inline constexpr std::uint32_t kTradingSystemVersion = 1604;
inline constexpr std::uint32_t kApplicationSystemVendor = 1605;
}  // namespace riskgate::codec::tag

namespace riskgate::codec::msgtype {
inline constexpr std::string_view kHeartbeat = "0";
inline constexpr std::string_view kTestRequest = "1";
inline constexpr std::string_view kResendRequest = "2";
inline constexpr std::string_view kReject = "3";
inline constexpr std::string_view kSequenceReset = "4";
inline constexpr std::string_view kLogout = "5";
inline constexpr std::string_view kExecutionReport = "8";
inline constexpr std::string_view kOrderCancelReject = "9";
inline constexpr std::string_view kLogon = "A";
inline constexpr std::string_view kNewOrderSingle = "D";
inline constexpr std::string_view kOrderCancelRequest = "F";
inline constexpr std::string_view kOrderCancelReplaceRequest = "G";
inline constexpr std::string_view kOrderStatusRequest = "H";
inline constexpr std::string_view kBusinessMessageReject = "j";
inline constexpr std::string_view kOrderMassCancelRequest = "q";
inline constexpr std::string_view kOrderMassCancelReport = "r";
inline constexpr std::string_view kOrderMassStatusRequest = "AF";

// Session-level (admin) messages per the FIX session layer.
[[nodiscard]] constexpr bool is_admin(std::string_view t) noexcept {
  return t.size() == 1 && (t[0] == '0' || t[0] == '1' || t[0] == '2' || t[0] == '3' ||
                           t[0] == '4' || t[0] == '5' || t[0] == 'A');
}
}  // namespace riskgate::codec::msgtype

// SessionRejectReason (373) values.
namespace riskgate::codec::reject_reason {
inline constexpr int kInvalidTagNumber = 0;
inline constexpr int kRequiredTagMissing = 1;
inline constexpr int kTagNotDefinedForMsgType = 2;
inline constexpr int kUndefinedTag = 3;
inline constexpr int kTagWithoutValue = 4;
inline constexpr int kValueIncorrect = 5;
inline constexpr int kIncorrectDataFormat = 6;
inline constexpr int kCompIdProblem = 9;
inline constexpr int kSendingTimeAccuracy = 10;
inline constexpr int kInvalidMsgType = 11;
inline constexpr int kTagAppearsMoreThanOnce = 13;
inline constexpr int kTagOutOfOrder = 14;
inline constexpr int kOther = 99;
}  // namespace riskgate::codec::reject_reason
