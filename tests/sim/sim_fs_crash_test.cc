// What a crash may and may not leave (DESIGN.md section 5): per crash mode, tearing,
// exposure of size changes without data, directory operations, and determinism.
// Properties that hold "sometimes" are checked over many seeds, both ways.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/sim/sim_fs_harness.h"

namespace aurora::sim::testing {
namespace {

constexpr int kSeeds = 64;

// A pending file op as a test describes it, with its effect on a model string.
struct Op {
  enum Kind { kWrite, kTruncate } kind;
  std::uint64_t offset;  // kTruncate: the new size
  std::string data;
};

void apply(std::string& image, const Op& op) {
  if (op.kind == Op::kTruncate) {
    image.resize(op.offset, '\0');
    return;
  }
  if (image.size() < op.offset + op.data.size()) image.resize(op.offset + op.data.size(), '\0');
  image.replace(op.offset, op.data.size(), op.data);
}

void issue(SimFs& fs, FileHandle h, const Op& op) {
  if (op.kind == Op::kTruncate) {
    ASSERT_TRUE(fs.truncate(h, op.offset).is_ok());
  } else {
    write_ok(fs, h, op.offset, op.data);
  }
}

const std::vector<Op>& sample_ops() {
  static const std::vector<Op> ops = {
      {Op::kWrite, 0, "AAAA"}, {Op::kWrite, 4, "BBBB"}, {Op::kTruncate, 6, ""},
      {Op::kWrite, 2, "CC"},   {Op::kWrite, 10, "DD"},  {Op::kTruncate, 16, ""},
  };
  return ops;
}

// Runs `ops` on a durable file holding `base`, crashes in `mode`, returns what is left.
std::string crash_after(std::uint64_t seed, CrashMode mode, const std::string& base,
                        const std::vector<Op>& ops) {
  Disk d(seed);  // no faults: no tearing, so whole ops survive or vanish
  make_durable_file(d.fs, "f", base);
  FileHandle h = open_ok(d.fs, "f");
  for (const Op& op : ops) issue(d.fs, h, op);
  EXPECT_EQ(d.fs.pending_ops("f"), ops.size());
  d.fs.crash(mode);
  d.fs.restart();
  return d.fs.live_contents("f").value_or("<gone>");
}

TEST(SimFsCrash, DurableFileAndNameSurviveEveryModeExactly) {
  for (CrashMode mode : {CrashMode::kDropAll, CrashMode::kPrefix, CrashMode::kSubset}) {
    for (int seed = 0; seed < kSeeds; ++seed) {
      Disk d(seed, only(FaultKind::kTornWrite, mode));
      ASSERT_TRUE(d.fs.mkdir("wal").is_ok());
      sync_dir_ok(d.fs, "");
      make_durable_file(d.fs, "wal/1.log", std::string(3000, 'x'), "wal");
      // Unsynced noise beside it must not disturb it.
      FileHandle other = open_ok(d.fs, "wal/2.log");
      write_ok(d.fs, other, 0, "noise");
      d.fs.crash();
      d.fs.restart();
      ASSERT_EQ(d.fs.live_contents("wal/1.log"), std::string(3000, 'x'))
          << crash_mode_name(mode) << " seed " << seed;
      FileHandle h = open_ok(d.fs, "wal/1.log", OpenMode::kOpenExisting);
      EXPECT_EQ(*d.fs.size(h), 3000u);
    }
  }
}

TEST(SimFsCrash, FsyncedFileWhoseDirectoryWasNotMayVanish) {
  int vanished = 0;
  int survived = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    Disk d(seed);
    FileHandle h = open_ok(d.fs, "f");
    write_ok(d.fs, h, 0, "payload");
    sync_ok(d.fs, h);  // the data is durable; its name is not
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    const std::optional<std::string> left = d.fs.live_contents("f");
    if (!left) {
      ++vanished;
      EXPECT_TRUE(d.fs.all_files().empty());
      EXPECT_EQ(d.sink.last("disk.crash").fields.at("inodes_lost"), "1");
    } else {
      ++survived;
      EXPECT_EQ(*left, "payload") << "seed " << seed;
    }
  }
  EXPECT_GT(vanished, 0);
  EXPECT_GT(survived, 0);
}

TEST(SimFsCrash, DropAllKeepsNothingUnsynced) {
  for (int seed = 0; seed < kSeeds; ++seed) {
    Disk d(seed, only(FaultKind::kTornWrite));
    make_durable_file(d.fs, "a", "durable-a");
    make_durable_file(d.fs, "b", "durable-b");
    FileHandle a = open_ok(d.fs, "a");
    write_ok(d.fs, a, 0, "XXXX");
    append_ok(d.fs, a, "more");
    ASSERT_TRUE(d.fs.truncate(a, 3).is_ok());
    FileHandle c = open_ok(d.fs, "c");
    write_ok(d.fs, c, 0, "new file");
    sync_ok(d.fs, c);  // data durable, name not
    ASSERT_TRUE(d.fs.rename("b", "b2").is_ok());
    ASSERT_TRUE(d.fs.mkdir("dir").is_ok());
    d.fs.crash(CrashMode::kDropAll);
    d.fs.restart();
    EXPECT_EQ(d.fs.all_files(), (std::vector<std::string>{"a", "b"})) << "seed " << seed;
    EXPECT_EQ(d.fs.live_contents("a"), "durable-a");
    EXPECT_EQ(d.fs.live_contents("b"), "durable-b");
    EXPECT_EQ(d.sink.count("fault.torn_write"), 0u) << "nothing pending survives to be torn";
  }
}

TEST(SimFsCrash, UnsyncedUnlinkMayBeUndone) {
  int back = 0;
  int gone = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    Disk d(seed);
    make_durable_file(d.fs, "f", "keep me");
    ASSERT_TRUE(d.fs.unlink("f").is_ok());
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    const std::optional<std::string> left = d.fs.live_contents("f");
    if (left) {
      ++back;
      EXPECT_EQ(*left, "keep me");
    } else {
      ++gone;
    }
  }
  EXPECT_GT(back, 0);
  EXPECT_GT(gone, 0);
}

