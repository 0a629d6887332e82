#include "workloads/spec/toml_input.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <span>
#include <utility>

#include "engine/runtime/assert.h"
#include "engine/runtime/posix/posix_file_system.h"
#include "sim/fault_injector.h"
#include "sim/net_config.h"

namespace aurora::workloads::toml_input {

namespace {

// toml++ counts lines from 1; a position it leaves unset (0) is named as line 1, so every
// message points at a line of the file.
Line named_line(const toml::source_position& at) { return std::max<Line>(1, at.line); }

std::string range_text(std::int64_t min, std::int64_t max) {
  if (max == kMaxInt) return cat(">= ", std::to_string(min));
  return cat("in ", std::to_string(min), "..", std::to_string(max));
}

}  // namespace

// --- message text ---

std::string quoted(std::string_view s) { return cat("\"", s, "\""); }

std::string join(std::span<const std::string_view> names) {
  if (names.empty()) return "none";
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string fault_kind_names() {
  std::string out;
  for (std::size_t i = 0; i < sim::kFaultKindCount; ++i) {
    if (!out.empty()) out += ", ";
    out += sim::fault_kind_name(static_cast<sim::FaultKind>(i));
  }
  return out;
}

std::string net_fault_kind_names() {
  std::string out;
  for (std::size_t i = 0; i < sim::kNetFaultKindCount; ++i) {
    if (!out.empty()) out += ", ";
    out += sim::net_fault_kind_name(static_cast<sim::NetFaultKind>(i));
  }
  return out;
}

std::string format_double(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  AURORA_ASSERT(ec == std::errc(), "to_chars of a double cannot fail with 64 bytes");
  std::string out(buf.data(), end);
  // TOML needs a '.' or an exponent in a float ("45" would read back as an integer), and a
  // message about a float should show one; inf and nan are already TOML floats.
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// --- where things are ---

std::vector<Entry> entries_of(const toml::table& t) {
  std::vector<Entry> out;
  for (auto&& [k, v] : t) {
    const toml::source_position at =
        k.source().begin.line != 0 ? k.source().begin : v.source().begin;
    out.push_back({k.str(), at.line, at.column, &v});
  }
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return out;
}

Line line_of(const toml::node& n) { return named_line(n.source().begin); }

// --- reading ---

Result<toml::table> parse_toml(std::string_view text, std::string_view source) {
  const auto syntax_error = [&](const toml::parse_error& e) {
    return Status::invalid_argument(cat(source, ":", std::to_string(named_line(e.source().begin)),
                                        ": TOML syntax: ", e.description()));
  };
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return syntax_error(e);
  }
#else
  toml::parse_result result = toml::parse(text, source);
  if (!result) return syntax_error(result.error());
  return std::move(result).table();
#endif
}

Result<std::string> read_file(const std::string& path, std::string_view what) {
  // The seam's POSIX implementation takes paths below a root: the file's directory.
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0                ? "/"
                                                      : path.substr(0, slash);
  const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto fail = [&](const Status& s) {
    return Status(s.kind(), cat(path, ": cannot read ", what, " file: ", s.message()));
  };
  PosixFileSystem fs(dir);
  Result<FileHandle> handle = fs.open(file, OpenMode::kOpenExisting);
  if (!handle.is_ok()) return fail(handle.status());
  Result<std::uint64_t> size = fs.size(*handle);
  std::string text;
  Status read = size.status();
  if (size.is_ok()) {
    text.resize(*size);
    read = read_exact(fs, *handle, 0,
                      std::as_writable_bytes(std::span<char>(text.data(), text.size())));
  }
  // Nothing was written through the handle: closing it cannot lose data.
  fs.close(*handle).ignore();
  if (!read.is_ok()) return fail(read);
  return text;
}

Result<std::string> find_file(std::string_view name_or_path, const std::string& dir,
                              std::string_view what) {
  const bool is_path = name_or_path.find('/') != std::string_view::npos ||
                       name_or_path.ends_with(".toml");
  if (is_path) return std::string(name_or_path);
  PosixFileSystem fs(dir);
  const std::string file = cat(name_or_path, ".toml");
  Result<bool> exists = fs.exists(file);
  if (exists.is_ok() && *exists) return cat(dir, "/", file);

  std::string shipped;
  Result<std::vector<std::string>> names = fs.list("");
  if (names.is_ok()) {
    for (const std::string& n : *names) {
      if (!n.ends_with(".toml")) continue;
      if (!shipped.empty()) shipped += ", ";
      shipped += n.substr(0, n.size() - 5);
    }
  } else {
    shipped = cat("cannot list ", dir, ": ", names.status().message());
  }
  return Status::not_found(cat("unknown ", what, " ", quoted(name_or_path), " (shipped ", what,
                               "s in ", dir, ": ", shipped, "; or give a path to a .toml file)"));
}

// --- FieldReader ---

Status FieldReader::error(Line line, std::string_view message) const {
  return Status::invalid_argument(cat(source_, ":", std::to_string(line), ": ", message));
}

Status FieldReader::integer_value(const Entry& e, std::string_view name, std::int64_t min,
                                  std::int64_t max, std::int64_t& out) const {
  const toml::value<std::int64_t>* v = e.node->as_integer();
  if (v == nullptr) {
    return error(e.line, cat(name, " must be an integer ", range_text(min, max), ", not ",
                             type_name(*e.node)));
  }
  const std::int64_t x = v->get();
  if (x < min || x > max) {
    return error(e.line, cat(name, " must be an integer ", range_text(min, max), " (got ",
                             std::to_string(x), ")"));
  }
  out = x;
  return Status::ok();
}

Status FieldReader::number(const Entry& e, std::string_view name, double min, double max,
                           double& out) const {
  const std::string range = max == std::numeric_limits<double>::infinity()
                                ? cat(">= ", format_double(min))
                                : cat("in [", format_double(min), ", ", format_double(max), "]");
  return number(e, name, min, max, range, out);
}

Status FieldReader::number(const Entry& e, std::string_view name, double min, double max,
                           std::string_view range, double& out) const {
  double x = 0;
  if (const toml::value<double>* f = e.node->as_floating_point()) {
    x = f->get();
  } else if (const toml::value<std::int64_t>* i = e.node->as_integer()) {
    x = static_cast<double>(i->get());
  } else {
    return error(e.line, cat(name, " must be a number ", range, ", not ", type_name(*e.node)));
  }
  if (!std::isfinite(x) || x < min || x > max) {
    return error(e.line, cat(name, " must be a number ", range, " (got ", format_double(x), ")"));
  }
  out = x;
  return Status::ok();
}

Status FieldReader::boolean(const Entry& e, std::string_view name, bool& out) const {
  const toml::value<bool>* v = e.node->as_boolean();
  if (v == nullptr) {
    return error(e.line,
                 cat(name, " must be a boolean (true or false), not ", type_name(*e.node)));
  }
  out = v->get();
  return Status::ok();
}

Status FieldReader::texts(const Entry& e, std::string_view name,
                          std::vector<std::string>& out) const {
  const toml::array* a = e.node->as_array();
  if (a == nullptr) {
    return error(e.line, cat(name, " must be an array of strings, not ", type_name(*e.node)));
  }
  out.clear();
  for (const toml::node& el : *a) {
    const toml::value<std::string>* v = el.as_string();
    if (v == nullptr) {
      return error(line_of(el), cat(name, " must be an array of strings, not one holding ",
                                    type_name(el)));
    }
    out.push_back(v->get());
  }
  return Status::ok();
}

Status FieldReader::text(const Entry& e, std::string_view name, std::string& out) const {
  const toml::value<std::string>* v = e.node->as_string();
  if (v == nullptr) {
    return error(e.line, cat(name, " must be a string, not ", type_name(*e.node)));
  }
  out = v->get();
  return Status::ok();
}

}  // namespace aurora::workloads::toml_input
