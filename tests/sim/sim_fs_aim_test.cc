// Media faults aimed at the structures the engine hints (sim/sim_fs_aim.cc): they land on,
// lose, flip or make unreadable exactly such a structure, and say which in the trace.
#include <string>

#include "tests/sim/sim_fs_harness.h"

namespace aurora::sim::testing {
namespace {

constexpr std::uint64_t kSlot = 100;  // a made-up structure: 100-byte slots

FaultConfig aimed(FaultKind kind, std::string aim) {
  FaultConfig c = only(kind);
  c.rule(kind).budget = 1;
  c.media_aim = std::move(aim);
  return c;
}

// File `path` of `slots` durable slots, slot i filled with the letter 'a' + i, each hinted.
void durable_slots(SimFs& fs, std::string_view path, int slots, char first = 'a') {
  FileHandle h = open_ok(fs, path);
  for (int i = 0; i < slots; ++i) {
    fs.hint(h, i * kSlot, kSlot, "slot");
    write_ok(fs, h, i * kSlot, std::string(kSlot, static_cast<char>(first + i)));
  }
  sync_ok(fs, h);
  ASSERT_TRUE(fs.close(h).is_ok());
  const auto slash = path.rfind('/');
  ASSERT_TRUE(fs.sync_dir(slash == std::string_view::npos ? "" : path.substr(0, slash)).is_ok());
}

TEST(SimFsAim, HintsAreKeptOnlyWhileAMediaFaultIsOn) {
  // Slots hinted while no media fault is on are not kept (a hint costs nothing then): the
  // aimed misdirected write that follows finds no other slot, and lands at a random offset.
  Disk d(1, FaultConfig::none());
  d.run([&] {
    durable_slots(d.fs, "f", 4);
    d.injector.mutable_config() = aimed(FaultKind::kMisdirectedWrite, "slot");
    FileHandle h = open_ok(d.fs, "f");
    d.fs.hint(h, 2 * kSlot, kSlot, "slot");
    write_ok(d.fs, h, 2 * kSlot, std::string(kSlot, 'Z'));
    sync_ok(d.fs, h);
  });
  ASSERT_EQ(d.sink.count("disk.misdirected_write"), 1u);
  EXPECT_FALSE(d.sink.last("disk.misdirected_write").fields.contains("structure"));
}

TEST(SimFsAim, AMisdirectedWriteLandsOnAnotherStructureOfTheFileOrASibling) {
  int same_file = 0, sibling = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    FaultConfig c = aimed(FaultKind::kMisdirectedWrite, "slot");
    c.rule(FaultKind::kMisdirectedWrite).probability = 0;  // fires once the files exist
    Disk d(seed, c);
    d.run([&] {
      ASSERT_TRUE(d.fs.mkdir("d").is_ok());
      ASSERT_TRUE(d.fs.sync_dir("").is_ok());
      durable_slots(d.fs, "d/f", 4, 'a');
      durable_slots(d.fs, "d/g", 4, 'k');
      d.injector.mutable_config().rule(FaultKind::kMisdirectedWrite) = always(1);
      FileHandle h = open_ok(d.fs, "d/f");
      write_ok(d.fs, h, 2 * kSlot, std::string(kSlot, 'Z'));  // rewrites slot 2 of f
      sync_ok(d.fs, h);
    });
    ASSERT_EQ(d.sink.count("fault.misdirected_write"), 1u) << "seed " << seed;
    if (d.sink.count("disk.misdirected_write") == 0) continue;  // not aimed this time
    const auto& e = d.sink.last("disk.misdirected_write");
    if (!e.fields.contains("structure")) continue;  // the unaimed kind (random offset)
    const std::string to_path = e.fields.at("to_path");
    const std::uint64_t to = std::stoull(e.fields.at("to"));
    ASSERT_EQ(to % kSlot, 0u);
    ASSERT_TRUE(d.fs.durable_contents(to_path).has_value()) << "seed " << seed << " to " << to_path;
    const std::string f = *d.fs.durable_contents("d/f");
    const std::string target = *d.fs.durable_contents(to_path);
    EXPECT_EQ(target.substr(to, kSlot), std::string(kSlot, 'Z')) << "seed " << seed;
    EXPECT_EQ(f.substr(2 * kSlot, kSlot), std::string(kSlot, 'c')) << "its own slot kept old bytes";
    (to_path == "d/f" ? same_file : sibling) += 1;
  }
  EXPECT_GT(same_file, 0);
  EXPECT_GT(sibling, 0);
}

TEST(SimFsAim, AnAimedLostWriteLosesOneStructureOfTheWrite) {
  Disk d(3, FaultConfig::none());
  d.run([&] {
    durable_slots(d.fs, "f", 4);
    d.injector.mutable_config() = aimed(FaultKind::kLostWrite, "slot");
    FileHandle h = open_ok(d.fs, "f");
    // One write over four hinted slots (a batch of images): one slot of it is lost.
    for (int i = 0; i < 4; ++i) d.fs.hint(h, i * kSlot, kSlot, "slot");
    write_ok(d.fs, h, 0, std::string(4 * kSlot, 'N'));
    sync_ok(d.fs, h);
  });
  const std::string durable = *d.fs.durable_contents("f");
  int lost = 0;
  for (int i = 0; i < 4; ++i) {
    const std::string slot = durable.substr(i * kSlot, kSlot);
    if (slot == std::string(kSlot, static_cast<char>('a' + i))) {
      ++lost;
    } else {
      EXPECT_EQ(slot, std::string(kSlot, 'N')) << "slot " << i;
    }
  }
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(d.sink.last("disk.lost_write").fields.at("structure"), "slot");
}

TEST(SimFsAim, WritesOfOtherStructuresAreNoOpportunityForAnAimedFault) {
  Disk d(4, FaultConfig::none());
  d.run([&] {
    d.injector.mutable_config() = aimed(FaultKind::kLostWrite, "control");
    durable_slots(d.fs, "f", 3);
  });
  EXPECT_EQ(d.sink.count("fault.lost_write"), 0u);
  EXPECT_EQ(d.fs.durable_contents("f")->substr(kSlot, kSlot), std::string(kSlot, 'b'));
}

TEST(SimFsAim, AimedBitFlipsAndLatentSectorsStrikeAStructure) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    FaultConfig c = aimed(FaultKind::kBitFlip, "slot");
    c.rule(FaultKind::kLatentSector) = always(1);
    c.atomic_unit = 512;
    Disk d(seed, c);
    d.run([&] {
      FileHandle h = open_ok(d.fs, "f");
      // 2000 bytes of which only [1200, 1300) is a hinted structure.
      write_ok(d.fs, h, 0, std::string(2000, '.'));
      d.fs.hint(h, 1200, kSlot, "slot");
      sync_ok(d.fs, h);
      ASSERT_TRUE(d.fs.sync_dir("").is_ok());
    });
    d.fs.crash();
    d.fs.restart();
    const auto& flip = d.sink.last("disk.bit_flip");
    EXPECT_EQ(flip.fields.at("structure"), "slot");
    const std::uint64_t bit = std::stoull(flip.fields.at("bit"));
    EXPECT_GE(bit, 1200u * 8) << "seed " << seed;
    EXPECT_LT(bit, 1300u * 8) << "seed " << seed;
    const auto& latent = d.sink.last("disk.latent_sector");
    EXPECT_EQ(latent.fields.at("structure"), "slot");
    EXPECT_EQ(latent.fields.at("off"), "1024") << "the sector where the structure starts";
  }
}

}  // namespace
}  // namespace aurora::sim::testing
