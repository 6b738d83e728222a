//===- Status.h - Errors as values for the INT8 runtime ---------*- C++ -*-===//
//
// The runtime never aborts on bad input: every fallible call returns a
// Status (success or a message) or an Expected<T> (a value or a message).
// Kept independent of lib/space so that lib/runtime has no project
// dependencies and can be linked on its own.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_RUNTIME_STATUS_H
#define SPACEEVO_RUNTIME_STATUS_H

#include <optional>
#include <string>
#include <utility>

namespace spaceevo::runtime {

/// Success, or failure with a human-readable message.
class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status failure(std::string message) {
    Status status;
    status.failed_ = true;
    status.message_ = std::move(message);
    return status;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &error() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

/// A value, or the message of why there is none.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  Expected(Status status) : message_(status.error()) {
    // A successful Status carries no value; treat it as a programming error
    // reported as a message rather than an abort.
    if (status.ok())
      message_ = "internal error: Expected built from a successful Status";
  }
  static Expected failure(std::string message) {
    return Expected(Status::failure(std::move(message)));
  }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T &value() const & { return *value_; }
  T &value() & { return *value_; }
  T &&value() && { return std::move(*value_); }
  const T *operator->() const { return &*value_; }
  T *operator->() { return &*value_; }
  const T &operator*() const { return *value_; }
  T &operator*() { return *value_; }
  const std::string &error() const { return message_; }
  Status status() const {
    return ok() ? Status::success() : Status::failure(message_);
  }

private:
  std::optional<T> value_;
  std::string message_;
};

} // namespace spaceevo::runtime

#endif // SPACEEVO_RUNTIME_STATUS_H
