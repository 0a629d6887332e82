// The choice-file parser (sim/choice_file.h, sim/CHOICE_FORMAT.md) on arbitrary bytes. A bad
// file is kCorruption "<source>:<line>: <problem>" naming one of its lines (a choice file is
// one someone may have edited, or one cut short), never an exception or a crash. A file it
// accepts has its streams in ascending name order and none empty; it prints
// (format_choice_file) as text that parses back to an equal file and prints again as the same
// bytes; and that text cut short is refused, never read as a shorter tape.
#include <algorithm>
#include <charconv>
#include <exception>
#include <string>

#include "sim/choice_file.h"
#include "tests/fuzz/fuzz_support.h"

namespace aurora::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz.choices";

// The lines of `text` as the parser counts them: one per '\n', and a last one without it.
std::uint64_t lines_in(std::string_view text) {
  const auto newlines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (text.empty() || text.back() == '\n' ? 0 : 1);
}

Result<sim::ChoiceFile> parse(std::string_view text) {
  try {
    return sim::parse_choice_file(text, kSource);
  } catch (const std::exception& e) {
    finding(std::string("parse_choice_file threw: ") + e.what());
  } catch (...) {
    finding("parse_choice_file threw something that is not a std::exception");
  }
}

// A refusal of `text` is the documented one: kCorruption naming the source and a line of
// the text (line 1 for an empty one).
void check_refusal(const Status& status, std::string_view text, std::string_view what) {
  if (status.kind() != ErrorKind::kCorruption) {
    finding(std::string(what) + ": not kCorruption: " + status.to_string());
  }
  const std::string& message = status.message();
  if (!names_source_and_line(message, kSource)) {
    finding(std::string(what) + ": the error does not start with <source>:<line>: " + message);
  }
  std::uint64_t line = 0;  // stays 0 if the digits overflow
  std::from_chars(message.data() + kSource.size() + 1, message.data() + message.size(), line);
  if (line > std::max<std::uint64_t>(1, lines_in(text))) {
    finding(std::string(what) + ": the error names a line the text does not have: " + message);
  }
}

void check_accepted(const sim::ChoiceFile& file) {
  const std::string* previous = nullptr;
  for (const auto& [name, values] : file.choices.streams) {
    if (previous != nullptr && !(*previous < name)) {
      finding("an accepted file's stream names do not ascend: \"" + *previous + "\" then \"" +
              name + "\"");
    }
    if (values.empty()) finding("an accepted file has an empty stream: \"" + name + "\"");
    previous = &name;
  }

  const std::string text = sim::format_choice_file(file);
  const Result<sim::ChoiceFile> again = parse(text);
  if (!again.is_ok()) {
    finding("parse_choice_file refuses what format_choice_file wrote: " +
            again.status().message() + "\n" + text);
  }
  if (!(*again == file)) {
    finding("format_choice_file then parse_choice_file gives another file:\n" + text);
  }
  if (sim::format_choice_file(*again) != text) {
    finding("format_choice_file of the file read back prints other bytes:\n" + text);
  }

  // Cut short: without its "end" line (every stream whole), in the middle of "end", and
  // halfway. Each must be refused like any other bad file.
  if (!text.ends_with("\nend\n")) finding("format_choice_file does not end with \"end\":\n" + text);
  for (const std::size_t cut : {text.size() - 4, text.size() - 2, text.size() / 2}) {
    const std::string_view prefix = std::string_view(text).substr(0, cut);
    const Result<sim::ChoiceFile> shorter = parse(prefix);
    if (shorter.is_ok()) {
      finding("parse_choice_file accepts a file cut short after " + std::to_string(cut) +
              " bytes:\n" + std::string(prefix));
    }
    check_refusal(shorter.status(), prefix, "a file cut short");
  }
}

}  // namespace
}  // namespace aurora::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::string_view text = fuzz::text_of(data, size);
  const Result<sim::ChoiceFile> file = fuzz::parse(text);
  if (!file.is_ok()) {
    fuzz::check_refusal(file.status(), text, "parse_choice_file");
    return 0;
  }
  fuzz::check_accepted(*file);
  return 0;
}
