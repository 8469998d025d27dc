// TcpConnection and WriteBatch over a loopback socket pair: what a batch
// coalesces, that bytes arrive whole and in order, and that a full transmit
// buffer refuses a send instead of queueing without bound.
#include "gateway/net/tcp_connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <string>

#include "gateway/net/write_batch.hpp"

namespace {

namespace asio = boost::asio;
using riskgate::net::TcpConnection;
using riskgate::net::WriteBatch;

// A connected pair on 127.0.0.1: `ours` wrapped in a TcpConnection, `peer` a
// plain blocking socket the test reads from.
struct Pair {
  asio::io_context ctx;
  asio::ip::tcp::socket peer{ctx};
  std::unique_ptr<TcpConnection> ours;

  explicit Pair(std::size_t tx_capacity = 1 << 16) {
    asio::ip::tcp::acceptor acc(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket client(ctx);
    client.connect(acc.local_endpoint());
    acc.accept(peer);
    ours = std::make_unique<TcpConnection>(std::move(client), 1 << 16, tx_capacity);
  }
  std::string read_exactly(std::size_t n) {
    std::string out(n, '\0');
    asio::read(peer, asio::buffer(out.data(), n));
    return out;
  }
};

TEST(TcpConnection, WithoutABatchEverySendIsItsOwnWrite) {
  Pair p;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.ours->send("msg" + std::to_string(i) + ";"));
  EXPECT_EQ(p.ours->stats().direct_writes, 5u);
  EXPECT_EQ(p.ours->stats().batched_sends, 0u);
  EXPECT_EQ(p.read_exactly(25), "msg0;msg1;msg2;msg3;msg4;");
}

TEST(TcpConnection, SendsInsideABatchLeaveInOneWriteWhenTheBatchCloses) {
  Pair p;
  WriteBatch batch;
  WriteBatch::Install installed(batch);
  std::string expected;
  {
    WriteBatch::Scope scope;
    for (int i = 0; i < 20; ++i) {
      const std::string m = "order-" + std::to_string(i) + ";";
      expected += m;
      ASSERT_TRUE(p.ours->send(m));
    }
    EXPECT_EQ(p.ours->stats().bytes_out, 0u) << "nothing is written while the batch is open";
    {
      WriteBatch::Scope nested;  // Inner scopes do not flush.
      ASSERT_TRUE(p.ours->send("tail;"));
      expected += "tail;";
    }
    EXPECT_EQ(p.ours->stats().bytes_out, 0u);
  }
  EXPECT_EQ(p.ours->stats().batched_sends, 21u);
  EXPECT_EQ(p.ours->stats().direct_writes, 1u);
  EXPECT_EQ(p.ours->stats().bytes_out, expected.size());
  EXPECT_EQ(p.read_exactly(expected.size()), expected);
}

TEST(TcpConnection, ABatchedSendThatDoesNotFitFirstHandsTheQueueToTheKernel) {
  Pair p(64);
  WriteBatch batch;
  WriteBatch::Install installed(batch);
  {
    WriteBatch::Scope scope;
    ASSERT_TRUE(p.ours->send(std::string(40, 'a')));
    EXPECT_EQ(p.ours->stats().bytes_out, 0u);
    // 40 more do not fit in 64: the queued 40 go to the kernel first.
    ASSERT_TRUE(p.ours->send(std::string(40, 'b')));
    EXPECT_EQ(p.ours->stats().bytes_out, 40u);
  }
  EXPECT_EQ(p.read_exactly(80), std::string(40, 'a') + std::string(40, 'b'));
}

TEST(TcpConnection, ABatchedSendLargerThanTheWholeBufferIsRefusedWhole) {
  Pair p(64);
  WriteBatch batch;
  WriteBatch::Install installed(batch);
  {
    WriteBatch::Scope scope;
    ASSERT_TRUE(p.ours->send("first;"));
    EXPECT_FALSE(p.ours->send(std::string(100, 'x'))) << "a partial message must never be queued";
    ASSERT_TRUE(p.ours->send("last;"));
  }
  EXPECT_EQ(p.read_exactly(11), "first;last;");
}

TEST(TcpConnection, AConnectionDestroyedInsideABatchIsForgotten) {
  WriteBatch batch;
  WriteBatch::Install installed(batch);
  Pair kept;
  {
    WriteBatch::Scope scope;
    {
      Pair gone;
      ASSERT_TRUE(gone.ours->send("x"));
    }  // Destroyed while queued for the flush: the flush must not touch it.
    ASSERT_TRUE(kept.ours->send("kept;"));
  }
  EXPECT_EQ(kept.read_exactly(5), "kept;");
}

}  // namespace
