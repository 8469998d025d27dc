// rg-responder: the lean exchange at the far end of every benchmarked path.
//
// A FIX 4.4 acceptor on riskgate's codec that answers each NewOrderSingle at
// once with an ExecutionReport ack (35=8 150=0 39=0), then, by --close, with a
// second report that ends the order (IOC cancel 150=4 by default, or a full
// fill), so a gateway that tracks open orders and exposure stays in steady
// state for any run length. --close none leaves every order resting; --close
// ioc ends only orders with TimeInForce=3 (IOC), as an exchange would, and
// leaves the others resting (the kill benchmark, rg-killbench).
// OrderCancelRequests are ignored, or with --on-cancel ack answered with a
// Canceled report (150=4 39=4). --event-log records the arrival time of every
// NewOrderSingle and OrderCancelRequest (see below). Every answer to one read
// is batched into one write. One connection at a time; after it closes the
// next one is accepted.
//
// It blocks in recv() (no spinning): on a 2-core machine the path under test
// needs the CPU more than the exchange stand-in does, and every path pays the
// same wake-up.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <string>

#include "bench/e2e/fix_link.hpp"
#include "gateway/codec/tags.hpp"

namespace rb = riskgate::bench;
namespace codec = riskgate::codec;
namespace tag = riskgate::codec::tag;

