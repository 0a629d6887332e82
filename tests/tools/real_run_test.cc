// `sim real`: the workload on real files, SIGKILLed and restarted, every recovery checked;
// and the wire its incarnations speak to the checking parent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"
#include "workloads/real/wire.h"

namespace aurora::workloads::real {
namespace {

namespace obs = check::obs;
using aurora::testing::run_sim;
using aurora::testing::TempDir;

check::Observation round_trip(const check::Observation& o) {
  const std::string line = encode_observation(o);
  EXPECT_EQ(line.back(), '\n');
  std::string error;
  const std::optional<WireLine> back = decode_line(line.substr(0, line.size() - 1), error);
  EXPECT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(back->observation.has_value());
  return *back->observation;
}

TEST(RealWire, EveryObservationAnIncarnationSendsComesBackTheSame) {
  const auto a = std::get<obs::Appended>(round_trip(obs::Appended{
      .node = "c1", .first = 5, .cpl = 7, .writes = {{3, 10, {0x00, 0xff, 0x7a}}, {4, 0, {1}}},
      .vdl = 4, .lal = 100}));
  EXPECT_EQ(a.node, "c1");
  EXPECT_EQ(a.cpl, 7u);
  ASSERT_EQ(a.writes.size(), 2u);
  EXPECT_EQ(a.writes[0].page, 3u);
  EXPECT_EQ(a.writes[0].offset, 10u);
  EXPECT_EQ(a.writes[0].bytes, (std::vector<std::uint8_t>{0x00, 0xff, 0x7a}));
  const auto r = std::get<obs::Read>(round_trip(
      obs::Read{.node = "c0", .page = 2, .at = 9, .at_read_point = true, .bytes = {{1, 2}}}));
  EXPECT_EQ(r.bytes, (std::vector<std::uint8_t>{1, 2}));
  const auto e = std::get<obs::Read>(round_trip(obs::Read{.node = "c0", .error = "corruption"}));
  EXPECT_EQ(e.error, "corruption");
  const auto rec = std::get<obs::Recovered>(round_trip(obs::Recovered{
      .epoch = 3, .vcl = 9, .vdl = 7, .watermark = 7, .annul_from = 8, .annul_to = 107, .next_lsn = 108}));
  EXPECT_EQ(rec.annul_to, 107u);
  EXPECT_FALSE(rec.corruption.has_value());
  EXPECT_EQ(std::get<obs::Recovered>(round_trip(obs::Recovered{.corruption = "bad"})).corruption, "bad");
  EXPECT_EQ(std::get<obs::Acked>(round_trip(obs::Acked{"c0", 7, 7})).cpl, 7u);
  EXPECT_EQ(std::get<obs::Annulled>(round_trip(obs::Annulled{8, 107, 2})).epoch, 2u);
  // What the compute processes of `sim real --processes` send, and an MTR's id.
  obs::Appended with_id{.node = "c0", .first = 1, .cpl = 1, .writes = {{0, 0, {9}}}};
  with_id.mtr = "n2.5.1";
  EXPECT_EQ(std::get<obs::Appended>(round_trip(with_id)).mtr, "n2.5.1");
  EXPECT_EQ(std::get<obs::SessionStarted>(round_trip(obs::SessionStarted{"c1"})).node, "c1");
  const auto c = std::get<obs::Committed>(round_trip(obs::Committed{"c0", 12, "n2.5.3"}));
  EXPECT_EQ(c.cpl, 12u);
  EXPECT_EQ(c.mtr, "n2.5.3");
  const auto u =
      std::get<obs::CommitUnknown>(round_trip(obs::CommitUnknown{"c0", "n2.5.4", "Timeout: x"}));
  EXPECT_EQ(u.mtr, "n2.5.4");
  EXPECT_EQ(u.error, "Timeout: x");
  EXPECT_EQ(std::get<obs::CommitRefused>(round_trip(obs::CommitRefused{"c1", "n3.1.1", "no"})).mtr,
            "n3.1.1");
}

TEST(RealWire, ALineThatIsNotAnObservationIsRejectedWithTheReason) {
  std::string error;
  EXPECT_FALSE(decode_line("{\"o\":\"appended\",\"node\":\"c0\"}", error).has_value());
  EXPECT_NE(error.find("bad 'appended' line"), std::string::npos) << error;
  EXPECT_FALSE(decode_line("{\"o\":\"read\",\"node\":\"c0\",\"page\":1,\"at\":1,\"rp\":true,"
                           "\"refuse_below\":0,\"bytes\":\"zz\"}", error).has_value());
  EXPECT_NE(error.find("bad hex"), std::string::npos) << error;
  EXPECT_FALSE(decode_line("{\"o\":\"teleported\"}", error).has_value());
  EXPECT_FALSE(decode_line("{\"o\":\"acked\",\"node\":\"c", error).has_value());
  EXPECT_TRUE(decode_line("{\"o\":\"ready\"}", error)->ready);
}

TEST(SimReal, KilledAndRestartedEveryRecoveryAndReadChecksOut) {
  TempDir dir;
  const std::string data = dir.path + "/volume";
  const auto r = run_sim("real --data-dir " + data + " --kills 6 --seed 3 --max-kill-ms 10");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("kills: 6  recoveries checked: 7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("crash-recover cycles: 6 in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: pass"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(data + "/db/CONTROL")) << "the volume lives in --data-dir";
}

// Storage and compute nodes as processes of their own, over TCP on 127.0.0.1: the storage
// is killed under the compute nodes (their calls time out, their commits' outcomes are
// unknown), and compute nodes are killed too; every recovery, commit and read checks out.
TEST(SimReal, ProcessesOverTcpKilledAndRestartedEverythingChecksOut) {
  TempDir dir;
  const std::string data = dir.path + "/volume";
  const auto r = run_sim("real --processes --data-dir " + data +
                         " --kills 8 --seed 2 --min-kill-ms 10 --max-kill-ms 80");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("processes: storage and each compute node, over TCP"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("compute kills: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: pass"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("acknowledged: 0 "), std::string::npos) << "nothing was committed";
  EXPECT_TRUE(std::filesystem::exists(data + "/db/CONTROL")) << "the volume lives in --data-dir";
}

TEST(SimReal, RefusesADataDirThatHoldsAnythingAndTouchesNothing) {
  TempDir dir;
  std::ofstream(dir.path + "/precious.txt") << "keep me";
  const auto r = run_sim("real --data-dir " + dir.path + " --kills 1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("must be an empty directory or not exist"), std::string::npos) << r.output;
  std::ifstream in(dir.path + "/precious.txt");
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");
  EXPECT_EQ(run_sim("real --kills 1").code, 2);  // --data-dir is required
}

}  // namespace
}  // namespace aurora::workloads::real
