// libFuzzer target: the socket-free order path (tests/support/route_harness).
//
// Each input gets a fresh RouteHarness (default config, exchange leg and both
// engines logged on), so a finding always reproduces from its one input.
//
// Input layout: byte 0 picks the mode and the split, the rest is traffic.
//   - bit 0 clear, raw mode: the traffic is bytes off the wire, fed as two
//     reads per leg (the unconsumed tail kept, as net::TcpConnection does),
//     so split frames are exercised. Seeds carry valid sequence numbers
//     and checksums.
//   - bit 0 set, message mode: the traffic is lines ('\n'); a line is the
//     MsgType character and a body ("11=C1|55=AAPL|...", '|' for SOH),
//     wrapped by the harness's peer with a correct header, MsgSeqNum and
//     CheckSum, so mutations reach session, translate and risk instead of
//     dying in the framer. A line "~" advances the clock one second and runs
//     every session's timers.
//   - bits 1-7: the first (byte0 >> 1) / 127 of the traffic is ENGINE1's,
//     the rest the exchange's (client first, then exchange): 0xFF is all
//     client, 0x00 all exchange.
//
// Invariants (abort on violation, so libFuzzer reports the input):
//   - no crash, no sanitizer finding;
//   - every send() to the exchange or to an engine is one whole FIX message
//     that frames and scans cleanly;
//   - every NewOrderSingle forwarded to the exchange has each risk-read tag
//     at most once and each required one exactly once, and translates
//     cleanly: risk checked exactly what the exchange reads (issue 10);
//   - nothing is sent to a leg after it was disconnected.
//
// Run locally (clang, -DRISKGATE_FUZZ=ON):
//   build-fuzz/tests/fuzz/fuzz_route -max_total_time=600 \
//     /tmp/corpus tests/fuzz/corpus/fuzz_route
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/route/translate.hpp"
#include "risk/types.hpp"
#include "tests/support/route_harness.hpp"

