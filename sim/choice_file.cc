#include "sim/choice_file.h"

#include <algorithm>
#include <charconv>

namespace aurora::sim {

namespace {

constexpr std::string_view kMagic = "aurora-choices 1";
constexpr std::size_t kValuesPerLine = 32;
constexpr std::uint64_t kMaxStreamValues = std::uint64_t{1} << 32;

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  if (s.size() > 1 && s[0] == '0') return false;  // one spelling per number
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool has_space(std::string_view s) {
  return s.find_first_of(" \t\r\n") != std::string_view::npos;
}

// Splits the text into lines; the last line may lack its newline.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const std::size_t nl = text_.find('\n', pos_);
    const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++number_;
    return true;
  }
  std::uint64_t number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint64_t number_ = 0;
};

// "<word> <rest>": the rest after the first space ("" when there is none).
std::pair<std::string_view, std::string_view> split_word(std::string_view line) {
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return {line, {}};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

}  // namespace

std::string format_choice_file(const ChoiceFile& file) {
  std::string out(kMagic);
  out.append("\nseed ").append(std::to_string(file.seed)).append("\n");
  for (const auto& [name, value] : file.flags) {
    out.append("flag ").append(name).append(" ").append(value).append("\n");
  }
  if (!file.expect.empty()) out.append("expect ").append(file.expect).append("\n");
  for (const auto& [name, values] : file.choices.streams) {
    if (values.empty()) continue;
    out.append("stream ").append(name).append(" ").append(std::to_string(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) {
      out.append(i % kValuesPerLine == 0 ? "\n" : " ").append(std::to_string(values[i]));
    }
    out.append("\n");
  }
  out.append("end\n");
  return out;
}

Result<ChoiceFile> parse_choice_file(std::string_view text, std::string_view source) {
  Lines lines(text);
  const auto fail = [&](std::string_view problem) -> Status {
    return Status::corruption(std::string(source)
                                  .append(":")
                                  .append(std::to_string(std::max<std::uint64_t>(1, lines.number())))
                                  .append(": ")
                                  .append(problem));
  };
  ChoiceFile file;
  std::string_view line;
  if (!lines.next(line) || line != kMagic) {
    return fail(std::string("not a choice file: the first line must be \"").append(kMagic).append("\""));
  }
  if (!lines.next(line)) return fail("the file ends before its \"seed\" line");
  {
    const auto [word, rest] = split_word(line);
    if (word != "seed") return fail("expected \"seed N\" after the first line");
    if (!parse_u64(rest, file.seed)) return fail("the seed must be a decimal number below 2^64");
  }
  enum class Part { kFlags, kExpect, kStreams };
  Part part = Part::kFlags;
  while (true) {
    if (!lines.next(line)) return fail("the file ends without its \"end\" line (cut short?)");
    if (line == "end") break;
    const auto [word, rest] = split_word(line);
    if (word == "flag") {
      if (part != Part::kFlags) return fail("a \"flag\" line must come before \"expect\" and the streams");
      const auto [name, value] = split_word(rest);
      if (name.size() < 3 || !name.starts_with("--")) {
        return fail("a flag's name must start with \"--\" (\"flag --ops 4\")");
      }
      if (value.find_first_of("\r\t") != std::string_view::npos) {
        return fail("a flag's value must not contain tabs or carriage returns");
      }
      file.flags.emplace_back(std::string(name), std::string(value));
    } else if (word == "expect") {
      if (part != Part::kFlags) return fail("\"expect\" must come once, before the streams");
      if (rest.empty() || has_space(rest)) return fail("\"expect\" needs one invariant name");
      file.expect = rest;
      part = Part::kExpect;
    } else if (word == "stream") {
      part = Part::kStreams;
      const auto [name, count_text] = split_word(rest);
      std::uint64_t count = 0;
      if (name.empty() || has_space(count_text) || !parse_u64(count_text, count)) {
        return fail("expected \"stream NAME COUNT\"");
      }
      if (count == 0 || count > kMaxStreamValues) {
        return fail(std::string("stream \"").append(name).append("\": COUNT must be 1 to 2^32"));
      }
      if (!file.choices.streams.empty() && file.choices.streams.rbegin()->first >= name) {
        return fail(std::string("stream \"")
                        .append(name)
                        .append("\" is listed twice or out of order (names ascend)"));
      }
      std::vector<std::uint64_t>& values = file.choices.streams[std::string(name)];
      while (values.size() < count) {
        if (!lines.next(line)) {
          return fail(std::string("stream \"").append(name).append("\" is cut short"));
        }
        if (line.empty()) return fail("an empty line among a stream's values");
        std::size_t on_line = 0;
        while (true) {
          const std::size_t sp = line.find(' ');
          const std::string_view token = line.substr(0, sp);
          std::uint64_t v = 0;
          if (!parse_u64(token, v)) {
            return fail(std::string("\"").append(token.substr(0, 24)).append(
                "\" is not a decimal value below 2^64 (values are separated by one space)"));
          }
          if (values.size() == count) {
            return fail(std::string("stream \"")
                            .append(name)
                            .append("\" has more values than its header's ")
                            .append(std::to_string(count)));
          }
          values.push_back(v);
          ++on_line;
          if (sp == std::string_view::npos) break;
          line.remove_prefix(sp + 1);
        }
        if (on_line > kValuesPerLine) return fail("more than 32 values on one line");
      }
    } else {
      return fail(std::string("unknown line \"").append(line.substr(0, 40)).append("\""));
    }
  }
  while (lines.next(line)) {
    if (!line.empty()) return fail("something after the \"end\" line");
  }
  return file;
}

}  // namespace aurora::sim