// An unlink that survives a crash removes its name only if the name still refers to the
// file it unlinked, not to whatever another surviving op put there.
TEST(SimFsCrash, ASurvivingUnlinkRemovesOnlyTheFileItUnlinked) {
  // Ops: link n->Y, link x->X, rename x->n (X replaces Y), unlink n (X).
  std::set<std::string> seen;
  for (int seed = 0; seed < 4 * kSeeds; ++seed) {
    Disk d(seed);
    for (std::string_view name : {"n", "x"}) {
      FileHandle h = open_ok(d.fs, name);
      write_ok(d.fs, h, 0, name == "n" ? "Y" : "X");
      sync_ok(d.fs, h);  // the data is durable: only the names are in question
      ASSERT_TRUE(d.fs.close(h).is_ok());
    }
    ASSERT_TRUE(d.fs.rename("x", "n").is_ok());
    ASSERT_TRUE(d.fs.unlink("n").is_ok());
    ASSERT_TRUE(d.fs.all_files().empty());
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    const std::string survived = d.sink.last("disk.crash").fields.at("dir_ops_survived");
    // With x still there, the rename was dropped; three survivors are then exactly
    // link n, link x and the unlink, which must leave n naming Y.
    const std::string state = "n=" + d.fs.live_contents("n").value_or("-") +
                              " x=" + d.fs.live_contents("x").value_or("-") + " ops=" + survived;
    EXPECT_NE(state, "n=- x=X ops=3") << "seed " << seed;
    seen.insert(state);
  }
  EXPECT_TRUE(seen.contains("n=Y x=X ops=3"));
}

TEST(SimFsCrash, PrefixModeKeepsAPrefixOfThePendingOps) {
  const std::vector<Op>& ops = sample_ops();
  const std::string base = "base-data";
  std::vector<std::string> prefixes = {base};  // prefixes[k]: the first k ops applied
  for (const Op& op : ops) {
    prefixes.push_back(prefixes.back());
    apply(prefixes.back(), op);
  }
  std::set<std::size_t> seen;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::string left = crash_after(seed, CrashMode::kPrefix, base, ops);
    auto it = std::find(prefixes.begin(), prefixes.end(), left);
    ASSERT_NE(it, prefixes.end()) << "seed " << seed << " left a non-prefix state";
    seen.insert(static_cast<std::size_t>(it - prefixes.begin()));
  }
  // Prefix lengths are uniform in [0, n]: over 64 seeds every one shows up but rarely.
  EXPECT_GE(seen.size(), ops.size()) << "prefix lengths should vary";
  EXPECT_TRUE(seen.contains(0));
  EXPECT_TRUE(seen.contains(ops.size()));
}

