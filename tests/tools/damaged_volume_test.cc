// The front ends on a damaged volume (tools/shell/frontend_exit.h): a data directory whose
// control file or log recovery refuses is bad input, exit code 2 with a message naming the
// directory and the problem, whether the volume is damaged before the front end starts or
// found damaged by a later `recover`. Every volume here is a real one, written by
// `sim scenario --fs posix` and then damaged with bytes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/wal/format.h"
#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"
#include "tools/shell/demo.h"
#include "tools/shell/frontend_exit.h"
#include "tools/shell/scenario_command.h"

namespace aurora::shell {
namespace {

using aurora::testing::run_sim;
using aurora::testing::TempDir;

// A volume on real files with data in it: the shipped crash_recovery scenario's.
void make_volume(const std::string& dir) {
  const auto r = run_sim("scenario crash_recovery --no-color --fs posix --data-dir " + dir);
  ASSERT_EQ(r.code, 0) << r.output;
}

void overwrite(const std::string& path, std::size_t offset, std::string_view bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open()) << path;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

// Garbage over the control file's header: its checksum no longer matches.
void damage_control_file(const std::string& dir) { overwrite(dir + "/db/CONTROL", 10, "GARBAGE"); }

// Garbage over the first record of the first segment, below the durable watermark: the
// log has a hole where acknowledged records were. Returns the segment's name.
std::string damage_first_segment(const std::string& dir) {
  std::vector<std::string> segments;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/db/wal")) {
    segments.push_back(e.path().filename().string());
  }
  std::sort(segments.begin(), segments.end());
  EXPECT_FALSE(segments.empty());
  if (segments.empty()) return "";
  overwrite(dir + "/db/wal/" + segments[0], wal::kSegmentHeaderSize, "GARBAGE");
  return segments[0];
}

struct FrontEnd {
  std::string args;
  std::string ran;  // what it prints once its session opened (must not appear)
};
const std::vector<FrontEnd> kFrontEnds = {
    {"demo", "1. A writes a page"},
    {"viz-demo", "1. A writes a page"},
    {"repl", "aurora-sim repl:"},
    {"viz-repl", "aurora-sim viz-repl:"},
    {"scenario crash_recovery", "step 1 "},
};

void expect_every_front_end_refuses(const std::string& dir, const std::string& problem) {
  for (const FrontEnd& fe : kFrontEnds) {
    SCOPED_TRACE(fe.args);
    const auto r = run_sim(fe.args + " --no-color --delay 0 --fs posix --data-dir " + dir,
                           "printf 'state\\n' | ");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("Corruption: the volume in " + dir + " cannot be opened: "),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(problem), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(fe.ran), std::string::npos) << "nothing runs: " << r.output;
  }
}

TEST(FrontendDamagedVolume, EveryFrontEndRefusesADamagedControlFileWithExitTwo) {
  TempDir dir;
  make_volume(dir.path);
  damage_control_file(dir.path);
  expect_every_front_end_refuses(dir.path, "db/CONTROL: control file: header checksum mismatch");
}

TEST(FrontendDamagedVolume, EveryFrontEndRefusesADamagedSegmentWithExitTwo) {
  TempDir dir;
  make_volume(dir.path);
  const std::string segment = damage_first_segment(dir.path);
  expect_every_front_end_refuses(dir.path, "durable log data is missing or damaged");
  expect_every_front_end_refuses(dir.path, "hole at db/wal/" + segment);
}

// --- found damaged by a recover, after the session opened --------------------------------

// The sim binary's repl with its commands written to a FIFO, so that the volume is damaged
// between two commands: after `crash` has been answered, before `recover`.
TEST(FrontendDamagedVolume, AReplWhoseRecoverFindsTheVolumeDamagedExitsTwo) {
  ::signal(SIGPIPE, SIG_IGN);  // a sim that ends early fails the test, not the test binary
  for (const char* repl : {"repl", "viz-repl"}) {
    SCOPED_TRACE(repl);
    TempDir dir;
    const std::string volume = dir.path + "/volume";
    make_volume(volume);
    const std::string fifo = dir.path + "/commands";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    FILE* out = ::popen((std::string(AURORA_SIM_BINARY) + " " + repl +
                         " --no-color --delay 0 --fs posix --data-dir " + volume + " < " + fifo +
                         " 2>&1")
                            .c_str(),
                        "r");
    ASSERT_NE(out, nullptr);
    std::ofstream commands(fifo);  // waits for the shell to open the FIFO to read
    commands << "get 1\ncrash\n" << std::flush;
    std::string transcript;
    std::array<char, 4096> line{};
    while (transcript.find("storage crashed") == std::string::npos &&
           std::fgets(line.data(), line.size(), out) != nullptr) {
      transcript += line.data();
    }
    ASSERT_NE(transcript.find("storage crashed"), std::string::npos) << transcript;
    damage_control_file(volume);
    commands << "recover\nstate\n" << std::flush;
    commands.close();  // the end of the input: the repl ends
    while (std::fgets(line.data(), line.size(), out) != nullptr) transcript += line.data();
    const int status = ::pclose(out);
    ASSERT_TRUE(WIFEXITED(status)) << transcript;
    EXPECT_EQ(WEXITSTATUS(status), 2) << transcript;
    // The recover's error where it happened, and the reason for the exit code at the end.
    const std::string why = "Corruption: the volume in " + volume +
                            " cannot be opened: db/CONTROL: control file: header checksum "
                            "mismatch";
    EXPECT_NE(transcript.find("error: " + why), std::string::npos) << transcript;
    EXPECT_NE(transcript.find(std::string("sim ") + repl + ": the last recover failed: " + why),
              std::string::npos)
        << transcript;
  }
}

