#include "server/service/arena_message_allocator.h"

#include <gtest/gtest.h>

#include "flowhost/v1/workflow_service.pb.h"
#include "server/service/json_proto.h"

namespace flowhost::service {
namespace {

using Allocator = ArenaMessageAllocator<v1::RunWorkflowResponse>;

TEST(ArenaMessageAllocatorTest, PutsTheResponseOnTheCallsArenaWhereTheRequestIsParsedToo) {
  Allocator allocator;
  grpc::MessageHolder<grpc::ByteBuffer, v1::RunWorkflowResponse>* messages =
      allocator.AllocateMessages();
  google::protobuf::Arena* arena = messages->response()->GetArena();
  ASSERT_NE(arena, nullptr);
  EXPECT_FALSE(messages->request()->Valid());  // gRPC puts the request's bytes there
  auto* request = google::protobuf::Arena::CreateMessage<v1::RunWorkflowRequest>(arena);
  EXPECT_EQ(request->GetArena(), arena);
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
