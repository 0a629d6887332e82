// `sim scenario`: the TOML scenario format (tools/shell/scenario.h), its runner and the
// command. Every shipped scenario passes, in simulation and on real files; a run is a
// function of the scenario and the seed; every kind of bad input is refused with
// "<file>:<line>: <message>" before anything runs; a failing expect is exit code 1. The
// network's steps (partition, heal, net_fault, net) parse, run, and are skipped on real
// files.
#include "tools/shell/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/engine/temp_dir.h"
#include "tools/shell/scenario_command.h"
#include "tools/shell/scenario_run.h"

namespace aurora::shell {
namespace {

using aurora::testing::TempDir;

const std::vector<std::string> kShipped = {"burst",          "cold_reads", "noisy_neighbor",
                                           "tiered_demo",    "crash_recovery", "torn_tail",
                                           "partition"};

struct CommandRun {
  int code = -1;
  std::string out;
  std::string err;
};

CommandRun run_command(const std::string& path, const FrontEndOptions& options = {},
                       const ScenarioHooks& hooks = {}) {
  std::ostringstream out;
  std::ostringstream err;
  CommandRun r;
  r.code = scenario_command(path, options, out, err, hooks);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The error parse_scenario gives `text` (named "bad.toml"); "" when it parses.
std::string parse_error(const std::string& text) {
  const Result<Scenario> s = parse_scenario(text, "bad.toml");
  if (s.is_ok()) return "";
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument) << s.status().to_string();
  return s.status().message();
}

constexpr std::string_view kMeta = "[meta]\nname = \"t\"\n";  // lines 1 and 2

// --- the shipped scenarios ---------------------------------------------------------------

TEST(ScenarioShipped, EveryOnePassesInSimulation) {
  for (const std::string& name : kShipped) {
    SCOPED_TRACE(name);
    const CommandRun r = run_command(name);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("seed: 1\n"), std::string::npos);
    EXPECT_NE(r.out.find("metrics:\nop "), std::string::npos);
    EXPECT_NE(r.out.find("result: pass"), std::string::npos);
    EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
  }
}

TEST(ScenarioShipped, EveryOnePassesUnderOtherSeeds) {
  for (const std::uint64_t seed : {2u, 3u}) {
    for (const std::string& name : kShipped) {
      SCOPED_TRACE(name + " seed " + std::to_string(seed));
      FrontEndOptions options;
      options.session.seed = seed;
      const CommandRun r = run_command(name, options);
      EXPECT_EQ(r.code, 0) << r.out << r.err;
    }
  }
}

TEST(ScenarioShipped, TheTieredOnesRunOnTheTieredPreset) {
  for (const std::string name : {"cold_reads", "tiered_demo"}) {
    const Result<Scenario> s = find_scenario(name);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_EQ(s->preset, std::optional<std::string>("tiered"));
    const CommandRun r = run_command(name);
    EXPECT_NE(r.out.find(", preset tiered,"), std::string::npos) << r.out;
  }
}

TEST(ScenarioShipped, TornTailPassesOnRealFilesWithTheFaultStepsSkipped) {
  TempDir dir;
  FrontEndOptions options;
  options.session.fs = FsKind::kPosix;
  options.session.data_dir = dir.path + "/volume";
  const CommandRun first = run_command("torn_tail", options);
  EXPECT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_NE(
      first.out.find("fault torn_write on, probability 1 -> skipped: needs the simulated disk"),
      std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("skipped: 2\n"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find("seed:"), std::string::npos) << "a real run is not a function of a seed";
  // The volume persists: the same scenario passes again on what the first run left.
  const CommandRun second = run_command("torn_tail", options);
  EXPECT_EQ(second.code, 0) << second.out << second.err;
}

TEST(ScenarioShipped, CrashRecoveryPassesOnRealFiles) {
  TempDir dir;
  FrontEndOptions options;
  options.session.fs = FsKind::kPosix;
  options.session.data_dir = dir.path;
  const CommandRun r = run_command("crash_recovery", options);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST(ScenarioShipped, TheSameScenarioAndSeedPrintTheSameOutput) {
  for (const std::string name : {"noisy_neighbor", "torn_tail", "cold_reads", "partition"}) {
    SCOPED_TRACE(name);
    FrontEndOptions options;
    options.session.seed = 42;
    const CommandRun a = run_command(name, options);
    const CommandRun b = run_command(name, options);
    EXPECT_EQ(a.code, 0) << a.out;
    EXPECT_EQ(a.out, b.out);
  }
}

// --- running -----------------------------------------------------------------------------

TEST(ScenarioRun, AFailingExpectIsExitOneWithExpectedAndGot) {
  TempDir dir;
  const std::string path = write_file(dir, "fails.toml", std::string(kMeta) + R"(
[[steps]]
op = "put"
page = 1
text = "hello"

[[steps]]
op = "expect"
page = 1
text = "world"

[[steps]]
op = "expect"
page = 1
text = "hello"
)");
  const CommandRun r = run_command(path);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("step 2 (line 9): expect A page 1 = \"world\" -> FAILED: expected "
                       "\"world\", got \"hello\" at read point 1"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("result: FAIL  steps: 3  expects held: 1  expects failed: 1"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("reproduce: sim scenario " + path + " --seed 1"), std::string::npos)
      << r.out;
}

TEST(ScenarioRun, OperationErrorsArePrintedAndCountedAndTheRunGoesOn) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "crash"
[[steps]]
op = "get"
page = 1
[[steps]]
op = "crash"
[[steps]]
op = "recover"
[[steps]]
op = "put"
page = 1
text = "after"
[[steps]]
op = "expect"
page = 1
text = "after"
)",
                                            "errors.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  Result<std::unique_ptr<Session>> session = Session::open({});
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  std::ostringstream out;
  const ScenarioReport report = run_scenario(**session, *s, out);
  EXPECT_EQ(report.errors, 2u) << out.str();  // the get and the second crash
  EXPECT_EQ(report.expects_held, 1u);
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_NE(out.str().find("get A page 1 -> error: NodeDown"), std::string::npos) << out.str();
}

TEST(ScenarioRun, AFailureInsideARepeatSaysWhereAndInWhichIteration) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "repeat"
count = 2
  [[steps.steps]]
  op = "repeat"
  count = 3
  steps = [{ op = "expect", page = 9, text = "x" }]
)",
                                            "repeat.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(steps_to_run(s->steps), 1u + 2u * (1u + 3u));
  Result<std::unique_ptr<Session>> session = Session::open({});
  ASSERT_TRUE(session.is_ok());
  std::ostringstream out;
  const ScenarioReport report = run_scenario(**session, *s, out);
  EXPECT_EQ(report.steps_run, 9u);
  EXPECT_EQ(report.expects_failed, 6u);
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_NE(out.str().find("    ! line 10 (iteration 2 of 2, 3 of 3): expect A page 9 = \"x\" -> "
                           "FAILED: expected \"x\", got \"\\0\""),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("step 1 (line 4): repeat 2 x 1 step -> 9 steps ran, 6 expects FAILED"),
            std::string::npos)
      << out.str();
}

