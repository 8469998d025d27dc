#include "gateway/net/write_batch.hpp"

#include "gateway/net/tcp_connection.hpp"

namespace riskgate::net {

namespace {
thread_local WriteBatch* t_batch = nullptr;
}  // namespace

WriteBatch* WriteBatch::current() noexcept {
  return t_batch;
}

WriteBatch::Install::Install(WriteBatch& b) noexcept : previous_(t_batch) {
  t_batch = &b;
}

WriteBatch::Install::~Install() {
  t_batch = previous_;
}

WriteBatch::Scope::Scope() noexcept : batch_(t_batch) {
  if (batch_ != nullptr) ++batch_->depth_;
}

WriteBatch::Scope::~Scope() {
  if (batch_ != nullptr && --batch_->depth_ == 0) batch_->flush();
}

void WriteBatch::add(TcpConnection& c) noexcept {
  // FIFO: connections flush in the order they were first written to, so a
  // kill's cancels reach the exchange before the clients' Logouts.
  if (c.in_batch_) return;
  c.in_batch_ = true;
  c.next_in_batch_ = nullptr;
  if (tail_ != nullptr) {
    tail_->next_in_batch_ = &c;
  } else {
    head_ = &c;
  }
  tail_ = &c;
}

void WriteBatch::remove(TcpConnection& c) noexcept {
  if (!c.in_batch_) return;
  TcpConnection* prev = nullptr;
  for (TcpConnection* p = head_; p != nullptr; prev = p, p = p->next_in_batch_) {
    if (p != &c) continue;
    (prev != nullptr ? prev->next_in_batch_ : head_) = c.next_in_batch_;
    if (tail_ == &c) tail_ = prev;
    break;
  }
  c.in_batch_ = false;
  c.next_in_batch_ = nullptr;
}

void WriteBatch::flush() noexcept {
  // A flush may close a connection, and its owner may send on another one:
  // keep a batch open meanwhile so those sends queue, then loop until quiet.
  ++depth_;
  while (head_ != nullptr) {
    TcpConnection* c = head_;
    head_ = c->next_in_batch_;
    if (head_ == nullptr) tail_ = nullptr;
    c->in_batch_ = false;
    c->next_in_batch_ = nullptr;
    c->flush_batched();
  }
  --depth_;
}

}  // namespace riskgate::net
