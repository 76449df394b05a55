// A credential value that must never be printed. Secret has no implicit conversion to a string and no
// operator<<; code that needs the value (to build an Authorization header) calls reveal(), which makes
// every use easy to find in review. Redacted() is what logs and errors may show.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef FLOWHOST_SDK_SECRET_H_
#define FLOWHOST_SDK_SECRET_H_

#include <string>
#include <utility>

namespace flowhost::sdk {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The secret itself. Only for the place that sends it upstream.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // A placeholder safe to log: "<redacted>" or "<empty>".
  std::string Redacted() const { return value_.empty() ? "<empty>" : "<redacted>"; }

 private:
  std::string value_;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_SECRET_H_
