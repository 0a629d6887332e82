// Versioned reads, cache, images and GC (DESIGN.md invariants 8 and 9), checked against
// an independent replay of every record the test wrote.
#include "engine/storage/page_store.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/engine/log_harness.h"
#include "tests/sim/crash_before_op.h"

namespace aurora::storage {
namespace {

using wal::Durability;
using wal::Log;
using wal::LogOptions;
using wal::Redo;
using wal::testing::LogHarness;

constexpr std::uint32_t kPageSize = 64;

// The oracle: every acknowledged redo, replayed from scratch for any read point.
struct Replay {
  struct Write {
    PageId page;
    std::uint32_t offset;
    std::vector<std::byte> bytes;
  };
  std::map<Lsn, Write> writes;

  std::vector<std::byte> page_at(PageId page, Lsn at) const {
    std::vector<std::byte> out(kPageSize);
    for (const auto& [lsn, w] : writes) {
      if (lsn > at) break;
      if (w.page == page) std::copy(w.bytes.begin(), w.bytes.end(), out.begin() + w.offset);
    }
    return out;
  }
};

struct Fixture {
  explicit Fixture(std::uint64_t seed = 1) : h(seed) {}

  // The store reaches its files through `fs` when given (a crash-point wrapper).
  void open(LogOptions lo = {}, PageStoreOptions po = {}, FileSystem* fs = nullptr) {
    po.page_size = kPageSize;
    log = h.open(lo);
    ASSERT_TRUE(log);
    const Runtime rt = h.rt();
    const Runtime store_rt{fs ? *fs : rt.fs, rt.clock, rt.sched, rt.events, rt.node};
    Result<std::unique_ptr<PageStore>> s = PageStore::open(store_rt, *log, "db", po);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store = std::move(*s);
  }

  // Commits one MTR of random redos and records it in the replay.
  void commit_random(sim::Rng& rng, int pages) {
    std::vector<Redo> mtr;
    const int n = 1 + static_cast<int>(rng.below(4));
    for (int i = 0; i < n; ++i) {
      const auto offset = static_cast<std::uint32_t>(rng.below(kPageSize));
      const auto len = 1 + rng.below(kPageSize - offset);
      std::vector<std::byte> bytes(len);
      for (auto& b : bytes) b = static_cast<std::byte>(rng.below(256));
      mtr.push_back(Redo{rng.below(pages), offset, bytes});
    }
    Result<Lsn> cpl = log->append(mtr);
    ASSERT_TRUE(cpl.is_ok());
    ASSERT_TRUE(log->wait_durable(*cpl).is_ok());
    for (std::size_t i = 0; i < mtr.size(); ++i) {
      replay.writes[*cpl - mtr.size() + 1 + i] = {mtr[i].page, mtr[i].offset, mtr[i].bytes};
    }
  }

  // Every read point from `from` to just past the last record (after a recovery, VDL sits
  // at the end of an annulled range millions of LSNs up; the page is the same there).
  void expect_reads_match(int pages, Lsn from, const std::string& ctx) {
    const Lsn last = replay.writes.empty() ? 0 : replay.writes.rbegin()->first;
    const Lsn upto = std::min(log->vdl(), last + 2);
    for (PageId p = 0; p < static_cast<PageId>(pages); ++p) {
      for (Lsn at = from; at <= upto; ++at) {
        Result<std::vector<std::byte>> got = store->read(p, at);
        ASSERT_TRUE(got.is_ok()) << ctx << " page " << p << " at " << at << ": "
                                 << got.status().to_string();
        ASSERT_EQ(*got, replay.page_at(p, at)) << ctx << " page " << p << " at " << at;
      }
    }
  }

