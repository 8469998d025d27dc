// app::JournaledStore: every change a session makes to its numbers and its
// resend store is in the journal, and a restore gives back exactly what a
// session had: the next numbers both ways and the messages it may be asked
// to resend (issue 11, items 3 and 4).
#include "gateway/app/journaled_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

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
  std::unique_ptr<JournaledStore> store(journal::Journal& j) {
    return std::make_unique<JournaledStore>(riskgate::session::make_memory_store(1 << 16),
                                            j.ring(0), 7, failed_);
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

}  // namespace
