// The FaultInjector (names, presets, draws, budgets, events) and every fault kind the
// simulated disk injects outside a crash's own survival decisions: fsync EIO, write
// ENOSPC/EIO, short writes, read EIO, latency spikes, and the media faults.
#include <gtest/gtest.h>

#include <set>

#include "tests/sim/sim_fs_harness.h"

namespace aurora::sim::testing {
namespace {

constexpr FaultKind kAllKinds[] = {
    FaultKind::kTornWrite,        FaultKind::kFsyncEio,     FaultKind::kWriteNoSpace,
    FaultKind::kWriteEio,         FaultKind::kShortWrite,   FaultKind::kReadEio,
    FaultKind::kLatencySpike,     FaultKind::kLatentSector, FaultKind::kBitFlip,
    FaultKind::kMisdirectedWrite, FaultKind::kLostWrite,    FaultKind::kCrashPoint,
};

// --- The injector ---

TEST(FaultInjector, NamesRoundTrip) {
  for (FaultKind k : kAllKinds) EXPECT_EQ(parse_fault_kind(fault_kind_name(k)), k);
  EXPECT_EQ(fault_kind_name(FaultKind::kWriteNoSpace), "write_enospc");
  EXPECT_EQ(fault_kind_name(FaultKind::kMisdirectedWrite), "misdirected_write");
  EXPECT_EQ(parse_fault_kind("nonsense"), std::nullopt);
  for (CrashMode m : {CrashMode::kDropAll, CrashMode::kPrefix, CrashMode::kSubset}) {
    EXPECT_EQ(parse_crash_mode(crash_mode_name(m)), m);
  }
  EXPECT_EQ(parse_crash_mode("drop-all"), CrashMode::kDropAll);
  EXPECT_EQ(parse_crash_mode("drop_all"), std::nullopt);
}

TEST(FaultInjector, PresetsEnableTheirRegime) {
  const FaultConfig none = FaultConfig::none();
  const FaultConfig rec = FaultConfig::recoverable();
  const FaultConfig all = FaultConfig::unrestricted();
  for (FaultKind k : kAllKinds) {
    EXPECT_FALSE(none.rule(k).enabled) << fault_kind_name(k);
    EXPECT_EQ(rec.rule(k).enabled, !is_media_fault(k)) << fault_kind_name(k);
    EXPECT_TRUE(all.rule(k).enabled) << fault_kind_name(k);
    EXPECT_GT(all.rule(k).probability, 0.0);
    EXPECT_LE(all.rule(k).probability, 0.5);
  }
  EXPECT_EQ(rec.rule(FaultKind::kTornWrite).probability, 0.5);
  const std::string text = all.describe();
  for (FaultKind k : kAllKinds) {
    EXPECT_NE(text.find(std::string(fault_kind_name(k))), std::string::npos);
  }
  EXPECT_NE(text.find("crash_mode: subset"), std::string::npos) << text;
}

TEST(FaultInjector, DisabledKindsConsumeNoDraws) {
  Rng rng(42, "faults");
  NullEventSink sink;
  FaultInjector inj(FaultConfig::none(), rng, sink);
  for (FaultKind k : kAllKinds) EXPECT_FALSE(inj.fire(k, {}));
  Rng fresh(42, "faults");
  EXPECT_EQ(rng.next(), fresh.next());
}

TEST(FaultInjector, EnabledKindsConsumeExactlyOneDrawEvenPastTheBudget) {
  Rng rng(42, "faults");
  NullEventSink sink;
  FaultConfig config = FaultConfig::none();
  config.rule(FaultKind::kReadEio) = always(/*budget=*/1);
  config.rule(FaultKind::kWriteEio) = FaultRule{.enabled = true, .probability = 0.0};
  FaultInjector inj(config, rng, sink);
  EXPECT_TRUE(inj.fire(FaultKind::kReadEio, {}));
  EXPECT_FALSE(inj.fire(FaultKind::kReadEio, {}));   // budget spent, still a draw
  EXPECT_FALSE(inj.fire(FaultKind::kWriteEio, {}));  // probability 0, still a draw
  Rng fresh(42, "faults");
  for (int i = 0; i < 3; ++i) fresh.next();
  EXPECT_EQ(rng.next(), fresh.next());
}

TEST(FaultInjector, MediaFaultsStrikeOnlyTheNodesNamed) {
  Rng rng(42, "faults");
  RecordingSink sink;
  FaultConfig config = FaultConfig::none();
  config.rule(FaultKind::kBitFlip) = always();
  config.rule(FaultKind::kReadEio) = always();
  config.media_nodes = {"s0", "s2"};
  FaultInjector inj(config, rng, sink);
  EXPECT_TRUE(inj.fire(FaultKind::kBitFlip, {{"node", "s0"}, {"path", "x"}}));
  EXPECT_FALSE(inj.fire(FaultKind::kBitFlip, {{"node", "s1"}, {"path", "x"}}));  // no draw
  EXPECT_FALSE(inj.fire(FaultKind::kBitFlip, {{"path", "x"}}));  // no node: spared
  EXPECT_TRUE(inj.fire(FaultKind::kBitFlip, {{"node", "s2"}}));
  EXPECT_TRUE(inj.fire(FaultKind::kReadEio, {{"node", "s1"}}));  // not a media fault
  EXPECT_EQ(sink.count("fault.bit_flip"), 2u);
  Rng fresh(42, "faults");
  for (int i = 0; i < 3; ++i) fresh.next();  // the spared ones drew nothing
  EXPECT_EQ(rng.next(), fresh.next());
  EXPECT_NE(config.describe().find("media_nodes: s0 s2"), std::string::npos);
}

TEST(FaultInjector, BudgetsCapHowOftenAKindFires) {
  Rng rng(7, "faults");
  RecordingSink sink;
  FaultConfig config = FaultConfig::none();
  config.rule(FaultKind::kShortWrite) = always(/*budget=*/3);
  FaultInjector inj(config, rng, sink);
  int fired = 0;
  for (int i = 0; i < 10; ++i) fired += inj.fire(FaultKind::kShortWrite, {{"i", i}});
  EXPECT_EQ(fired, 3);
  EXPECT_EQ(inj.fired(FaultKind::kShortWrite), 3u);
  EXPECT_EQ(sink.count("fault.short_write"), 3u);
  EXPECT_EQ(sink.last("fault.short_write").fields.at("i"), "2");
}

TEST(FaultInjector, ProbabilityIsHonouredRoughly) {
  Rng rng(9, "faults");
  NullEventSink sink;
  FaultConfig config = FaultConfig::none();
  config.rule(FaultKind::kReadEio) = FaultRule{.enabled = true, .probability = 0.25};
  FaultInjector inj(config, rng, sink);
  int fired = 0;
  for (int i = 0; i < 4000; ++i) fired += inj.fire(FaultKind::kReadEio, {});
  EXPECT_GT(fired, 850);
  EXPECT_LT(fired, 1150);
}

TEST(SimFsFaults, ADiskWithoutFaultsDrawsNothingOutsideCrashes) {
  Disk d(5);
  d.run([&] {
    FileHandle h = open_ok(d.fs, "f");
    write_ok(d.fs, h, 0, "abc");
    sync_ok(d.fs, h);
    sync_dir_ok(d.fs, "");
    EXPECT_EQ(*read_str(d.fs, h, 0, 3), "abc");
  });
  Rng fresh(5, "faults");
  EXPECT_EQ(d.faults_rng.next(), fresh.next());
}

// --- Write faults ---

TEST(SimFsFaults, NoSpaceWritesNothing) {
  Disk d(1);
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "keep");
  d.injector.mutable_config().rule(FaultKind::kWriteNoSpace) = always();
  EXPECT_EQ(d.fs.pwrite(h, 2, as_bytes("XXXXXX")).kind(), ErrorKind::kNoSpace);
  EXPECT_EQ(d.fs.append(h, as_bytes("XX")).kind(), ErrorKind::kNoSpace);
  EXPECT_EQ(d.fs.live_contents("f"), "keep");
  EXPECT_EQ(d.fs.pending_ops("f"), 1u);
  EXPECT_EQ(d.sink.count("fault.write_enospc"), 2u);
  EXPECT_EQ(d.sink.last("fs.write").fields.at("err"), "NoSpace");
}

TEST(SimFsFaults, WriteEioWritesNothing) {
  Disk d(1);
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "keep");
  d.injector.mutable_config().rule(FaultKind::kWriteEio) = always();
  EXPECT_EQ(d.fs.pwrite(h, 0, as_bytes("XXXXXX")).kind(), ErrorKind::kIoError);
  EXPECT_EQ(d.fs.append(h, as_bytes("XX")).kind(), ErrorKind::kIoError);
  EXPECT_EQ(d.fs.live_contents("f"), "keep");
  EXPECT_EQ(d.fs.pending_ops("f"), 1u);
  EXPECT_EQ(d.sink.count("fault.write_eio"), 2u);
}

