// app::JournaledStore: every change a session makes to its numbers and its
// resend store is in the journal, and a restore gives back exactly what a
// session had: the next numbers both ways and the messages it may be asked
// to resend (issue 11, items 3 and 4).
#include "gateway/app/journaled_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"

namespace {

using riskgate::app::JournaledStore;
namespace journal = riskgate::journal;

class JournaledStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<journal::Journal> open() {
    return std::make_unique<journal::Journal>(journal::testing::test_config(dir_.path()));
  }
  std::unique_ptr<JournaledStore> store(journal::Journal& j, std::uint16_t id = 7) {
    return std::make_unique<JournaledStore>(
        std::make_unique<riskgate::session::MemoryStore>(1 << 16), j.ring(0), id, failed_);
  }
  std::vector<journal::RecordType> stored_types() {
    const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
    std::vector<journal::RecordType> out;
    (void)f.scan([&](const journal::RecordView& r) { out.push_back(r.type()); });
    return out;
  }
  static journal::OrderEvent order(std::string_view id) {
    journal::OrderEvent e;
    e.kind = journal::OrderEventKind::kNew;
    e.client_session = 3;
    e.order_qty = 100;
    e.cl_ord_id = id;
    e.symbol = "AAPL";
    return e;
  }
  journal::RecoveredSession recovered() {
    const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
    auto s = journal::recover(f);
    return s.sessions[7];
  }

  riskgate::testing::TempDir dir_;
  std::atomic<bool> failed_{false};
};

TEST_F(JournaledStoreTest, ARestoreResumesBothNumbersAndEveryStoredMessage) {
  {
    auto j = open();
    auto s = store(*j);
    ASSERT_TRUE(s->store(1, "one"));
    s->set_next_sender_seq(2);
    s->set_next_sender_seq(3);  // An admin message took 2.
    ASSERT_TRUE(s->store(3, "three"));
    s->set_next_sender_seq(4);
    for (std::uint64_t n = 2; n <= 6; ++n) s->set_next_target_seq(n);  // 1..5 processed.
    j->stop();
  }
  const auto r = recovered();
  EXPECT_EQ(r.next_sender_seq(), 4u);
  EXPECT_EQ(r.next_target_seq(), 6u);
  auto j = open();
  auto s = store(*j);
  s->restore(r);
  EXPECT_EQ(s->next_sender_seq(), 4u);
  EXPECT_EQ(s->next_target_seq(), 6u);
  EXPECT_EQ(s->lookup(1), "one");
  EXPECT_EQ(s->lookup(2), "") << "the admin message is gap-filled, not resent";
  EXPECT_EQ(s->lookup(3), "three");
  EXPECT_FALSE(failed_.load());
}

TEST_F(JournaledStoreTest, AMessageTheTransportRefusedIsNeverResentAndItsNumberIsReused) {
  {
    auto j = open();
    auto s = store(*j);
    ASSERT_TRUE(s->store(1, "sent"));
    s->set_next_sender_seq(2);
    ASSERT_TRUE(s->store(2, "refused"));
    s->discard(2);
    j->stop();
  }
  const auto r = recovered();
  EXPECT_EQ(r.next_sender_seq(), 2u);
  EXPECT_EQ(r.outbound.count(2), 0u);
  EXPECT_EQ(r.outbound.at(1), "sent");
}

TEST_F(JournaledStoreTest, AResetStartsBothNumbersAgainAndForgetsTheOldMessages) {
  {
    auto j = open();
    auto s = store(*j);
    ASSERT_TRUE(s->store(1, "old"));
    s->set_next_sender_seq(2);
    s->set_next_target_seq(5);
    s->reset();
    j->stop();
  }
  const auto r = recovered();
  EXPECT_EQ(r.next_sender_seq(), 1u);
  EXPECT_EQ(r.next_target_seq(), 1u);
  EXPECT_TRUE(r.outbound.empty());
}

TEST_F(JournaledStoreTest, AnInboundResetKeepsTheOutboundMessages) {
  {
    auto j = open();
    auto s = store(*j);
    ASSERT_TRUE(s->store(1, "kept"));
    s->set_next_sender_seq(2);
    s->set_next_target_seq(9);
    s->set_next_target_seq(1);  // The peer reset its numbers (141=Y from it).
    j->stop();
  }
  const auto r = recovered();
  EXPECT_EQ(r.next_sender_seq(), 2u);
  EXPECT_EQ(r.next_target_seq(), 1u);
  EXPECT_EQ(r.outbound.at(1), "kept");
}

