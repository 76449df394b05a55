// A streamed chat completion (`"stream": true`) built from a StreamWorkflow call's messages: the
// payloads of the `data:` lines, in OpenAI's chat.completion.chunk format (docs/http.md).
//
//   execution_started   the first chunk: choice 0's role, id "chatcmpl-" + the execution id
//   token_delta         a chunk with the text as `delta.content` (`delta.reasoning` for reasoning),
//                       choice = the item index; only the deltas of one node are streamed: the
//                       first node that sends one (a workflow's other LLM nodes would interleave)
//   tokens_reset        the text already sent for that item cannot be taken back: the item's later
//                       deltas are held back, and the final answer decides (below)
//   execution_finished  for each output item, the part of its final content not streamed yet (all
//                       of it when its node did not stream), then one chunk per choice with its
//                       finish_reason, then a chunk with no choices and the `usage`
//   the call's end      a failure is one `{"error": {...}}` payload (OpenAI's mid-stream error);
//                       then "[DONE]"
//
// When the text sent for an item is not the start of its final content (a fallback replaced an
// answer that had begun to stream, or a later node rewrote it), the stream ends with an error
// payload instead of a wrong answer; the execution id in it finds the whole result in the history.
//
// Thread-safety: one caller at a time (the gateway's loop thread).
#ifndef FLOWHOST_SERVER_HTTP_API_OPENAI_STREAM_H_
#define FLOWHOST_SERVER_HTTP_API_OPENAI_STREAM_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flowhost/sdk/json.h"
#include "flowhost/v1/error_details.pb.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/support/status.h"

namespace flowhost::http_api::openai {

class CompletionStream {
 public:
  // `model` is the id the client asked for, named in every chunk; `created` its Unix time.
  CompletionStream(std::string model, int64_t created)
      : model_(std::move(model)), created_(created) {}

  // The payloads to send for one message of the stream, in order (maybe none).
  std::vector<std::string> OnMessage(const v1::StreamWorkflowResponse& message);

  // The last payloads once the call has ended: an error when it failed (or the stream could not
  // be completed), then "[DONE]".
  std::vector<std::string> OnEnd(const grpc::Status& status,
                                 const std::optional<v1::ErrorDetails>& details);

  // Whether a payload has been produced (the HTTP head must have been sent).
  bool started() const { return started_; }

 private:
  sdk::Json Chunk(sdk::Json choices) const;
  std::string DeltaChunk(int index, const std::string& field, const std::string& text);
  void Finish(const v1::ExecutionFinished& finished, std::vector<std::string>& out);

  const std::string model_;
  const int64_t created_;
  std::string id_ = "chatcmpl-";
  bool started_ = false;
  std::string streamed_node_;               // the node whose deltas are streamed
  std::map<int, std::string> sent_;         // per choice: the content sent so far
  std::map<int, bool> role_sent_;           // per choice: its first chunk (with the role) is out
  std::map<int, bool> held_back_;           // per choice: a reset voided text already sent
  std::optional<std::string> failure_;      // why the stream could not be completed
};

}  // namespace flowhost::http_api::openai

#endif  // FLOWHOST_SERVER_HTTP_API_OPENAI_STREAM_H_
