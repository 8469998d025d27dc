#include "gateway/net/io_thread.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/read.hpp>
#include <stdexcept>
#include <system_error>

#include "common/thread_placement.hpp"

namespace riskgate::net {

IoThread::IoThread(IdleMode mode, std::function<void()> on_wake, int cpu)
    : mode_(mode),
      on_wake_(std::move(on_wake)),
      ctx_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      wake_desc_(ctx_),
      cpu_(cpu) {
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  wake_desc_.assign(event_fd_);
  arm_wake_read();
}

IoThread::~IoThread() {
  request_stop();
  join();
}

void IoThread::arm_wake_read() {
  wake_desc_.async_read_some(boost::asio::buffer(&wake_counter_, sizeof wake_counter_),
                             [this](const boost::system::error_code& ec, std::size_t) {
                               if (ec == boost::asio::error::operation_aborted) return;
                               if (on_wake_) {
                                 // A kill's burst of cancels leaves in few large writes.
                                 WriteBatch::Scope batch;
                                 on_wake_();
                               }
                               if (!stop_.load(std::memory_order_acquire)) arm_wake_read();
                             });
}

void IoThread::start() {
  thread_ = std::thread([this] {
    (void)pin_this_thread(cpu_);  // Checked by the owner; unpinned costs latency only.
    (void)::pthread_setname_np(::pthread_self(), "rg-io");
    run();
  });
}

void IoThread::run() {
  // Keeps run() from returning while sockets are idle between sessions.
  auto guard = boost::asio::make_work_guard(ctx_);
  WriteBatch::Install batching(batch_);
  if (mode_ == IdleMode::kBusyPoll) {
    // acquire pairs with the release in request_stop().
    while (!stop_.load(std::memory_order_acquire)) ctx_.poll();
  } else {
    while (!stop_.load(std::memory_order_acquire)) {
      ctx_.run_one();
    }
  }
}

void IoThread::request_stop() noexcept {
  stop_.store(true, std::memory_order_release);
  wake();
}

void IoThread::join() {
  if (thread_.joinable()) thread_.join();
}

void IoThread::wake() noexcept {
  const std::uint64_t one = 1;
  // A failed write means the counter is saturated: a wake-up is already pending.
  [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
}

}  // namespace riskgate::net
