// The workload spec parser (workloads/spec/spec.h) on arbitrary text. A bad spec is
// kInvalidArgument "<source>:<line>: <message>" with a line >= 1 (the parser's documented error: a spec is
// a file someone wrote), never an exception or a crash. A spec it accepts prints (to_toml)
// as TOML that parses back to an equal spec.
#include <string>

#include "tests/fuzz/fuzz_support.h"
#include "workloads/spec/spec.h"

namespace {

constexpr std::string_view kSource = "fuzz.toml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const Result<workloads::Spec> spec = workloads::parse_spec(fuzz::text_of(data, size), kSource);
  if (!spec.is_ok()) {
    if (spec.kind() != ErrorKind::kInvalidArgument)
      fuzz::finding("parse_spec: not kInvalidArgument");
    if (!fuzz::names_source_and_line(spec.status().message(), kSource)) {
      fuzz::finding("parse_spec: the error does not start with <source>:<line>: ");
    }
    return 0;
  }
  const std::string toml = workloads::to_toml(*spec);
  const Result<workloads::Spec> again = workloads::parse_spec(toml, kSource);
  if (!again.is_ok()) {
    fuzz::finding("parse_spec refuses what to_toml printed: " + again.status().message() + "\n" +
                  toml);
  }
  if (!(*again == *spec)) fuzz::finding("to_toml then parse_spec gives another spec:\n" + toml);
  return 0;
}