TEST(SimFsCrash, SubsetModeCanKeepALaterWriteWithoutAnEarlierOne) {
  const std::vector<Op> ops = {{Op::kWrite, 0, "AAAA"}, {Op::kWrite, 4, "BBBB"}};
  // Every state a subset can leave, applied in the original order.
  const std::set<std::string> allowed = {"", "AAAA", std::string(4, '\0') + "BBBB", "AAAABBBB"};
  std::set<std::string> seen;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::string left = crash_after(seed, CrashMode::kSubset, "", ops);
    ASSERT_TRUE(allowed.contains(left)) << "seed " << seed;
    seen.insert(left);
  }
  EXPECT_TRUE(seen.contains(std::string(4, '\0') + "BBBB"))
      << "no seed kept the second write without the first";
  EXPECT_EQ(seen, allowed);
}

TEST(SimFsCrash, SubsetModeLeavesOnlySubsetsAppliedInOrder) {
  const std::vector<Op>& ops = sample_ops();
  const std::string base = "base-data";
  std::set<std::string> allowed;
  for (unsigned mask = 0; mask < (1u << ops.size()); ++mask) {
    std::string image = base;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (mask & (1u << i)) apply(image, ops[i]);
    }
    allowed.insert(image);
  }
  std::set<std::string> seen;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::string left = crash_after(seed, CrashMode::kSubset, base, ops);
    ASSERT_TRUE(allowed.contains(left)) << "seed " << seed;
    seen.insert(left);
  }
  EXPECT_GT(seen.size(), 8u);
}

// Checks that `left` is `old_image` overwritten by a torn write of `data` at `offset`:
// each atomic unit of the write (aligned to file offsets) is wholly new, or wholly what
// was there before (zeros beyond the old size). Returns how many units were new.
std::size_t check_unit_aligned_mix(const std::string& left, const std::string& old_image,
                                   std::uint64_t offset, const std::string& data,
                                   std::uint64_t unit, std::size_t& units) {
  const std::uint64_t end = offset + data.size();
  std::string old_ext = old_image;
  if (old_ext.size() < end) old_ext.resize(end, '\0');
  EXPECT_EQ(left.size(), old_ext.size()) << "the size extension survives with the write";
  EXPECT_EQ(left.substr(0, offset), old_ext.substr(0, offset));
  EXPECT_EQ(left.substr(end), old_ext.substr(end));
  std::size_t fresh = 0;
  units = 0;
  for (std::uint64_t pos = offset; pos < end;) {
    const std::uint64_t unit_end = std::min(end, (pos / unit + 1) * unit);
    const std::string got = left.substr(pos, unit_end - pos);
    const std::string was_new = data.substr(pos - offset, unit_end - pos);
    const std::string was_old = old_ext.substr(pos, unit_end - pos);
    EXPECT_TRUE(got == was_new || got == was_old) << "unit at " << pos << " is a mix";
    fresh += got == was_new ? 1 : 0;
    ++units;
    pos = unit_end;
  }
  return fresh;
}

TEST(SimFsCrash, TornWritesAreUnitAlignedMixesOfOldAndNew) {
  for (std::uint32_t unit : {512u, 4096u, 1u}) {
    const std::string old_image(unit == 1 ? 40 : 3 * unit + unit / 2, 'o');
    // Starts mid-unit, ends beyond the old size.
    const std::uint64_t offset = unit == 1 ? 17 : unit + 100;
    const std::string data(unit == 1 ? 50 : 3 * unit, 'n');
    bool saw_mix = false;
    for (int seed = 0; seed < kSeeds; ++seed) {
      FaultConfig config = only(FaultKind::kTornWrite, CrashMode::kPrefix);
      config.atomic_unit = unit;
      Disk d(seed, config);
      make_durable_file(d.fs, "f", old_image);
      FileHandle h = open_ok(d.fs, "f");
      write_ok(d.fs, h, offset, data);
      d.fs.crash();
      d.fs.restart();
      const std::string left = *d.fs.live_contents("f");
      if (left == old_image) continue;  // the prefix was empty: the write did not survive
      ASSERT_EQ(d.sink.count("fault.torn_write"), 1u);
      std::size_t units = 0;
      const std::size_t fresh = check_unit_aligned_mix(left, old_image, offset, data, unit, units);
      EXPECT_EQ(d.sink.last("disk.crash").fields.at("units_lost"), std::to_string(units - fresh));
      saw_mix |= fresh > 0 && fresh < units;
    }
    EXPECT_TRUE(saw_mix) << "unit " << unit << ": no seed tore a write";
  }
}

