// A choice tape as a file (sim/CHOICE_FORMAT.md): the seed, the flags of the run it belongs
// to, optionally the invariant the run is known to violate, and every stream's values.
// `sim --record-choices` writes one, `sim --replay-choices` and `sim shrink --from` read one.
//
// Only text in and out here: the files themselves are the command line's to read and write
// (the determinism lint keeps file streams out of sim/). Parsing is strict: anything but a
// whole, well-formed file is kCorruption "<source>:<line>: <problem>", never a shorter tape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/runtime/status.h"
#include "sim/choice_tape.h"

namespace aurora::sim {

struct ChoiceFile {
  std::uint64_t seed = 0;
  // The run's flags, as `sim` takes them: ("--ops", "40"), ("--workload", "mtr"), ...
  std::vector<std::pair<std::string, std::string>> flags;
  std::string expect;  // the invariant the run violates ("" = none known)
  Choices choices;
  friend bool operator==(const ChoiceFile&, const ChoiceFile&) = default;
};

// The file's text. Streams with no values are left out (a missing stream replays as
// neutral choices, the same as an empty one).
std::string format_choice_file(const ChoiceFile& file);

// `source` names the input in messages (a path).
Result<ChoiceFile> parse_choice_file(std::string_view text, std::string_view source);

}  // namespace aurora::sim