TEST(ScenarioRun, MarksNameACplOrAReadPoint) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "put"
page = 1
text = "old"
mark = "v1"
[[steps]]
op = "refresh"
node = "B"
mark = "b"
[[steps]]
op = "put"
page = 1
text = "new"
[[steps]]
op = "expect"
page = 1
at = "v1"
text = "old"
[[steps]]
op = "expect"
node = "B"
page = 1
at = "b"
text = "old"
[[steps]]
op = "expect"
page = 1
text = "new"
)",
                                            "marks.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  Result<std::unique_ptr<Session>> session = Session::open({});
  ASSERT_TRUE(session.is_ok());
  std::ostringstream out;
  const ScenarioReport report = run_scenario(**session, *s, out);
  EXPECT_EQ(report.expects_held, 3u) << out.str();
  EXPECT_EQ(report.exit_code(), 0);
}

TEST(ScenarioRun, AScenarioPresetAppliesUnlessTheCommandLineChoseOne) {
  Scenario s;
  s.preset = "tiered";
  SessionOptions defaults;
  EXPECT_EQ(scenario_session_options(s, defaults, /*preset_given=*/false).preset, "tiered");
  EXPECT_EQ(scenario_session_options(s, defaults, /*preset_given=*/true).preset, "base");
  SessionOptions tiered;
  tiered.preset = "tiered";
  Scenario base;
  base.preset = "base";
  EXPECT_EQ(scenario_session_options(base, tiered, /*preset_given=*/false).preset, "tiered");
  EXPECT_EQ(scenario_session_options(Scenario{}, defaults, false).preset, "base");
}

