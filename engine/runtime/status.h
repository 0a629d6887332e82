// Status and Result: how every operating error crosses the seam.
//
// Errors the engine must survive (I/O errors, full disks, corrupt bytes, a crashed
// node's dead handles) are values, never exceptions. Both types are [[nodiscard]], so
// an ignored write or fsync result fails the build (-Werror). Programmer errors are not
// Status values: they are AURORA_ASSERTs (assert.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/runtime/assert.h"

namespace aurora {

enum class ErrorKind : std::uint8_t {
  kOk = 0,
  kIoError,          // EIO: the device failed the request
  kNoSpace,          // ENOSPC
  kCorruption,       // bytes on disk fail validation
  kNotFound,         // no such file, directory or key
  kAlreadyExists,    // exclusive create of an existing name
  kInvalidArgument,  // the caller asked for something meaningless
  kOutOfRange,       // e.g. a read that starts past the end of a file
  kBadHandle,        // unknown, closed, or from a previous incarnation of the disk
  kNodeDown,         // the node that owns the resource has crashed
  kStopped,          // the component stopped itself (e.g. after an fsync failure)
  kBusy,             // try again later
  kTimeout,          // no answer in time: the request may or may not have taken effect
  kFenced,           // a newer epoch has been seen: the sender is stale and must not go on
};
inline constexpr ErrorKind kLastErrorKind = ErrorKind::kFenced;

std::string_view error_kind_name(ErrorKind kind);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status io_error(std::string m) { return {ErrorKind::kIoError, std::move(m)}; }
  static Status no_space(std::string m) { return {ErrorKind::kNoSpace, std::move(m)}; }
  static Status corruption(std::string m) { return {ErrorKind::kCorruption, std::move(m)}; }
  static Status not_found(std::string m) { return {ErrorKind::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {ErrorKind::kAlreadyExists, std::move(m)}; }
  static Status invalid_argument(std::string m) {
    return {ErrorKind::kInvalidArgument, std::move(m)};
  }
  static Status out_of_range(std::string m) { return {ErrorKind::kOutOfRange, std::move(m)}; }
  static Status bad_handle(std::string m) { return {ErrorKind::kBadHandle, std::move(m)}; }
  static Status node_down(std::string m) { return {ErrorKind::kNodeDown, std::move(m)}; }
  static Status stopped(std::string m) { return {ErrorKind::kStopped, std::move(m)}; }
  static Status busy(std::string m) { return {ErrorKind::kBusy, std::move(m)}; }
  static Status timeout(std::string m) { return {ErrorKind::kTimeout, std::move(m)}; }
  static Status fenced(std::string m) { return {ErrorKind::kFenced, std::move(m)}; }

  bool is_ok() const { return kind_ == ErrorKind::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "IoError: fsync of wal/000001.log failed" — for logs and reports.
  std::string to_string() const;

  // Explicitly discards a status whose failure the caller has decided not to act on.
  // Each use says why in a comment; grep for it in review.
  void ignore() const {}

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    AURORA_ASSERT(!status_.is_ok(), "a Result built from a Status must carry an error");
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  ErrorKind kind() const { return status_.kind(); }

  T& value() & {
    AURORA_ASSERT(is_ok(), "value() of a failed Result: " + status_.to_string());
    return *value_;
  }
  const T& value() const& {
    AURORA_ASSERT(is_ok(), "value() of a failed Result: " + status_.to_string());
    return *value_;
  }
  T&& value() && {
    AURORA_ASSERT(is_ok(), "value() of a failed Result: " + status_.to_string());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace aurora

// Returns early from the enclosing function when `expr` yields a failed Status.
#define AURORA_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::aurora::Status aurora_s_ = (expr);    \
    if (!aurora_s_.is_ok()) return aurora_s_; \
  } while (0)
