// app::JournaledStore: every change a session makes to its numbers and its
// resend store is in the journal, and a restore gives back exactly what a
// session had: the next numbers both ways and the messages it may be asked
// to resend (issue 11, items 3 and 4).
#include "gateway/app/journaled_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"

namespace {

using riskgate::app::JournaledStore;
namespace journal = riskgate::journal;

class JournaledStoreTest : public ::testing::Test {
 protected:
  JournaledStoreTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("riskgate-jstore-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~JournaledStoreTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<journal::Journal> open() {
    journal::JournalConfig c;
    c.file = dir_ / "j.rgj";
    c.ring_dir = dir_;
    c.gateway = "jstore-test";
    c.trading_day = 20787;
    c.sync = journal::SyncPolicy::kNone;
    return std::make_unique<journal::Journal>(c);
  }
  std::unique_ptr<JournaledStore> store(journal::Journal& j) {
    return std::make_unique<JournaledStore>(riskgate::session::make_memory_store(1 << 16),
                                            j.ring(0), 7, failed_);
  }
  journal::RecoveredSession recovered() {
    const journal::JournalFile f(dir_ / "j.rgj");
    auto s = journal::recover(f);
    return s.sessions[7];
  }

  std::filesystem::path dir_;
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