// Damages the control file of the volume in `dir` when the session crashes the storage,
// so that the next recover finds it damaged.
std::function<Status(Session&)> damage_at_crash(const std::string& dir) {
  return [dir](Session& s) {
    s.add_listener([dir](const Event& e) {
      if (e.kind == "shell.crash") damage_control_file(dir);
    });
    return Status::ok();
  };
}

constexpr std::string_view kCrashAndRecover = R"([meta]
name = "crash and recover"

[[steps]]
op = "put"
page = 1
text = "kept"

[[steps]]
op = "crash"

[[steps]]
op = "recover"

[[steps]]
op = "get"
page = 1
)";

TEST(FrontendDamagedVolume, AScenarioWhoseRecoverFindsTheVolumeDamagedExitsTwo) {
  TempDir dir;
  const std::string volume = dir.path + "/volume";
  make_volume(volume);
  const std::string path = dir.path + "/crash.toml";
  std::ofstream(path) << kCrashAndRecover;
  FrontEndOptions options;
  options.session.fs = FsKind::kPosix;
  options.session.data_dir = volume;
  std::ostringstream out;
  std::ostringstream err;
  const int code = scenario_command(path, options, out, err, {damage_at_crash(volume), false});
  // No expect failed (the scenario has none): the volume alone makes it exit 2.
  EXPECT_EQ(code, 2) << out.str() << err.str();
  const std::string why = "Corruption: the volume in " + volume +
                          " cannot be opened: db/CONTROL: control file: header checksum mismatch";
  EXPECT_NE(out.str().find("recover -> error: " + why), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("get A page 1 -> error: NodeDown"), std::string::npos) << out.str();
  EXPECT_EQ(err.str(), "sim scenario: the last recover failed: " + why + "\n");
}

TEST(FrontendDamagedVolume, ARecoverThatSucceedsLaterClearsTheFailure) {
  TempDir dir;
  const std::string volume = dir.path + "/volume";
  make_volume(volume);
  const std::string saved = dir.path + "/CONTROL.saved";
  std::filesystem::copy_file(volume + "/db/CONTROL", saved);
  SessionOptions options;
  options.fs = FsKind::kPosix;
  options.data_dir = volume;
  Result<std::unique_ptr<Session>> session = Session::open(options, damage_at_crash(volume));
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  ASSERT_TRUE((*session)->crash().is_ok());
  const Status failed = (*session)->recover();
  EXPECT_EQ(failed.kind(), ErrorKind::kCorruption);
  EXPECT_EQ((*session)->open_failure().to_string(), failed.to_string());
  std::ostringstream err;
  EXPECT_EQ(exit_after_run(**session, 0, "sim repl", err), 2);
  // The volume repaired, a second recover opens it: the session ends well.
  std::filesystem::copy_file(saved, volume + "/db/CONTROL",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE((*session)->recover().is_ok());
  EXPECT_TRUE((*session)->open_failure().is_ok());
  std::ostringstream quiet;
  EXPECT_EQ(exit_after_run(**session, 1, "sim repl", quiet), 1);
  EXPECT_EQ(quiet.str(), "");
}

// The demo recovers once; frontend_command ends it as it ends the repl (exit_after_run).
TEST(FrontendDamagedVolume, ADemoWhoseRecoveryFindsTheVolumeDamagedExitsTwo) {
  TempDir dir;
  const std::string volume = dir.path + "/volume";
  make_volume(volume);
  SessionOptions options;
  options.fs = FsKind::kPosix;
  options.data_dir = volume;
  Result<std::unique_ptr<Session>> session = Session::open(options, damage_at_crash(volume));
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  std::ostringstream out;
  const int demo = run_demo(**session, out);
  EXPECT_NE(out.str().find("unexpected: Corruption: the volume in " + volume + " cannot be opened"),
            std::string::npos)
      << out.str();
  std::ostringstream err;
  EXPECT_EQ(exit_after_run(**session, demo, "sim demo", err), 2);
  EXPECT_NE(err.str().find("sim demo: the last recover failed: Corruption: the volume in " +
                           volume),
            std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace aurora::shell
