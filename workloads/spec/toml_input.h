// Reading a TOML file that someone wrote by hand: the parts that the workload specs
// (spec.cc) and the shell's scenarios (tools/shell/scenario.cc) share. Every error is a
// message "<source>:<line>: <message>", so the writer can go straight to the line; the
// file-level errors (a file that cannot be read, a name that is not shipped) name the path
// or the directory instead.
//
// Both formats promise those messages word for word (SPEC_FORMAT.md, SCENARIO_FORMAT.md, the
// tests): the wording lives here once, so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Debian builds libtomlplusplus with exceptions (its symbols live in toml::v3::ex), so with
// exceptions on, toml::parse throws toml::parse_error; without them it returns a
// toml::parse_result. parse_toml() handles both.
#include <toml++/toml.h>

#include "engine/runtime/status.h"

namespace aurora::workloads::toml_input {

using Line = std::uint32_t;

// TOML integers are signed 64-bit: no value can be larger.
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

// --- message text ---

// Concatenates string pieces by appending. (GCC 12 reports a false -Wrestrict on
// `"literal" + std::string(...)`, GCC bug 105329; appending to one string avoids it.)
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string quoted(std::string_view s);
// "a, b, c"; "none" for no names (a step that takes no keys lists none as known).
std::string join(std::span<const std::string_view> names);
// Every sim::FaultKind by name, for the "(known: ...)" of an unknown fault kind.
std::string fault_kind_names();
std::string net_fault_kind_names();  // "loss, duplicate, ..."
// The shortest text that reads back as `v`, always as a TOML float: "45.0", never "45".
std::string format_double(double v);
// "an integer", "a table", ...: what a value is, for "must be X, not <type_name>".
std::string_view type_name(const toml::node& n);

// --- where things are ---

// One key of a table, with the line that defines it.
struct Entry {
  std::string_view key;
  Line line = 0;
  Line column = 0;  // orders keys that share a line (inline tables)
  const toml::node* node = nullptr;
};

// A table's entries in the order they appear in the text (toml::table orders them by
// key), so the first error reported is the first one in the file.
std::vector<Entry> entries_of(const toml::table& t);

// The line where `n` starts (for a value without a key, such as an element of an array).
Line line_of(const toml::node& n);

// --- reading ---

// Parses TOML text into a table, or the syntax error as "<source>:<line>: TOML syntax: ...".
Result<toml::table> parse_toml(std::string_view text, std::string_view source);

// Reads a whole file, through the seam's POSIX implementation (rooted at the file's
// directory). An error is "<path>: cannot read <what> file: ..." (`what`: "spec").
Result<std::string> read_file(const std::string& path, std::string_view what);

// The file a user means by `name_or_path`: a path (it has a '/' or ends in .toml) as
// given, or the shipped `<dir>/<name>.toml`. An unknown name is kNotFound listing the
// shipped <what>s of `dir` (`what`: "spec").
Result<std::string> find_file(std::string_view name_or_path, const std::string& dir,
                              std::string_view what);

// Reads the typed value of a key, checking its type and range. Each error names the key
// (`name`: "workload.ops") and its line in `source`. A format's parser derives from it
// and adds the value kinds of its own.
class FieldReader {
 public:
  explicit FieldReader(std::string_view source) : source_(source) {}

  Status error(Line line, std::string_view message) const;

  // An integer in [min, max] (max == kMaxInt reads as ">= min").
  template <typename T>
  Status integer(const Entry& e, std::string_view name, std::int64_t min, std::int64_t max,
                 T& out) const {
    std::int64_t x = 0;
    AURORA_RETURN_IF_ERROR(integer_value(e, name, min, max, x));
    out = static_cast<T>(x);
    return Status::ok();
  }

  // A finite float in [min, max]; an integer is accepted too (a weight of 45 is 45.0).
  // Messages say the range as "in [min, max]", or ">= min" when max is infinity.
  Status number(const Entry& e, std::string_view name, double min, double max,
                double& out) const;
  // The same, with the range as messages say it (`range`: "in [0, 1]").
  Status number(const Entry& e, std::string_view name, double min, double max,
                std::string_view range, double& out) const;
  Status boolean(const Entry& e, std::string_view name, bool& out) const;
  Status text(const Entry& e, std::string_view name, std::string& out) const;
  // An array of strings (each element's own line in an error).
  Status texts(const Entry& e, std::string_view name, std::vector<std::string>& out) const;

 private:
  Status integer_value(const Entry& e, std::string_view name, std::int64_t min, std::int64_t max,
                       std::int64_t& out) const;

  std::string source_;
};

}  // namespace aurora::workloads::toml_input
