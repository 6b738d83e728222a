//===- Expected.h - Errors as values for the search engine -----*- C++ -*-===//
//
// The search library never throws, aborts or exits: every fallible function
// returns an Expected<T> (a value or an error message) or a Status. The MLIR
// passes turn the message into a diagnostic.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_EXPECTED_H
#define SPACEEVO_SEARCH_EXPECTED_H

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace spaceevo::search {

/// A failure, described for a human ("file:line: what went wrong").
struct Error {
  std::string message;
};

inline Error makeError(std::string message) { return Error{std::move(message)}; }

/// Either a T or an Error. Reading the value of an error is a programming
/// mistake (checked by assert), so callers test ok() first.
template <typename T>
class [[nodiscard]] Expected {
public:
  Expected(T value) : storage(std::move(value)) {}
  Expected(Error error) : storage(std::move(error)) {}

  bool ok() const { return storage.index() == 0; }
  explicit operator bool() const { return ok(); }

  T &value() & {
    assert(ok() && "reading the value of a failed Expected");
    return std::get<0>(storage);
  }
  const T &value() const & {
    assert(ok() && "reading the value of a failed Expected");
    return std::get<0>(storage);
  }
  T &&value() && {
    assert(ok() && "reading the value of a failed Expected");
    return std::get<0>(std::move(storage));
  }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }

  /// The error message; empty when ok().
  const std::string &error() const {
    static const std::string empty;
    return ok() ? empty : std::get<1>(storage).message;
  }
  Error takeError() && { return std::get<1>(std::move(storage)); }

private:
  std::variant<T, Error> storage;
};

/// Success, or an error message.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error error) : message(std::move(error.message)), failed(true) {}
  static Status success() { return Status(); }

  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
  const std::string &error() const { return message; }

private:
  std::string message;
  bool failed = false;
};

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_EXPECTED_H
