// A segment replica (engine/quorum/segment.h) on a simulated disk: records in any order, its
// SCL, durability across crashes, fencing by epochs, annulment, reads at a read point,
// gossip, and what it does with a damaged log.
#include "engine/quorum/segment.h"

#include <gtest/gtest.h>

#include "sim/world.h"
#include "tests/engine/log_harness.h"

namespace aurora::quorum {
namespace {

using wal::testing::bytes_of;
using wal::testing::LogHarness;
using wal::testing::text_of;

SegmentOptions options() { return SegmentOptions{"seg-7", 7, 0, 64}; }

SegmentRecord rec(Lsn lsn, Lsn prev, Epoch epoch, std::string_view text, PageId page = 1,
                  std::uint32_t offset = 0, bool cpl = true) {
  return SegmentRecord{RecordMeta{lsn, prev, cpl, epoch, page}, offset, bytes_of(text)};
}

std::unique_ptr<Segment> open_segment(LogHarness& h) {
  Result<std::unique_ptr<Segment>> s = Segment::open(h.rt(), options());
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(*s) : nullptr;
}

// A new segment under epoch 1, its annulment (0, 100] applied, as a new volume's writer does.
std::unique_ptr<Segment> fresh_segment(LogHarness& h) {
  auto seg = open_segment(h);
  if (seg == nullptr) return nullptr;
  const std::vector<AnnulledRange> first{{1, 100, 1}};
  EXPECT_TRUE(seg->annul({1, 1}, first).is_ok());
  return seg;
}

std::vector<Lsn> lsns(const std::vector<RecordMeta>& held) {
  std::vector<Lsn> out;
  for (const RecordMeta& m : held) out.push_back(m.lsn);
  return out;
}

TEST(QuorumSegment, RefusesWritesUntilItsEpochsAnnulmentArrives) {
  LogHarness h;
  h.run([&] {
    auto seg = open_segment(h);
    ASSERT_NE(seg, nullptr);
    const std::vector<SegmentRecord> one{rec(101, 0, 1, "a")};
    EXPECT_EQ(seg->append({1, 1}, one).kind(), ErrorKind::kBusy);
    const std::vector<AnnulledRange> first{{1, 100, 1}};
    ASSERT_TRUE(seg->annul({1, 1}, first).is_ok());
    const Result<Lsn> scl = seg->append({1, 1}, one);
    ASSERT_TRUE(scl.is_ok()) << scl.status().to_string();
    EXPECT_EQ(*scl, 101U);
  });
}

TEST(QuorumSegment, SclFollowsBackLinksAndSurvivesCrashes) {
  LogHarness h(3);
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    // The PG's records are 101, 103, 104, 108 (the other LSNs are another PG's); 104 late.
    const std::vector<SegmentRecord> early{rec(101, 0, 1, "a"), rec(103, 101, 1, "b"),
                                           rec(108, 104, 1, "d")};
    EXPECT_EQ(*seg->append({1, 1}, early), 103U);
    EXPECT_EQ(seg->held_above_scl(), (std::set<Lsn>{108}));
    const std::vector<SegmentRecord> late{rec(104, 103, 1, "c")};
    EXPECT_EQ(*seg->append({1, 1}, late), 108U);
    EXPECT_EQ(*seg->append({1, 1}, late), 108U);  // a copy is skipped
    EXPECT_EQ(seg->stats().records_skipped, 1U);
  });
  for (sim::CrashMode mode : {sim::CrashMode::kPrefix, sim::CrashMode::kSubset}) {
    h.crash(mode);
    h.run([&] {
      auto seg = open_segment(h);
      ASSERT_NE(seg, nullptr);
      EXPECT_EQ(seg->scl(), 108U);  // acknowledged means fsynced: every crash keeps it
      EXPECT_EQ(lsns(seg->held()), (std::vector<Lsn>{101, 103, 104, 108}));
      EXPECT_FALSE(seg->suspect());
      EXPECT_EQ(seg->epochs(), (Epochs{1, 1}));
    });
  }
}

