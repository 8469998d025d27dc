// rg-relay-asio: a no-op TCP relay on plain Boost.Asio (the fallback floor
// when riskgate::net is not built; rg-relay itself runs on riskgate::net).
//
// It does what riskgate's transport does with none of the FIX work: one
// io_context driven by one thread (built with the same
// BOOST_ASIO_CONCURRENCY_HINT_UNSAFE as riskgate::net::IoThread, so Asio takes
// no locks), one async_read_some per socket, and on every read a direct
// non-blocking write(2) of the same bytes to the other socket from the
// completion handler; only what the kernel does not take waits for an
// async_write, and the next read on that side starts after it drained (the
// back-pressure a relay must have to keep its memory bounded). TCP_NODELAY on
// both legs.
//
// --busy-poll runs io_context::poll() in a loop instead of run(): the thread
// never sleeps in epoll_wait, the same trade as riskgate's BusyPoll.
#include <CLI/CLI.hpp>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kBufferSize = 64 * 1024;

class Pair;

// One direction of a relayed connection.
class Pipe {
 public:
  Pipe(Pair& pair, tcp::socket& from, tcp::socket& to) : pair_(pair), from_(from), to_(to) {}
  void start() { read(); }

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);

  Pair& pair_;
  tcp::socket& from_;
  tcp::socket& to_;
  std::array<char, kBufferSize> buf_{};
};

class Pair : public std::enable_shared_from_this<Pair> {
 public:
  Pair(tcp::socket client, tcp::socket upstream)
      : client_(std::move(client)),
        upstream_(std::move(upstream)),
        up_(*this, client_, upstream_),
        down_(*this, upstream_, client_) {}
  void start() {
    for (auto* s : {&client_, &upstream_}) {
      s->set_option(tcp::no_delay(true));
      s->non_blocking(true);
    }
    up_.start();
    down_.start();
  }
  void close() {
    boost::system::error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }
  std::shared_ptr<Pair> self() { return shared_from_this(); }

 private:
  tcp::socket client_;
  tcp::socket upstream_;
  Pipe up_;
  Pipe down_;
};

void Pipe::read() {
  from_.async_read_some(asio::buffer(buf_),
                        [this, keep = pair_.self()](const boost::system::error_code& ec,
                                                    std::size_t n) { on_read(ec, n); });
}

void Pipe::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) {
    pair_.close();
    return;
  }
  boost::system::error_code wec;
  const std::size_t done = to_.write_some(asio::buffer(buf_.data(), n), wec);
  if (!wec && done == n) {
    read();
    return;
  }
  if (wec && wec != asio::error::would_block) {
    pair_.close();
    return;
  }
  const std::size_t written = wec ? 0 : done;
  asio::async_write(to_, asio::buffer(buf_.data() + written, n - written),
                    [this, keep = pair_.self()](const boost::system::error_code& ec2, std::size_t) {
                      if (ec2) {
                        pair_.close();
                        return;
                      }
                      read();
                    });
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
  bool busy_poll = false;
  CLI::App app{"rg-relay-asio: no-op TCP relay on plain Boost.Asio"};
  app.add_option("--listen-host", listen_host);
  app.add_option("--listen-port", listen_port)->required();
  app.add_option("--upstream-host", upstream_host);
  app.add_option("--upstream-port", upstream_port)->required();
  app.add_flag("--busy-poll", busy_poll, "spin in io_context::poll() instead of sleeping");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    asio::io_context ctx(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address(listen_host), listen_port));
    const tcp::endpoint upstream(asio::ip::make_address(upstream_host), upstream_port);
    std::function<void()> arm = [&] {
      acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket client) {
        if (!ec) {
          // Connecting upstream synchronously is fine: it happens once per
          // client, before any order flows.
          tcp::socket up(ctx);
          boost::system::error_code cec;
          up.connect(upstream, cec);
          if (cec) {
            std::cerr << "rg-relay-asio: upstream " << upstream << ": " << cec.message()
                      << std::endl;
          } else {
            std::make_shared<Pair>(std::move(client), std::move(up))->start();
          }
        }
        arm();
      });
    };
    arm();
    std::cout << "rg-relay-asio listening on " << acceptor.local_endpoint() << " -> " << upstream
              << (busy_poll ? " (busy-poll)" : "") << std::endl;
    if (busy_poll) {
      for (;;) ctx.poll();
    }
    ctx.run();
  } catch (const std::exception& e) {
    std::cerr << "rg-relay-asio: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