TEST(ScenarioRun, TheAttachHookSeesEveryEventFromTheFirstRecoveryOn) {
  std::uint64_t events = 0;
  std::uint64_t first_seq = 0;
  ScenarioHooks hooks;
  hooks.attach = [&](Session& s) {
    s.add_listener([&](const Event& e) {
      if (events++ == 0) first_seq = e.seq;
    });
    return Status::ok();
  };
  const CommandRun r = run_command("crash_recovery", {}, hooks);
  EXPECT_EQ(r.code, 0);
  EXPECT_GT(events, 100u);
  EXPECT_EQ(first_seq, 1u);
}

TEST(ScenarioCommand, AnAttachErrorIsExitTwoBeforeAnythingRuns) {
  ScenarioHooks hooks;
  hooks.attach = [](Session&) { return Status::invalid_argument("--trace-json file 'x': nope"); };
  const CommandRun r = run_command("crash_recovery", {}, hooks);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
}

// --- bad input: refused before anything runs --------------------------------------------

TEST(ScenarioCommand, ABadFileIsExitTwoWithFileAndLineAndNothingRuns) {
  TempDir dir;
  const std::string path = write_file(dir, "bad.toml", std::string(kMeta) + R"(
[[steps]]
op = "put"
page = 1
text = "never written"

[[steps]]
op = "jump"
)");
  const CommandRun r = run_command(path);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "") << "nothing runs";
  EXPECT_EQ(r.err,
            "sim scenario: " + path +
                ":10: unknown op \"jump\" (known: put, get, refresh, sleep_ms, repeat, crash, "
                "recover, sync, expect, fault, bg, bg_stop, partition, heal, net_fault, net)\n");
}

TEST(ScenarioCommand, AMissingFileOrUnknownNameIsExitTwo) {
  const CommandRun missing = run_command("/nonexistent/dir/x.toml");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir/x.toml: cannot read scenario file"),
            std::string::npos)
      << missing.err;
  const Result<Scenario> unknown = find_scenario("no_such_scenario");
  EXPECT_EQ(unknown.kind(), ErrorKind::kNotFound);
  EXPECT_NE(unknown.status().message().find("torn_tail"), std::string::npos)
      << "lists the shipped ones: " << unknown.status().message();
  EXPECT_EQ(run_command("no_such_scenario").code, 2);
}

TEST(ScenarioCommand, ASessionThatCannotOpenIsExitTwo) {
  FrontEndOptions options;
  options.session.fs = FsKind::kPosix;  // without a data directory
  const CommandRun r = run_command("burst", options);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot open the session"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(ScenarioParse, BadTomlNamesTheLine) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "\n[[steps]]\nop = \"put\npage = 1\n")
                .rfind("bad.toml:5: TOML syntax: ", 0),
            0u);
  EXPECT_EQ(
      parse_error("[meta]\nname = \"a\"\nname = \"b\"\n").rfind("bad.toml:3: TOML syntax: ", 0),
      0u);
}

TEST(ScenarioParse, AnUnknownOpNamesTheOpsThereAre) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"teleport\"\n"),
            "bad.toml:4: unknown op \"teleport\" (known: put, get, refresh, sleep_ms, repeat, "
            "crash, recover, sync, expect, fault, bg, bg_stop, partition, heal, net_fault, net)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\npage = 1\n"),
            "bad.toml:3: a step needs op (known: put, get, refresh, sleep_ms, repeat, crash, "
            "recover, sync, expect, fault, bg, bg_stop, partition, heal, net_fault, net)");
}

TEST(ScenarioParse, AMissingFieldNamesTheStepsLine) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "\n[[steps]]\nop = \"put\"\ntext = \"x\"\n"),
            "bad.toml:4: put step: missing page or page_id (an integer >= 0)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"expect\"\npage = 1\n"),
            "bad.toml:3: expect step: missing text (a string)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"repeat\"\ncount = 2\n"),
            "bad.toml:3: repeat step: missing steps (an array of tables)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"fault\"\nkind = \"torn_write\"\n"),
            "bad.toml:3: fault step: missing on (true or false)");
  EXPECT_EQ(parse_error("[meta]\ndescription = \"no name\"\n[[steps]]\nop = \"sync\"\n"),
            "bad.toml:1: meta.name is missing (a scenario needs a name)");
  EXPECT_EQ(parse_error("[[steps]]\nop = \"sync\"\n"),
            "bad.toml:1: missing [meta] (a scenario needs [meta] with name = \"...\")");
  EXPECT_EQ(parse_error(std::string(kMeta)),
            "bad.toml:1: no [[steps]]: a scenario needs at least one step");
}

