#include "server/service/arena_message_allocator.h"

#include <gtest/gtest.h>

#include "flowhost/v1/workflow_service.pb.h"
#include "server/service/json_proto.h"

namespace flowhost::service {
namespace {

using Allocator = ArenaMessageAllocator<v1::RunWorkflowRequest, v1::RunWorkflowResponse>;

TEST(ArenaMessageAllocatorTest, PutsTheRequestAndTheResponseOfACallOnOneArena) {
  Allocator allocator;
  grpc::MessageHolder<v1::RunWorkflowRequest, v1::RunWorkflowResponse>* messages =
      allocator.AllocateMessages();
  ASSERT_NE(messages->request()->GetArena(), nullptr);
  EXPECT_EQ(messages->request()->GetArena(), messages->response()->GetArena());
  messages->Release();
}

TEST(ArenaMessageAllocatorTest, GivesEachCallItsOwnArena) {
  Allocator allocator;
  auto* first = allocator.AllocateMessages();
  auto* second = allocator.AllocateMessages();
  EXPECT_NE(first->response()->GetArena(), second->response()->GetArena());
  first->Release();
  second->Release();
}

TEST(ArenaMessageAllocatorTest, AResponseBuiltOnTheArenaSerialisesLikeOneOnTheHeap) {
  sdk::Json item = {{"content", "a long enough answer to leave the small-string buffer"},
                    {"usage", {{"prompt_tokens", 23}, {"completion_tokens", 20}}},
                    {"tool_calls", nullptr},
                    {"list", {1, "two", true}}};
  v1::RunWorkflowResponse on_heap;
  ASSERT_TRUE(JsonToValue(item, *on_heap.add_output_items()).ok());
  on_heap.set_execution_id("exec-1");

  Allocator allocator;
  auto* messages = allocator.AllocateMessages();
  v1::RunWorkflowResponse& on_arena = *messages->response();
  ASSERT_TRUE(JsonToValue(item, *on_arena.add_output_items()).ok());
  on_arena.set_execution_id("exec-1");
  EXPECT_EQ(ValueToJson(on_arena.output_items(0)), item);
  EXPECT_EQ(on_arena.ByteSizeLong(), on_heap.ByteSizeLong());
  messages->Release();
}

}  // namespace
}  // namespace flowhost::service
