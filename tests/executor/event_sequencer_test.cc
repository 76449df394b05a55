// EventSequencer: events run in the order they were pushed, one at a time, on whichever thread
// drains first, including events pushed while a drain is under way.
#include "server/executor/event_sequencer.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace flowhost::executor {
namespace {

TEST(EventSequencerTest, RunsQueuedEventsInPushOrder) {
  EventSequencer sequencer;
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) sequencer.Push([&ran, i] { ran.push_back(i); });
  EXPECT_TRUE(ran.empty()) << "Push must not run anything";
  sequencer.Drain();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
  sequencer.Drain();  // nothing left: a no-op
  EXPECT_EQ(ran.size(), 5u);
}

TEST(EventSequencerTest, AnEventPushedByAnEventRunsAfterTheEventsBeforeIt) {
  EventSequencer sequencer;
  std::vector<std::string> ran;
  sequencer.Push([&] {
    ran.push_back("first");
    sequencer.Push([&] { ran.push_back("pushed by first"); });
    sequencer.Drain();  // a drain is under way: returns at once
    ran.push_back("first done");
  });
  sequencer.Push([&] { ran.push_back("second"); });
  sequencer.Drain();
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "first done", "second", "pushed by first"}));
}

TEST(EventSequencerTest, EventsFromManyThreadsRunOneAtATimeAndEachOnce) {
  EventSequencer sequencer;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  int ran = 0;  // only touched by events, which never overlap
  std::vector<std::vector<int>> order(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        sequencer.Push([&, t, i] {
          if (running.fetch_add(1) != 0) overlaps.fetch_add(1);
          ++ran;
          order[t].push_back(i);
          running.fetch_sub(1);
        });
        sequencer.Drain();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  sequencer.Drain();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(ran, kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(order[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(order[t][i], i) << "thread " << t;
  }
}

}  // namespace
}  // namespace flowhost::executor
