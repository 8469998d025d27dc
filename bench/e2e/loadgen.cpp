// rg-loadgen: open-loop FIX order generator and round-trip latency recorder.
//
// Method (why the numbers can be trusted):
// - Open loop. Order i is due at start + i / rate, whatever happened to order
//   i-1. When the generator falls behind (the path under test pushed back, the
//   OS descheduled us), late orders go out at once, back to back, and their
//   latency is still measured from the time they were DUE. A stall therefore
//   shows up in every order it delayed, not just in the one that hit it
//   (coordinated omission, Gil Tene).
// - Latency = time the acknowledging ExecutionReport was read off the socket
//   minus the order's intended send time, both CLOCK_MONOTONIC. The intended
//   time is recomputed from the order index carried in the ClOrdID, so nothing
//   is stored per order but a state byte and the actual send time (for the
//   uncorrected "service time", reported beside it).
// - The ack time is the kernel's receive timestamp of the bytes that carried it
//   (SO_TIMESTAMPNS), not the time our thread got round to reading them, so
//   the generator's own wake-up latency is not charged to the path. (With
//   --no-kernel-rx-time: the time read() returned.)
// - Orders due during the warm-up are sent and answered but not recorded.
// - Two threads. The sender sleeps (clock_nanosleep) until --spin-us before
//   the next due order and spins on the clock (no syscall) for the rest, so
//   it neither eats the core the path under test needs nor sends late
//   because of a timer; orders due together leave in one write. The receiver
//   sleeps in recv() and records.
//
// Output: one JSON object line on stdout (and appended to --json-out), and a
// CSV row appended to --csv-out.
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/e2e/fix_link.hpp"
#include "bench/e2e/histogram.hpp"
#include "gateway/codec/tags.hpp"

namespace rb = riskgate::bench;
namespace codec = riskgate::codec;
namespace tag = riskgate::codec::tag;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  double rate = 10'000;
  double duration_s = 5;
  double warmup_s = 2;
  double drain_s = 2;     // After the last order: wait this long for answers.
  double settle_s = 0.3;  // After Logon, before the clock starts.
  std::string sender = "ENGINE1";
  std::string target = "RISKGATE";
  std::string account = "ACC1";
  std::string symbol = "AAPL";
  std::string price = "190.00";
  std::int64_t qty = 100;
  int qty_spread = 97;   // qty + (i % qty_spread): orders are not all identical.
  int price_ticks = 11;  // price + (i % price_ticks) * 0.01.
  std::string label = "run";
  std::string json_out;
  std::string csv_out;
  int heartbeat_s = 30;
  int spin_us = 30;
  bool busy = false;           // Never sleep.
  bool kernel_rx_time = true;  // Ack time = kernel receive timestamp.
  int connect_timeout_ms = 10'000;
  std::vector<std::string> meta;  // KEY=VALUE pairs copied into the JSON line.
  double p99_bound_us = 1000;     // For the "pass" verdict (max-rate search).
};

enum : std::uint8_t { kUnsent = 0, kSent = 1, kAcked = 2, kRejected = 3 };

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

nlohmann::json summary(const rb::LatencyHistogram& h) {
  return {{"count", h.count()},
          {"min_us", us(h.min())},
          {"p50_us", us(h.percentile(50))},
          {"p90_us", us(h.percentile(90))},
          {"p99_us", us(h.percentile(99))},
          {"p999_us", us(h.percentile(99.9))},
          {"p9999_us", us(h.percentile(99.99))},
          {"max_us", us(h.max())},
          {"mean_us", h.mean() / 1000.0}};
}