TEST(ScenarioParse, AWrongTypeNamesTheKeyAndWhatItWants) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage = \"one\"\n"),
            "bad.toml:5: get.page must be an integer >= 0, not a string");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\npage = 1\ntext = 5\n"),
            "bad.toml:6: put.text must be a string, not an integer");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"fault\"\nkind = \"torn_write\"\non = 1\n"),
            "bad.toml:6: fault.on must be a boolean (true or false), not an integer");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sleep_ms\"\nms = 1.5\n"),
            "bad.toml:5: sleep_ms.ms must be an integer in 0..3600000, not a float");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = 3\n"),
            "bad.toml:4: op must be a string, not an integer");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage = 1\nat = true\n"),
            "bad.toml:6: get.at must be an LSN (an integer >= 0) or the name of a mark, not a "
            "boolean");
  // (A key after [meta] would belong to it: top-level keys come first.)
  EXPECT_EQ(parse_error("steps = 3\n" + std::string(kMeta)),
            "bad.toml:1: steps must be an array of tables ([[steps]]), not an integer");
  EXPECT_EQ(parse_error("steps = [1]\n" + std::string(kMeta)),
            "bad.toml:1: steps must hold tables (op = ...), not an integer");
  EXPECT_EQ(parse_error(std::string(kMeta) + "steps = 3\n"),
            "bad.toml:3: unknown key meta.steps (known: name, description, preset)");
  EXPECT_EQ(parse_error("meta = 1\n[[steps]]\nop = \"sync\"\n"),
            "bad.toml:1: meta must be a table ([meta]), not an integer");
}

TEST(ScenarioParse, AnUnknownKeyNamesTheKeysOfThatOp) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\npage = 1\ntxt = \"x\"\n"),
            "bad.toml:6: unknown key txt in a put step (known: node, page or page_id, offset, "
            "text or data, mark)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"crash\"\nnode = \"B\"\n"),
            "bad.toml:5: unknown key node in a crash step (known: none)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "author = \"me\"\n[[steps]]\nop = \"sync\"\n"),
            "bad.toml:3: unknown key meta.author (known: name, description, preset)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sync\"\n[setup]\nx = 1\n"),
            "bad.toml:5: unknown top-level key setup (known: meta, steps)");
}

TEST(ScenarioParse, ANodeMustBeAOrB) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"refresh\"\nnode = \"C\"\n"),
            "bad.toml:5: refresh.node must be \"A\" or \"B\" (got \"C\")");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"refresh\"\nnode = 1\n"),
            "bad.toml:5: refresh.node must be \"A\" or \"B\", not an integer");
}

TEST(ScenarioParse, ARepeatsNodeIsTheDefaultOfItsSteps) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "repeat"
count = 1
node = "B"
steps = [{ op = "refresh" }, { op = "refresh", node = "A" }]
)",
                                            "node.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->steps[0].steps[0].node, 1);
  EXPECT_EQ(s->steps[0].steps[1].node, 0);
}

TEST(ScenarioParse, NumbersOutOfRangeAreRefused) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage = -1\n"),
            "bad.toml:5: get.page must be an integer >= 0 (got -1)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sleep_ms\"\nms = -5\n"),
            "bad.toml:5: sleep_ms.ms must be an integer in 0..3600000 (got -5)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"put\"\npage = 1\noffset = 70000\ntext = \"x\"\n"),
            "bad.toml:6: put.offset must be an integer in 0..65535 (got 70000)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"fault\"\nkind = \"torn_write\"\non = true\n"
                        "probability = 1.5\n"),
            "bad.toml:7: fault.probability must be a number in [0, 1] (got 1.5)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"repeat\"\ncount = 0\nsteps = [{ op = \"sync\" }]\n"),
            "bad.toml:5: repeat.count must be an integer in 1..100000 (got 0)");
  EXPECT_EQ(
      parse_error(std::string(kMeta) + "[[steps]]\nop = \"bg\"\nkind = \"write\"\nevery_ms = 0\n"),
      "bad.toml:6: bg.every_ms must be an integer in 1..60000 (got 0)");
  // Nested repeats that would run too many steps.
  EXPECT_EQ(parse_error(std::string(kMeta) + R"([[steps]]
op = "repeat"
count = 100000
  [[steps.steps]]
  op = "repeat"
  count = 100
  steps = [{ op = "sync" }]
)"),
            "bad.toml:3: this repeat runs more than 1000000 steps (count times its steps, "
            "repeats expanded)");
}

