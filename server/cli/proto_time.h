// The times in the API's answers (google.protobuf.Timestamp, unset when zero), as the CLI's verbs
// print them.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_CLI_PROTO_TIME_H_
#define FLOWHOST_SERVER_CLI_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace flowhost::cli {

// Whether the server set the time (the API leaves a time it does not know unset).
inline bool HasTime(const google::protobuf::Timestamp& t) {
  return t.seconds() != 0 || t.nanos() != 0;
}

inline absl::Time ToAbslTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_PROTO_TIME_H_
