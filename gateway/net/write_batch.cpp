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
  if (c.in_batch_) return;
  c.in_batch_ = true;
  c.next_in_batch_ = head_;
  head_ = &c;
}

void WriteBatch::remove(TcpConnection& c) noexcept {
  if (!c.in_batch_) return;
  for (TcpConnection** p = &head_; *p != nullptr; p = &(*p)->next_in_batch_) {
    if (*p == &c) {
      *p = c.next_in_batch_;
      break;
    }
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
    c->in_batch_ = false;
    c->next_in_batch_ = nullptr;
    c->flush_batched();
  }
  --depth_;
}

}  // namespace riskgate::net