TEST(ScenarioParse, EmptyRepeatsAndOtherNonsenseAreRefused) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"repeat\"\ncount = 2\nsteps = []\n"),
            "bad.toml:6: repeat.steps is empty: it needs at least one step");
  EXPECT_EQ(parse_error("steps = []\n" + std::string(kMeta)),
            "bad.toml:1: steps is empty: it needs at least one step");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\npage = 1\ntext = \"\"\n"),
            "bad.toml:6: put.text must not be empty");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"fault\"\nkind = \"gremlins\"\n"),
            "bad.toml:5: fault.kind: unknown fault kind \"gremlins\" (known: torn_write, "
            "fsync_eio, write_enospc, write_eio, short_write, read_eio, latency_spike, "
            "latent_sector, bit_flip, misdirected_write, lost_write, crash_point)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"fault\"\nkind = \"crash_point\"\n"),
            "bad.toml:5: fault.kind: crash_point is not a fault of the disk: a scenario crashes "
            "where its crash steps say");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"fault\"\nkind = \"torn_write\"\non = false\n"
                        "probability = 0.5\n"),
            "bad.toml:3: fault.probability is given with on = false (it applies only when "
            "switching a fault on)");
  EXPECT_EQ(parse_error("[meta]\nname = \"t\"\npreset = \"warp\"\n[[steps]]\nop = \"sync\"\n"),
            "bad.toml:3: meta.preset: unknown preset \"warp\" (known: base, tiered)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"get\"\npage = 1\nat = \"later\"\n"
                        "[[steps]]\nop = \"put\"\npage = 1\ntext = \"x\"\nmark = \"later\"\n"),
            "bad.toml:6: get.at: no earlier step sets mark \"later\" (a put or refresh with "
            "mark = \"later\")");
}

// --- the network's steps ------------------------------------------------------------------

TEST(ScenarioNet, TheNetworkStepsParse) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "partition"
from = "A"
to = "storage"

[[steps]]
op = "partition"
from = ["b", "c"]
to = ["a"]
one_way = true

[[steps]]
op = "heal"

[[steps]]
op = "net_fault"
kind = "loss"
on = true
probability = 0.25

[[steps]]
op = "net_fault"
kind = "clog_node"
on = false

[[steps]]
op = "net"
)",
                                            "net.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->steps.size(), 6u);
  EXPECT_EQ(s->steps[0].op, StepOp::kPartition);
  EXPECT_EQ(s->steps[0].from, std::vector<std::string>{"A"});
  EXPECT_EQ(s->steps[0].to, std::vector<std::string>{"storage"});
  EXPECT_FALSE(s->steps[0].one_way);
  EXPECT_EQ(s->steps[1].from, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(s->steps[1].to, std::vector<std::string>{"a"});
  EXPECT_TRUE(s->steps[1].one_way);
  EXPECT_EQ(s->steps[2].op, StepOp::kHeal);
  EXPECT_EQ(s->steps[3].op, StepOp::kNetFault);
  EXPECT_EQ(s->steps[3].fault_kind, "loss");
  EXPECT_TRUE(s->steps[3].on);
  EXPECT_EQ(s->steps[3].probability, std::optional<double>(0.25));
  EXPECT_FALSE(s->steps[4].on);
  EXPECT_EQ(s->steps[5].op, StepOp::kNet);
  EXPECT_EQ(step_op_name(StepOp::kNetFault), "net_fault");
}

