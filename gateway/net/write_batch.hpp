// Write batching ("corking") for one I/O thread.
//
// While a Scope is open on an I/O thread, TcpConnection::send() only appends
// to the connection's transmit buffer; when the outermost Scope closes, every
// connection that got bytes is flushed with one write(2). One read that
// carries twenty orders so becomes one write to the exchange, not twenty, and
// a kill that cancels 10,000 working orders becomes a few large writes. A
// single order still leaves in the same event-loop turn that read it: the
// flush happens before the thread goes back to epoll.
//
// The batch is per thread (thread_local pointer installed by IoThread::run()),
// so no synchronisation is needed: only the owning thread touches it. On a
// thread without a batch, send() writes through at once, as before.
#pragma once

namespace riskgate::net {

class TcpConnection;

class WriteBatch {
 public:
  WriteBatch() = default;
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // The calling thread's batch, or nullptr.
  [[nodiscard]] static WriteBatch* current() noexcept;

  // Makes `b` the calling thread's batch for the guard's lifetime.
  class Install {
   public:
    explicit Install(WriteBatch& b) noexcept;
    ~Install();
    Install(const Install&) = delete;
    Install& operator=(const Install&) = delete;

   private:
    WriteBatch* previous_;
  };

  // Opens a batch on the calling thread (no-op without one). Nestable: the
  // outermost Scope flushes.
  class Scope {
   public:
    Scope() noexcept;
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    WriteBatch* batch_;
  };

  [[nodiscard]] bool active() const noexcept { return depth_ > 0; }
  // TcpConnection: `c` has bytes to flush when the batch closes (idempotent).
  void add(TcpConnection& c) noexcept;
  // TcpConnection's destructor: forget `c` if it is waiting to be flushed.
  void remove(TcpConnection& c) noexcept;

 private:
  void flush() noexcept;

  int depth_ = 0;
  // FIFO intrusive list through TcpConnection::next_in_batch_.
  TcpConnection* head_ = nullptr;
  TcpConnection* tail_ = nullptr;
};

}  // namespace riskgate::net
