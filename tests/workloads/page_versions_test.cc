// The model's incremental page versions (workloads/check/page_versions.h) against the
// plainest possible oracle: replaying every write in LSN order from scratch for each read.
// Then the horizon: what the model forgets under a GcHorizon, that reads at or above it are
// still exact, and that the checkers fire on what can no longer happen above it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "workloads/check/checkers.h"
#include "workloads/check/model.h"
#include "workloads/check/page_versions.h"
#include "workloads/check/suite.h"

namespace aurora::workloads::check {
namespace {

constexpr std::uint32_t kPageSize = 16;

// Every write ever added and not removed, replayed in LSN order (arrival order on ties).
struct Replay {
  struct Entry {
    Lsn lsn;
    PageVersions::WriteId id;
    Write write;
  };
  std::vector<Entry> entries;  // arrival order

  Bytes at(PageId page, Lsn lsn) const {
    std::vector<const Entry*> mine;
    for (const Entry& e : entries) {
      if (e.write.page == page && e.lsn <= lsn) mine.push_back(&e);
    }
    std::stable_sort(mine.begin(), mine.end(),
                     [](const Entry* a, const Entry* b) { return a->lsn < b->lsn; });
    Bytes out(kPageSize, 0);
    for (const Entry* e : mine) apply_write(out, e->write);
    return out;
  }
};

Write random_write(std::mt19937_64& rng, PageId pages) {
  Write w;
  w.page = rng() % pages;
  w.offset = static_cast<std::uint32_t>(rng() % (kPageSize - 1));
  const std::size_t len = 1 + rng() % (kPageSize - w.offset);
  for (std::size_t i = 0; i < len; ++i) w.bytes.push_back(static_cast<std::uint8_t>(rng()));
  return w;
}

// Mostly ascending LSNs, some below the newest (out of order) and some equal; removals of
// the newest and of random ones; every read compared with the replay.
TEST(PageVersions, EqualsAFullReplayUnderAddsAndRemovesInAnyOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    PageVersions store(kPageSize);
    Replay replay;
    Lsn next = 1;
    for (int step = 0; step < 400; ++step) {
      const int what = static_cast<int>(rng() % 10);
      if (what < 6 || replay.entries.empty()) {
        Lsn lsn = next++;
        if (what == 0 && lsn > 5) lsn -= rng() % 5;  // below newer versions, or equal
        const Write w = random_write(rng, 3);
        const PageVersions::WriteId id{lsn, static_cast<std::size_t>(step)};
        store.add(lsn, id, w);
        replay.entries.push_back({lsn, id, w});
      } else if (what < 8) {
        const std::size_t i = what == 6 ? replay.entries.size() - 1 : rng() % replay.entries.size();
        const auto e = replay.entries[i];
        store.remove(e.write.page, e.lsn, e.id);
        replay.entries.erase(replay.entries.begin() + static_cast<std::ptrdiff_t>(i));
      }
      for (PageId p = 0; p < 4; ++p) {
        const Lsn at = rng() % (next + 2);
        ASSERT_EQ(store.at(p, at), replay.at(p, at))
            << "seed " << seed << " step " << step << " page " << p << " at " << at;
      }
    }
  }
}

TEST(PageVersions, ForgetBelowKeepsEachPagesBaseAndExactReadsAboveIt) {
  std::mt19937_64 rng(7);
  PageVersions store(kPageSize);
  Replay replay;
  for (Lsn lsn = 1; lsn <= 300; ++lsn) {
    const Write w = random_write(rng, 4);
    store.add(lsn, {lsn, 0}, w);
    replay.entries.push_back({lsn, {lsn, 0}, w});
  }
  const std::size_t before = store.size();
  store.forget_below(200);
  EXPECT_LT(store.size(), before - 150);  // about 200 of 300 versions go, less the 4 bases
  for (PageId p = 0; p < 4; ++p) {
    EXPECT_TRUE(store.forgot_older(p));
    for (Lsn at = 200; at <= 310; ++at) ASSERT_EQ(store.at(p, at), replay.at(p, at)) << at;
  }
  // Writes after the horizon, and their removal from the top, still replay exactly.
  for (Lsn lsn = 301; lsn <= 320; ++lsn) {
    const Write w = random_write(rng, 4);
    store.add(lsn, {lsn, 0}, w);
    replay.entries.push_back({lsn, {lsn, 0}, w});
  }
  for (int i = 0; i < 10; ++i) {
    const auto e = replay.entries.back();
    store.remove(e.write.page, e.lsn, e.id);
    replay.entries.pop_back();
  }
  for (PageId p = 0; p < 4; ++p) {
    for (Lsn at = 200; at <= 320; ++at) ASSERT_EQ(store.at(p, at), replay.at(p, at)) << at;
  }
}

TEST(PageVersions, AtWithReplaysExtraWritesInLsnOrder) {
  PageVersions store(kPageSize);
  store.add(1, {1, 0}, {0, 0, {'a', 'a', 'a'}});
  store.add(5, {5, 0}, {0, 1, {'c'}});
  const Write extra{0, 0, {'b', 'b'}};
  const Write elsewhere{1, 0, {'z'}};
  const Bytes with = store.at_with(0, 10, {{3, &extra}, {4, &elsewhere}});
  EXPECT_EQ(std::string(with.begin(), with.begin() + 3), "bca");
  EXPECT_EQ(store.at_with(0, 2, {{3, &extra}}), store.at(0, 2));  // above `at`: not applied
}

// --- the model under a horizon ---

Write w(PageId p, std::uint32_t offset, std::string_view s) {
  return {p, offset, Bytes(s.begin(), s.end())};
}

obs::Appended appended(Lsn first, Lsn cpl, std::vector<Write> writes) {
  return {"n1", first, cpl, std::move(writes), first - 1, 100};
}

obs::Read read_at(PageId p, Lsn at, Bytes b) {
  obs::Read r;
  r.node = "n1";
  r.page = p;
  r.at = at;
  r.bytes = std::move(b);
  return r;
}

// A volume of 100 one-record MTRs over 4 pages, acknowledged, then a horizon at 80.
Suite suite_past_horizon(bool unrestricted) {
  Suite suite(unrestricted, kPageSize);
  obs::Recovered fresh;
  fresh.fresh = true;
  fresh.epoch = 1;
  EXPECT_TRUE(suite.observe(fresh).empty());
  for (Lsn lsn = 1; lsn <= 100; ++lsn) {
    const std::string s(1, static_cast<char>('a' + lsn % 26));
    EXPECT_TRUE(suite.observe(appended(lsn, lsn, {w(lsn % 4, lsn % 8, s)})).empty());
    EXPECT_TRUE(suite.observe(obs::Acked{"n1", lsn, lsn}).empty());
  }
  EXPECT_TRUE(suite.observe(obs::GcHorizon{80}).empty());
  return suite;
}

TEST(ModelHorizon, ForgetsWhatIsWhollyBelowItAndStaysExactAtOrAboveIt) {
  Suite suite = suite_past_horizon(false);
  const Model& m = suite.model();
  EXPECT_EQ(m.horizon(), 80u);
  EXPECT_EQ(m.mtrs().begin()->first, 80u);   // MTRs below 80 are gone
  EXPECT_EQ(m.allocations().begin()->first, 80u);
  EXPECT_LE(m.versions_kept(), 21u + 4u);    // 80..100 and at most one base per page
  EXPECT_TRUE(m.is_consistency_point(10));   // below the horizon: not judged
  // Page 1 was last written at LSN 77 below the horizon (77 % 4 == 1): its base.
  const Bytes base = m.page_at(1, 80);
  EXPECT_EQ(base, m.page_at(1, 77));
  for (Lsn at = 80; at <= 100; ++at) {
    EXPECT_TRUE(suite.observe(read_at(at % 4, at, m.page_at(at % 4, at))).empty()) << at;
  }
  EXPECT_TRUE(suite.violations().empty());
}

TEST(ModelHorizon, ReadCorrectnessFiresOnBytesReturnedBelowIt) {
  Suite suite = suite_past_horizon(false);
  const Bytes page = suite.model().page_at(2, 80);
  const std::vector<Violation> found = suite.observe(read_at(2, 79, page));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].invariant, "read_correctness");
  EXPECT_NE(found[0].message.find("below the GC horizon 80"), std::string::npos)
      << found[0].message;
}