TEST(ScenarioNet, BadNetworkStepsAreRefusedWithFileAndLine) {
  const std::string p = std::string(kMeta) + "[[steps]]\nop = \"partition\"\n";  // op on line 4
  EXPECT_EQ(parse_error(p + "from = \"A\"\nto = \"C\"\n"),
            "bad.toml:6: partition.to: unknown node or zone \"C\" (nodes storage, A, B; zones a, "
            "b, c)");
  EXPECT_EQ(parse_error(p + "from = [\"A\", 3]\nto = \"storage\"\n"),
            "bad.toml:5: partition.from must name nodes or zones (strings), not an integer");
  EXPECT_EQ(parse_error(p + "from = 1\nto = \"storage\"\n"),
            "bad.toml:5: partition.from must be a node or zone name, or an array of them, not an "
            "integer");
  EXPECT_EQ(parse_error(p + "from = []\nto = \"storage\"\n"),
            "bad.toml:5: partition.from must name at least one node or zone");
  EXPECT_EQ(parse_error(p + "from = \"A\"\n"),
            "bad.toml:3: partition step: missing to (a node or zone, or an array of them)");
  // Zone a is the storage's: it would be on both sides.
  EXPECT_EQ(parse_error(p + "from = \"a\"\nto = [\"B\", \"storage\"]\n"),
            "bad.toml:6: partition: storage is on both sides (from and to): a partition cuts one "
            "side off from the other");
  EXPECT_EQ(parse_error(p + "from = \"A\"\nto = \"a\"\none_way = \"yes\"\n"),
            "bad.toml:7: partition.one_way must be a boolean (true or false), not a string");
  EXPECT_EQ(parse_error(p + "from = \"A\"\nto = \"a\"\nnode = \"A\"\n"),
            "bad.toml:7: unknown key node in a partition step (known: from, to, one_way)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"heal\"\nfrom = \"A\"\n"),
            "bad.toml:5: unknown key from in a heal step (known: none)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"net_fault\"\nkind = \"torn_write\"\non = true\n"),
            "bad.toml:5: net_fault.kind: unknown network fault kind \"torn_write\" (known: loss, "
            "duplicate, corrupt, spike, partition_node, partition_halves, partition_zone, "
            "partition_oneway, clog_link, clog_node)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"net_fault\"\nkind = \"loss\"\n"),
            "bad.toml:3: net_fault step: missing on (true or false)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"net_fault\"\nkind = \"loss\"\non = false\n"
                        "probability = 0.5\n"),
            "bad.toml:3: net_fault.probability is given with on = false (it applies only when "
            "switching a fault on)");
  // The disk's fault step takes no network kind.
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"fault\"\nkind = \"loss\"\non = true\n"),
            "bad.toml:5: fault.kind: unknown fault kind \"loss\" (known: torn_write, fsync_eio, "
            "write_enospc, write_eio, short_write, read_eio, latency_spike, latent_sector, "
            "bit_flip, misdirected_write, lost_write, crash_point)");
}

TEST(ScenarioNet, ThePartitionScenarioShowsAPutWithItsOutcomeUnknownAndConsistentReads) {
  const CommandRun r = run_command("partition");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  for (const char* expected : {
           "partition A | storage -> cut both ways, until heal",
           "put A page 1 \"v2 cut off\" -> error: Timeout: the outcome of A's put is unknown",
           "put B page 2 \"from B meanwhile\" -> CPL",
           "net -> the network:\n      nodes: 1 storage (zone a), 2 A (zone b), 3 B (zone c)\n",
           "      partition: 1->2 2->1 (until healed)\n",
           "heal -> every link is up",
           "partition a -> b -> cut one way, until heal",
           "put A page 3 \"answer lost\" -> error: Timeout: the outcome of A's put is unknown",
           "      partition: 1->2 (until healed)\n",
           "expect B page 3 = \"answer lost\" -> held",
           "expect A page 3 = \"answer lost\" -> held",
           "result: pass",
       }) {
    EXPECT_NE(r.out.find(expected), std::string::npos)
        << "no \"" << expected << "\" in:\n" << r.out;
  }
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
}

TEST(ScenarioNet, TheNetworkStepsAreSkippedOnRealFiles) {
  const Result<Scenario> s = parse_scenario(std::string(kMeta) + R"(
[[steps]]
op = "net_fault"
kind = "loss"
on = true
[[steps]]
op = "partition"
from = "A"
to = "storage"
[[steps]]
op = "net"
[[steps]]
op = "heal"
[[steps]]
op = "put"
page = 1
text = "local"
[[steps]]
op = "expect"
page = 1
text = "local"
)",
                                            "net.toml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  TempDir dir;
  SessionOptions o;
  o.fs = FsKind::kPosix;
  o.data_dir = dir.path + "/volume";
  Result<std::unique_ptr<Session>> session = Session::open(o);
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  std::ostringstream out;
  const ScenarioReport report = run_scenario(**session, *s, out);
  EXPECT_EQ(report.skipped, 4u) << out.str();
  EXPECT_EQ(report.errors, 0u) << out.str();
  EXPECT_EQ(report.expects_held, 1u) << out.str();
  EXPECT_NE(out.str().find("partition A | storage -> skipped: needs the simulated network"),
            std::string::npos)
      << out.str();
}

