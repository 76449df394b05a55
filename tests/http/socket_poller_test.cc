#include "server/http/socket_poller.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace flowhost::http {
namespace {

// A connected pair of stream sockets, closed at the end of the test.
struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  int fds[2] = {-1, -1};
};

struct Seen {
  int fd;
  SocketPoller::Ready ready;
};

std::vector<Seen> WaitOnce(SocketPoller& poller, int timeout_ms, bool* woken = nullptr) {
  std::vector<Seen> seen;
  bool was_woken = poller.Wait(timeout_ms, [&](int fd, SocketPoller::Ready ready) {
    seen.push_back({fd, ready});
  });
  if (woken != nullptr) *woken = was_woken;
  return seen;
}

TEST(SocketPollerTest, ReportsAWatchedSocketOnceItIsReadable) {
  SocketPoller poller;
  SocketPair pair;
  poller.Watch(pair.fds[0], SocketPoller::kReadable, false);
  EXPECT_TRUE(WaitOnce(poller, 0).empty());

  ASSERT_EQ(write(pair.fds[1], "x", 1), 1);
  std::vector<Seen> seen = WaitOnce(poller, 1000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].fd, pair.fds[0]);
  EXPECT_TRUE(seen[0].ready.readable);
  EXPECT_FALSE(seen[0].ready.writable);
}

TEST(SocketPollerTest, ChangingTheInterestReplacesIt) {
  SocketPoller poller;
  SocketPair pair;
  poller.Watch(pair.fds[0], SocketPoller::kReadable, false);
  EXPECT_TRUE(WaitOnce(poller, 0).empty());  // nothing to read yet
  poller.Watch(pair.fds[0], SocketPoller::kWritable, true);
  std::vector<Seen> seen = WaitOnce(poller, 1000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].ready.writable);
}

TEST(SocketPollerTest, AForgottenSocketIsNoLongerReported) {
  SocketPoller poller;
  SocketPair pair;
  poller.Watch(pair.fds[0], SocketPoller::kWritable, false);
  poller.Watch(pair.fds[0], SocketPoller::kNone, true);
  EXPECT_TRUE(WaitOnce(poller, 0).empty());
}

TEST(SocketPollerTest, ForgettingASocketClosedAlreadyIsHarmless) {
  SocketPoller poller;
  SocketPair pair;
  poller.Watch(pair.fds[0], SocketPoller::kReadable, false);
  close(pair.fds[0]);
  const int closed = pair.fds[0];
  pair.fds[0] = -1;
  poller.Watch(closed, SocketPoller::kNone, true);
  // The closed descriptor's number may be handed out again: watching the new one works.
  SocketPair again;
  poller.Watch(again.fds[0], SocketPoller::kWritable, false);
  EXPECT_EQ(WaitOnce(poller, 1000).size(), 1u);
}

TEST(SocketPollerTest, AWrongIdeaOfWhetherASocketIsWatchedStillEndsWatchingIt) {
  SocketPoller poller;
  SocketPair pair;
  // Believed watched but not (as after a close and a reuse of the number): it is added.
  poller.Watch(pair.fds[0], SocketPoller::kWritable, true);
  EXPECT_EQ(WaitOnce(poller, 1000).size(), 1u);
  // Believed new but watched already: its interest is changed.
  poller.Watch(pair.fds[0], SocketPoller::kReadable, false);
  EXPECT_TRUE(WaitOnce(poller, 0).empty());  // now only readable is asked for
  ASSERT_EQ(write(pair.fds[1], "x", 1), 1);
  EXPECT_EQ(WaitOnce(poller, 1000).size(), 1u);
}

TEST(SocketPollerTest, AHangUpIsReportedAsReadableSoTheReaderSeesTheEnd) {
  SocketPoller poller;
  SocketPair pair;
  poller.Watch(pair.fds[0], SocketPoller::kReadable, false);
  close(pair.fds[1]);
  pair.fds[1] = -1;
  std::vector<Seen> seen = WaitOnce(poller, 1000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].ready.readable);
}

TEST(SocketPollerTest, WakeFromAnotherThreadEndsAWaitWithoutALimit) {
  SocketPoller poller;
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    poller.Wake();
  });
  bool woken = false;
  EXPECT_TRUE(WaitOnce(poller, -1, &woken).empty());
  EXPECT_TRUE(woken);
  waker.join();
}

TEST(SocketPollerTest, WakesBeforeAWaitAreKeptAndConsumedOnce) {
  SocketPoller poller;
  poller.Wake();
  poller.Wake();
  bool woken = false;
  WaitOnce(poller, 0, &woken);
  EXPECT_TRUE(woken);
  WaitOnce(poller, 0, &woken);
  EXPECT_FALSE(woken);
}

}  // namespace
}  // namespace flowhost::http
