#include "server/common/contained_task.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace flowhost::common {
namespace {

thread_local const std::string* current_fault = nullptr;

std::string Demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled != nullptr ? std::string(demangled.get()) : std::string(name);
}

}  // namespace

std::string DescribeCurrentException() {
  try {
    throw;
  } catch (const std::exception& error) {
    return Demangle(typeid(error).name()) + ": " + error.what();
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    if (type == nullptr) return "an exception of unknown type";
    return "an exception of type " + Demangle(type->name());
  }
}

std::string RunContainedTask(absl::AnyInvocable<void()>& task) {
  std::string fault;
  try {
    task();
    return fault;
  } catch (...) {
    fault = DescribeCurrentException();
  }
  if (fault.empty()) fault = "an exception with an empty description";
  const std::string* outer = current_fault;
  current_fault = &fault;
  task = nullptr;  // what it captured is destroyed now, while the fault is visible
  current_fault = outer;
  return fault;
}

const std::string* CurrentTaskFault() { return current_fault; }

}  // namespace flowhost::common