// The units a torn write lost, as [begin, end) runs of unit indexes: `left` is what the
// file holds of `data` written at offset 0 of an empty file, lost units being zeros.
std::vector<std::pair<std::size_t, std::size_t>> lost_runs(const std::string& left,
                                                          const std::string& data,
                                                          std::size_t unit) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t u = 0; u * unit < data.size(); ++u) {
    const bool lost = left.substr(u * unit, unit) != data.substr(u * unit, unit);
    if (!lost) continue;
    if (!runs.empty() && runs.back().second == u) {
      ++runs.back().second;
    } else {
      runs.emplace_back(u, u + 1);
    }
  }
  return runs;
}

// Coin flips per one-byte unit garble every byte range; only the run shape (one contiguous
// run of units lost, the rest kept) leaves whole records on both sides of the tear, which
// is how a crash cuts a log write between records, or leaves valid records after a hole.
TEST(SimFsCrash, SomeTornWritesLoseOneRunOfUnits) {
  const std::string data(64, 'n');
  int prefixes = 0;
  int holes = 0;
  for (int seed = 0; seed < 4 * kSeeds; ++seed) {
    FaultConfig config = only(FaultKind::kTornWrite, CrashMode::kPrefix);
    config.atomic_unit = 1;
    config.exposure = Exposure::kZeros;
    Disk d(seed, config);
    make_durable_file(d.fs, "f", "");
    append_ok(d.fs, d.fs.open("f", OpenMode::kOpenExisting).value(), data);
    d.fs.crash();
    d.fs.restart();
    const std::string left = *d.fs.live_contents("f");
    if (left.empty()) continue;  // the append did not survive
    const auto runs = lost_runs(left, data, 1);
    ASSERT_FALSE(runs.empty()) << "seed " << seed << ": a torn write lost no unit";
    if (runs.size() != 1 || runs[0].second - runs[0].first > 56) continue;
    ++(runs[0].second == data.size() ? prefixes : holes);
  }
  EXPECT_GE(prefixes, 2) << "a prefix of 8 or more bytes, then nothing";
  EXPECT_GE(holes, 4) << "one run lost inside the write, 8 or more bytes kept";
}

// A crash at a crash point is in the window of the node's newest write: unless the mode
// is drop-all, that write survives, torn: one run of its units lost, the rest kept (never
// whole), with its file's pending writes before it under prefix mode.
TEST(SimFsCrash, ACrashInAWindowTearsTheNewestWrite) {
  const std::string data(4 * 512, 'n');
  for (const CrashMode mode : {CrashMode::kPrefix, CrashMode::kSubset, CrashMode::kDropAll}) {
    std::set<std::pair<std::size_t, std::size_t>> shapes;
    for (int seed = 0; seed < kSeeds; ++seed) {
      Disk d(seed);  // no faults: only the window tears
      make_durable_file(d.fs, "newest", "");
      const FileHandle h = open_ok(d.fs, "newest");
      write_ok(d.fs, h, 0, "older");
      write_ok(d.fs, h, 512, data);
      d.fs.crash(mode, /*in_window=*/true);
      d.fs.restart();
      const std::string newest = *d.fs.live_contents("newest");
      if (mode == CrashMode::kDropAll) {
        EXPECT_EQ(newest, "");
        EXPECT_EQ(d.sink.count("disk.torn_in_window"), 0u);
        continue;
      }
      ASSERT_EQ(d.sink.count("disk.torn_in_window"), 1u);
      EXPECT_EQ(d.sink.last("disk.torn_in_window").fields.at("path"), "newest");
      if (mode == CrashMode::kPrefix) {
        EXPECT_EQ(newest.substr(0, 5), "older") << "seed " << seed;
      }
      ASSERT_EQ(newest.size(), 512 + data.size());
      const auto runs = lost_runs(newest.substr(512), data, 512);
      ASSERT_EQ(runs.size(), 1u) << "seed " << seed << ": one run of units lost, not "
                                 << runs.size();
      shapes.insert(runs[0]);
    }
    if (mode != CrashMode::kDropAll) {
      EXPECT_GE(shapes.size(), 6u) << "runs of every length, anywhere in the write";
      EXPECT_TRUE(shapes.contains({3, 4})) << "the last unit alone lost: a prefix";
      EXPECT_TRUE(shapes.contains({0, 1})) << "the first unit alone lost: a hole";
    }
  }
}

