#include "engine/runtime/status.h"

namespace aurora {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk: return "OK";
    case ErrorKind::kIoError: return "IoError";
    case ErrorKind::kNoSpace: return "NoSpace";
    case ErrorKind::kCorruption: return "Corruption";
    case ErrorKind::kNotFound: return "NotFound";
    case ErrorKind::kAlreadyExists: return "AlreadyExists";
    case ErrorKind::kInvalidArgument: return "InvalidArgument";
    case ErrorKind::kOutOfRange: return "OutOfRange";
    case ErrorKind::kBadHandle: return "BadHandle";
    case ErrorKind::kNodeDown: return "NodeDown";
    case ErrorKind::kStopped: return "Stopped";
    case ErrorKind::kBusy: return "Busy";
    case ErrorKind::kTimeout: return "Timeout";
    case ErrorKind::kFenced: return "Fenced";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string out(error_kind_name(kind_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace aurora