TEST(SimFsFaults, ShortWritesWriteAStrictPrefix) {
  Disk d(2, only(FaultKind::kShortWrite));
  FileHandle h = open_ok(d.fs, "f");
  const std::string data = "0123456789abcdefghij";
  std::set<std::size_t> lengths;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(d.fs.truncate(h, 0).is_ok());
    Result<std::size_t> n = d.fs.pwrite(h, 0, as_bytes(data));
    ASSERT_TRUE(n.is_ok());
    EXPECT_GE(*n, 1u);
    EXPECT_LT(*n, data.size());
    EXPECT_EQ(d.fs.live_contents("f"), data.substr(0, *n));
    lengths.insert(*n);
  }
  EXPECT_GT(lengths.size(), 5u) << "short lengths should vary";
  // A one-byte write has no strict non-empty prefix: it is written whole, with no draw.
  const std::uint64_t fired = d.injector.fired(FaultKind::kShortWrite);
  Result<std::size_t> one = d.fs.pwrite(h, 0, as_bytes("!"));
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(*one, 1u);
  EXPECT_EQ(d.injector.fired(FaultKind::kShortWrite), fired);
  // write_all carries on after short writes and gets everything there.
  ASSERT_TRUE(d.fs.truncate(h, 0).is_ok());
  ASSERT_TRUE(write_all(d.fs, h, 0, as_bytes(data)).is_ok());
  EXPECT_EQ(d.fs.live_contents("f"), data);
}

