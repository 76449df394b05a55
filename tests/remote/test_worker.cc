// A minimal remote worker in C++ for the tests and benchmarks (docs/plugins.md, "Remote nodes"):
// it dials the host's worker listener, says Hello with the types of test_worker_types.h, grants
// credits, sends heartbeats, and answers assignments. It prints "CONNECTED <session id>" once
// accepted, or "REFUSED <reason> <message>" and exits with status 2 when refused; "DRAIN <grace
// ms>" when the host asks it to drain (it finishes what it holds; the host closes the stream); and
// "ENDED <gRPC code>" when the stream has ended (then exits, 0 for OK).
//
//   test_worker --address HOST:PORT [--id NAME] [--token T] [--credits N] [--hold]
//               [--protocol-version N] [--bad-schema] [--offer TYPE]
//   (--address, --token and --id default to $FLOWHOST_WORKER_ADDRESS, _TOKEN and _ID, which
//   flowhost's managed mode sets)
//   test_worker --write-schemas DIR   writes DIR/<type>.schema.json for each type, for a host's
//                                     remote.types, and exits
//
// Threads: main reads the stream; one thread sends heartbeats; each test.slow item waits on a
// thread of its own (a test tool, not the host: the host never does this).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>

#include "flowhost/plugin/v1/worker.grpc.pb.h"
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
  int protocol_version = pb::PROTOCOL_VERSION_1;
  bool bad_schema = false;
  std::string offer;  // one more type name to offer (with an empty schema)
};

using Stream = grpc::ClientReaderWriter<pb::WorkerMessage, pb::HostMessage>;

class Writer {
 public:
  explicit Writer(Stream& stream) : stream_(stream) {}
  void Write(const pb::WorkerMessage& message) {
    std::lock_guard<std::mutex> lock(mu_);
    stream_.Write(message);
  }

 private:
  std::mutex mu_;
  Stream& stream_;
};

// A test.slow item waiting for its delay, a cancel or its deadline.
struct SlowItem {
  std::mutex mu;
  std::condition_variable cv;
  bool cancelled = false;
};

void SendOutputs(Writer& writer, const std::string& work_id, const std::vector<Json>& items) {
  pb::WorkerMessage message;
  pb::WorkResult& result = *message.mutable_result();
  result.set_work_id(work_id);
  pb::OutputItems& port = *result.mutable_outputs()->add_ports();
  for (const Json& item : items) port.add_items_json(item.dump());
  writer.Write(message);
}

