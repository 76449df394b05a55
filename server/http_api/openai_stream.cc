#include "server/http_api/openai_stream.h"

#include <utility>

#include "server/http_api/openai_mapping.h"

namespace flowhost::http_api::openai {
namespace {

using sdk::Json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Json CompletionStream::Chunk(Json choices) const {
  return {{"id", id_},
          {"object", "chat.completion.chunk"},
          {"created", created_},
          {"model", model_},
          {"choices", std::move(choices)}};
}

std::string CompletionStream::DeltaChunk(int index, const std::string& field,
                                         const std::string& text) {
  Json delta = Json::object();
  if (!role_sent_[index]) {
    role_sent_[index] = true;
    delta["role"] = "assistant";
  }
  delta[field] = text;
  return Dump(Chunk(Json::array(
      {{{"index", index}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}})));
}

std::vector<std::string> CompletionStream::OnMessage(const v1::StreamWorkflowResponse& message) {
  std::vector<std::string> out;
  switch (message.event_case()) {
    case v1::StreamWorkflowResponse::kExecutionStarted:
      id_ = "chatcmpl-" + message.execution_started().execution_id();
      started_ = true;
      out.push_back(DeltaChunk(0, "content", ""));
      break;
    case v1::StreamWorkflowResponse::kTokenDelta: {
      const v1::TokenDelta& delta = message.token_delta();
      if (streamed_node_.empty()) streamed_node_ = delta.node();
      if (delta.node() != streamed_node_ || delta.text().empty()) break;
      int index = delta.item_index();
      if (delta.kind() == "reasoning") {
        if (!held_back_[index]) out.push_back(DeltaChunk(index, "reasoning", delta.text()));
        break;
      }
      if (held_back_[index]) break;
      sent_[index] += delta.text();
      out.push_back(DeltaChunk(index, "content", delta.text()));
      break;
    }
    case v1::StreamWorkflowResponse::kTokensReset: {
      const v1::TokensReset& reset = message.tokens_reset();
      if (reset.node() == streamed_node_ && !sent_[reset.item_index()].empty()) {
        held_back_[reset.item_index()] = true;
      }
      break;
    }
    case v1::StreamWorkflowResponse::kExecutionFinished:
      if (message.execution_finished().status() == v1::EXECUTION_STATUS_SUCCEEDED) {
        Finish(message.execution_finished(), out);
      }
      break;
    default:
      break;
  }
  return out;
}

void CompletionStream::Finish(const v1::ExecutionFinished& finished,
                              std::vector<std::string>& out) {
  std::vector<Answer> answers = AnswersOf(finished.output_items());
  for (size_t i = 0; i < answers.size(); ++i) {
    int index = static_cast<int>(i);
    const std::string& sent = sent_[index];
    const std::string& content = answers[i].content;
    if (content.compare(0, sent.size(), sent) != 0) {
      failure_ = "the text streamed for choice " + std::to_string(i) +
                 " is not the start of the workflow's answer (a fallback replaced an answer that "
                 "had begun to stream, or a later node rewrote it); the whole answer is in the "
                 "execution " +
                 id_.substr(sizeof("chatcmpl-") - 1);
      return;
    }
    if (content.size() > sent.size() || !role_sent_[index]) {
      out.push_back(DeltaChunk(index, "content", content.substr(sent.size())));
      sent_[index] = content;
    }
  }
  Json choices = Json::array();
  for (size_t i = 0; i < answers.size(); ++i) {
    choices.push_back(
        {{"index", i}, {"delta", Json::object()}, {"finish_reason", answers[i].finish_reason}});
  }
  out.push_back(Dump(Chunk(std::move(choices))));
  Json usage = Chunk(Json::array());
  usage["usage"] = UsageOf(finished.summary());
  out.push_back(Dump(usage));
}

std::vector<std::string> CompletionStream::OnEnd(const grpc::Status& status,
                                                 const std::optional<v1::ErrorDetails>& details) {
  std::vector<std::string> out;
  if (!status.ok()) {
    out.push_back(ErrorBody(ErrorFromStatus(status, details)));
  } else if (failure_.has_value()) {
    Error error;
    error.http_status = 502;
    error.type = "server_error";
    error.code = "stream_replaced";
    error.message = *failure_;
    out.push_back(ErrorBody(error));
  }
  out.push_back("[DONE]");
  return out;
}

}  // namespace flowhost::http_api::openai
