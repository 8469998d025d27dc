// common/thread_placement.hpp: [gateway] IoThreadCpu, JournalCpu and
// MessageLogCpu pin a thread to a CPU the process may use, and a CPU it may
// not use is caught at setup (the gateway then stops with the key's name).
#include "common/thread_placement.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace {

int first_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) return c;
  return -1;
}

TEST(ThreadPlacement, UnpinnedIsAlwaysAllowedAndChangesNothing) {
  EXPECT_TRUE(riskgate::cpu_allowed(riskgate::kAnyCpu));
  EXPECT_EQ(riskgate::pin_this_thread(riskgate::kAnyCpu), 0);
}

TEST(ThreadPlacement, ACpuOutsideTheRangeOrTheProcessMaskIsNotAllowed) {
  EXPECT_FALSE(riskgate::cpu_allowed(-2));
  EXPECT_FALSE(riskgate::cpu_allowed(CPU_SETSIZE));
  EXPECT_NE(riskgate::pin_this_thread(-2), 0);
  EXPECT_NE(riskgate::pin_this_thread(CPU_SETSIZE), 0);
}

TEST(ThreadPlacement, APinnedThreadRunsOnlyOnItsCpu) {
  const int cpu = first_allowed_cpu();
  ASSERT_GE(cpu, 0);
  EXPECT_TRUE(riskgate::cpu_allowed(cpu));
  int rc = -1;
  int runs_on = -1;
  int allowed = 0;
  // A thread of its own: the test process keeps its mask.
  std::thread t([&] {
    rc = riskgate::pin_this_thread(cpu);
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) allowed = CPU_COUNT(&set);
    runs_on = ::sched_getcpu();
  });
  t.join();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(allowed, 1);
  EXPECT_EQ(runs_on, cpu);
}

}  // namespace