// Bug class: a stale-epoch write accepted. Once a recovering writer fenced the segment at
// epoch 2, the writer of epoch 1 is refused, before and after a crash.
TEST(QuorumSegment, FencesOlderEpochs) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "a")}).is_ok());
    const Result<SegmentReport> report = seg->fence_and_report({2, 1});
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(lsns(report->records), (std::vector<Lsn>{101}));
    EXPECT_EQ(seg->append({1, 1}, std::vector{rec(102, 101, 1, "b")}).kind(),
              ErrorKind::kFenced);
    EXPECT_EQ(seg->fence_and_report({1, 1}).kind(), ErrorKind::kFenced);
    // Epoch 2 itself waits for its annulment.
    EXPECT_EQ(seg->append({2, 1}, std::vector{rec(300, 101, 2, "c")}).kind(), ErrorKind::kBusy);
    // And an older membership epoch is fenced too.
    const std::vector<AnnulledRange> both{{1, 100, 1}, {102, 200, 2}};
    ASSERT_TRUE(seg->annul({2, 3}, both).is_ok());
    EXPECT_EQ(seg->append({2, 2}, std::vector{rec(300, 101, 2, "c")}).kind(),
              ErrorKind::kFenced);
    EXPECT_TRUE(seg->append({2, 3}, std::vector{rec(300, 101, 2, "c")}).is_ok());
    EXPECT_EQ(seg->stats().fenced, 3U);
  });
  h.crash(sim::CrashMode::kSubset);
  h.run([&] {
    auto seg = open_segment(h);
    ASSERT_NE(seg, nullptr);
    EXPECT_EQ(seg->append({1, 1}, std::vector{rec(102, 101, 1, "b")}).kind(),
              ErrorKind::kFenced);
    EXPECT_EQ(seg->scl(), 300U);
  });
}

// Bug class: gossip that copies a record of an annulled range back. The segment annulled
// 102..200 under epoch 2; a peer that missed it still sends 102 of epoch 1.
TEST(QuorumSegment, AnnulledRecordsNeverComeBack) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "a"), rec(102, 101, 1, "b")})
                    .is_ok());
    const std::vector<AnnulledRange> both{{1, 100, 1}, {102, 200, 2}};
    ASSERT_TRUE(seg->annul({2, 1}, both).is_ok());
    EXPECT_EQ(seg->scl(), 101U);
    EXPECT_EQ(lsns(seg->held()), (std::vector<Lsn>{101}));
    EXPECT_EQ(*seg->append({2, 1}, std::vector{rec(102, 101, 1, "b")}), 101U);
    EXPECT_EQ(lsns(seg->held()), (std::vector<Lsn>{101}));
    EXPECT_EQ(*seg->append({2, 1}, std::vector{rec(201, 101, 2, "c")}), 201U);
  });
  h.crash(sim::CrashMode::kPrefix);
  h.run([&] {
    auto seg = open_segment(h);
    ASSERT_NE(seg, nullptr);
    // The frame of 102 is still in the log file; the state file's annulment keeps it out.
    EXPECT_EQ(lsns(seg->held()), (std::vector<Lsn>{101, 201}));
    const auto page = seg->read(1, 201);
    ASSERT_TRUE(page.is_ok());
    EXPECT_EQ(text_of(*page).substr(0, 1), "c");
  });
}

TEST(QuorumSegment, ReadsReplayThePageAtTheReadPoint) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "aaaa"), rec(102, 101, 1, "bb"),
                                                rec(103, 102, 1, "c", 1, 3),
                                                rec(105, 103, 1, "z", 2)})
                    .is_ok());
    EXPECT_EQ(text_of(*seg->read(1, 101)).substr(0, 4), "aaaa");
    EXPECT_EQ(text_of(*seg->read(1, 102)).substr(0, 4), "bbaa");
    EXPECT_EQ(text_of(*seg->read(1, 104)).substr(0, 4), "bbac");
    EXPECT_EQ(text_of(*seg->read(2, 101)), std::string(64, '\0'));
    EXPECT_EQ(seg->read(1, 106).kind(), ErrorKind::kBusy);  // above the SCL
  });
}

TEST(QuorumSegment, GivesAPeerWhatItMisses) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "a"), rec(102, 101, 1, "b"),
                                                rec(103, 102, 1, "c"), rec(104, 103, 1, "d")})
                    .is_ok());
    const auto got = seg->answer_gossip({1, 1}, 101, {103}, 10);
    ASSERT_TRUE(got.is_ok());
    ASSERT_EQ(got->records.size(), 2U);
    EXPECT_EQ(got->records[0], rec(102, 101, 1, "b"));
    EXPECT_EQ(got->records[1].meta.lsn, 104U);
    EXPECT_EQ(seg->answer_gossip({1, 1}, 101, {}, 1)->records.size(), 1U);
    // A peer of an older epoch is taught the annulments it missed, and sent no record.
    const auto behind = seg->answer_gossip({0, 1}, 101, {}, 10);
    ASSERT_TRUE(behind.is_ok());
    EXPECT_TRUE(behind->records.empty());
    EXPECT_EQ(behind->annulled, (std::vector<AnnulledRange>{{1, 100, 1}}));
    // A peer ahead of this segment's annulment waits.
    EXPECT_EQ(seg->answer_gossip({2, 1}, 101, {}, 10).kind(), ErrorKind::kBusy);
  });
}