// --- mini-aurora's names of keys ---------------------------------------------------------

// A scenario as mini-aurora's README ("Writing your own") writes one: page_id and data in
// put and get steps, value in sleep_ms, a repeat with inline steps, nodes "A" and "B".
constexpr std::string_view kPeerScenario = R"([meta]
name = "My scenario"
description = "What this scenario demonstrates"

[[steps]]
op = "put"
page_id = 1
offset = 0
data = "hello"
node = "A"          # optional, defaults to "A"

[[steps]]
op = "get"
page_id = 1
node = "B"

[[steps]]
op = "refresh"
node = "B"

[[steps]]
op = "get"
page_id = 1
node = "B"

[[steps]]
op = "sleep_ms"
value = 100

[[steps]]
op = "repeat"
count = 10
steps = [
    { op = "put", page_id = 1, offset = 0, data = "loop" },
    { op = "get", page_id = 1, node = "B" },
]

[[steps]]
op = "get"
page_id = 1
)";

// The same scenario in our names, line for line.
std::string in_our_keys(std::string_view peer) {
  std::string out(peer);
  const std::pair<std::string_view, std::string_view> names[] = {
      {"page_id =", "page ="}, {"data =", "text ="}, {"value =", "ms ="}};
  for (const auto& [theirs, ours] : names) {
    for (std::size_t at = out.find(theirs); at != std::string::npos; at = out.find(theirs, at)) {
      out.replace(at, theirs.size(), ours);
    }
  }
  return out;
}

void expect_same_steps(const std::vector<Step>& a, const std::vector<Step>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i + 1));
    EXPECT_EQ(a[i].op, b[i].op);
    EXPECT_EQ(a[i].line, b[i].line);
    EXPECT_EQ(a[i].node, b[i].node);
    EXPECT_EQ(a[i].page, b[i].page);
    EXPECT_EQ(a[i].offset, b[i].offset);
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].duration, b[i].duration);
    EXPECT_EQ(a[i].count, b[i].count);
    expect_same_steps(a[i].steps, b[i].steps);
  }
}

TEST(ScenarioPeerKeys, AMiniAuroraScenarioParsesAsTheSameOneInOurKeys) {
  const std::string ours = in_our_keys(kPeerScenario);
  ASSERT_EQ(ours.find("page_id"), std::string::npos);
  const Result<Scenario> a = parse_scenario(kPeerScenario, "peer.toml");
  const Result<Scenario> b = parse_scenario(ours, "ours.toml");
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_EQ(a->name, "My scenario");
  EXPECT_EQ(a->description, "What this scenario demonstrates");
  expect_same_steps(a->steps, b->steps);
  EXPECT_EQ(a->steps[0].page, 1u);
  EXPECT_EQ(a->steps[0].text, "hello");
  EXPECT_EQ(a->steps[4].duration, 100 * kMillisecond);
  EXPECT_EQ(a->steps[5].steps[0].text, "loop");
  EXPECT_EQ(a->steps[5].steps[1].node, 1);
}

TEST(ScenarioPeerKeys, AMiniAuroraScenarioRunsAndPrintsWhatOursPrints) {
  TempDir dir;
  const std::string peer = write_file(dir, "peer.toml", std::string(kPeerScenario));
  const std::string ours = write_file(dir, "ours.toml", in_our_keys(kPeerScenario));
  CommandRun a = run_command(peer);
  CommandRun b = run_command(ours);
  EXPECT_EQ(a.code, 0) << a.out << a.err;
  EXPECT_EQ(a.err, "");
  // The outputs differ only in the file's name.
  a.out.replace(a.out.find(peer), peer.size(), "FILE");
  b.out.replace(b.out.find(ours), ours.size(), "FILE");
  EXPECT_EQ(a.out, b.out);
  // B sees A's put only after its refresh; the repeat's puts land ("loop" over "hello").
  EXPECT_NE(a.out.find("get B page 1 -> \"\" (4096-byte page) at read point 0"), std::string::npos)
      << a.out;
  EXPECT_NE(a.out.find("get B page 1 -> \"hello\""), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("sleep_ms 100 ->"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("get A page 1 -> \"loopo\""), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("result: pass  steps: 27"), std::string::npos) << a.out;
}

TEST(ScenarioPeerKeys, BothNamesOfOneKeyInOneStepAreAnError) {
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"put\"\npage = 1\npage_id = 1\ntext = \"x\"\n"),
            "bad.toml:6: put step: page_id and page (line 5) are two names of one key: give one "
            "of them");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"put\"\npage_id = 1\ndata = \"x\"\ntext = \"y\"\n"),
            "bad.toml:7: put step: text and data (line 6) are two names of one key: give one of "
            "them");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage_id = 2\npage = 2\n"),
            "bad.toml:6: get step: page and page_id (line 5) are two names of one key: give one "
            "of them");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sleep_ms\"\nms = 5\nvalue = 5\n"),
            "bad.toml:6: sleep_ms step: value and ms (line 5) are two names of one key: give one "
            "of them");
  // Inside a repeat, also in an inline table (one line: the later key in the text).
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"repeat\"\ncount = 2\nsteps = [\n"
                        "  { op = \"sleep_ms\", value = 1 },\n"
                        "  { op = \"put\", page_id = 1, data = \"a\", text = \"b\" },\n]\n"),
            "bad.toml:8: put step: text and data (line 8) are two names of one key: give one of "
            "them");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"repeat\"\ncount = 2\n"
                        "  [[steps.steps]]\n  op = \"get\"\n  page = 1\n  page_id = 1\n"),
            "bad.toml:9: get step: page_id and page (line 8) are two names of one key: give one "
            "of them");
}