// The order step (stage_order): the order event, the message that carries
// it and the engine's number it answers are one record, and the engine's
// store writes nothing more for that number.
TEST_F(JournaledStoreTest, AnOrderStepIsOneRecordAndTheEnginesNumberIsNotWrittenTwice) {
  {
    auto j = open();
    auto exchange = store(*j, 7);
    auto engine = store(*j, 3);
    engine->set_next_target_seq(41);  // 1..40 processed: one record.
    exchange->stage_order(order("E1-A"), 1, engine.get(), 41);
    ASSERT_TRUE(exchange->store(1, "35=D order"));
    exchange->set_next_sender_seq(2);
    engine->set_next_target_seq(42);  // 41, already in the order's record.
    engine->set_next_target_seq(43);  // 42, a message of its own: written.
    j->stop();
  }
  using T = journal::RecordType;
  EXPECT_EQ(stored_types(),
            (std::vector<T>{T::kInboundProcessed, T::kOrderSent, T::kInboundProcessed}));
  const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
  const auto s = journal::recover(f);
  EXPECT_EQ(s.sessions.at(7).next_sender_seq(), 2u);
  EXPECT_EQ(s.sessions.at(7).outbound.at(1), "35=D order");
  EXPECT_EQ(s.sessions.at(3).next_target_seq(), 43u);
  EXPECT_FALSE(failed_.load());
}

TEST_F(JournaledStoreTest, ASentMessagesRecordIsDatedByItsSendingTime) {
  constexpr std::int64_t kSent = 1'785'000'000'123'456'789;
  {
    auto j = open();
    auto exchange = store(*j, 7);
    exchange->stage_order(order("E1-A"), 1, nullptr, 0);
    ASSERT_TRUE(exchange->store(1, "35=D order", kSent));
    ASSERT_TRUE(exchange->store(2, "35=F cancel", kSent + 1));
    ASSERT_TRUE(exchange->store(3, "35=F undated"));  // No SendingTime given: the clock's.
    j->stop();
  }
  const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
  std::vector<std::int64_t> stamps;
  (void)f.scan([&](const journal::RecordView& r) {
    if (r.type() == journal::RecordType::kOrderSent || r.type() == journal::RecordType::kOutbound)
      stamps.push_back(r.header.utc_ns);
  });
  ASSERT_EQ(stamps.size(), 3u);
  EXPECT_EQ(stamps[0], kSent);
  EXPECT_EQ(stamps[1], kSent + 1);
  EXPECT_GT(stamps[2], 1'700'000'000'000'000'000) << "the wall clock, not 0";
}

TEST_F(JournaledStoreTest, AStagedOrderThatNeverReachedItsStoreLeavesNoRecord) {
  {
    auto j = open();
    auto exchange = store(*j, 7);
    auto engine = store(*j, 3);
    exchange->stage_order(order("E1-A"), 1, engine.get(), 5);
    EXPECT_FALSE(exchange->unstage_order("E1-B")) << "another order's end keeps it staged";
    EXPECT_TRUE(exchange->unstage_order("E1-A"));
    EXPECT_FALSE(exchange->has_staged_order());
    engine->set_next_target_seq(6);  // Its own record: the order's never came.
    j->stop();
  }
  using T = journal::RecordType;
  EXPECT_EQ(stored_types(), (std::vector<T>{T::kInboundProcessed}));
}

TEST_F(JournaledStoreTest, AStagedOrderGoesOnItsOwnIfAnotherMessageIsStoredFirst) {
  {
    auto j = open();
    auto exchange = store(*j, 7);
    exchange->stage_order(order("E1-A"), 2, nullptr, 0);
    ASSERT_TRUE(exchange->store(1, "another message"));
    j->stop();
  }
  using T = journal::RecordType;
  EXPECT_EQ(stored_types(), (std::vector<T>{T::kOrderEvent, T::kOutbound}));
}

TEST_F(JournaledStoreTest, AnOrderStepTooLargeForTheJournalIsRefusedAndTheNextOneGoes) {
  auto j = open();
  auto exchange = store(*j, 7);
  auto engine = store(*j, 3);
  // A message as large as the ring can never fit with its event.
  const std::string huge(journal::testing::test_config(dir_.path()).ring_capacity, 'x');
  exchange->stage_order(order("E1-A"), 1, engine.get(), 5);
  EXPECT_FALSE(exchange->store(1, huge)) << "the session must not send it";
  EXPECT_EQ(exchange->lookup(1), "") << "nothing kept for a resend either";
  EXPECT_EQ(exchange->append_failures(), 1u);
  // Nothing was lost (the order did not go): the journal is not failed.
  EXPECT_FALSE(failed_.load());
  exchange->stage_order(order("E1-B"), 1, engine.get(), 6);
  EXPECT_TRUE(exchange->store(1, "8=FIX.4.4|35=D|11=E1-B|"));
}