namespace {
enum class Close { kNone, kCancel, kFill, kIoc };
}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string close_mode = "cancel";
  std::string port_file;
  bool verbose = false;
  std::string on_cancel = "ignore";
  std::string event_log_path;
  CLI::App app{"rg-responder: FIX 4.4 acceptor that acks every NewOrderSingle at once"};
  app.add_option("--host", host);
  app.add_option("--port", port, "0: ephemeral (see --port-file)");
  app.add_option("--close", close_mode,
                 "second report per order: none, cancel (IOC), fill, or ioc (cancel only the "
                 "orders with TimeInForce=3; the others rest)")
      ->check(CLI::IsMember({"none", "cancel", "fill", "ioc"}));
  app.add_option("--on-cancel", on_cancel,
                 "OrderCancelRequest: ignore, or ack (ExecutionReport 150=4 39=4)")
      ->check(CLI::IsMember({"ignore", "ack"}));
  app.add_option("--event-log", event_log_path,
                 "append one line per NewOrderSingle (D <mono_ns> <ClOrdID>) and "
                 "OrderCancelRequest (F <mono_ns> <ClOrdID> <OrigClOrdID>); mono_ns is the "
                 "kernel receive time on CLOCK_MONOTONIC");
  app.add_option("--port-file", port_file, "write the bound port here once listening");
  app.add_flag("--verbose", verbose);
  CLI11_PARSE(app, argc, argv);
  const Close close = close_mode == "none"   ? Close::kNone
                      : close_mode == "fill" ? Close::kFill
                      : close_mode == "ioc"  ? Close::kIoc
                                             : Close::kCancel;
  const bool ack_cancels = on_cancel == "ack";
  // The event log is written from the receive loop and flushed after every
  // read, before that read's answers go out: a peer that has seen an answer
  // finds the line in the file. Times are the kernel's receive timestamps of
  // the bytes (SO_TIMESTAMPNS), so this process's own scheduling is not
  // charged to the sender.
  FILE* event_log = nullptr;
  if (!event_log_path.empty()) {
    event_log = std::fopen(event_log_path.c_str(), "a");
    if (event_log == nullptr) {
      std::cerr << "rg-responder: cannot open " << event_log_path << "\n";
      return 1;
    }
    static char log_buf[1 << 20];
    std::setvbuf(event_log, log_buf, _IOFBF, sizeof log_buf);
  }

  // Stopped by SIGTERM (default action) from the suite; no state to save.
  std::signal(SIGPIPE, SIG_IGN);

  int lfd = -1;
  std::uint16_t bound = 0;
  try {
    lfd = rb::listen_tcp(host, port, &bound);
  } catch (const std::exception& e) {
    std::cerr << "rg-responder: " << e.what() << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    FILE* f = std::fopen(port_file.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%u\n", bound);
      std::fclose(f);
    }
  }
  std::cout << "rg-responder listening on " << host << ":" << bound << std::endl;

  std::uint64_t order_id = 0;
  char body_buf[1024];
  char num_buf[32];
  for (;;) {
    const int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    rb::set_nodelay(fd);
    rb::FixLink link(fd, "FIX.4.4", "EXCHANGE", "RISKGATE");
    if (event_log != nullptr) link.enable_rx_timestamps();
    std::uint64_t orders = 0;
    bool open = true;
    auto on_message = [&](const codec::Message& m) {
      const auto type = m.msg_type();
      if (type == codec::msgtype::kNewOrderSingle) {
        ++orders;
        if (event_log != nullptr) {
          const auto id = m.get(tag::kClOrdID);
          std::fprintf(event_log, "D %lld %.*s\n", static_cast<long long>(link.last_recv_mono()),
                       static_cast<int>(id.size()), id.data());
        }
        const auto qty = m.get(tag::kOrderQty);
        const auto px = m.get(tag::kPrice);
        const auto oid_end = std::to_chars(num_buf, num_buf + sizeof num_buf, ++order_id).ptr;
        const std::string_view oid(num_buf, static_cast<std::size_t>(oid_end - num_buf));
        codec::BodyBuilder b(body_buf);
        b.add(tag::kOrderID, oid);
        b.add(tag::kExecID, oid);
        b.add(tag::kClOrdID, m.get(tag::kClOrdID));
        if (m.has(tag::kAccount)) b.add(tag::kAccount, m.get(tag::kAccount));
        b.add(tag::kExecType, "0");
        b.add(tag::kOrdStatus, "0");
        b.add(tag::kSymbol, m.get(tag::kSymbol));
        b.add(tag::kSide, m.get(tag::kSide));
        b.add(tag::kOrderQty, qty);
        if (!px.empty()) b.add(tag::kPrice, px);
        b.add(tag::kLeavesQty, qty);
        b.add(tag::kCumQty, "0");
        b.add(tag::kAvgPx, "0");
        if (!link.send(codec::msgtype::kExecutionReport, b.view(), false)) open = false;
        if (close == Close::kNone) return;
        if (close == Close::kIoc && m.get(tag::kTimeInForce) != "3") return;
        codec::BodyBuilder c(body_buf);
        c.add(tag::kOrderID, oid);
        c.add(tag::kClOrdID, m.get(tag::kClOrdID));
        if (m.has(tag::kAccount)) c.add(tag::kAccount, m.get(tag::kAccount));
        c.add(tag::kSymbol, m.get(tag::kSymbol));
        c.add(tag::kSide, m.get(tag::kSide));
        c.add(tag::kOrderQty, qty);
        if (!px.empty()) c.add(tag::kPrice, px);
        c.add(tag::kLeavesQty, "0");
        if (close == Close::kFill) {
          c.add(tag::kExecID, "F");
          c.add(tag::kExecType, "F");
          c.add(tag::kOrdStatus, "2");
          c.add(tag::kLastQty, qty);
          c.add(tag::kLastPx, px.empty() ? "0" : px);
          c.add(tag::kCumQty, qty);
          c.add(tag::kAvgPx, px.empty() ? "0" : px);
        } else {
          c.add(tag::kExecID, "C");
          c.add(tag::kExecType, "4");
          c.add(tag::kOrdStatus, "4");
          c.add(tag::kCumQty, "0");
          c.add(tag::kAvgPx, "0");
        }
        if (!link.send(codec::msgtype::kExecutionReport, c.view(), false)) open = false;
      } else if (type == codec::msgtype::kOrderCancelRequest) {
        const auto id = m.get(tag::kClOrdID);
        const auto orig = m.get(tag::kOrigClOrdID);
        if (event_log != nullptr) {
          std::fprintf(event_log, "F %lld %.*s %.*s\n",
                       static_cast<long long>(link.last_recv_mono()), static_cast<int>(id.size()),
                       id.data(), static_cast<int>(orig.size()), orig.data());
        }
        if (!ack_cancels) return;
        // Stateless: every cancel is confirmed, whether or not the order is
        // still open here (the stub keeps no order book).
        const auto oid_end = std::to_chars(num_buf, num_buf + sizeof num_buf, ++order_id).ptr;
        const std::string_view oid(num_buf, static_cast<std::size_t>(oid_end - num_buf));
        codec::BodyBuilder c(body_buf);
        c.add(tag::kOrderID, oid);
        c.add(tag::kExecID, oid);
        c.add(tag::kClOrdID, id);
        c.add(tag::kOrigClOrdID, orig);
        if (m.has(tag::kAccount)) c.add(tag::kAccount, m.get(tag::kAccount));
        c.add(tag::kExecType, "4");
        c.add(tag::kOrdStatus, "4");
        c.add(tag::kSymbol, m.get(tag::kSymbol));
        c.add(tag::kSide, m.get(tag::kSide));
        if (m.has(tag::kOrderQty)) c.add(tag::kOrderQty, m.get(tag::kOrderQty));
        c.add(tag::kLeavesQty, "0");
        c.add(tag::kCumQty, "0");
        c.add(tag::kAvgPx, "0");
        if (!link.send(codec::msgtype::kExecutionReport, c.view(), false)) open = false;
      } else if (type == codec::msgtype::kLogon) {
        // Answer as whoever the peer addressed, to whoever it is.
        link.set_comp_ids(std::string(m.get(tag::kTargetCompID)),
                          std::string(m.get(tag::kSenderCompID)));
        if (m.get(tag::kResetSeqNumFlag) == "Y") link.reset_seq(1);
        codec::BodyBuilder b(body_buf);
        b.add(tag::kEncryptMethod, "0");
        b.add(tag::kHeartBtInt, m.has(tag::kHeartBtInt) ? m.get(tag::kHeartBtInt) : "30");
        if (m.get(tag::kResetSeqNumFlag) == "Y") b.add(tag::kResetSeqNumFlag, "Y");
        if (!link.send(codec::msgtype::kLogon, b.view(), false)) open = false;
        if (verbose)
          std::cout << "rg-responder: logon from " << m.get(tag::kSenderCompID) << std::endl;
      } else if (type == codec::msgtype::kTestRequest) {
        codec::BodyBuilder b(body_buf);
        b.add(tag::kTestReqID, m.get(tag::kTestReqID));
        if (!link.send(codec::msgtype::kHeartbeat, b.view(), false)) open = false;
      } else if (type == codec::msgtype::kLogout) {
        (void)link.send(codec::msgtype::kLogout, {}, false);
        open = false;
      } else if (type == codec::msgtype::kResendRequest) {
        // Nothing is stored: gap-fill whatever was asked for up to now.
        codec::BodyBuilder b(body_buf);
        b.add(tag::kGapFillFlag, "Y");
        b.add_int(tag::kNewSeqNo, static_cast<std::int64_t>(link.messages_sent() + 2));
        (void)link.send(codec::msgtype::kSequenceReset, b.view(), false);
      }
    };
    // Blocking socket: the responder sleeps in recv() between messages, and
    // a slow reader pushes back on its flush (never the reverse: the
    // generators and proxies never block on a write).
    while (open) {
      const bool ok = link.poll_messages(on_message);
      if (event_log != nullptr) std::fflush(event_log);
      if (!link.flush() || !ok) break;
    }
    if (verbose)
      std::cout << "rg-responder: connection closed after " << orders << " orders" << std::endl;
  }
}