// Percentile curve for the plot: points evenly spaced in log10(1/(1-p)), the
// HdrHistogram percentile-distribution x axis, up to the resolution the
// sample supports, plus the max.
nlohmann::json curve(const rb::LatencyHistogram& h) {
  nlohmann::json pts = nlohmann::json::array();
  if (h.count() == 0) return pts;
  const double top = std::log10(static_cast<double>(h.count()));
  for (double x = 0; x <= top + 1e-9; x += 0.05) {
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    pts.push_back({p, us(h.percentile(p))});
  }
  pts.push_back({100.0, us(h.max())});
  return pts;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "rg-loadgen: open-loop FIX NewOrderSingle generator, latency from intended send time"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--rate", o.rate, "orders per second (open loop)")->check(CLI::PositiveNumber);
  app.add_option("--duration", o.duration_s, "measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup_s, "seconds sent before measuring")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain", o.drain_s,
                 "seconds to wait for answers after the last order; unanswered = timeout");
  app.add_option("--settle", o.settle_s, "seconds between Logon and the first order");
  app.add_option("--sender", o.sender, "our SenderCompID");
  app.add_option("--target", o.target, "our TargetCompID");
  app.add_option("--account", o.account);
  app.add_option("--symbol", o.symbol);
  app.add_option("--price", o.price, "base limit price");
  app.add_option("--qty", o.qty, "base quantity");
  app.add_option("--qty-spread", o.qty_spread, "order i has qty + i % N (N >= 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--price-ticks", o.price_ticks, "order i has price + (i % N) * 0.01")
      ->check(CLI::PositiveNumber);
  app.add_option("--label", o.label, "run label (path name) copied to the output");
  app.add_option("--json-out", o.json_out, "append the JSON result line to this file");
  app.add_option("--csv-out", o.csv_out, "append a CSV row to this file (header if new)");
  app.add_option("--heartbeat", o.heartbeat_s, "HeartBtInt we announce");
  app.add_option("--spin-us", o.spin_us, "spin (not sleep) this long before each due order");
  app.add_flag("--busy", o.busy, "sender never sleeps: spins on the clock between orders");
  app.add_option("--connect-timeout-ms", o.connect_timeout_ms);
  app.add_flag("!--no-kernel-rx-time", o.kernel_rx_time,
               "timestamp acks when read() returns instead of when they reached the socket");
  app.add_option("--meta", o.meta, "KEY=VALUE added to the JSON line (repeatable)");
  app.add_option("--p99-bound-us", o.p99_bound_us,
                 "\"pass\" in the output: p99 <= this, achieved >= 99% of offered, every order "
                 "acked");
  CLI11_PARSE(app, argc, argv);

  // ppoll's default 50 us timer slack would make every sleep late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  std::int64_t price_micro = 0;
  if (!codec::parse_fixed6(o.price, price_micro)) {
    std::cerr << "rg-loadgen: bad --price " << o.price << "\n";
    return 2;
  }

  int fd = -1;
  try {
    fd = rb::connect_tcp(o.host, o.port, o.connect_timeout_ms);
  } catch (const std::exception& e) {
    std::cerr << "rg-loadgen: " << e.what() << "\n";
    return 1;
  }
  rb::FixLink link(fd, "FIX.4.4", o.sender, o.target, /*nonblocking_send=*/true);

  // --- Shared state ----------------------------------------------------------
  // Two threads: this one paces and sends (it sleeps, then spins on the clock
  // with no syscall, until each order is due); the receiver sleeps in recv()
  // and timestamps each read as it wakes, so an ack is never read late
  // because the sender was busy. Per order, the sender writes sent_at[i] and
  // then state[i] = kSent (release) before the order can leave; the receiver
  // loads state[i] (acquire) when the ack arrives, so sent_at[i] is visible.
  const auto rate_per_ns = o.rate / 1e9;
  const auto total = static_cast<std::uint64_t>(std::llround(o.rate * (o.warmup_s + o.duration_s)));
  const auto warm_count = static_cast<std::uint64_t>(std::llround(o.rate * o.warmup_s));
  std::vector<std::atomic<std::uint8_t>> state(total);
  std::vector<std::int64_t> sent_at(total, 0);
  for (auto& s : state) s.store(kUnsent, std::memory_order_relaxed);
  auto hist = std::make_unique<rb::LatencyHistogram>();      // ack - intended
  auto service = std::make_unique<rb::LatencyHistogram>();   // ack - actual send
  auto rej_hist = std::make_unique<rb::LatencyHistogram>();  // reject - intended
  // The run's t0: stored before the first state[] release, read by the
  // receiver after an acquire of state[idx], so it is visible there.
  std::atomic<std::int64_t> start{0};
  auto intended = [&](std::uint64_t i, std::int64_t t0) {
    return t0 + static_cast<std::int64_t>(static_cast<double>(i) / rate_per_ns);
  };

  // Receiver-only counters (read by this thread after join()).
  std::uint64_t acks = 0, rejects = 0, warm_acks = 0, warm_rejects = 0, other_reports = 0,
                session_rejects = 0, business_rejects = 0, unknown_ids = 0, duplicates = 0,
                test_requests = 0;
  std::int64_t last_response = 0;
  std::string logout_text, first_reject_text;
  // Receiver -> sender signals. responded: relaxed, a progress counter for the
  // drain wait only. logged_on / logged_out: release by the receiver, acquire
  // here, so logout_text is complete when logged_out is seen.
  std::atomic<std::uint64_t> responded{0};
  std::atomic<bool> logged_on{false}, logged_out{false}, receiver_done{false};
  // TestRequest ids to answer: rare, so a mutex is fine (not on the order path).
  std::mutex test_req_mutex;
  std::vector<std::string> test_req_ids;
  std::atomic<bool> test_req_pending{false};  // release/acquire around test_req_ids

  auto on_message = [&](const codec::Message& m) {
    const auto type = m.msg_type();
    if (type == codec::msgtype::kExecutionReport) {
      const auto exec_type = m.get(tag::kExecType);
      const bool ack = exec_type == "0";
      const bool rej = exec_type == "8";
      if (!ack && !rej) {
        ++other_reports;  // the responder's follow-up cancel/fill
        return;
      }
      std::uint64_t idx = 0;
      if (!rb::index_from_clordid(m.get(tag::kClOrdID), idx) || idx >= total) {
        ++unknown_ids;
        return;
      }
      if (state[idx].load(std::memory_order_acquire) != kSent) {
        ++duplicates;
        return;
      }
      state[idx].store(ack ? kAcked : kRejected, std::memory_order_relaxed);
      responded.fetch_add(1, std::memory_order_relaxed);
      const std::int64_t now = link.last_recv_mono();
      if (idx < warm_count) {
        (ack ? warm_acks : warm_rejects)++;
        return;
      }
      last_response = now;
      const std::int64_t due = intended(idx, start.load(std::memory_order_relaxed));
      const auto lat = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - due));
      if (ack) {
        ++acks;
        hist->record(lat);
        service->record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - sent_at[idx])));
      } else {
        ++rejects;
        rej_hist->record(lat);
        if (first_reject_text.empty()) first_reject_text = std::string(m.get(tag::kText));
      }
    } else if (type == codec::msgtype::kTestRequest) {
      ++test_requests;
      std::lock_guard<std::mutex> lock(test_req_mutex);
      test_req_ids.emplace_back(m.get(tag::kTestReqID));
      test_req_pending.store(true, std::memory_order_release);
    } else if (type == codec::msgtype::kLogon) {
      logged_on.store(true, std::memory_order_release);
    } else if (type == codec::msgtype::kLogout) {
      logout_text = std::string(m.get(tag::kText));
      logged_out.store(true, std::memory_order_release);
    } else if (type == codec::msgtype::kReject) {
      ++session_rejects;
      if (first_reject_text.empty()) first_reject_text = "35=3: " + std::string(m.get(tag::kText));
    } else if (type == codec::msgtype::kBusinessMessageReject) {
      ++business_rejects;
      if (first_reject_text.empty()) first_reject_text = "35=j: " + std::string(m.get(tag::kText));
    }
  };

  // The socket blocks (the receiver sleeps in recv); sends use MSG_DONTWAIT.
  rb::set_nonblocking(fd, false);
  if (o.kernel_rx_time) link.enable_rx_timestamps();
  std::thread receiver([&] {
    while (!logged_out.load(std::memory_order_relaxed) && link.poll_messages(on_message)) {
    }
    receiver_done.store(true, std::memory_order_release);
  });
  auto stop_receiver = [&] {
    // Unblocks recv() if the peer never closes; harmless if it did.
    shutdown(fd, SHUT_RDWR);
    receiver.join();
  };

  char body_buf[512];
  auto answer_test_requests = [&] {
    if (!test_req_pending.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(test_req_mutex);
    for (const auto& id : test_req_ids) {
      codec::BodyBuilder hb(body_buf);
      hb.add(tag::kTestReqID, id);
      (void)link.send(codec::msgtype::kHeartbeat, hb.view());
    }
    test_req_ids.clear();
    test_req_pending.store(false, std::memory_order_relaxed);
  };

  // --- Logon -----------------------------------------------------------------
  {
    codec::BodyBuilder b(body_buf);
    b.add_int(tag::kEncryptMethod, 0);
    b.add_int(tag::kHeartBtInt, o.heartbeat_s);
    b.add(tag::kResetSeqNumFlag, "Y");
    if (!link.send(codec::msgtype::kLogon, b.view())) {
      std::cerr << "rg-loadgen: cannot send Logon: " << link.tx_error() << "\n";
      stop_receiver();
      return 1;
    }
  }
  const auto logon_deadline = rb::mono_ns() + std::int64_t{o.connect_timeout_ms} * 1'000'000;
  while (!logged_on.load(std::memory_order_acquire)) {
    if (receiver_done.load(std::memory_order_acquire) || rb::mono_ns() > logon_deadline) {
      stop_receiver();
      std::cerr << "rg-loadgen: no Logon answer from " << o.host << ":" << o.port << " ("
                << (logged_out.load() ? "Logout: " + logout_text : link.rx_error()) << ")\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Let the path finish its own setup (e.g. the gateway's exchange leg).
  const auto settle_until = rb::mono_ns() + static_cast<std::int64_t>(o.settle_s * 1e9);
  while (rb::mono_ns() < settle_until && !receiver_done.load(std::memory_order_acquire)) {
    answer_test_requests();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  // --- Open-loop run ---------------------------------------------------------
  const std::string id_prefix = rb::run_nonce();
  char id_buf[64];
  std::copy(id_prefix.begin(), id_prefix.end(), id_buf);
  char ts_buf[32];
  std::uint64_t next = 0;
  bool failed = false;
  std::uint64_t tx_stalls = 0;  // times the outbound buffer was full
  // How late the generator itself sent (measured orders only): large values
  // mean the load generator was descheduled, which the corrected latency
  // rightly charges to the path, but a reader should know.
  std::int64_t max_send_lag = 0;
  std::uint64_t late_sends = 0;  // sent > 100 us after their intended time
  const auto steal_start = rb::steal_and_total_ticks();
  const std::int64_t t0 = rb::mono_ns() + 1'000'000;
  start.store(t0, std::memory_order_relaxed);  // published by the release on state[0]
  const std::int64_t heartbeat_ns = std::int64_t{o.heartbeat_s} * 1'000'000'000;
  const std::int64_t spin_ns = std::int64_t{o.spin_us} * 1000;

  // A path that stops reading (saturated, or wedged) must not hang the suite:
  // give up this long after the last order was due, and report it.
  const std::int64_t give_up_at =
      intended(total == 0 ? 0 : total - 1, t0) + static_cast<std::int64_t>(o.drain_s * 1e9);
  bool saturated = false;
  while (next < total && !failed) {
    if (receiver_done.load(std::memory_order_acquire)) break;
    const std::int64_t due = intended(next, t0);
    std::int64_t now = rb::mono_ns();
    if (now > give_up_at) {
      saturated = true;
      break;
    }
    if (!o.busy && due - now > spin_ns) {
      const std::int64_t wake = due - spin_ns;
      timespec ts{wake / 1'000'000'000, wake % 1'000'000'000};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
    while ((now = rb::mono_ns()) < due) {
      // Spin on the clock only: no syscall, so the path under test keeps the CPU
      // it needs; the receiver thread reads acks meanwhile.
    }
    // Send everything that is due, in one write.
    while (next < total && intended(next, t0) <= now) {
      if (link.tx_free() < 1024) {
        ++tx_stalls;
        break;
      }
      const auto idn = std::to_chars(id_buf + id_prefix.size(), id_buf + sizeof id_buf, next).ptr;
      codec::BodyBuilder ob(body_buf);
      ob.add(tag::kClOrdID, std::string_view(id_buf, static_cast<std::size_t>(idn - id_buf)));
      ob.add(tag::kAccount, o.account);
      ob.add(tag::kHandlInst, "1");
      ob.add(tag::kSymbol, o.symbol);
      ob.add(tag::kSide, next % 2 == 0 ? "1" : "2");
      ob.add_int(tag::kOrderQty, o.qty + static_cast<std::int64_t>(
                                             next % static_cast<std::uint64_t>(o.qty_spread)));
      ob.add(tag::kOrdType, "2");
      ob.add_fixed6(
          tag::kPrice,
          price_micro +
              static_cast<std::int64_t>(next % static_cast<std::uint64_t>(o.price_ticks)) * 10'000);
      ob.add(tag::kTimeInForce, "3");  // IOC: the responder may close it at once
      ob.add(tag::kTransactTime, rb::utc_now(ts_buf));
      sent_at[next] = now;
      state[next].store(kSent, std::memory_order_release);
      if (!link.send(codec::msgtype::kNewOrderSingle, ob.view(), false)) {
        failed = true;
        break;
      }
      if (next >= warm_count) {
        const std::int64_t lag = now - intended(next, t0);
        max_send_lag = std::max(max_send_lag, lag);
        late_sends += lag > 100'000;
      }
      ++next;
    }
    if (!link.flush()) failed = true;
    answer_test_requests();
    if (now - link.last_send_mono() > heartbeat_ns) (void)link.send(codec::msgtype::kHeartbeat, {});
  }
  // Drain: finish writing, then wait for the answers.
  const std::int64_t drain_deadline = rb::mono_ns() + static_cast<std::int64_t>(o.drain_s * 1e9);
  while (!failed && !receiver_done.load(std::memory_order_acquire) &&
         rb::mono_ns() < drain_deadline) {
    if (link.tx_pending() > 0 && !link.flush()) failed = true;
    answer_test_requests();
    if (link.tx_pending() == 0 && responded.load(std::memory_order_relaxed) >= next) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const std::int64_t end_time = rb::mono_ns();
  const auto steal_end = rb::steal_and_total_ticks();
  const auto total_ticks = steal_end.second - steal_start.second;
  const double steal_pct = total_ticks == 0
                               ? 0.0
                               : 100.0 * static_cast<double>(steal_end.first - steal_start.first) /
                                     static_cast<double>(total_ticks);

  // Polite Logout; the receiver ends on the answer (or on the shutdown below).
  if (!failed && !receiver_done.load(std::memory_order_acquire)) {
    (void)link.send(codec::msgtype::kLogout, {});
    const auto until = rb::mono_ns() + 500'000'000;
    while (!receiver_done.load(std::memory_order_acquire) && rb::mono_ns() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  stop_receiver();
  // A receive-side end (peer closed, peer's Logout) is an error only if it
  // came before every order was sent; after that it is the end of the run.
  std::string link_error = link.tx_error();
  if (link_error.empty() && next < total) {
    link_error =
        logged_out.load(std::memory_order_acquire) ? "logout: " + logout_text : link.rx_error();
    if (link_error.empty()) {
      link_error = saturated ? "saturated: the path stopped taking orders (" +
                                   std::to_string(total - next) + " never sent)"
                             : "stopped early";
    }
  }
  // --- Results ---------------------------------------------------------------
  std::uint64_t sent_measured = next > warm_count ? next - warm_count : 0;
  std::uint64_t timeouts = 0;
  for (std::uint64_t i = warm_count; i < next; ++i)
    timeouts += state[i].load(std::memory_order_relaxed) == kSent;
  const std::uint64_t unsent = total - next;
  const double window_s = last_response > intended(warm_count, t0)
                              ? static_cast<double>(last_response - intended(warm_count, t0)) / 1e9
                              : o.duration_s;
  // Responses per second over the measured window: what the path delivered.
  const double achieved = static_cast<double>(acks + rejects) / std::max(window_s, o.duration_s);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::json j = {
      {"label", o.label},
      {"offered_rate", o.rate},
      {"achieved_rate", achieved},
      {"duration_s", o.duration_s},
      {"warmup_s", o.warmup_s},
      {"sent", sent_measured},
      {"unsent", unsent},
      {"acks", acks},
      {"rejects", rejects},
      {"timeouts", timeouts},
      {"warmup_acks", warm_acks},
      {"warmup_rejects", warm_rejects},
      {"other_reports", other_reports},
      {"session_rejects", session_rejects},
      {"business_rejects", business_rejects},
      {"unknown_ids", unknown_ids},
      {"duplicate_reports", duplicates},
      {"tx_stalls", tx_stalls},
      {"max_send_lag_us", static_cast<double>(max_send_lag) / 1000.0},
      {"late_sends", late_sends},
      {"steal_pct", steal_pct},
      {"ack_time", o.kernel_rx_time ? "kernel_rx" : "read"},
      {"stamped_reads", link.stamped_reads()},
      {"bad_stamps", link.bad_stamps()},
      {"latency", summary(*hist)},
      {"service_time", summary(*service)},
      {"reject_latency", summary(*rej_hist)},
      {"curve", curve(*hist)},
      {"loadgen_cpu_s", static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6},
      {"wall_s", static_cast<double>(end_time - start) / 1e9},
      {"error", failed || !link_error.empty() ? (link_error.empty() ? "send failed" : link_error)
                                              : std::string()},
      {"first_reject_text", first_reject_text},
  };
  const auto& lat = j["latency"];
  j["pass"] = j["error"].get<std::string>().empty() && timeouts == 0 && rejects == 0 &&
              unsent == 0 && acks > 0 && achieved >= 0.99 * o.rate &&
              lat["p99_us"].get<double>() <= o.p99_bound_us;
  j["p99_bound_us"] = o.p99_bound_us;
  for (const auto& kv : o.meta) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (!v.empty() && end == v.c_str() + v.size())
      j[k] = d;
    else
      j[k] = v;
  }
  const std::string line = j.dump();
  std::cout << line << std::endl;
  if (!o.json_out.empty()) {
    std::ofstream f(o.json_out, std::ios::app);
    f << line << "\n";
  }
  if (!o.csv_out.empty()) {
    const bool fresh = !std::ifstream(o.csv_out).good();
    std::ofstream f(o.csv_out, std::ios::app);
    if (fresh) {
      f << "label,offered_rate,achieved_rate,sent,acks,rejects,timeouts,min_us,p50_us,p90_us,p99_"
           "us,"
           "p999_us,max_us\n";
    }
    const auto& l = j["latency"];
    f << o.label << "," << o.rate << "," << achieved << "," << sent_measured << "," << acks << ","
      << rejects << "," << timeouts << "," << l["min_us"] << "," << l["p50_us"] << ","
      << l["p90_us"] << "," << l["p99_us"] << "," << l["p999_us"] << "," << l["max_us"] << "\n";
  }
  return failed || !link_error.empty() ? 1 : 0;
}