// The journal thread held up (a slow disk): the ring fills. Each order step
// that does not fit is refused, and flow resumes as soon as the ring is
// drained, without a restart: a transient stall must not stop the desk for
// the day.
TEST_F(JournaledStoreTest, OrderStepsRefusedForAFullRingResumeOnceTheJournalCatchesUp) {
  auto j = open();
  auto exchange = store(*j, 7);
  auto engine = store(*j, 3);
  const std::string msg = "8=FIX.4.4|35=D|11=E1-X|" + std::string(900, 'x') + "|";
  std::uint64_t seq = 1;
  int sent = 0;
  for (; sent < 1000; ++sent, ++seq) {
    exchange->stage_order(order("E1-X"), seq, engine.get(), seq);
    if (!exchange->store(seq, msg)) break;
    exchange->set_next_sender_seq(seq + 1);
  }
  ASSERT_LT(sent, 1000) << "the undrained test ring should have filled";
  ASSERT_GT(sent, 10);
  EXPECT_EQ(exchange->append_failures(), 1u);
  EXPECT_FALSE(failed_.load()) << "nothing was lost: only that order is refused";
  exchange->stage_order(order("E1-Y"), seq, engine.get(), seq);
  EXPECT_FALSE(exchange->store(seq, msg)) << "still full";
  (void)j->do_work(std::chrono::steady_clock::now());  // The journal thread catches up.
  exchange->stage_order(order("E1-Z"), seq, engine.get(), seq);
  EXPECT_TRUE(exchange->store(seq, msg));
  EXPECT_EQ(exchange->append_failures(), 2u);
  EXPECT_FALSE(failed_.load());
}

TEST_F(JournaledStoreTest, AMessageSentWithoutItsRecordMarksTheJournalFailed) {
  auto j = open();
  auto s = store(*j, 7);
  // Not an order step: the session sends it whatever the store says, so a
  // record that does not fit is lost, and the journal no longer describes
  // what was sent.
  const std::string huge(journal::testing::test_config(dir_.path()).ring_capacity, 'x');
  (void)s->store(1, huge);
  EXPECT_TRUE(failed_.load());
  EXPECT_EQ(s->append_failures(), 1u);
}

// Copies::kRingOnly (sessions that never replay application messages): a
// sent message is kept only where the journal ring holds it anyway.
TEST_F(JournaledStoreTest, RingOnlyAnswersFromTheRingUntilTheRingHasMovedOnThenGapFills) {
  auto j = open();
  auto s =
      std::make_unique<JournaledStore>(std::make_unique<riskgate::session::MemoryStore>(1 << 16),
                                       j->ring(0), 7, failed_, JournaledStore::Copies::kRingOnly);
  ASSERT_TRUE(s->store(1, "8=FIX.4.4|35=D|11=first|"));
  s->set_next_sender_seq(2);
  s->stage_order(order("E1-A"), 2, nullptr, 0);
  ASSERT_TRUE(s->store(2, "8=FIX.4.4|35=D|11=E1-A|"));  // Inside an order step's record.
  s->set_next_sender_seq(3);
  EXPECT_EQ(s->lookup(1), "8=FIX.4.4|35=D|11=first|");
  EXPECT_EQ(s->lookup(2), "8=FIX.4.4|35=D|11=E1-A|");
  EXPECT_EQ(s->lookup(3), "");
  // A message stored while another number's order is staged: the staged
  // event goes first as its own record, and the message is found after it.
  s->stage_order(order("E1-B"), 9, nullptr, 0);
  ASSERT_TRUE(s->store(3, "8=FIX.4.4|35=F|11=cancel|"));
  EXPECT_EQ(s->lookup(3), "8=FIX.4.4|35=F|11=cancel|");
  // A refused send's number is given back: never answered from the ring.
  s->discard(3);
  EXPECT_EQ(s->lookup(3), "");
  // The 64 KiB test ring laps (drained as it goes): the first messages are
  // overwritten, the last ones still there.
  std::uint64_t seq = 3;
  const std::string filler(400, 'x');
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(s->store(seq, filler + std::to_string(seq)));
    s->set_next_sender_seq(++seq);
    (void)j->do_work(std::chrono::steady_clock::now());
  }
  EXPECT_EQ(s->lookup(1), "") << "overwritten: a resend gap-fills it";
  EXPECT_EQ(s->lookup(seq - 1), filler + std::to_string(seq - 1));
  EXPECT_FALSE(failed_.load());
}

TEST_F(JournaledStoreTest, RingOnlyStillAnswersWithWhatARestoreBroughtBack) {
  {
    auto j = open();
    auto s = store(*j);
    ASSERT_TRUE(s->store(1, "before the restart"));
    s->set_next_sender_seq(2);
    j->stop();
  }
  const auto r = recovered();
  auto j = open();
  auto s =
      std::make_unique<JournaledStore>(std::make_unique<riskgate::session::MemoryStore>(1 << 16),
                                       j->ring(0), 7, failed_, JournaledStore::Copies::kRingOnly);
  s->restore(r);
  ASSERT_TRUE(s->store(2, "after"));
  EXPECT_EQ(s->lookup(1), "before the restart");
  EXPECT_EQ(s->lookup(2), "after");
}

}  // namespace
