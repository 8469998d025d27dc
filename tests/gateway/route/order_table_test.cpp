// The working-order table: a model check against std::unordered_map under
// random insert/find/erase churn (the backward-shift deletion is the part
// that is easy to get wrong), plus its edge cases.
#include "gateway/route/order_table.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using riskgate::route::OrderState;
using Table = riskgate::route::OrderTable<int>;

TEST(OrderTable, MatchesAMapModelUnderRandomChurn) {
  constexpr std::size_t kCapacity = 512;
  Table t(kCapacity);
  std::unordered_map<std::string, int> model;
  std::mt19937 rng(7);
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.push_back("E1-" + std::to_string(i * 7919 % 100003));

  for (int step = 0; step < 200'000; ++step) {
    const std::string& id = ids[rng() % ids.size()];
    const bool present = model.count(id) != 0;
    switch (rng() % 3) {
      case 0: {  // insert
        Table::Entry* e = t.insert(id);
        if (present || model.size() == kCapacity) {
          ASSERT_EQ(e, nullptr) << "step " << step;
        } else {
          ASSERT_NE(e, nullptr) << "step " << step;
          e->ticket = step;
          model[id] = step;
        }
        break;
      }
      case 1: {  // find
        Table::Entry* e = t.find(id);
        ASSERT_EQ(e != nullptr, present) << "step " << step;
        if (e) {
          EXPECT_EQ(e->ticket, model[id]);
        }
        break;
      }
      default: {  // erase
        if (Table::Entry* e = t.find(id)) {
          t.erase(e);
          model.erase(id);
        }
        break;
      }
    }
    ASSERT_EQ(t.size(), model.size());
  }
  for (const auto& [id, v] : model) {
    Table::Entry* e = t.find(id);
    ASSERT_NE(e, nullptr) << id;
    EXPECT_EQ(e->ticket, v);
  }
  std::size_t visited = 0;
  t.for_each([&](Table::Entry& e) {
    ++visited;
    EXPECT_EQ(model.count(std::string(e.exch_id.view())), 1u);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(OrderTable, AFullTableRefusesTheNextInsertAndAcceptsOneAfterAnErase) {
  Table t(3);
  ASSERT_NE(t.insert("A"), nullptr);
  ASSERT_NE(t.insert("B"), nullptr);
  Table::Entry* c = t.insert("C");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(t.insert("D"), nullptr);
  t.erase(c);
  EXPECT_NE(t.insert("D"), nullptr);
  EXPECT_EQ(t.find("C"), nullptr);
}

TEST(OrderTable, ADuplicateEmptyOrOverlongIdIsRefused) {
  Table t(8);
  ASSERT_NE(t.insert("X"), nullptr);
  EXPECT_EQ(t.insert("X"), nullptr);
  EXPECT_EQ(t.insert(""), nullptr);
  EXPECT_EQ(t.insert(std::string(riskgate::route::kMaxIdLen + 1, 'z')), nullptr);
  EXPECT_NE(t.insert(std::string(riskgate::route::kMaxIdLen, 'z')), nullptr);
}

TEST(OrderTable, EntriesKeepTheirAddressWhenOthersAreErased) {
  Table t(64);
  std::vector<Table::Entry*> entries;
  for (int i = 0; i < 40; ++i) entries.push_back(t.insert("O" + std::to_string(i)));
  for (int i = 0; i < 40; i += 2) t.erase(entries[i]);
  for (int i = 1; i < 40; i += 2) EXPECT_EQ(t.find("O" + std::to_string(i)), entries[i]);
}

TEST(OrderTable, TheMostRecentlyFreedEntryIsReusedFirst) {
  Table t(16);
  Table::Entry* a = t.insert("A");
  ASSERT_NE(t.insert("B"), nullptr);
  t.erase(a);
  Table::Entry* c = t.insert("C");
  EXPECT_EQ(c, a) << "LIFO reuse keeps the working set in cache";
  EXPECT_EQ(c->state, OrderState::kPendingNew);
  EXPECT_EQ(c->exch_id.view(), "C");
}

TEST(OrderTable, AVisitResumesAtTheEntryItStoppedAtAndSkipsFreeOnes) {
  Table t(16);
  std::vector<Table::Entry*> e;
  for (int i = 0; i < 6; ++i) e.push_back(t.insert("O" + std::to_string(i)));
  t.erase(e[1]);
  std::vector<std::string> seen;
  // Two entries a call: stops at the third live one, and the next call
  // starts there.
  std::size_t cursor = 0;
  int calls = 0;
  while (cursor < t.capacity()) {
    int left = 2;
    cursor = t.visit_from(cursor, [&](Table::Entry& x) {
      if (left == 0) return false;
      --left;
      seen.emplace_back(x.exch_id.view());
      return true;
    });
    ++calls;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"O0", "O2", "O3", "O4", "O5"}));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(t.visit_from(t.index_of(e[3]), [](Table::Entry&) { return false; }), t.index_of(e[3]));
}

TEST(OrderTable, ACapacityOfZeroIsASetupError) {
  EXPECT_THROW(Table(0), std::invalid_argument);
}

}  // namespace