// --- Read faults ---

TEST(SimFsFaults, ReadEio) {
  Disk d(3);
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "abc");
  d.injector.mutable_config().rule(FaultKind::kReadEio) = always(/*budget=*/1);
  EXPECT_EQ(read_str(d.fs, h, 0, 3).kind(), ErrorKind::kIoError);
  EXPECT_EQ(*read_str(d.fs, h, 0, 3), "abc") << "read EIO is transient";
  EXPECT_EQ(d.sink.count("fault.read_eio"), 1u);
}

// --- fsync EIO ---

// A durable file "f" holding "old", then "new" written and an fsync that fails.
struct FailedFsync {
  explicit FailedFsync(EioView view, std::uint64_t seed = 1) : d(seed, config(view)) {
    make_durable_file(d.fs, "f", "old");
    d.injector.mutable_config().rule(FaultKind::kFsyncEio) = always();
    h = open_ok(d.fs, "f");
    write_ok(d.fs, h, 0, "NEW!");
    failed = d.fs.sync(h);
  }
  static FaultConfig config(EioView view) {
    FaultConfig c = FaultConfig::none();
    c.eio_view = view;
    return c;
  }
  Disk d;
  FileHandle h;
  Status failed;
};

TEST(SimFsFaults, FsyncEioDropsPendingAndKeepsTheLiveView) {
  FailedFsync t(EioView::kKeep);
  EXPECT_EQ(t.failed.kind(), ErrorKind::kIoError);
  EXPECT_EQ(t.d.fs.pending_ops("f"), 0u) << "the pending ops were dropped";
  EXPECT_EQ(t.d.fs.live_contents("f"), "NEW!") << "ext4-like: reads still show the new data";
  EXPECT_EQ(t.d.fs.durable_contents("f"), "old");
  // Reported once: the next fsync succeeds, with the fault still at probability 1, and
  // proves nothing: the dropped data never became durable.
  sync_ok(t.d.fs, t.h);
  EXPECT_EQ(t.d.fs.durable_contents("f"), "old");
  EXPECT_EQ(t.d.sink.count("fault.fsync_eio"), 1u);
  t.d.fs.crash(CrashMode::kSubset);
  t.d.fs.restart();
  EXPECT_EQ(t.d.fs.live_contents("f"), "old") << "the dropped data is gone after a crash";
}

