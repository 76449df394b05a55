// Allocates the messages of each call of one unary RPC whose request arrives as bytes (the
// service parses it itself, request_parser.h): the bytes, and a protobuf Arena owned by the call
// with the response on it. The handler parses the request onto the same arena (the response's
// GetArena()), so building a reply made of many small messages (RunWorkflow's output items and
// summary are google.protobuf.Struct/Value trees: a map node, a key and a Value per JSON field)
// costs bump allocations instead of a malloc each, and tearing it down after the call frees a few
// blocks instead of every message, string and map node. The arena starts empty and grows with what
// is put in it (protobuf's default block sizes, 256 bytes up to 8 KiB), so a call waiting on its
// execution holds little more than its request.
//
// Installed on the method's handler (CallbackUnaryHandler::SetMessageAllocator); it must outlive
// the server. Handlers see ordinary messages; they must not Swap them with heap messages expecting
// a cheap pointer swap (protobuf copies across arenas). Thread-safety: AllocateMessages may be
// called from any thread at once (it keeps no state).
#ifndef FLOWHOST_SERVER_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_
#define FLOWHOST_SERVER_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/message_allocator.h"

namespace flowhost::service {

template <typename Response>
class ArenaMessageAllocator : public grpc::MessageAllocator<grpc::ByteBuffer, Response> {
 public:
  grpc::MessageHolder<grpc::ByteBuffer, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  class Holder : public grpc::MessageHolder<grpc::ByteBuffer, Response> {
   public:
    Holder() {
      this->set_request(&bytes_);
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    // gRPC calls this once the call is done with both messages.
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;  // declared first: destroyed after the bytes
    grpc::ByteBuffer bytes_;
  };
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_ARENA_MESSAGE_ALLOCATOR_H_
