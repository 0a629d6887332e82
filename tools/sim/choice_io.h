// Choice files on disk (sim/CHOICE_FORMAT.md) for `sim --record-choices`,
// `sim --replay-choices` and `sim shrink`: reading and writing them, and turning the run
// flags a file carries into a run, the same way the command line does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/status.h"
#include "sim/choice_file.h"
#include "workloads/run.h"

namespace aurora::tools {

// kIoError naming the path when it cannot be read; kCorruption "<path>:<line>: ..." when it
// is not a choice file.
Result<sim::ChoiceFile> read_choice_file(const std::string& path);
// Writes the whole file (to `path`.tmp first, then renamed over `path`, so a file that
// exists is never a half-written one).
Status write_choice_file(const std::string& path, const sim::ChoiceFile& file);

// The flags that make `spec`'s run (run_args: all but --seed), as pairs.
std::vector<std::pair<std::string, std::string>> run_flags_of(const workloads::RunSpec& spec);

// The run a file's seed and flags describe, parsed with the command line's own flags
// (--spec and the run flags). kInvalidArgument "<source>: flag ...: why" on a bad flag.
Result<workloads::RunSpec> run_spec_of(const sim::ChoiceFile& file, const std::string& source);

// A choice file and the run it describes: read_choice_file(), then run_spec_of(). Used by
// --replay-choices and by shrink --from.
struct ChoiceRun {
  sim::ChoiceFile file;
  workloads::RunSpec spec;
};
Result<ChoiceRun> load_choice_run(const std::string& path);

// The choice file of a run: its seed and flags, the invariant it violates ("" = none) and
// what its draws returned.
sim::ChoiceFile choice_file_of(const workloads::RunSpec& spec, std::string expect,
                               sim::Choices choices);

}  // namespace aurora::tools
