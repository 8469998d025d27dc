// Test doubles for the session state machine: a recording handler, ready-made
// session configs, and a pair that connects two Sessions back to back. The
// clock, transport and hand-driven peer live in tests/support/fix_peer.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/session/session.hpp"
#include "tests/support/fix_peer.hpp"

namespace riskgate::session::testing {

using ::riskgate::testing::FakeClock;
using ::riskgate::testing::FakeTransport;
using ::riskgate::testing::kMs;
using ::riskgate::testing::kSec;
using ::riskgate::testing::kUtcStart;
using ::riskgate::testing::MsgOpts;
using ::riskgate::testing::opts;
using ::riskgate::testing::Parsed;
using ::riskgate::testing::Peer;
using ::riskgate::testing::raw_message;
using ::riskgate::testing::soh;
using ::riskgate::testing::timestamp;

class RecordingHandler : public Handler {
 public:
  bool record = true;
  std::vector<std::string> app;  // Raw bytes of each delivered app message.
  std::vector<bool> app_poss_dup;
  std::uint64_t app_count = 0;
  int logons = 0;
  std::vector<std::string> logouts;
  std::vector<std::string> events;
  std::string refuse_logon_with;

  std::string_view on_logon_request(const codec::Message&) noexcept override {
    return refuse_logon_with;
  }
  void on_logon() noexcept override { ++logons; }
  void on_logout(std::string_view reason) noexcept override { logouts.emplace_back(reason); }
  void on_app_message(const codec::Message& msg) noexcept override {
    ++app_count;
    if (!record) return;
    app.emplace_back(msg.raw());
    app_poss_dup.push_back(msg.poss_dup());
  }
  void on_session_event(std::string_view what) noexcept override {
    if (record) events.emplace_back(what);
  }
  std::vector<std::uint64_t> rejects_received;  // RefSeqNum of each Reject received.
  void on_reject_received(std::uint64_t ref_seq, std::string_view, int,
                          std::string_view) noexcept override {
    rejects_received.push_back(ref_seq);
  }
  std::vector<std::string> not_resent;  // Raw bytes, per on_app_not_resent.
  void on_app_not_resent(const codec::Message& stored) noexcept override {
    not_resent.emplace_back(stored.raw());
  }
};

inline SessionConfig acceptor_config() {
  SessionConfig c;
  c.begin_string = "FIX.4.4";
  c.sender_comp_id = "RISKGATE";
  c.target_comp_id = "ENGINE1";
  c.role = Role::kAcceptor;
  c.heart_bt_int_s = 30;
  return c;
}

inline SessionConfig initiator_config() {
  SessionConfig c = acceptor_config();
  c.target_comp_id = "EXCHANGE";
  c.role = Role::kInitiator;
  return c;
}

// One Session under test, driven by hand-built messages.
class HandDriven : public ::testing::Test {
 protected:
  FakeClock clock;
  FakeTransport transport;
  std::unique_ptr<MessageStore> store = make_memory_store(1 << 20);
  RecordingHandler handler;
  std::unique_ptr<Session> session;
  Peer peer{clock};

  void start(const SessionConfig& cfg) {
    session = std::make_unique<Session>(cfg, clock, transport, *store, handler);
    session->on_connected();
  }
  void start_acceptor() { start(acceptor_config()); }

  // The whole input must be consumed (whole messages only).
  void deliver(const std::string& bytes) { EXPECT_EQ(session->on_data(bytes), bytes.size()); }

  // Acceptor logged on with the peer; the transcript so far is cleared.
  void logged_on(const SessionConfig& cfg = acceptor_config()) {
    start(cfg);
    deliver(peer.logon(cfg.heart_bt_int_s));
    ASSERT_EQ(session->state(), State::kActive);
    transport.sent.clear();
  }

  [[nodiscard]] std::vector<std::string> sent_types() const {
    std::vector<std::string> types;
    for (const std::string& m : transport.sent) types.push_back(Parsed(m).type());
    return types;
  }
  [[nodiscard]] Parsed sent(std::size_t i) const { return Parsed(transport.sent.at(i)); }
  [[nodiscard]] Parsed last_sent() const { return Parsed(transport.sent.back()); }
};

// Two Sessions back to back: an acceptor (RISKGATE <- ENGINE1 style) and an
// initiator, with byte pipes between them and one shared clock.
class Pipe final : public Transport {
 public:
  std::string pending;           // Bytes not yet delivered to the other side.
  std::vector<std::string> log;  // Every message sent.
  bool disconnected = false;
  bool send(std::string_view bytes) noexcept override {
    pending.append(bytes);
    log.emplace_back(bytes);
    return true;
  }
  void disconnect(std::string_view) noexcept override { disconnected = true; }
};

class SessionPair : public ::testing::Test {
 protected:
  FakeClock clock;
  Pipe to_initiator;  // Written by the acceptor.
  Pipe to_acceptor;   // Written by the initiator.
  std::unique_ptr<MessageStore> acceptor_store = make_memory_store(1 << 20);
  std::unique_ptr<MessageStore> initiator_store = make_memory_store(1 << 20);
  RecordingHandler acceptor_handler;
  RecordingHandler initiator_handler;
  std::unique_ptr<Session> acceptor;
  std::unique_ptr<Session> initiator;
  std::string acceptor_inbox;
  std::string initiator_inbox;
  // Returns false to drop a message on its way to the acceptor (a lost packet).
  std::function<bool(const std::string&)> keep_to_acceptor = [](const std::string&) {
    return true;
  };

  void create(SessionConfig acc, SessionConfig ini) {
    acceptor =
        std::make_unique<Session>(acc, clock, to_initiator, *acceptor_store, acceptor_handler);
    initiator =
        std::make_unique<Session>(ini, clock, to_acceptor, *initiator_store, initiator_handler);
  }

  static SessionConfig pair_acceptor() { return acceptor_config(); }
  static SessionConfig pair_initiator() {
    SessionConfig c = initiator_config();
    c.sender_comp_id = "ENGINE1";
    c.target_comp_id = "RISKGATE";
    return c;
  }

  void connect() {
    acceptor->on_connected();
    initiator->on_connected();
    pump();
  }

  // Delivers bytes both ways until both pipes are quiet; then propagates a
  // disconnect by either side to the other.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      if (!to_acceptor.pending.empty()) {
        moved = true;
        std::string bytes;
        bytes.swap(to_acceptor.pending);
        // Split into messages so that single ones can be dropped.
        std::string_view rest = bytes;
        while (!rest.empty()) {
          const codec::FrameResult fr = codec::frame(rest, 1 << 16);
          ASSERT_NE(fr.consumed, 0u);
          std::string one(rest.substr(0, fr.consumed));
          if (keep_to_acceptor(one)) acceptor_inbox += one;
          rest.remove_prefix(fr.consumed);
        }
        acceptor_inbox.erase(0, acceptor->on_data(acceptor_inbox));
      }
      if (!to_initiator.pending.empty()) {
        moved = true;
        initiator_inbox += to_initiator.pending;
        to_initiator.pending.clear();
        initiator_inbox.erase(0, initiator->on_data(initiator_inbox));
      }
      if (!moved) break;
    }
    if (to_acceptor.disconnected) acceptor->on_disconnected();
    if (to_initiator.disconnected) initiator->on_disconnected();
  }

  void tick(std::int64_t ms) {
    clock.advance_ms(ms);
    acceptor->on_timer();
    initiator->on_timer();
    pump();
  }
};

}  // namespace riskgate::session::testing