namespace {

using namespace riskgate;
namespace tag = codec::tag;

[[noreturn]] void fail(const char* what, std::string_view msg) {
  std::fprintf(stderr, "fuzz_route: invariant violated: %s\n  message: ", what);
  for (const char c : msg) std::fputc(c == codec::kSoh ? '|' : c, stderr);
  std::fputc('\n', stderr);
  std::abort();
}

void check(bool ok, const char* what, std::string_view msg = {}) {
  if (!ok) fail(what, msg);
}

// Loaded once: parsing the TOML per input would dominate the run. The
// preallocated tables are shrunk (the shipped sizes are tens of MB) so that a
// fresh harness per input stays cheap; an input sends far fewer orders than
// any of these, so no check sees a different table.
const config::Config& fuzz_config() {
  static const config::Config cfg = [] {
    config::Config c = testing::RouteHarness::default_config();
    c.gateway.max_working_orders = 1024;
    c.gateway.max_ended_orders = 1024;
    risk::Capacities& caps = c.risk.capacities;
    caps.max_parents = 1024;
    caps.max_open_orders = 1024;
    caps.max_cl_ord_ids = 1024;
    caps.max_account_symbols = 1024;
    caps.max_session_symbols = 1024;
    return c;
  }();
  return cfg;
}

std::size_t count_tag(const codec::Message& m, std::uint32_t t) {
  std::size_t n = 0;
  for (const codec::Field& f : m.fields()) n += f.tag == t ? 1 : 0;
  return n;
}

// One send() must be exactly one whole, valid FIX message.
void check_whole_message(std::string_view sent, codec::Message& m) {
  const codec::FrameResult fr = codec::frame(sent, sent.size() + 1);
  check(fr.status == codec::FrameStatus::kMessage && fr.consumed == sent.size(),
        "a send is one whole FIX message", sent);
  check(m.scan(sent) == codec::ScanError::kNone, "a sent message scans cleanly", sent);
}

void check_exchange_message(std::string_view sent, const route::TranslateConfig& tcfg) {
  static codec::Message m;  // 256 fields: keep it off the stack.
  check_whole_message(sent, m);
  const std::string_view type = m.msg_type();
  const bool order = type == codec::msgtype::kNewOrderSingle ||
                     type == codec::msgtype::kOrderCancelRequest ||
                     type == codec::msgtype::kOrderCancelReplaceRequest;
  if (!order) return;
  check(route::repeated_read_tag(m, tcfg) == 0, "forwarded order repeats a risk-read tag", sent);
  if (type == codec::msgtype::kNewOrderSingle) {
    for (const std::uint32_t t :
         {tag::kClOrdID, tag::kSymbol, tag::kSide, tag::kOrderQty, tag::kOrdType}) {
      check(count_tag(m, t) == 1, "forwarded NewOrderSingle lacks a required risk-read tag", sent);
    }
  }
  risk::OrderView view;
  check(route::translate_order(m, tcfg, view).bad_tag == 0,
        "forwarded order does not translate cleanly", sent);
}

void check_wires(testing::RouteHarness& h, const route::TranslateConfig& tcfg) {
  for (const std::string& sent : h.exchange_wire.sent) check_exchange_message(sent, tcfg);
  static codec::Message m;
  for (const std::string& sent : h.client_wire[0].sent) check_whole_message(sent, m);
}

// One leg of the harness as the fuzzer drives it.
struct Leg {
  bool exchange;
  std::string pending;  // Unconsumed tail, as net::TcpConnection keeps it.
  bool closed = false;
  std::size_t sends_at_close = 0;
};

session::Session& session_of(testing::RouteHarness& h, const Leg& leg) {
  return leg.exchange ? h.exchange() : h.client(0);
}
testing::FakeTransport& wire_of(testing::RouteHarness& h, const Leg& leg) {
  return leg.exchange ? h.exchange_wire : h.client_wire[0];
}

// Feeds bytes as one read; a transport disconnect closes the leg for good.
void feed(testing::RouteHarness& h, Leg& leg, std::string_view bytes) {
  if (leg.closed) return;
  leg.pending.append(bytes);
  const std::size_t used = session_of(h, leg).on_data(leg.pending);
  check(used <= leg.pending.size(), "on_data consumes at most its input");
  leg.pending.erase(0, used);
  if (wire_of(h, leg).disconnected) {
    session_of(h, leg).on_disconnected();
    leg.closed = true;
    leg.sends_at_close = wire_of(h, leg).sent.size();
  }
}

void run_timers(testing::RouteHarness& h, Leg& client, Leg& exchange) {
  h.clock.advance_ms(1000);
  for (Leg* leg : {&client, &exchange}) {
    if (leg->closed) continue;
    session_of(h, *leg).on_timer();
    feed(h, *leg, {});  // Picks up a disconnect the timer asked for.
  }
  h.client(1).on_timer();
}

void feed_raw(testing::RouteHarness& h, Leg& leg, std::string_view bytes) {
  const std::size_t half = bytes.size() / 2;
  feed(h, leg, bytes.substr(0, half));
  feed(h, leg, bytes.substr(half));
}

void feed_lines(testing::RouteHarness& h, Leg& leg, Leg& client, Leg& exchange,
                std::string_view text) {
  testing::Peer& peer = leg.exchange ? h.exchange_peer : h.client_peer[0];
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    if (line == "~") {
      run_timers(h, client, exchange);
      continue;
    }
    feed(h, leg, peer.make(line.substr(0, 1), line.substr(1)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 16384) return 0;
  const bool lines = (data[0] & 1) != 0;
  const std::string_view traffic(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = traffic.size() * (data[0] >> 1) / 127;

  testing::RouteHarness h(fuzz_config());
  h.log_on_all();
  route::TranslateConfig tcfg;
  tcfg.parent_id_tag = fuzz_config().risk.parent_child.parent_id_tag;
  tcfg.parent_qty_tag = fuzz_config().risk.parent_child.parent_qty_tag;

  Leg client{false, {}};
  Leg exchange{true, {}};
  const std::string_view to_client = traffic.substr(0, split);
  const std::string_view to_exchange = traffic.substr(split);
  if (lines) {
    feed_lines(h, client, client, exchange, to_client);
    feed_lines(h, exchange, client, exchange, to_exchange);
  } else {
    feed_raw(h, client, to_client);
    feed_raw(h, exchange, to_exchange);
  }

  check_wires(h, tcfg);
  if (exchange.closed)
    check(h.exchange_wire.sent.size() == exchange.sends_at_close,
          "sent to the exchange after its leg was disconnected");
  if (client.closed)
    check(h.client_wire[0].sent.size() == client.sends_at_close,
          "sent to ENGINE1 after its leg was disconnected");
  return 0;
}