TEST(SimFsFaults, FsyncEioRevertsTheLiveViewWhenAsked) {
  FailedFsync t(EioView::kRevert);
  EXPECT_EQ(t.failed.kind(), ErrorKind::kIoError);
  EXPECT_EQ(t.d.fs.pending_ops("f"), 0u);
  EXPECT_EQ(t.d.fs.live_contents("f"), "old") << "btrfs-like: reads go back to durable data";
  EXPECT_EQ(*read_str(t.d.fs, t.h, 0, 10), "old");
  sync_ok(t.d.fs, t.h);
  // Once reported, fsync may fail again later: the error is not sticky, nor suppressed.
  write_ok(t.d.fs, t.h, 0, "again");
  EXPECT_EQ(t.d.fs.sync(t.h).kind(), ErrorKind::kIoError);
}

TEST(SimFsFaults, FsyncEioOnADirectoryDropsItsPendingEntries) {
  for (int seed = 0; seed < 32; ++seed) {
    Disk d(seed);
    FileHandle h = open_ok(d.fs, "f");
    write_ok(d.fs, h, 0, "data");
    sync_ok(d.fs, h);
    d.injector.mutable_config().rule(FaultKind::kFsyncEio) = always();
    EXPECT_EQ(d.fs.sync_dir("").kind(), ErrorKind::kIoError);
    EXPECT_TRUE(*d.fs.exists("f")) << "the live name stays";
    EXPECT_EQ(d.fs.pending_ops(""), 0u);
    sync_dir_ok(d.fs, "");  // reported once
    EXPECT_EQ(d.fs.durable_contents("f"), std::nullopt);
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    EXPECT_FALSE(*d.fs.exists("f")) << "seed " << seed << ": the dropped entry came back";
  }
}

// --- Latency ---

TEST(SimFsFaults, LatencySpikesSlowAnOperationDown) {
  FaultConfig config = only(FaultKind::kLatencySpike);
  config.latency_min = config.latency_max = 10 * kMicrosecond;
  config.latency_spike = 30 * kMillisecond;
  config.rule(FaultKind::kLatencySpike).budget = 1;
  Disk d(4, config);
  FileHandle h = open_ok(d.fs, "f");  // outside a fiber: no latency, no spike drawn
  EXPECT_EQ(d.injector.fired(FaultKind::kLatencySpike), 0u);
  d.run([&] {
    Nanos before = d.sched.now();
    write_ok(d.fs, h, 0, "x");
    EXPECT_EQ(d.sched.now() - before, config.latency_min + config.latency_spike);
    before = d.sched.now();
    write_ok(d.fs, h, 0, "y");
    EXPECT_EQ(d.sched.now() - before, config.latency_min) << "budget spent";
  });
  EXPECT_EQ(d.sink.count("fault.latency_spike"), 1u);
}

// --- Media faults ---

TEST(SimFsFaults, LatentSectorReadsEioUntilRewritten) {
  FaultConfig config = only(FaultKind::kLatentSector);
  config.rule(FaultKind::kLatentSector).budget = 1;
  Disk d(6, config);
  const std::string data =
      std::string(512, 'a') + std::string(512, 'b') + std::string(512, 'c') + std::string(100, 'd');
  make_durable_file(d.fs, "f", data);
  d.fs.crash();
  d.fs.restart();
  ASSERT_EQ(d.injector.fired(FaultKind::kLatentSector), 1u);
  FileHandle h = open_ok(d.fs, "f", OpenMode::kOpenExisting);
  EXPECT_EQ(read_str(d.fs, h, 0, data.size()).kind(), ErrorKind::kIoError);
  // Exactly one atomic unit is bad.
  int bad = -1;
  for (int u = 0; u < 4; ++u) {
    Result<std::string> r = read_str(d.fs, h, u * 512, 512);
    if (r.is_ok()) {
      EXPECT_EQ(*r, data.substr(u * 512, 512));
    } else {
      EXPECT_EQ(r.kind(), ErrorKind::kIoError);
      EXPECT_EQ(bad, -1) << "a second bad sector";
      bad = u;
    }
  }
  ASSERT_NE(bad, -1);
  const auto& at = d.sink.last("disk.latent_sector");
  EXPECT_EQ(at.fields.at("off"), std::to_string(bad * 512));
  const std::uint64_t len = bad == 3 ? 100 : 512;
  // A partial rewrite does not heal it; rewriting the whole sector does.
  write_ok(d.fs, h, bad * 512, std::string(len - 1, 'z'));
  EXPECT_EQ(read_str(d.fs, h, bad * 512, len).kind(), ErrorKind::kIoError);
  write_ok(d.fs, h, bad * 512, std::string(len, 'z'));
  EXPECT_EQ(*read_str(d.fs, h, bad * 512, len), std::string(len, 'z'));
  EXPECT_TRUE(read_str(d.fs, h, 0, data.size()).is_ok());
}