  LogHarness h;
  std::unique_ptr<Log> log;
  std::unique_ptr<PageStore> store;
  Replay replay;
};

TEST(PageStore, EveryReadPointSeesExactlyTheRecordsAtOrBelowIt) {
  Fixture f;
  f.h.run([&] {
    f.open();
    sim::Rng rng(1, "test");
    for (int i = 0; i < 60; ++i) f.commit_random(rng, 4);
    f.expect_reads_match(4, 0, "warm");  // the cache fills while reading every version
    EXPECT_GT(f.store->stats().cache_hits, 0u);
    f.store->drop_cache();
    f.expect_reads_match(4, 0, "cold");
    EXPECT_EQ(f.store->read(0, f.log->vdl() + 1).kind(), ErrorKind::kInvalidArgument);
  });
}

TEST(PageStore, ACachedNewerVersionNeverServesAnOlderReadPoint) {
  Fixture f;
  f.h.run([&] {
    f.open();
    const Lsn old_version = wal::testing::commit(*f.log, wal::testing::redo(9, 0, "old"));
    const Lsn new_version = wal::testing::commit(*f.log, wal::testing::redo(9, 0, "new"));
    ASSERT_NE(old_version, wal::kNoLsn);
    ASSERT_NE(new_version, wal::kNoLsn);
    Result<std::vector<std::byte>> latest = f.store->read(9, new_version);  // cached now
    ASSERT_TRUE(latest.is_ok());
    EXPECT_EQ(wal::testing::text_of(*latest).substr(0, 3), "new");
    Result<std::vector<std::byte>> older = f.store->read(9, old_version);
    ASSERT_TRUE(older.is_ok());
    EXPECT_EQ(wal::testing::text_of(*older).substr(0, 3), "old");
  });
}

TEST(PageStore, ImagesKeepChainWalksShort) {
  Fixture f;
  f.h.run([&] {
    PageStoreOptions po;
    po.image_after = 16;
    po.cache_pages = 0;
    f.open({}, po);
    sim::Rng rng(2, "test");
    for (int i = 0; i < 200; ++i) f.commit_random(rng, 1);
    Result<std::size_t> imaged = f.store->write_images(f.log->vdl());
    ASSERT_TRUE(imaged.is_ok());
    EXPECT_EQ(*imaged, 1u);
    const std::uint64_t walked_before = f.store->stats().chain_records_walked;
    ASSERT_TRUE(f.store->read(0, f.log->vdl()).is_ok());
    EXPECT_EQ(f.store->stats().chain_records_walked, walked_before);  // the image is the page
    for (int i = 0; i < 5; ++i) f.commit_random(rng, 1);
    const std::uint64_t before = f.store->stats().chain_records_walked;
    ASSERT_TRUE(f.store->read(0, f.log->vdl()).is_ok());
    EXPECT_LE(f.store->stats().chain_records_walked - before, 20u);  // only past the image
    f.expect_reads_match(1, 0, "with images");
  });
}

TEST(PageStore, ATornImageIsIgnoredAndReadsStayCorrect) {
  Fixture f(3);
  f.h.run([&] {
    PageStoreOptions po;
    po.image_after = 4;
    f.open({}, po);
    sim::Rng rng(3, "test");
    for (int i = 0; i < 40; ++i) f.commit_random(rng, 2);
    ASSERT_TRUE(f.store->write_images(f.log->vdl()).is_ok());
    // Damage the first slot's page bytes durably.
    Result<FileHandle> img = f.h.rt().fs.open("db/IMAGES", OpenMode::kOpenExisting);
    ASSERT_TRUE(img.is_ok());
    ASSERT_TRUE(write_all(f.h.rt().fs, *img, 40, wal::testing::bytes_of("garbage")).is_ok());
    ASSERT_TRUE(f.h.rt().fs.sync(*img).is_ok());
    ASSERT_TRUE(f.h.rt().fs.close(*img).is_ok());
    f.store.reset();
    f.log.reset();
  });
  f.h.crash(sim::CrashMode::kDropAll);
  f.h.run([&] {
    f.open();
    EXPECT_EQ(f.store->stats().torn_images_ignored, 1u);
    f.expect_reads_match(2, 0, "after a torn image");
  });
}

TEST(PageStore, CollectedLogIsReadThroughImagesAndReadsBelowTheFloorAreRefused) {
  Fixture f(4);
  f.h.run([&] {
    LogOptions lo;
    lo.segment_bytes = 1024;  // many segments to collect
    f.open(lo);
    sim::Rng rng(4, "test");
    for (int i = 0; i < 120; ++i) f.commit_random(rng, 5);
    const Lsn floor = f.log->vdl() / 2;
    Result<std::size_t> collected = f.store->collect(floor);
    ASSERT_TRUE(collected.is_ok()) << collected.status().to_string();
    EXPECT_GT(*collected, 0u);
    EXPECT_EQ(f.log->gc_floor(), floor);
    EXPECT_EQ(f.store->read(0, floor - 1).kind(), ErrorKind::kOutOfRange);
    f.store->drop_cache();
    f.expect_reads_match(5, floor, "after GC");
    f.store.reset();
    f.log.reset();
  });
  f.h.crash(sim::CrashMode::kSubset);
  f.h.run([&] {
    LogOptions lo;
    lo.segment_bytes = 1024;
    f.open(lo);
    // Recovery dropped nothing acknowledged: the replay's records all survive.
    EXPECT_GE(f.log->recovery().vdl_found, f.replay.writes.rbegin()->first);
    f.expect_reads_match(5, f.log->gc_floor(), "after GC and a crash");
    Result<std::vector<std::byte>> at_vdl = f.store->read(3, f.log->vdl());  // annulled range end
    ASSERT_TRUE(at_vdl.is_ok());
    EXPECT_EQ(*at_vdl, f.replay.page_at(3, f.log->vdl()));
    EXPECT_EQ(f.store->read(0, f.log->gc_floor() - 1).kind(), ErrorKind::kOutOfRange);
  });
}

// Rounds of writes, images and GC leave each page with images below its newest one at the
// floor: dead slots. Compaction reclaims them and reads stay exact, before and after a crash.
TEST(PageStore, TheImageFileIsCompactedOnceDeadSlotsOutnumberLiveOnes) {
  Fixture f(5);
  std::uint64_t image_bytes = 0;
  f.h.run([&] {
    LogOptions lo;
    lo.segment_bytes = 1024;
    PageStoreOptions po;
    po.image_after = 2;
    po.compact_min_dead = 8;
    f.open(lo, po);
    sim::Rng rng(5, "test");
    for (int round = 0; round < 12; ++round) {
      for (int i = 0; i < 20; ++i) f.commit_random(rng, 3);
      ASSERT_TRUE(f.store->write_images(f.log->vdl()).is_ok());
      Result<std::size_t> collected = f.store->collect(f.log->vdl());
      ASSERT_TRUE(collected.is_ok()) << collected.status().to_string();
    }
    EXPECT_GT(f.store->stats().image_compactions, 0u);
    EXPECT_GE(f.store->stats().image_slots_reclaimed, 8u);
    f.store->drop_cache();
    f.expect_reads_match(3, f.log->gc_floor(), "after compactions");
    Result<FileHandle> img = f.h.rt().fs.open("db/IMAGES", OpenMode::kOpenExisting);
    ASSERT_TRUE(img.is_ok());
    image_bytes = *f.h.rt().fs.size(*img);
    ASSERT_TRUE(f.h.rt().fs.close(*img).is_ok());
    // Live images: at most the base at the floor and the newer ones of each of 3 pages,
    // and never more than the dead ones a compaction would have reclaimed.
    EXPECT_LE(image_bytes, 2 * 8 * (32 + kPageSize));
    f.store.reset();
    f.log.reset();
  });
  f.h.crash(sim::CrashMode::kSubset);
  f.h.run([&] {
    LogOptions lo;
    lo.segment_bytes = 1024;
    f.open(lo);
    f.expect_reads_match(3, f.log->gc_floor(), "after compaction and a crash");
  });
}

// A crash at every file-system call of a compaction, in every crash mode: the reopened store
// reads every page exactly at every read point from the floor up, and never keeps the
// temporary file.
TEST(PageStore, ACrashAtAnyStepOfACompactionLosesNoImage) {
  for (const sim::CrashMode mode :
       {sim::CrashMode::kDropAll, sim::CrashMode::kPrefix, sim::CrashMode::kSubset}) {
    bool completed = false;
    std::uint64_t calls = 0;
    std::vector<std::uint64_t> ok_despite_crash;
    for (std::uint64_t k = 0; !completed && k < 64; ++k) {
      const std::string where =
          std::string(sim::crash_mode_name(mode)) + " crash before call " + std::to_string(k);
      Fixture f(6);
      sim::testing::CrashBeforeOp fs(f.h.world.disk(f.h.node), UINT64_MAX, mode);
      f.h.run([&] {
        LogOptions lo;
        lo.segment_bytes = 1024;
        PageStoreOptions po;
        po.image_after = 2;
        po.compact_min_dead = SIZE_MAX;  // only the explicit call below compacts
        f.open(lo, po, &fs);
        sim::Rng rng(6, "test");
        for (int round = 0; round < 4; ++round) {
          for (int i = 0; i < 20; ++i) f.commit_random(rng, 3);
          ASSERT_TRUE(f.store->write_images(f.log->vdl()).is_ok());
          ASSERT_TRUE(f.store->collect(f.log->vdl()).is_ok());
        }
        const std::uint64_t before = fs.ops();
        fs.arm(k);
        Result<std::size_t> reclaimed = f.store->compact_images(0);
        completed = !fs.crashed();
        if (completed) {
          ASSERT_TRUE(reclaimed.is_ok()) << reclaimed.status().to_string();
          EXPECT_GT(*reclaimed, 0u);
          calls = fs.ops() - before;
        } else if (reclaimed.is_ok()) {
          ok_despite_crash.push_back(k);
        }
        f.store.reset();
        f.log.reset();
      });
      ASSERT_FALSE(HasFatalFailure()) << where;
      f.h.crash(mode);
      f.h.run([&] {
        LogOptions lo;
        lo.segment_bytes = 1024;
        f.open(lo);
        f.expect_reads_match(3, f.log->gc_floor(), where);
        EXPECT_FALSE(*f.h.rt().fs.exists("db/IMAGES.tmp")) << where;
      });
      ASSERT_FALSE(HasFatalFailure()) << where;
    }
    EXPECT_TRUE(completed) << "compaction never finished within 64 calls";
    // Only a crash at the last call, closing the replaced file once the new one is durable,
    // may leave a compaction that reports OK.
    for (std::uint64_t k : ok_despite_crash) {
      EXPECT_EQ(k, calls - 1) << sim::crash_mode_name(mode) << ": reported OK on a disk that "
                              << "crashed before call " << k << " of " << calls;
    }
  }
}

}  // namespace
}  // namespace aurora::storage
