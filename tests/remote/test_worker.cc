// A minimal remote worker in C++ for the tests and benchmarks (docs/plugins.md, "Remote nodes"):
// it dials the host's worker listener, says Hello with the types of test_worker_types.h, grants
// credits, sends heartbeats, and answers assignments. It prints "CONNECTED <session id>" once
// accepted, or "REFUSED <reason> <message>" and exits with status 2 when refused; "DRAIN <grace
// ms>" when the host asks it to drain (it finishes what it holds; the host closes the stream); and
// "ENDED <gRPC code>" when the stream has ended (then exits, 0 for OK).
//
// It speaks the protocol the way a fast worker should: one thread on gRPC's completion-queue API
// reads, answers and writes (no hand-off between threads per item), one write in flight at a time,
// and whatever queues up meanwhile goes out together as one WorkerBatch when the host takes
// batches (its Accepted says so; the worker's Hello says it takes HostBatch). --no-batch makes it
// an old-style worker: one message per write both ways, no batches announced or sent.
//
//   test_worker --address HOST:PORT [--id NAME] [--token T] [--credits N] [--hold] [--no-batch]
//               [--protocol-version N] [--bad-schema] [--offer TYPE]
//   (--address, --token and --id default to $FLOWHOST_WORKER_ADDRESS, _TOKEN and _ID, which
//   flowhost's managed mode sets)
//   test_worker --write-schemas DIR   writes DIR/<type>.schema.json for each type, for a host's
//                                     remote.types, and exits
//
// Threads: main runs the stream (reads, answers test.noop, test.echo and test.fail, writes,
// heartbeats); each test.slow item waits on a thread of its own (a test tool, not the host: the
// host never does this).
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flowhost/plugin/v1/worker.grpc.pb.h"
#include "grpcpp/alarm.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/remote/test_worker_types.h"

namespace pb = flowhost::plugin::v1;
using Json = nlohmann::json;

namespace {

struct Options {
  std::string address;
  std::string id = "test-worker-" + std::to_string(getpid());
  std::string token;
  int credits = 64;
  bool hold = false;
  bool batches = true;
  int protocol_version = pb::PROTOCOL_VERSION_1;
  bool bad_schema = false;
  std::string offer;  // one more type name to offer (with an empty schema)
};

// A batch stays well under gRPC's default 4 MiB message limit.
constexpr size_t kMaxBatchBytes = 1 << 20;
constexpr int kMaxBatchMessages = 1024;

// A test.slow item waiting for its delay, a cancel or its deadline.
struct SlowItem {
  std::mutex mu;
  std::condition_variable cv;
  bool cancelled = false;
};

pb::WorkerMessage Outputs(const std::string& work_id, const std::vector<Json>& items) {
  pb::WorkerMessage message;
  pb::WorkResult& result = *message.mutable_result();
  result.set_work_id(work_id);
  pb::OutputItems& port = *result.mutable_outputs()->add_ports();
  for (const Json& item : items) port.add_items_json(item.dump());
  return message;
}

pb::WorkerMessage Error(const std::string& work_id, const std::string& error_class,
                        const std::string& text, int code, int64_t retry_after_ms) {
  pb::WorkerMessage message;
  pb::WorkResult& result = *message.mutable_result();
  result.set_work_id(work_id);
  result.mutable_error()->set_error_class(error_class);
  result.mutable_error()->set_message(text);
  result.mutable_error()->set_code(code);
  result.mutable_error()->set_retry_after_ms(retry_after_ms);
  return message;
}

std::vector<Json> InputItems(const pb::Assignment& assignment) {
  std::vector<Json> items;
  if (assignment.inputs_size() > 0) {
    for (const std::string& text : assignment.inputs(0).items_json()) {
      items.push_back(Json::parse(text));
    }
  }
  return items;
}

Json Params(const pb::Assignment& assignment) {
  return assignment.parameters_json_size() > 0 ? Json::parse(assignment.parameters_json(0))
                                               : Json::object();
}

// test.noop's answer: its input items' texts, copied without parsing them.
pb::WorkerMessage NoopResult(const pb::Assignment& assignment) {
  pb::WorkerMessage message;
  pb::WorkResult& result = *message.mutable_result();
  result.set_work_id(assignment.work_id());
  pb::OutputItems& port = *result.mutable_outputs()->add_ports();
  if (assignment.inputs_size() > 0) *port.mutable_items_json() = assignment.inputs(0).items_json();
  return message;
}

// One session: the Connect stream on gRPC's completion-queue API, served by the one thread that
// calls Run. That thread polls the connection itself, so an assignment is read, answered and its
// result written without a hand-off between threads: the fewest wake-ups per item, which is what a
// round trip on a small machine costs most. Only one read and one write are in flight at a time;
// what queues up meanwhile leaves in the next write, as one WorkerBatch when the host takes
// batches. Other threads (test.slow's) queue their messages and wake the loop with an alarm.
class Connection {
 public:
  explicit Connection(const Options& options) : options_(options) {}