TEST(ScenarioPeerKeys, OtherKeysAreStillUnknownAndMessagesNameTheKeyAsWritten) {
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\npageid = 1\n"),
            "bad.toml:5: unknown key pageid in a put step (known: node, page or page_id, offset, "
            "text or data, mark)");
  // The other names belong to the ops mini-aurora has them on, and nowhere else.
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"expect\"\npage_id = 1\ntext = \"x\"\n"),
            "bad.toml:5: unknown key page_id in an expect step (known: node, page, offset, text, "
            "at)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage = 1\ndata = \"x\"\n"),
            "bad.toml:6: unknown key data in a get step (known: node, page or page_id, at)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"bg\"\nkind = \"write\"\nvalue = 5\n"),
            "bad.toml:6: unknown key value in a bg step (known: node, kind, every_ms)");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"repeat\"\ncount = 1\nsteps = [{ op = \"sync\", "
                        "page_id = 1 }]\n"),
            "bad.toml:6: unknown key page_id in a sync step (known: none)");
  // Types, ranges and missing keys, with the key as the file spells it.
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"get\"\npage_id = \"one\"\n"),
            "bad.toml:5: get.page_id must be an integer >= 0, not a string");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sleep_ms\"\nvalue = -1\n"),
            "bad.toml:5: sleep_ms.value must be an integer in 0..3600000 (got -1)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\npage_id = 1\ndata = \"\"\n"),
            "bad.toml:6: put.data must not be empty");
  EXPECT_EQ(parse_error(std::string(kMeta) +
                        "[[steps]]\nop = \"put\"\npage_id = 1\noffset = 65535\ndata = \"xy\"\n"),
            "bad.toml:7: put.data at offset 65535 reaches past the largest page (65536 bytes)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"put\"\ndata = \"x\"\n"),
            "bad.toml:3: put step: missing page or page_id (an integer >= 0)");
  EXPECT_EQ(parse_error(std::string(kMeta) + "[[steps]]\nop = \"sleep_ms\"\n"),
            "bad.toml:3: sleep_ms step: missing ms or value (an integer of milliseconds)");
}

TEST(ScenarioPeerKeys, AFileWithBothNamesIsExitTwoAndNothingRuns) {
  TempDir dir;
  const std::string path = write_file(dir, "both.toml", std::string(kMeta) + R"(
[[steps]]
op = "put"
page_id = 1
data = "never written"

[[steps]]
op = "sleep_ms"
value = 10
ms = 10
)");
  const CommandRun r = run_command(path);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "") << "nothing runs";
  EXPECT_EQ(r.err, "sim scenario: " + path +
                       ":12: sleep_ms step: ms and value (line 11) are two names of one key: "
                       "give one of them\n");
}

TEST(ScenarioParse, TheFileNameComesFromLoadScenario) {
  TempDir dir;
  const std::string path = write_file(
      dir, "typo.toml", std::string(kMeta) + "[[steps]]\nop = \"get\"\nnode = \"Z\"\npage = 1\n");
  const Result<Scenario> s = load_scenario(path);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(s.status().message(), path + ":5: get.node must be \"A\" or \"B\" (got \"Z\")");
}

}  // namespace
}  // namespace aurora::shell