// Gossip between two replicas of a PG: the one that missed a recovery learns its annulment
// from its peer first, so its own record of the annulled range goes, and only then takes the
// peer's records.
TEST(QuorumSegment, GossipTeachesAnnulmentsBeforeItCopiesRecords) {
  LogHarness h;
  h.run([&] {
    auto a = fresh_segment(h);
    ASSERT_NE(a, nullptr);
    Result<std::unique_ptr<Segment>> b_open =
        Segment::open(h.rt(), SegmentOptions{"seg-8", 8, 0, 64});
    ASSERT_TRUE(b_open.is_ok());
    Segment& b = **b_open;
    const std::vector<AnnulledRange> first{{1, 100, 1}};
    ASSERT_TRUE(b.annul({1, 1}, first).is_ok());
    const std::vector<SegmentRecord> both{rec(101, 0, 1, "a"), rec(102, 101, 1, "b")};
    ASSERT_TRUE(a->append({1, 1}, both).is_ok());
    ASSERT_TRUE(b.append({1, 1}, std::vector{both[0]}).is_ok());
    // A recovery of epoch 2 annulled 102.. on b (a was away), and epoch 2 wrote 150.
    const std::vector<AnnulledRange> second{{1, 100, 1}, {102, 149, 2}};
    ASSERT_TRUE(b.annul({2, 1}, second).is_ok());
    ASSERT_TRUE(b.append({2, 1}, std::vector{rec(150, 101, 2, "c")}).is_ok());
    // a asks: it is behind, so it is taught the annulment, and sent nothing.
    auto answer = b.answer_gossip(a->epochs(), a->scl(), a->held_above_scl(), 16);
    ASSERT_TRUE(answer.is_ok());
    EXPECT_TRUE(answer->records.empty());
    ASSERT_TRUE(a->absorb_gossip(*answer).is_ok());
    EXPECT_EQ(a->epochs(), (Epochs{2, 1}));
    EXPECT_EQ(lsns(a->held()), (std::vector<Lsn>{101}));
    // b asks a, which now has nothing of the annulled range to give back.
    answer = a->answer_gossip(b.epochs(), 0, {}, 16);
    ASSERT_TRUE(answer.is_ok());
    EXPECT_EQ(answer->records.size(), 1U);
    ASSERT_TRUE(b.absorb_gossip(*answer).is_ok());
    EXPECT_EQ(lsns(b.held()), (std::vector<Lsn>{101, 150}));
    // a asks again and fills up to b.
    answer = b.answer_gossip(a->epochs(), a->scl(), a->held_above_scl(), 16);
    ASSERT_TRUE(answer.is_ok());
    EXPECT_EQ(*a->absorb_gossip(*answer), 150U);
  });
}

// Page images bound a read's replay: the first read of a long history replays it and
// leaves an image, a read with every cache cold then starts from the image, and after a
// crash (images are not fsynced) reads are the same bytes either way.
TEST(QuorumSegment, ImagesBoundTheReplayAndNeverChangeTheBytes) {
  LogHarness h(7);
  std::vector<std::byte> expected;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    std::vector<SegmentRecord> recs;
    for (Lsn l = 101; l <= 140; ++l) {
      recs.push_back(rec(l, l == 101 ? 0 : l - 1, 1, std::string(1, char('a' + l % 26)), 1,
                         static_cast<std::uint32_t>(l % 8)));
    }
    ASSERT_TRUE(seg->append({1, 1}, recs).is_ok());
    const auto first = seg->read(1, 140);
    ASSERT_TRUE(first.is_ok());
    expected = *first;
    EXPECT_EQ(seg->stats().frames_read_for_pages, 40U);
    seg->drop_cache();
    const auto again = seg->read(1, 140);
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(*again, expected);
    EXPECT_EQ(seg->stats().frames_read_for_pages, 40U);  // from the image: nothing replayed
  });
  for (sim::CrashMode mode : {sim::CrashMode::kDropAll, sim::CrashMode::kPrefix}) {
    h.crash(mode);
    h.run([&] {
      auto seg = open_segment(h);
      ASSERT_NE(seg, nullptr);
      const auto after = seg->read(1, 140);
      ASSERT_TRUE(after.is_ok());
      EXPECT_EQ(*after, expected);
    });
  }
}

