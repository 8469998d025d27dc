// One I/O thread: an io_context driven by exactly one thread, plus a wake-up
// channel other threads may signal.
//
// Every io_context is built with BOOST_ASIO_CONCURRENCY_HINT_UNSAFE, so Asio's
// scheduler and reactor take no locks on the order path. The price is that no
// other thread may touch the context or its sockets/timers. Other threads talk
// to an I/O thread only through lock-free queues that the I/O thread drains,
// and wake it through an eventfd (a write(2) from the signalling thread; the
// I/O thread reads it through Asio like any other descriptor).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <thread>

#include "gateway/net/write_batch.hpp"

namespace riskgate::net {

enum class IdleMode : std::uint8_t {
  kSleep,     // io_context::run(): the thread sleeps in epoll_wait between events.
  kBusyPoll,  // io_context::poll() in a loop: no sleep/wake-up latency, burns a core.
              // Only for users who pin riskgate to isolated cores.
};

class IoThread {
 public:
  // `cpu`: the CPU start()'s thread runs on (common/thread_placement.hpp;
  // kAnyCpu: not pinned). The caller checks it is allowed (cpu_allowed).
  IoThread(IdleMode mode, std::function<void()> on_wake, int cpu = -1);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  [[nodiscard]] boost::asio::io_context& context() noexcept { return ctx_; }

  // Runs the loop on a new thread (start) or on the caller's thread (run).
  void start();
  void run();
  // Any thread. Asks the loop to return; the thread is joined by join().
  void request_stop() noexcept;
  void join();

  // Any thread, async-signal-safe. Makes the I/O thread call on_wake() soon
  // (once per batch of wake() calls: wake-ups coalesce in the eventfd counter).
  void wake() noexcept;

 private:
  void arm_wake_read();

  IdleMode mode_;
  std::function<void()> on_wake_;
  boost::asio::io_context ctx_;
  int event_fd_ = -1;
  boost::asio::posix::stream_descriptor wake_desc_;
  std::uint64_t wake_counter_ = 0;  // Read target for the eventfd.
  // Written by any thread (release), read by the loop (acquire) so that what a
  // stopper wrote before request_stop() is visible when the loop exits.
  std::atomic<bool> stop_{false};
  std::thread thread_;
  int cpu_ = -1;
  WriteBatch batch_;  // This thread's write batching (installed by run()).
};

}  // namespace riskgate::net