// An append torn so that its size survives without (some of) its data.
std::set<std::string> torn_append_units(Exposure exposure, int& zero_units, int& other_units) {
  std::set<std::string> lost;
  for (int seed = 0; seed < kSeeds; ++seed) {
    FaultConfig config = only(FaultKind::kTornWrite, CrashMode::kPrefix);
    config.exposure = exposure;
    Disk d(seed, config);
    make_durable_file(d.fs, "f", "");
    FileHandle h = open_ok(d.fs, "f");
    append_ok(d.fs, h, std::string(4096, 'x'));
    d.fs.crash();
    d.fs.restart();
    const std::string left = *d.fs.live_contents("f");
    if (left.empty()) continue;  // the append did not survive at all
    EXPECT_EQ(left.size(), 4096u) << "the size change survives with the write";
    for (std::size_t u = 0; u < 8; ++u) {
      const std::string unit = left.substr(u * 512, 512);
      if (unit == std::string(512, 'x')) continue;
      lost.insert(unit);
      if (unit == std::string(512, '\0')) {
        ++zero_units;
      } else {
        ++other_units;
      }
    }
  }
  return lost;
}

TEST(SimFsCrash, SizeChangeWithoutItsDataShowsZeros) {
  int zeros = 0;
  int other = 0;
  torn_append_units(Exposure::kZeros, zeros, other);
  EXPECT_GT(zeros, 0);
  EXPECT_EQ(other, 0) << "with Exposure::kZeros a lost unit reads as zeros";
}

TEST(SimFsCrash, SizeChangeWithoutItsDataShowsGarbageWhenAsked) {
  int zeros = 0;
  int other = 0;
  const std::set<std::string> lost = torn_append_units(Exposure::kGarbage, zeros, other);
  EXPECT_GT(other, 0);
  EXPECT_EQ(zeros, 0) << "random garbage is never a whole zero sector";
  EXPECT_GT(lost.size(), 1u) << "garbage differs from unit to unit";
}

TEST(SimFsCrash, TornWriteInsideTheOldSizeKeepsOldBytesNeverGarbage) {
  for (int seed = 0; seed < kSeeds; ++seed) {
    FaultConfig config = only(FaultKind::kTornWrite, CrashMode::kPrefix);
    config.exposure = Exposure::kGarbage;
    Disk d(seed, config);
    make_durable_file(d.fs, "f", std::string(2048, 'o'));
    FileHandle h = open_ok(d.fs, "f");
    write_ok(d.fs, h, 0, std::string(2048, 'n'));
    d.fs.crash();
    d.fs.restart();
    const std::string left = *d.fs.live_contents("f");
    for (char c : left) ASSERT_TRUE(c == 'o' || c == 'n') << "seed " << seed;
  }
}

TEST(SimFsCrash, NonAtomicRenameCanLeaveBothNamesOrNeither) {
  int both = 0;
  int neither = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    FaultConfig config = FaultConfig::none();
    config.atomic_rename = false;
    Disk d(seed, config);
    make_durable_file(d.fs, "a", "A");
    ASSERT_TRUE(d.fs.rename("a", "b").is_ok());
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    const bool has_a = d.fs.live_contents("a").has_value();
    const bool has_b = d.fs.live_contents("b").has_value();
    both += has_a && has_b;
    neither += !has_a && !has_b;
    if (has_a && has_b) {
      EXPECT_EQ(d.fs.live_contents("b"), "A");
    }
  }
  EXPECT_GT(both, 0);
  EXPECT_GT(neither, 0);
}

