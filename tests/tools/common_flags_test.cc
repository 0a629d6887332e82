// The flags every sim subcommand takes (tools/sim/common_flags.h, DESIGN.md section 7):
// --no-color after any subcommand, not only before it. The subcommands are read from
// `sim --help`, so that one added later without the common flags fails here too.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"

namespace aurora::tools {
namespace {

using aurora::testing::run_sim;
using aurora::testing::TempDir;

// The subcommands `sim <prefix> --help` lists (CLI11: the lines under "Subcommands:").
std::vector<std::string> subcommands_of(const std::string& prefix) {
  const auto help = run_sim(prefix + " --help", "", /*with_stderr=*/false);
  EXPECT_EQ(help.code, 0) << help.output;
  std::vector<std::string> out;
  std::istringstream lines(help.output);
  std::string line;
  bool listed = false;
  while (std::getline(lines, line)) {
    if (line == "Subcommands:") {
      listed = true;
    } else if (listed && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return out;
}

// Every subcommand as its command-line words ("seeds add"), nested ones included.
std::vector<std::string> every_subcommand() {
  std::vector<std::string> out;
  for (const std::string& sub : subcommands_of("")) {
    out.push_back(sub);
    for (const std::string& nested : subcommands_of(sub)) out.push_back(sub + " " + nested);
  }
  return out;
}

TEST(ToolCommonFlags, TheHelpListsEverySubcommand) {
  const std::vector<std::string> subs = every_subcommand();
  for (const char* known : {"sweep", "seeds", "seeds add", "shrink", "real", "demo", "viz-demo",
                            "repl", "viz-repl", "scenario"}) {
    EXPECT_NE(std::find(subs.begin(), subs.end(), known), subs.end()) << known;
  }
}

TEST(ToolCommonFlags, EverySubcommandListsNoColor) {
  for (const std::string& sub : every_subcommand()) {
    SCOPED_TRACE(sub);
    const auto help = run_sim(sub + " --help", "", /*with_stderr=*/false);
    EXPECT_EQ(help.code, 0) << help.output;
    EXPECT_NE(help.output.find("  --no-color "), std::string::npos) << help.output;
  }
}

// --help alone does not show that a flag is accepted (CLI11 answers it before it checks
// the other arguments): each subcommand runs, quickly, with --no-color after its name.
TEST(ToolCommonFlags, EverySubcommandRunsWithNoColor) {
  TempDir dir;
  const std::map<std::string, std::string> runs = {
      {"", "--seed 1 --ops 20 --no-color"},
      {"sweep", "sweep --no-color --seeds 1 --ops 20 --jobs 1"},
      // A group takes them too, before its subcommand.
      {"seeds", "seeds --no-color add --seed 1 --ops 20 --found check --fixed-by abc123 --dir " +
                    dir.path},
      {"seeds add", "seeds add --no-color --seed 2 --ops 20 --found check --fixed-by abc123 "
                    "--dir " + dir.path},
      {"shrink", "shrink --no-color --seed 3 --workload example/checksum-is-end --max-runs 5 "
                 "--out " + dir.path + "/shrunk.choices"},
      {"real", "real --no-color --data-dir " + dir.path + "/real --kills 0"},
      {"demo", "demo --no-color"},
      {"viz-demo", "viz-demo --no-color --delay 0"},
      {"repl", "repl --no-color < /dev/null"},
      {"viz-repl", "viz-repl --no-color --delay 0 < /dev/null"},
      {"scenario", "scenario --no-color crash_recovery"},
  };
  for (const std::string& sub : every_subcommand()) {
    EXPECT_TRUE(runs.contains(sub)) << "no run of sim " << sub << " here: add one";
  }
  for (const auto& [sub, args] : runs) {
    SCOPED_TRACE(args);
    const auto r = run_sim(args);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.output.find("not expected"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("\033["), std::string::npos) << "a color: " << r.output;
  }
}

}  // namespace
}  // namespace aurora::tools
