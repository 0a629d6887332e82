#include "workloads/check/describe.h"

#include <algorithm>

namespace aurora::workloads::check {

std::string lsn_range(Lsn first, Lsn last) {
  // Appended piece by piece: "[" + std::to_string(..) trips GCC 12's false -Wrestrict.
  std::string out = "[";
  out += std::to_string(first);
  out += ", ";
  out += std::to_string(last);
  out += ']';
  return out;
}

std::string describe_mtr(const Mtr& m) {
  return "MTR " + lsn_range(m.first, m.cpl) + " of node " + (m.node.empty() ? "?" : m.node) +
         (m.acked ? " (acknowledged)" : " (not acknowledged)");
}

std::optional<std::size_t> first_difference(const Bytes& a, const Bytes& b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) return std::nullopt;
  return static_cast<std::size_t>(ia - a.begin());
}

std::string hex_around(const Bytes& bytes, std::size_t at) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t from = at > 8 ? at - 8 : 0;
  const std::size_t to = std::min(bytes.size(), at + 9);
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += i == at ? '*' : ' ';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  if (at >= bytes.size()) out += "*<end>";
  return out;
}

namespace {

std::string byte_at(const Bytes& bytes, std::size_t at) {
  if (at >= bytes.size()) return "<end of page>";
  static constexpr char kHex[] = "0123456789abcdef";
  // Built char by char, for the same reason as in lsn_range.
  std::string out(4, '0');
  out[1] = 'x';
  out[2] = kHex[bytes[at] >> 4];
  out[3] = kHex[bytes[at] & 15];
  return out;
}

}  // namespace

std::string below_horizon(const std::string& what, const Model& model) {
  return what + " and returned the page, below the GC horizon " +
         std::to_string(model.horizon()) +
         " (the storage made its GC floor durable at or above it): expected out_of_range, "
         "never stale data";
}

std::string describe_page_difference(const Model& model, PageId page, Lsn at, const Bytes& expected,
                                     const Bytes& actual) {
  const std::optional<std::size_t> diff = first_difference(expected, actual);
  if (!diff) return "no difference";
  const std::size_t o = *diff;
  std::string out =
      "first difference at byte " + std::to_string(o) + ": expected " + byte_at(expected, o);
  if (o < expected.size()) {
    const Lsn writer = model.last_writer(page, at, static_cast<std::uint32_t>(o));
    if (writer != 0) {
      out += " (written by LSN " + std::to_string(writer) + ")";
    } else {
      out += model.forgot_older(page) ? " (not written since the GC horizon)" : " (never written)";
    }
  }
  out += ", got " + byte_at(actual, o);
  if (expected.size() != actual.size()) {
    out += "; expected " + std::to_string(expected.size()) + " bytes, got " +
           std::to_string(actual.size());
  }
  out += "; expected [" + hex_around(expected, o) + "] got [" + hex_around(actual, o) + "]";
  return out;
}

}  // namespace aurora::workloads::check