// An image that an annulment reaches into holds annulled records: never used again, in this
// life of the segment or the next.
TEST(QuorumSegment, AnImageAnAnnulmentReachesIsNeverUsed) {
  LogHarness h(8);
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    std::vector<SegmentRecord> recs;
    for (Lsn l = 101; l <= 130; ++l) {
      // 101..110 write "o" at 0; 111..130 (annulled below) write "x" there.
      recs.push_back(rec(l, l == 101 ? 0 : l - 1, 1, l <= 110 ? "o" : "x"));
    }
    ASSERT_TRUE(seg->append({1, 1}, recs).is_ok());
    ASSERT_EQ(text_of(*seg->read(1, 130)).substr(0, 1), "x");  // leaves an image at 130
    const std::vector<AnnulledRange> both{{1, 100, 1}, {111, 200, 2}};
    ASSERT_TRUE(seg->annul({2, 1}, both).is_ok());
    ASSERT_TRUE(seg->append({2, 1}, std::vector{rec(201, 110, 2, "n", 1, 1)}).is_ok());
    EXPECT_EQ(text_of(*seg->read(1, 201)).substr(0, 2), "on");
  });
  h.crash(sim::CrashMode::kPrefix);
  h.run([&] {
    auto seg = open_segment(h);
    ASSERT_NE(seg, nullptr);
    EXPECT_EQ(text_of(*seg->read(1, 201)).substr(0, 2), "on");
  });
}

// A torn or damaged log is cut at its first bad frame, and the segment is suspect.
TEST(QuorumSegment, ADamagedLogIsCutAndTheSegmentSuspect) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "a")}).is_ok());
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(102, 101, 1, "b")}).is_ok());
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(103, 102, 1, "c")}).is_ok());
  });
  h.run([&] {
    // Flip a byte of the second frame's payload, in place and synced.
    Result<FileHandle> f = h.rt().fs.open("seg-7/LOG", OpenMode::kOpenExisting);
    ASSERT_TRUE(f.is_ok());
    const std::uint64_t second = kSegmentRecordHeaderSize + 1 + kSegmentRecordHeaderSize;
    const std::vector<std::byte> x{std::byte{'X'}};
    ASSERT_TRUE(write_all(h.rt().fs, *f, second, x).is_ok());
    ASSERT_TRUE(h.rt().fs.sync(*f).is_ok());
    ASSERT_TRUE(h.rt().fs.close(*f).is_ok());
  });
  h.crash(sim::CrashMode::kPrefix);
  h.run([&] {
    auto seg = open_segment(h);
    ASSERT_NE(seg, nullptr);
    EXPECT_TRUE(seg->suspect());
    EXPECT_EQ(lsns(seg->held()), (std::vector<Lsn>{101}));
    EXPECT_EQ(seg->scl(), 101U);
    EXPECT_TRUE(seg->fence_and_report({1, 1})->suspect);
  });
}

TEST(QuorumSegment, ALogWithoutItsStateFileIsCorruption) {
  LogHarness h;
  h.run([&] {
    auto seg = fresh_segment(h);
    ASSERT_NE(seg, nullptr);
    ASSERT_TRUE(seg->append({1, 1}, std::vector{rec(101, 0, 1, "a")}).is_ok());
  });
  h.run([&] {
    ASSERT_TRUE(h.rt().fs.unlink("seg-7/STATE").is_ok());
    ASSERT_TRUE(h.rt().fs.sync_dir("seg-7").is_ok());
    const auto seg = Segment::open(h.rt(), options());
    ASSERT_EQ(seg.kind(), ErrorKind::kCorruption);
    EXPECT_NE(seg.status().message().find("STATE missing"), std::string::npos);
  });
}

TEST(QuorumSegment, StateFileRoundTripsAndRefusesDamage) {
  SegmentState s{7, 1, 3, 2, {{1, 100, 1}, {150, 300, 3}}};
  std::vector<std::byte> b = encode_segment_state(s);
  ASSERT_EQ(b.size(), kSegmentStateFixedSize + 2 * kAnnulledEntrySize + 4);
  EXPECT_EQ(*decode_segment_state(b), s);
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::vector<std::byte> bad = b;
    bad[i] ^= std::byte{0x10};
    EXPECT_FALSE(decode_segment_state(bad).is_ok()) << "byte " << i;
  }
  b.pop_back();
  EXPECT_FALSE(decode_segment_state(b).is_ok());
}

}  // namespace
}  // namespace aurora::quorum
