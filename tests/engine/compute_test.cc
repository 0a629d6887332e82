// Compute nodes on shared storage: read-your-writes, isolation until refresh, read points
// bounded by VDL and holding back GC, buffer pools that never serve the wrong version. The
// A/B dialogue also runs on real files: the engine is the same on both file systems.
#include "engine/compute/compute_node.h"

#include <gtest/gtest.h>

#include "engine/storage/presets.h"
#include "tests/engine/log_harness.h"
#include "tests/engine/real_files.h"

namespace aurora::compute {
namespace {

using wal::testing::bytes_of;
using wal::testing::LogHarness;
using wal::testing::text_of;

storage::StorageOptions small_pages() {
  storage::StorageOptions o;
  o.pages.page_size = 64;
  o.maintenance_interval = kSecond;  // tests call maintain() themselves
  return o;
}

std::unique_ptr<storage::Storage> open_storage(Runtime rt, storage::StorageOptions o) {
  Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

std::string page_text(ComputeNode& node, PageId page, std::size_t n) {
  Result<std::vector<std::byte>> r = node.read(page);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? text_of(*r).substr(0, n) : "<error>";
}

// The dialogue of the product's visual REPL: A writes, B cannot see it until refresh.
void isolation_dialogue(storage::Storage& s) {
  ComputeNode a(s, "A"), b(s, "B");
  Mtr m;
  m.put(1, 0, bytes_of("hello"));
  Result<Lsn> cpl = a.commit(m);
  ASSERT_TRUE(cpl.is_ok()) << cpl.status().to_string();
  EXPECT_GE(a.read_point(), *cpl);                     // A reads its own write...
  EXPECT_EQ(page_text(a, 1, 5), "hello");
  EXPECT_EQ(page_text(b, 1, 5), std::string(5, '\0'));  // ...B does not, yet
  EXPECT_LT(b.read_point(), *cpl);
  EXPECT_EQ(b.refresh().value(), s.vdl());
  EXPECT_EQ(page_text(b, 1, 5), "hello");
  EXPECT_LE(a.read_point(), s.vdl());
  EXPECT_LE(b.read_point(), s.vdl());
}

TEST(ComputeNode, ReadsOwnWritesAndSeesOthersOnlyAfterRefresh) {
  LogHarness h;
  h.run([&] {
    auto s = open_storage(h.rt(), small_pages());
    ASSERT_TRUE(s);
    isolation_dialogue(*s);
  });
}

TEST(ComputeNode, TheSameDialogueOnRealFiles) {
  testing::RealFiles files;
  files.run([&](Runtime rt) {
    auto s = open_storage(rt, small_pages());
    ASSERT_TRUE(s);
    isolation_dialogue(*s);
  });
  // The data persists: a new process-level runtime recovers it from the files.
  files.run([&](Runtime rt) {
    auto s = open_storage(rt, small_pages());
    ASSERT_TRUE(s);
    ComputeNode c(*s, "C");
    EXPECT_EQ(page_text(c, 1, 5), "hello");
  });
}

TEST(ComputeNode, BufferPoolNeverServesAVersionFromAnotherReadPoint) {
  LogHarness h;
  h.run([&] {
    auto s = open_storage(h.rt(), small_pages());
    ASSERT_TRUE(s);
    ComputeNode a(*s, "A"), b(*s, "B");
    Mtr first;
    first.put(7, 0, bytes_of("v1"));
    ASSERT_TRUE(a.commit(first).is_ok());
    ASSERT_TRUE(b.refresh().is_ok());
    EXPECT_EQ(page_text(b, 7, 2), "v1");  // now in B's pool
    Mtr second;
    second.put(7, 0, bytes_of("v2"));
    ASSERT_TRUE(a.commit(second).is_ok());
    EXPECT_EQ(page_text(b, 7, 2), "v1");  // same read point: the pooled page is right
    EXPECT_GE(b.stats().buffer_hits, 1u);
    ASSERT_TRUE(b.refresh().is_ok());
    EXPECT_EQ(page_text(b, 7, 2), "v2");  // new read point: not the pooled v1
  });
}

TEST(ComputeNode, APinnedReadPointHoldsBackGc) {
  LogHarness h;
  h.run([&] {
    storage::StorageOptions o = small_pages();
    o.log.segment_bytes = 512;
    o.pages.image_after = 4;
    auto s = open_storage(h.rt(), o);
    ASSERT_TRUE(s);
    ComputeNode writer(*s, "writer"), reader(*s, "reader");
    Mtr m;
    m.put(1, 0, bytes_of("old"));
    ASSERT_TRUE(writer.commit(m).is_ok());
    ASSERT_TRUE(reader.refresh().is_ok());
    const Lsn pinned = reader.read_point();
    for (int i = 0; i < 50; ++i) {
      Mtr more;
      more.put(static_cast<PageId>(i % 3), 0, bytes_of("new" + std::to_string(i)));
      ASSERT_TRUE(writer.commit(more).is_ok());
    }
    ASSERT_TRUE(s->maintain().is_ok());
    EXPECT_LE(s->log().gc_floor(), pinned);  // never above a read point in use
    EXPECT_EQ(page_text(reader, 1, 3), "old");
    ASSERT_TRUE(reader.refresh().is_ok());
    ASSERT_TRUE(s->maintain().is_ok());
    EXPECT_GT(s->log().gc_floor(), pinned);  // released: GC moves on
    EXPECT_GT(s->pages().stats().segments_collected, 0u);
    EXPECT_EQ(page_text(reader, 1, 5), "new49");  // the last i with i % 3 == 1
  });
}

TEST(ComputeNode, ARedoThatDoesNotFitItsPageIsRefused) {
  LogHarness h;
  h.run([&] {
    auto s = open_storage(h.rt(), small_pages());
    ASSERT_TRUE(s);
    ComputeNode a(*s, "A");
    Mtr m;
    m.put(1, 60, bytes_of("too long"));
    EXPECT_EQ(a.commit(m).kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(s->vdl(), 0u);  // nothing was appended
  });
}

TEST(Storage, BackgroundMaintenanceWritesImagesOnItsOwn) {
  LogHarness h;
  h.run([&] {
    storage::StorageOptions o = small_pages();
    o.maintenance_interval = kMillisecond;
    o.pages.image_after = 8;
    auto s = open_storage(h.rt(), o);
    ASSERT_TRUE(s);
    ComputeNode a(*s, "A");
    for (int i = 0; i < 40; ++i) {
      Mtr m;
      m.put(2, 0, bytes_of(std::to_string(i)));
      ASSERT_TRUE(a.commit(m).is_ok());
    }
    h.rt().clock.sleep_for(10 * kMillisecond);
    EXPECT_GT(s->pages().stats().images_written, 0u);
    EXPECT_GT(s->log().gc_floor(), 0u);  // nothing pinned below A's read point
    EXPECT_EQ(page_text(a, 2, 2), "39");
  });
}

}  // namespace
}  // namespace aurora::compute

namespace aurora::compute {
namespace {

TEST(Storage, MetricsCountAndTimeWhatHappened) {
  LogHarness h;
  h.run([&] {
    auto s = open_storage(h.rt(), small_pages());
    ASSERT_TRUE(s);
    ComputeNode a(*s, "A");
    for (int i = 0; i < 20; ++i) {
      Mtr m;
      m.put(3, 0, bytes_of("x"));
      ASSERT_TRUE(a.commit(m).is_ok());
    }
    s->pages().drop_cache();
    ASSERT_TRUE(s->read(3, s->vdl()).is_ok());
    EXPECT_EQ(s->commit_ns().count(), 20u);
    EXPECT_GT(s->commit_ns().percentile(50), 0u);  // commits take simulated time
    EXPECT_EQ(s->log().stats().fsync_ns.count(), s->log().stats().fsyncs);
    EXPECT_EQ(s->pages().stats().chain_length.max(), 20u);  // one read walked all 20
    EXPECT_EQ(s->pages().stats().read_ns.count(), s->pages().stats().reads);
  });
}

TEST(Storage, TheTieredPresetMovesSealedSegmentsColdAndColdReadsCostMore) {
  LogHarness h;
  h.run([&] {
    Result<storage::StorageOptions> o = storage::storage_preset("tiered");
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    o->pages.page_size = 64;
    o->pages.cache_pages = 0;
    o->maintenance_interval = kSecond;  // maintain() is called below
    auto s = open_storage(h.rt(), *o);
    ASSERT_TRUE(s);
    ComputeNode writer(*s, "writer"), reader(*s, "reader");
    for (int i = 0; i < 200; ++i) {
      Mtr m;
      m.put(static_cast<PageId>(i % 4), 0, bytes_of(std::string("v").append(std::to_string(i))));
      ASSERT_TRUE(writer.commit(m).is_ok());
      if (i == 0) {  // pinned at the first commit: GC keeps the log
        ASSERT_TRUE(reader.refresh().is_ok());
      }
    }
    ASSERT_TRUE(s->maintain().is_ok());
    std::size_t cold = 0;
    for (const wal::SegmentInfo& si : s->log().control().segments) {
      cold += si.tier == wal::Tier::kCold ? 1 : 0;
    }
    EXPECT_GT(cold, 0u);
    EXPECT_EQ(cold + 1, s->log().control().segments.size());  // all but the open one
    const Nanos before = h.rt().clock.now();
    EXPECT_EQ(page_text(reader, 0, 2), "v0");  // its chain lies in a cold segment
    EXPECT_GE(h.rt().clock.now() - before, o->log.cold_read_latency);
    EXPECT_GT(s->log().stats().cold_reads, 0u);
    ASSERT_TRUE(reader.refresh().is_ok());
    EXPECT_EQ(page_text(reader, 3, 4), "v199");
  });
}

TEST(Storage, AnUnknownPresetIsRefusedByName) {
  Result<storage::StorageOptions> o = storage::storage_preset("lukewarm");
  ASSERT_EQ(o.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(o.status().message().find("lukewarm"), std::string::npos);
  EXPECT_NE(o.status().message().find("base, tiered"), std::string::npos);
  EXPECT_TRUE(storage::storage_preset("base").is_ok());
}

}  // namespace
}  // namespace aurora::compute
