// The REPL: its line parser, the A/B read-isolation dialogue through standard input of
// `sim repl` and `sim viz-repl` (B does not see A's write until it refreshes), and the
// network's commands (a partition times a put out, a heal lets it through; on real files
// they are errors).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"
#include "tools/shell/repl.h"
#include "tools/shell/repl_command.h"

namespace aurora::shell {
namespace {

using testing::run_sim;

TEST(ReplParse, ReadsEveryCommand) {
  const char* lines[] = {"put 3 0 hello world", "get 3", "get 3 at 7", "refresh", "state", "sync",
                         "crash", "recover", "node B", "bg A mixed 5", "bg stop A", "bg list",
                         "sleep 10", "fault torn_write on 0.5", "fault torn_write off", "metrics",
                         "viz off", "delay 0", "help", "quit", "2", "", "# a comment",
                         "partition A | storage", "partition a|b c", "partition storage -> A",
                         "partition A,B | storage", "heal", "net", "net fault loss on 0.5",
                         "net fault clog_node off"};
  for (const char* line : lines) {
    const Result<repl::Command> c = repl::parse(line);
    ASSERT_TRUE(c.is_ok()) << line << ": " << c.status().to_string();
  }
  const repl::Command put = *repl::parse("  put 3 4 hello world  ");
  ASSERT_TRUE(std::holds_alternative<repl::Put>(put));
  EXPECT_EQ(std::get<repl::Put>(put).text, "hello world");
  EXPECT_EQ(std::get<repl::Put>(put).offset, 4u);
  EXPECT_EQ(*std::get<repl::Get>(*repl::parse("get 3 at 7")).at, 7u);
}

TEST(ReplParse, APartitionsSidesAreNodesOrZones) {
  const repl::Command both = *repl::parse("partition a | b,c");
  ASSERT_TRUE(std::holds_alternative<repl::Partition>(both));
  EXPECT_EQ(std::get<repl::Partition>(both).from, std::vector<std::string>{"a"});
  EXPECT_EQ(std::get<repl::Partition>(both).to, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(std::get<repl::Partition>(both).both_ways);
  const repl::Command one = *repl::parse("partition storage->A");
  EXPECT_FALSE(std::get<repl::Partition>(one).both_ways);
  EXPECT_EQ(std::get<repl::Partition>(one).to, std::vector<std::string>{"A"});
  const repl::Command fault = *repl::parse("net fault spike on 0.25");
  ASSERT_TRUE(std::holds_alternative<repl::NetFault>(fault));
  EXPECT_EQ(std::get<repl::NetFault>(fault).kind, "spike");
  EXPECT_DOUBLE_EQ(std::get<repl::NetFault>(fault).probability, 0.25);
  EXPECT_NE(repl::help_text().find("partition <names> | <names>"), std::string::npos);
  EXPECT_NE(repl::help_text().find("net fault <kind> on [<p>] | off"), std::string::npos);
}

TEST(ReplParse, EveryCommandReadsBackFromItsLine) {
  for (const char* line : {"put 3 0 hello world", "get 3 at 7", "node B", "bg A mixed 5",
                           "bg stop B", "sleep 10", "fault fsync_eio off", "viz on", "delay 300",
                           "partition A | storage", "partition storage -> A B", "heal", "net",
                           "net fault loss off"}) {
    EXPECT_EQ(repl::to_line(*repl::parse(line)), line);
  }
}

TEST(ReplParse, BadLinesGetAOneLineErrorNamingTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"frobnicate", "unknown command 'frobnicate' (try help)"},
      {"put x 0 a", "put: <page> must be a non-negative number, got 'x'"},
      {"put 3 0", "put: missing <text>"},
      {"put 3", "put: missing <offset>"},
      {"get", "get: missing <page>"},
      {"get 3 at", "get: missing <lsn>"},
      {"get 3 on 4", "get: expected 'at <lsn>', got 'on'"},
      {"refresh now", "refresh: unexpected 'now'"},
      {"node C", "node: <node> must be A or B, got 'C'"},
      {"bg A sing 5", "bg: expected write, read or mixed, got 'sing'"},
      {"bg A write 0", "bg: <ms> must be at least 1"},
      {"fault torn_write maybe", "fault: expected on or off, got 'maybe'"},
      {"fault torn_write on 2", "fault: <p> must be a probability in [0, 1], got '2'"},
      {"viz sideways", "viz: expected on or off, got 'sideways'"},
      {"partition", "partition: expected <nodes or zones> | <nodes or zones> (or -> for one way), "
                    "e.g. 'partition A | storage'"},
      {"partition A | C",
       "partition: unknown node or zone 'C' (nodes storage, A, B; zones a, b, c)"},
      {"partition | storage",
       "partition: the left side names no node or zone (nodes storage, A, B; zones a, b, c)"},
      {"partition a | storage", "partition: storage is on both sides"},
      {"partition A | B -> storage", "partition: use | (both ways) or -> (one way), not both"},
      {"heal now", "heal: unexpected 'now'"},
      {"net stats", "net: expected nothing (the state) or 'fault <kind> on|off', got 'stats'"},
      {"net fault", "net fault: missing <kind> (loss, duplicate, partition_node, ...)"},
      {"net fault loss maybe", "net fault: expected on or off, got 'maybe'"},
      {"net fault loss off 0.5", "net fault: a probability only goes with 'on'"},
  };
  for (const auto& [line, message] : cases) {
    const Result<repl::Command> c = repl::parse(line);
    ASSERT_FALSE(c.is_ok()) << line;
    EXPECT_EQ(c.status().message(), message) << line;
    EXPECT_EQ(c.status().message().find('\n'), std::string::npos) << line;
  }
}

// Runs the REPL in-process on a fresh simulated session.
std::string repl_transcript(const std::string& input, bool suggestions) {
  Result<std::unique_ptr<Session>> s = Session::open({});
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  std::istringstream in(input);
  std::ostringstream out;
  ReplOptions o;
  o.suggestions = suggestions;
  EXPECT_EQ(run_repl(**s, in, out, o), 0);
  return out.str();
}

TEST(Repl, BSeesAsWriteOnlyAfterItRefreshes) {
  const std::string t = repl_transcript("put 3 0 hello\nnode B\nget 3\nrefresh\nget 3\nquit\n", false);
  const auto before = t.find("B: page 3 at read point 0: (empty)");
  const auto after = t.find("B: page 3 at read point 1: \"hello\"");
  EXPECT_NE(before, std::string::npos) << t;
  EXPECT_NE(after, std::string::npos) << t;
  EXPECT_LT(before, after) << t;
}

TEST(Repl, ABadLineGetsAnErrorAndThePromptAgain) {
  const std::string t = repl_transcript("put x\nstate\n", false);
  EXPECT_NE(t.find("error: put: <page> must be a non-negative number, got 'x'\nA> "),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("storage: up, epoch 1"), std::string::npos) << t;
}

TEST(Repl, CrashAndRecoverKeepAcknowledgedWrites) {
  const std::string t =
      repl_transcript("put 1 0 kept\ncrash\nget 1\nrecover\nget 1\n", false);
  EXPECT_NE(t.find("error: NodeDown"), std::string::npos) << t;
  EXPECT_NE(t.find("recovered: epoch 2"), std::string::npos) << t;
  EXPECT_NE(t.find("\"kept\""), std::string::npos) << t;
}

TEST(Repl, SuggestionsAreNumberedAndANumberRunsOne) {
  const std::string t = repl_transcript("put 3 0 hello\n1\n", true);
  EXPECT_NE(t.find("try:  1) get 3  2) node B  3) sync"), std::string::npos) << t;
  EXPECT_NE(t.find("> get 3\nA: page 3 at read point 1: \"hello\""), std::string::npos) << t;
}

TEST(Repl, BackgroundWorkersRunWhileTimePasses) {
  const std::string t = repl_transcript("bg A write 5\nsleep 50\nbg list\nbg stop A\nbg list\n", true);
  EXPECT_NE(t.find("A: write every 5 ms, 9 operations, 0 failed"), std::string::npos) << t;
  EXPECT_NE(t.find("no background workers"), std::string::npos) << t;
}

TEST(Repl, APartitionTimesAPutOutAndAHealLetsItThrough) {
  const std::string t = repl_transcript(
      "put 1 0 before\npartition A | storage\nput 1 0 cut\nnet\nheal\nput 1 0 healed\n"
      "node B\nrefresh\nget 1\n",
      false);
  for (const char* expected : {
           "partition: A | storage: nothing gets across, either way, until heal",
           "error: Timeout: the outcome of A's put is unknown",
           "nodes: 1 storage (zone a), 2 A (zone b), 3 B (zone c)\n",
           "partition: 1->2 2->1 (until healed)\n",
           "healed: every link is up",
           "B: page 1 at read point 2: \"healed\"",
       }) {
    EXPECT_NE(t.find(expected), std::string::npos) << "no \"" << expected << "\" in:\n" << t;
  }
  EXPECT_LT(t.find("healed: every link is up"), t.find("\"healed\"")) << t;
}

TEST(Repl, SuggestionsAfterAPartitionAndAHeal) {
  const std::string t = repl_transcript("partition storage -> A\nheal\n", true);
  EXPECT_NE(t.find("partition: storage -> A: what the left side sends is lost, until heal"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("try:  1) put 1 0 cut off?  2) net  3) heal"), std::string::npos) << t;
  EXPECT_NE(t.find("try:  1) refresh  2) get 1  3) net"), std::string::npos) << t;
}

// Through standard input of the sim binary, as a user would pipe a script.
TEST(ReplCommand, TheIsolationDialogueThroughStandardInput) {
  for (const char* mode : {"repl", "viz-repl"}) {
    const auto r = run_sim(std::string(mode) + " --no-color --delay 0",
                           "printf 'put 3 0 hello\\nnode B\\nget 3\\nrefresh\\nget 3\\nquit\\n' | ");
    EXPECT_EQ(r.code, 0) << mode << "\n" << r.output;
    const auto before = r.output.find("B: page 3 at read point 0: (empty)");
    const auto after = r.output.find("B: page 3 at read point 1: \"hello\"");
    EXPECT_NE(before, std::string::npos) << mode << "\n" << r.output;
    EXPECT_NE(after, std::string::npos) << mode << "\n" << r.output;
    EXPECT_LT(before, after) << mode;
  }
}

TEST(ReplCommand, VizReplDrawsAndSuggestsAndThePlainReplDoesNeither) {
  const std::string input = "printf 'put 3 0 hello\\nget 3\\n' | ";
  const auto viz = run_sim("viz-repl --no-color --delay 0", input);
  const auto plain = run_sim("repl --no-color", input);
  EXPECT_NE(viz.output.find("-- WAL append: MTR 1..1"), std::string::npos) << viz.output;
  EXPECT_NE(viz.output.find("try:  1) get 3"), std::string::npos) << viz.output;
  EXPECT_EQ(plain.output.find("-- WAL append"), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find("try:"), std::string::npos) << plain.output;
  // viz off stops the drawing.
  const auto off = run_sim("viz-repl --no-color --delay 0", "printf 'viz off\\nput 3 0 a\\n' | ");
  EXPECT_EQ(off.output.find("-- WAL append"), std::string::npos) << off.output;
}

TEST(ReplCommand, TheNetworkCommandsAreErrorsOnRealFiles) {
  aurora::testing::TempDir dir;
  const auto r = run_sim("repl --no-color --fs posix --data-dir " + dir.path + "/volume",
                         "printf 'partition A | storage\\nnet\\nheal\\nput 1 0 local\\n' | ");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("error: InvalidArgument: partition needs the simulated network (not "
                          "--fs posix)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("error: InvalidArgument: net needs the simulated network"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("acknowledged at CPL"), std::string::npos) << r.output;
}

TEST(ReplCommand, BadFlagsAreExitTwo) {
  EXPECT_EQ(run_sim("repl --fs posix", "true | ").code, 2);          // no --data-dir
  EXPECT_EQ(run_sim("repl --data-dir /tmp/x", "true | ").code, 2);   // without --fs posix
  EXPECT_EQ(run_sim("repl --preset nope", "true | ").code, 2);
  EXPECT_EQ(run_sim("repl --fs ext4", "true | ").code, 2);
  const auto r = run_sim("repl --trace-json /nonexistent-dir/t.jsonl", "true | ");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("/nonexistent-dir/t.jsonl"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace aurora::shell