TEST(SimFsFaults, BitFlipChangesExactlyOneDurableBit) {
  for (int seed = 0; seed < 16; ++seed) {
    FaultConfig config = only(FaultKind::kBitFlip);
    config.rule(FaultKind::kBitFlip).budget = 1;
    Disk d(seed, config);
    const std::string data(3000, '\x5a');
    make_durable_file(d.fs, "f", data);
    make_durable_file(d.fs, "empty", "");  // no bits, no opportunity
    d.fs.crash();
    d.fs.restart();
    const std::string left = *d.fs.live_contents("f");
    ASSERT_EQ(left.size(), data.size());
    int bits = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      bits += __builtin_popcount(static_cast<unsigned char>(left[i] ^ data[i]));
    }
    EXPECT_EQ(bits, 1) << "seed " << seed;
    EXPECT_EQ(d.fs.durable_contents("f"), left);
  }
}

TEST(SimFsFaults, MisdirectedWriteLandsElsewhere) {
  Disk d(8);
  const std::string old = std::string(4 * 512, 'a');
  make_durable_file(d.fs, "f", old);
  d.injector.mutable_config().rule(FaultKind::kMisdirectedWrite) = always();
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 512, std::string(512, 'b'));
  sync_ok(d.fs, h);  // fsync says OK
  std::string expected_live = old;
  expected_live.replace(512, 512, std::string(512, 'b'));
  EXPECT_EQ(d.fs.live_contents("f"), expected_live) << "the live view is unchanged";
  const std::string durable = *d.fs.durable_contents("f");
  EXPECT_EQ(durable.substr(512, 512), std::string(512, 'a')) << "its own sector kept old bytes";
  int landed = 0;
  for (int u = 0; u < 4; ++u) {
    if (durable.substr(u * 512, 512) == std::string(512, 'b')) ++landed;
  }
  EXPECT_EQ(landed, 1);
  EXPECT_EQ(d.sink.count("fault.misdirected_write"), 1u);
  const std::string to = d.sink.last("disk.misdirected_write").fields.at("to");
  EXPECT_EQ(durable.substr(std::stoul(to), 512), std::string(512, 'b'));
  d.fs.crash(CrashMode::kDropAll);
  d.fs.restart();
  EXPECT_EQ(d.fs.live_contents("f"), durable) << "after the crash the damage is visible";
}

TEST(SimFsFaults, LostWriteFsyncSaysOkButTheOldDataStays) {
  Disk d(9);
  make_durable_file(d.fs, "f", "old data");
  d.injector.mutable_config().rule(FaultKind::kLostWrite) = always();
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "NEW");
  sync_ok(d.fs, h);
  EXPECT_EQ(d.fs.live_contents("f"), "NEW data");
  EXPECT_EQ(d.fs.durable_contents("f"), "old data");
  EXPECT_EQ(d.fs.pending_ops("f"), 0u);
  d.fs.crash(CrashMode::kSubset);
  d.fs.restart();
  EXPECT_EQ(d.fs.live_contents("f"), "old data");
  EXPECT_EQ(d.sink.count("fault.lost_write"), 1u);
}

TEST(SimFsFaults, MediaFaultsAreRecordedInTheTraceWithWhere) {
  FaultConfig config = only(FaultKind::kBitFlip);
  Disk d(10, config);
  make_durable_file(d.fs, "f", "abc");
  d.fs.crash();
  const auto& e = d.sink.last("fault.bit_flip");
  EXPECT_EQ(e.fields.at("node"), "n1");
  EXPECT_EQ(e.fields.at("path"), "f");
  EXPECT_EQ(d.sink.last("disk.crash").fields.at("media_faults"), "1");
}

}  // namespace
}  // namespace aurora::sim::testing
