// The seqlock that hands an engine's declared identity from the I/O thread to
// the control plane. Run under TSan (label concurrency): a reader racing the
// writer must only ever see one whole publication, never a mix of two.
#include "gateway/control/published_identity.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace {

using riskgate::control::EngineIdentityView;
using riskgate::control::PublishedIdentity;

TEST(PublishedIdentity, ReadsNothingBeforeTheFirstPublication) {
  PublishedIdentity p;
  EngineIdentityView v;
  EXPECT_FALSE(p.read(v));
}

TEST(PublishedIdentity, ReadsBackWhatWasPublishedTruncatedToItsFieldSize) {
  PublishedIdentity p;
  const std::string long_name(PublishedIdentity::kField + 10, 'n');
  p.publish(long_name, "1.2.3", "acme", "ab12", "10.0.0.7", false, "version not approved");
  EngineIdentityView v;
  ASSERT_TRUE(p.read(v));
  EXPECT_EQ(v.app_name, long_name.substr(0, PublishedIdentity::kField));
  EXPECT_EQ(v.version, "1.2.3");
  EXPECT_EQ(v.vendor, "acme");
  EXPECT_EQ(v.digest, "ab12");
  EXPECT_EQ(v.peer_host, "10.0.0.7");
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, "version not approved");
}

TEST(PublishedIdentity, AReaderRacingTheWriterSeesOnlyWholePublications) {
  PublishedIdentity p;
  std::atomic<bool> done{false};  // Relaxed is enough: it only ends the loop.
  std::thread writer([&] {
    for (int i = 0; i < 20'000; ++i) {
      if (i % 2 == 0) {
        p.publish("engine-a", "1.0.0", "vendor-a", "aaaa", "127.0.0.1", true, "approved");
      } else {
        p.publish("engine-bb", "2.0.0-long", "vendor-bbb", "bbbbbbbb", "127.0.0.2", false,
                  "not approved");
      }
    }
    done.store(true, std::memory_order_relaxed);
  });
  int reads = 0;
  while (!done.load(std::memory_order_relaxed) || reads == 0) {
    EngineIdentityView v;
    if (!p.read(v)) continue;
    ++reads;
    if (v.app_name == "engine-a") {
      ASSERT_EQ(v.version, "1.0.0");
      ASSERT_EQ(v.vendor, "vendor-a");
      ASSERT_EQ(v.digest, "aaaa");
      ASSERT_TRUE(v.approved);
    } else {
      ASSERT_EQ(v.app_name, "engine-bb");
      ASSERT_EQ(v.version, "2.0.0-long");
      ASSERT_EQ(v.vendor, "vendor-bbb");
      ASSERT_EQ(v.peer_host, "127.0.0.2");
      ASSERT_FALSE(v.approved);
    }
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