TEST(SimFsCrash, AtomicRenameLeavesExactlyOneName) {
  int old_name = 0;
  int new_name = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    Disk d(seed);  // atomic_rename is the default
    make_durable_file(d.fs, "a", "A");
    make_durable_file(d.fs, "b", "B");
    ASSERT_TRUE(d.fs.rename("a", "b").is_ok());
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    if (d.fs.live_contents("a")) {
      ++old_name;
      EXPECT_EQ(d.fs.live_contents("b"), "B") << "the replaced file is back with it";
    } else {
      ++new_name;
      EXPECT_EQ(d.fs.live_contents("b"), "A");
    }
  }
  EXPECT_GT(old_name, 0);
  EXPECT_GT(new_name, 0);
}

TEST(SimFsCrash, RenameMadeDurableBySyncDirSurvives) {
  for (int seed = 0; seed < 16; ++seed) {
    Disk d(seed);
    ASSERT_TRUE(d.fs.mkdir("m").is_ok());
    sync_dir_ok(d.fs, "");
    make_durable_file(d.fs, "m/tmp", "manifest", "m");
    ASSERT_TRUE(d.fs.rename("m/tmp", "m/CURRENT").is_ok());
    sync_dir_ok(d.fs, "m");
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    EXPECT_EQ(d.fs.all_files(), (std::vector<std::string>{"m/CURRENT"}));
    EXPECT_EQ(d.fs.live_contents("m/CURRENT"), "manifest");
  }
}

TEST(SimFsCrash, ADirectoryWhoseEntryVanishedTakesItsSubtree) {
  int lost = 0;
  int kept = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    Disk d(seed);
    ASSERT_TRUE(d.fs.mkdir("d").is_ok());  // the root is never synced
    ASSERT_TRUE(d.fs.mkdir("d/e").is_ok());
    sync_dir_ok(d.fs, "d");
    make_durable_file(d.fs, "d/e/f", "deep", "d/e");
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    if (*d.fs.exists("d")) {
      ++kept;
      EXPECT_EQ(d.fs.live_contents("d/e/f"), "deep");
    } else {
      ++lost;
      EXPECT_TRUE(d.fs.all_files().empty());
      EXPECT_TRUE(d.fs.list("")->empty());
    }
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(kept, 0);
}

TEST(SimFsCrash, AFileWhoseNameDidNotSurviveIsGoneEntirely) {
  // Bit flips strike every surviving non-empty file, so they show which files still exist
  // inside the disk, not only which names are visible.
  Disk d(5, only(FaultKind::kBitFlip, CrashMode::kDropAll));
  make_durable_file(d.fs, "keep", "k");
  FileHandle lost = open_ok(d.fs, "lost");
  write_ok(d.fs, lost, 0, "durable data, no durable name");
  sync_ok(d.fs, lost);
  d.fs.crash();
  d.fs.restart();
  EXPECT_EQ(d.fs.all_files(), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(d.sink.count("fault.bit_flip"), 1u);
  EXPECT_EQ(d.sink.last("fault.bit_flip").fields.at("path"), "keep");
  EXPECT_EQ(d.sink.last("disk.crash").fields.at("inodes_lost"), "1");
}

// Every path under `dir`, walking at most `depth` levels (a cycle must fail, not hang).
void walk(SimFs& fs, const std::string& dir, int depth, std::vector<std::string>& out) {
  Result<std::vector<std::string>> names = fs.list(dir);
  if (!names.is_ok()) return;  // a file
  for (const std::string& name : *names) {
    const std::string path = dir.empty() ? name : dir + "/" + name;
    out.push_back(path);
    if (depth > 0) walk(fs, path, depth - 1, out);
  }
}

TEST(SimFsCrash, ADirectoryNeverComesBackWithTwoNames) {
  // Two non-atomic directory renames: a/b -> b, then a -> b/a. Surviving links without
  // their unlinks would give "a" and "b" each other as children; after the crash the
  // tree must still be a tree, with "x" (one file in "a") at one path at most.
  std::uint64_t removed = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    FaultConfig config = FaultConfig::none();
    config.atomic_rename = false;
    Disk d(seed, config);
    ASSERT_TRUE(d.fs.mkdir("a").is_ok());
    ASSERT_TRUE(d.fs.mkdir("a/b").is_ok());
    sync_dir_ok(d.fs, "");
    make_durable_file(d.fs, "a/x", "x", "a");
    ASSERT_TRUE(d.fs.rename("a/b", "b").is_ok());
    ASSERT_TRUE(d.fs.rename("a", "b/a").is_ok());
    d.fs.crash(CrashMode::kSubset);
    d.fs.restart();
    std::vector<std::string> paths;
    walk(d.fs, "", 4, paths);
    int copies_of_x = 0;
    for (const std::string& p : paths) {
      ASSERT_LE(std::count(p.begin(), p.end(), '/'), 2) << "seed " << seed << ": " << p;
      copies_of_x += p.ends_with("x");
    }
    ASSERT_LE(copies_of_x, 1) << "seed " << seed;
    EXPECT_EQ(d.fs.all_files().size(), static_cast<std::size_t>(copies_of_x));
    removed += std::stoul(d.sink.last("disk.crash").fields.at("dir_links_removed"));
  }
  EXPECT_GT(removed, 0u) << "no seed produced a second directory name to remove";
}