void SendError(Writer& writer, const std::string& work_id, const std::string& error_class,
               const std::string& text, int code, int64_t retry_after_ms) {
  pb::WorkerMessage message;
  pb::WorkResult& result = *message.mutable_result();
  result.set_work_id(work_id);
  result.mutable_error()->set_error_class(error_class);
  result.mutable_error()->set_message(text);
  result.mutable_error()->set_code(code);
  result.mutable_error()->set_retry_after_ms(retry_after_ms);
  writer.Write(message);
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

int Run(const Options& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  auto channel = grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
  auto stub = pb::WorkerHost::NewStub(channel);
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = stub->Connect(&context);
  Writer writer(*stream);

  pb::WorkerMessage hello_message;
  pb::Hello& hello = *hello_message.mutable_hello();
  hello.set_protocol_version(options.protocol_version);
  hello.set_worker_id(options.id);
  hello.set_worker_build("flowhost test_worker");
  hello.set_token(options.token);
  for (const auto& type : flowhost::remote_testing::kTestWorkerTypes) {
    pb::NodeTypeSpec& spec = *hello.add_node_types();
    spec.set_name(std::string(type.name));
    spec.set_version(1);
    spec.set_description("a test type");
    spec.set_parameter_schema_json(options.bad_schema ? "{\"type\": \"object\", " : std::string(type.schema_json));
    spec.set_streams(type.name == "test.echo");
  }
  if (!options.offer.empty()) {
    pb::NodeTypeSpec& spec = *hello.add_node_types();
    spec.set_name(options.offer);
    spec.set_parameter_schema_json(R"({"type":"object","properties":{}})");
  }
  writer.Write(hello_message);

  std::mutex slow_mu;
  std::map<std::string, std::shared_ptr<SlowItem>> slow_items;
  std::atomic<bool> done{false};
  std::thread heartbeats;

  pb::HostMessage message;
  while (stream->Read(&message)) {
    switch (message.kind_case()) {
      case pb::HostMessage::kAccepted: {
        std::printf("CONNECTED %s\n", message.accepted().session_id().c_str());
        std::fflush(stdout);
        pb::WorkerMessage credit;
        credit.mutable_credit()->set_credits(options.credits);
        writer.Write(credit);
        int interval = std::max<int>(50, message.accepted().heartbeat_interval_ms());
        heartbeats = std::thread([&writer, &done, interval] {
          while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(interval));
            pb::WorkerMessage beat;
            beat.mutable_heartbeat();
            writer.Write(beat);
          }
        });
        break;
      }
      case pb::HostMessage::kRefused:
        std::printf("REFUSED %s %s\n", pb::RefusedReason_Name(message.refused().reason()).c_str(),
                    message.refused().message().c_str());
        std::fflush(stdout);
        break;
      case pb::HostMessage::kAssignment: {
        const pb::Assignment& work = message.assignment();
        const std::string& type = work.node_type();
        if (type == "test.noop") {
          SendOutputs(writer, work.work_id(), InputItems(work));
        } else if (type == "test.echo") {
          if (options.hold) break;
          std::vector<Json> items = InputItems(work);
          Json params = Params(work);
          for (size_t i = 0; i < items.size(); ++i) {
            if (work.wants_partial_output()) {
              pb::WorkerMessage partial;
              partial.mutable_partial()->set_work_id(work.work_id());
              partial.mutable_partial()->set_item_index(i);
              partial.mutable_partial()->set_text("echo " + std::to_string(i));
              writer.Write(partial);
            }
            items[i]["worker"] = options.id;
            items[i]["tag"] = params.value("tag", "");
            items[i]["traceparent"] = work.traceparent();
          }
          SendOutputs(writer, work.work_id(), items);
        } else if (type == "test.fail") {
          Json params = Params(work);
          if (work.attempt() <= params.value("fail_attempts", 1000)) {
            SendError(writer, work.work_id(), params.value("error_class", "failed"),
                      "test.fail failed attempt " + std::to_string(work.attempt()),
                      params.value("code", 14), params.value("retry_after_ms", 0));
          } else {
            std::vector<Json> items = InputItems(work);
            for (Json& item : items) item["attempt"] = work.attempt();
            SendOutputs(writer, work.work_id(), items);
          }
        } else if (type == "test.slow") {
          auto item = std::make_shared<SlowItem>();
          {
            std::lock_guard<std::mutex> lock(slow_mu);
            slow_items[work.work_id()] = item;
          }
          int delay_ms = Params(work).value("delay_ms", 60000);
          auto until = std::chrono::system_clock::now() + std::chrono::milliseconds(delay_ms);
          bool by_deadline = false;
          if (work.deadline_unix_micros() > 0) {
            auto deadline = std::chrono::system_clock::time_point(
                std::chrono::microseconds(work.deadline_unix_micros()));
            if (deadline < until) until = deadline, by_deadline = true;
          }
          std::thread([&writer, &slow_mu, &slow_items, &options, item, work, until, by_deadline] {
            std::unique_lock<std::mutex> lock(item->mu);
            bool cancelled = item->cv.wait_until(lock, until, [&] { return item->cancelled; });
            lock.unlock();
            {
              std::lock_guard<std::mutex> table_lock(slow_mu);
              slow_items.erase(work.work_id());
            }
            if (cancelled) {
              pb::WorkerMessage log;
              log.mutable_log()->set_work_id(work.work_id());
              log.mutable_log()->set_level(pb::LOG_LEVEL_INFO);
              log.mutable_log()->set_message("cancel observed for " + work.node_name());
              writer.Write(log);
              SendError(writer, work.work_id(), "cancelled", "cancelled by the host", 1, 0);
            } else if (by_deadline) {
              SendError(writer, work.work_id(), "timeout", "deadline reached", 4, 0);
            } else {
              std::vector<Json> items = InputItems(work);
              for (Json& out : items) out["worker"] = options.id;
              SendOutputs(writer, work.work_id(), items);
            }
          }).detach();
        } else {
          SendError(writer, work.work_id(), "invalid_input", "unknown type " + type, 3, 0);
        }
        break;
      }
      case pb::HostMessage::kCancel: {
        std::lock_guard<std::mutex> lock(slow_mu);
        auto it = slow_items.find(message.cancel().work_id());
        if (it != slow_items.end()) {
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
  done = true;
  grpc::Status status = stream->Finish();
  std::fprintf(stderr, "test_worker %s: stream ended: %d %s\n", options.id.c_str(),
               static_cast<int>(status.error_code()), status.error_message().c_str());
  std::fflush(stderr);
  std::printf("ENDED %d\n", static_cast<int>(status.error_code()));
  std::fflush(stdout);
  std::_Exit(status.ok() ? 0 : 2);  // detached item threads may still hold the writer
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