TEST(ModelHorizon, CacheInvisibleFiresOnBytesReturnedBelowIt) {
  Suite suite = suite_past_horizon(false);
  const Bytes page = suite.model().page_at(2, 80);
  const std::vector<Violation> found = suite.observe(obs::ColdWarm{2, 60, page, page});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].invariant, "cache_invisible");
}

TEST(ModelHorizon, DurabilityFiresOnARecoveryEndingBelowItInEveryRegime) {
  for (bool unrestricted : {false, true}) {
    Suite suite = suite_past_horizon(unrestricted);
    suite.observe(obs::Crashed{});
    obs::Recovered r;
    r.epoch = 2;
    r.vcl = r.vdl = r.watermark = 50;
    r.annul_from = 51;
    r.annul_to = 150;
    r.next_lsn = 151;
    // It loses acknowledged MTRs (allowed with a report, in the unrestricted regime), but
    // first it ends below a floor the storage had made durable, with no report.
    const std::string expected = "below the GC horizon 80";
    bool durability = false;
    for (const Violation& v : suite.observe(r)) {
      if (v.invariant == "durability" && v.message.find(expected) != std::string::npos) {
        durability = true;
      }
    }
    EXPECT_TRUE(durability) << "unrestricted=" << unrestricted;
  }
}

TEST(ModelHorizon, LsnUniqueFiresOnAnAllocationBelowWhatWasAllocated) {
  Suite suite = suite_past_horizon(false);
  // LSN 40 overlaps an allocation the model forgot: still a reuse.
  const std::vector<Violation> found = suite.observe(appended(40, 40, {w(0, 0, "x")}));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].invariant, "lsn_unique");
  EXPECT_NE(found[0].message.find("not above LSN 100 allocated before"), std::string::npos)
      << found[0].message;
}

TEST(ModelHorizon, AHorizonNeverMovesBack) {
  Suite suite = suite_past_horizon(false);
  EXPECT_TRUE(suite.observe(obs::GcHorizon{10}).empty());
  EXPECT_EQ(suite.model().horizon(), 80u);
}

TEST(RefreshFailed, FiresOnlyInTheRecoverableRegime) {
  for (bool unrestricted : {false, true}) {
    Suite suite(unrestricted, kPageSize);
    const std::vector<Violation> found =
        suite.observe(obs::RefreshFailed{"n1", "io_error: read of the control file failed"});
    EXPECT_EQ(found.size(), unrestricted ? 0u : 1u);
    if (!found.empty()) {
      EXPECT_EQ(found[0].invariant, "read_correctness");
      EXPECT_NE(found[0].message.find("n1's refresh failed"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace aurora::workloads::check