  // Dials, says Hello, and serves until the stream ends; returns its status.
  grpc::Status Run() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    auto channel =
        grpc::CreateCustomChannel(options_.address, grpc::InsecureChannelCredentials(), args);
    auto stub = pb::WorkerHost::NewStub(channel);
    stream_ = stub->PrepareAsyncConnect(&context_, &cq_);
    stream_->StartCall(Tag(kStarted));
    Send(Hello());
    stream_->Read(&incoming_, Tag(kRead));
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      switch (static_cast<Event>(reinterpret_cast<intptr_t>(tag))) {
        case kStarted:
          break;  // a failed start fails the read too
        case kRead:
          if (!ok) {
            reading_ = false;  // the host ended the stream, or it broke
            break;
          }
          OnRead();
          stream_->Read(&incoming_, Tag(kRead));
          break;
        case kWritten:
          writing_ = false;
          if (!ok) broken_ = true;
          break;
        case kWake: {
          std::lock_guard<std::mutex> lock(mu_);
          wake_pending_ = false;
          break;
        }
        case kHeartbeat: {
          pb::WorkerMessage beat;
          beat.mutable_heartbeat();
          Send(std::move(beat));
          heartbeat_.Set(&cq_, Deadline(heartbeat_ms_), Tag(kHeartbeat));
          break;
        }
        case kFinished:
          return status_;  // the process exits next: the queue and its alarms need no draining
      }
      if (reading_ && !broken_) {
        WriteQueued();
      } else if (!writing_ && !finishing_) {
        finishing_ = true;  // nothing more is written; the status follows
        stream_->Finish(&status_, Tag(kFinished));
      }
    }
    return status_;
  }

  // Queues `message`; any thread. Messages leave in order.
  void Send(pb::WorkerMessage message) {
    std::lock_guard<std::mutex> lock(mu_);
    outgoing_.push_back(std::move(message));
    if (std::this_thread::get_id() != loop_thread_ && !wake_pending_) {
      wake_pending_ = true;
      wake_.Set(&cq_, gpr_now(GPR_CLOCK_MONOTONIC), Tag(kWake));
    }
  }

 private:
  enum Event : intptr_t { kStarted = 1, kRead, kWritten, kWake, kHeartbeat, kFinished };
  static void* Tag(Event event) { return reinterpret_cast<void*>(static_cast<intptr_t>(event)); }
  static gpr_timespec Deadline(int ms) {
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
  }

  void OnRead() {
    if (incoming_.has_batch()) {
      for (const pb::HostMessage& message : incoming_.batch().messages()) Handle(message);
    } else {
      Handle(incoming_);
    }
    incoming_.Clear();
  }

  // Starts writing what is queued, unless a write is in flight: one message, or (when the host
  // takes batches) up to a batch's worth in one WorkerBatch.
  void WriteQueued() {
    std::lock_guard<std::mutex> lock(mu_);
    if (writing_ || outgoing_.empty()) return;
    in_write_.Clear();
    if (host_batches_ && outgoing_.size() > 1) {
      pb::WorkerBatch& batch = *in_write_.mutable_batch();
      size_t bytes = 0;
      while (!outgoing_.empty() && batch.messages_size() < kMaxBatchMessages) {
        size_t size = outgoing_.front().ByteSizeLong();
        if (batch.messages_size() > 0 && bytes + size > kMaxBatchBytes) break;
        bytes += size;
        *batch.add_messages() = std::move(outgoing_.front());
        outgoing_.pop_front();
      }
      if (batch.messages_size() == 1) {
        pb::WorkerMessage only = std::move(*batch.mutable_messages(0));
        in_write_ = std::move(only);
      }
    } else {
      in_write_ = std::move(outgoing_.front());
      outgoing_.pop_front();
    }
    writing_ = true;
    stream_->Write(in_write_, Tag(kWritten));
  }

  pb::WorkerMessage Hello() const {
    pb::WorkerMessage message;
    pb::Hello& hello = *message.mutable_hello();
    hello.set_protocol_version(options_.protocol_version);
    hello.set_worker_id(options_.id);
    hello.set_worker_build("flowhost test_worker");
    hello.set_token(options_.token);
    hello.set_accepts_batches(options_.batches);
    for (const auto& type : flowhost::remote_testing::kTestWorkerTypes) {
      pb::NodeTypeSpec& spec = *hello.add_node_types();
      spec.set_name(std::string(type.name));
      spec.set_version(1);
      spec.set_description("a test type");
      spec.set_parameter_schema_json(options_.bad_schema ? "{\"type\": \"object\", "
                                                         : std::string(type.schema_json));
      spec.set_streams(type.name == "test.echo");
    }
    if (!options_.offer.empty()) {
      pb::NodeTypeSpec& spec = *hello.add_node_types();
      spec.set_name(options_.offer);
      spec.set_parameter_schema_json(R"({"type":"object","properties":{}})");
    }
    return message;
  }

  void Handle(const pb::HostMessage& message) {
    switch (message.kind_case()) {
      case pb::HostMessage::kAccepted: {
        std::printf("CONNECTED %s\n", message.accepted().session_id().c_str());
        std::fflush(stdout);
        pb::WorkerMessage credit;
        credit.mutable_credit()->set_credits(options_.credits);
        Send(std::move(credit));
        host_batches_ = options_.batches && message.accepted().accepts_batches();
        heartbeat_ms_ = std::max<int>(50, message.accepted().heartbeat_interval_ms());
        heartbeat_.Set(&cq_, Deadline(heartbeat_ms_), Tag(kHeartbeat));
        break;
      }
      case pb::HostMessage::kRefused:
        std::printf("REFUSED %s %s\n", pb::RefusedReason_Name(message.refused().reason()).c_str(),
                    message.refused().message().c_str());
        std::fflush(stdout);
        break;
      case pb::HostMessage::kAssignment:
        Assign(message.assignment());
        break;
      case pb::HostMessage::kCancel: {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = slow_items_.find(message.cancel().work_id());
        if (it != slow_items_.end()) {
          std::lock_guard<std::mutex> item_lock(it->second->mu);
          it->second->cancelled = true;
          it->second->cv.notify_all();
        }
        break;
      }
      case pb::HostMessage::kDrain:
        std::printf("DRAIN %u\n", message.drain().grace_ms());
        std::fflush(stdout);
        break;
      default:
        break;
    }
  }

  void Assign(const pb::Assignment& work) {
    const std::string& type = work.node_type();
    if (type == "test.noop") {
      Send(NoopResult(work));
    } else if (type == "test.echo") {
      if (options_.hold) return;
      std::vector<Json> items = InputItems(work);
      Json params = Params(work);
      for (size_t i = 0; i < items.size(); ++i) {
        if (work.wants_partial_output()) {
          pb::WorkerMessage partial;
          partial.mutable_partial()->set_work_id(work.work_id());
          partial.mutable_partial()->set_item_index(i);
          partial.mutable_partial()->set_text("echo " + std::to_string(i));
          Send(std::move(partial));
        }
        items[i]["worker"] = options_.id;
        items[i]["tag"] = params.value("tag", "");
        items[i]["traceparent"] = work.traceparent();
      }
      Send(Outputs(work.work_id(), items));
    } else if (type == "test.fail") {
      Json params = Params(work);
      if (work.attempt() <= params.value("fail_attempts", 1000)) {
        Send(Error(work.work_id(), params.value("error_class", "failed"),
                   "test.fail failed attempt " + std::to_string(work.attempt()),
                   params.value("code", 14), params.value("retry_after_ms", 0)));
      } else {
        std::vector<Json> items = InputItems(work);
        for (Json& item : items) item["attempt"] = work.attempt();
        Send(Outputs(work.work_id(), items));
      }
    } else if (type == "test.slow") {
      StartSlow(work);
    } else {
      Send(Error(work.work_id(), "invalid_input", "unknown type " + type, 3, 0));
    }
  }

  void StartSlow(const pb::Assignment& work) {
    auto item = std::make_shared<SlowItem>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      slow_items_[work.work_id()] = item;
    }
    int delay_ms = Params(work).value("delay_ms", 60000);
    auto until = std::chrono::system_clock::now() + std::chrono::milliseconds(delay_ms);
    bool by_deadline = false;
    if (work.deadline_unix_micros() > 0) {
      auto deadline = std::chrono::system_clock::time_point(
          std::chrono::microseconds(work.deadline_unix_micros()));
      if (deadline < until) until = deadline, by_deadline = true;
    }
    std::thread([this, item, work, until, by_deadline] {
      std::unique_lock<std::mutex> lock(item->mu);
      bool cancelled = item->cv.wait_until(lock, until, [&] { return item->cancelled; });
      lock.unlock();
      {
        std::lock_guard<std::mutex> table_lock(mu_);
        slow_items_.erase(work.work_id());
      }
      if (cancelled) {
        pb::WorkerMessage log;
        log.mutable_log()->set_work_id(work.work_id());
        log.mutable_log()->set_level(pb::LOG_LEVEL_INFO);
        log.mutable_log()->set_message("cancel observed for " + work.node_name());
        Send(std::move(log));
        Send(Error(work.work_id(), "cancelled", "cancelled by the host", 1, 0));
      } else if (by_deadline) {
        Send(Error(work.work_id(), "timeout", "deadline reached", 4, 0));
      } else {
        std::vector<Json> items = InputItems(work);
        for (Json& out : items) out["worker"] = options_.id;
        Send(Outputs(work.work_id(), items));
      }
    }).detach();
  }

  const Options& options_;
  const std::thread::id loop_thread_ = std::this_thread::get_id();  // Run's: built there
  grpc::CompletionQueue cq_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientAsyncReaderWriterInterface<pb::WorkerMessage, pb::HostMessage>>
      stream_;
  grpc::Alarm wake_;       // set by other threads' Send to have the loop write what they queued
  grpc::Alarm heartbeat_;  // the next heartbeat, once accepted

  // Only the loop thread touches these.
  pb::HostMessage incoming_;
  pb::WorkerMessage in_write_;
  bool reading_ = true;        // until a read fails: the host ended the stream
  bool writing_ = false;       // a write is in flight
  bool broken_ = false;        // a write failed
  bool finishing_ = false;     // Finish called
  bool host_batches_ = false;  // the host's Accepted takes WorkerBatch
  int heartbeat_ms_ = 0;
  grpc::Status status_;

  std::mutex mu_;
  std::deque<pb::WorkerMessage> outgoing_;  // guarded by mu_
  bool wake_pending_ = false;               // guarded by mu_: `wake_` is set
  std::map<std::string, std::shared_ptr<SlowItem>> slow_items_;  // guarded by mu_
};