TEST(SimFsCrash, CrashKillsHandlesAndLiveEqualsDurable) {
  Disk d(3, only(FaultKind::kTornWrite));
  make_durable_file(d.fs, "f", "abc");
  FileHandle h = open_ok(d.fs, "f");
  write_ok(d.fs, h, 0, "zzzzzz");
  d.fs.crash();
  EXPECT_EQ(d.fs.live_contents("f"), d.fs.durable_contents("f"));
  EXPECT_EQ(d.fs.pending_ops("f"), 0u);
  d.fs.restart();
  EXPECT_EQ(d.fs.size(h).kind(), ErrorKind::kBadHandle);
  // A second crash with nothing pending changes nothing.
  const std::optional<std::string> before = d.fs.live_contents("f");
  d.fs.crash(CrashMode::kSubset);
  d.fs.restart();
  EXPECT_EQ(d.fs.live_contents("f"), before);
}

// A scenario touching every part of the model, run under the unrestricted regime.
std::string scenario(std::uint64_t seed) {
  FaultConfig config = FaultConfig::unrestricted();
  config.rule(FaultKind::kFsyncEio).probability = 0.2;
  config.rule(FaultKind::kMisdirectedWrite).probability = 0.2;
  config.rule(FaultKind::kBitFlip).probability = 0.5;
  Disk d(seed, config);
  std::string out;
  d.run([&] {
    ASSERT_TRUE(d.fs.mkdir("wal").is_ok());
    Status ignored = d.fs.sync_dir("");
    ignored.ignore();  // a failure is part of what the scenario explores
    for (int i = 0; i < 6; ++i) {
      Result<FileHandle> h = d.fs.open("wal/" + std::to_string(i % 3), OpenMode::kCreate);
      if (!h.is_ok()) continue;
      for (int j = 0; j < 4; ++j) {
        Result<std::size_t> n = d.fs.append(*h, as_bytes(std::string(700, char('a' + j))));
        n.status().ignore();  // short and failed writes are part of the scenario
      }
      d.fs.sync(*h).ignore();
      if (i % 2 == 0) d.fs.sync_dir("wal").ignore();
      if (i == 3) d.fs.rename("wal/0", "wal/zero").ignore();
    }
    d.fs.crash();
  });
  d.fs.restart();
  for (const std::string& f : d.fs.all_files()) out += f + "=" + *d.fs.live_contents(f) + "\n";
  return out + d.sink.dump();
}

TEST(SimFsCrash, SameSeedSameSurvivingState) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    const std::string first = scenario(seed);
    EXPECT_EQ(first, scenario(seed)) << "seed " << seed;
    outcomes.insert(first);
  }
  EXPECT_EQ(outcomes.size(), 4u) << "different seeds should explore different states";
}

}  // namespace
}  // namespace aurora::sim::testing