int Run(const Options& options) {
  // Never destroyed: detached test.slow threads may still hold it when the process exits.
  auto* connection = new Connection(options);
  grpc::Status status = connection->Run();
  std::fprintf(stderr, "test_worker %s: stream ended: %d %s\n", options.id.c_str(),
               static_cast<int>(status.error_code()), status.error_message().c_str());
  std::fflush(stderr);
  std::printf("ENDED %d\n", static_cast<int>(status.error_code()));
  std::fflush(stdout);
  std::_Exit(status.ok() ? 0 : 2);  // detached item threads may still hold the connection
}

}  // namespace

int WriteSchemas(const std::string& dir) {
  for (const auto& type : flowhost::remote_testing::kTestWorkerTypes) {
    const std::string path = dir + "/" + std::string(type.name) + ".schema.json";
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
      std::fprintf(stderr, "test_worker: cannot write %s\n", path.c_str());
      return 1;
    }
    std::fprintf(file, "%s\n", std::string(type.schema_json).c_str());
    std::fclose(file);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-schemas") return WriteSchemas(argv[2]);
  Options options;
  if (const char* address = std::getenv("FLOWHOST_WORKER_ADDRESS")) options.address = address;
  if (const char* token = std::getenv("FLOWHOST_WORKER_TOKEN")) options.token = token;
  if (const char* id = std::getenv("FLOWHOST_WORKER_ID")) options.id = id;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "test_worker: %s needs a value\n", flag.c_str());
        std::exit(64);
      }
      return argv[++i];
    };
    if (flag == "--address") options.address = value();
    else if (flag == "--id") options.id = value();
    else if (flag == "--token") options.token = value();
    else if (flag == "--credits") options.credits = std::stoi(value());
    else if (flag == "--hold") options.hold = true;
    else if (flag == "--no-batch") options.batches = false;
    else if (flag == "--protocol-version") options.protocol_version = std::stoi(value());
    else if (flag == "--bad-schema") options.bad_schema = true;
    else if (flag == "--offer") options.offer = value();
    else {
      std::fprintf(stderr, "test_worker: unknown flag %s\n", flag.c_str());
      return 64;
    }
  }
  if (options.address.empty()) {
    std::fprintf(stderr, "test_worker: --address is required\n");
    return 64;
  }
  return Run(options);
}
