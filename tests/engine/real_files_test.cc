// The engine on real files (PosixFileSystem in a temporary directory), unchanged: the log
// under each durability policy with rotation and reopening, recovery annulling an unsynced
// tail and reporting damage inside the durable log, and storage with images, GC, image
// compaction and tiering, reopened. A process cannot crash itself here, so "crash" is the
// engine's objects dropped without a clean stop: what the files hold is all the next open
// gets, as after a crash of the process (not of the machine; the simulated disk covers that).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "engine/storage/presets.h"
#include "engine/storage/storage.h"
#include "engine/wal/log.h"
#include "tests/engine/log_harness.h"
#include "tests/engine/real_files.h"

namespace aurora {
namespace {

using wal::Durability;
using wal::Log;
using wal::LogOptions;
using wal::Lsn;
using wal::PageId;
using wal::testing::redo;
using wal::testing::text_of;

using testing::RealFiles;

std::unique_ptr<Log> open_log(Runtime rt, const LogOptions& o) {
  Result<std::unique_ptr<Log>> log = Log::open(rt, o);
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return log.is_ok() ? std::move(*log) : nullptr;
}

class RealLog : public ::testing::TestWithParam<Durability> {};

// Commits through rotations under the policy, reopens, and reads every record back.
TEST_P(RealLog, CommitsSurviveReopeningAcrossSegments) {
  RealFiles files;
  LogOptions o;
  o.segment_bytes = 1024;
  o.durability = GetParam();
  o.interval = kMillisecond;
  std::map<Lsn, std::string> acked;
  files.run([&](Runtime rt) {
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 100; ++i) {
      const std::string text = std::string("record-").append(std::to_string(i));
      Result<Lsn> cpl = log->append(std::vector<wal::Redo>{redo(i % 5, 0, text)});
      ASSERT_TRUE(cpl.is_ok()) << cpl.status().to_string();
      const Status s = o.durability == Durability::kManual ? log->sync() : log->wait_durable(*cpl);
      ASSERT_TRUE(s.is_ok()) << s.to_string();
      acked[*cpl] = text;
    }
    EXPECT_GT(log->stats().rotations, 3u);
  });
  files.run([&](Runtime rt) {
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->recovery().fresh);
    EXPECT_GE(log->recovery().vdl_found, acked.rbegin()->first);
    for (const auto& [lsn, text] : acked) {
      Result<Log::OwnedRecord> rec = log->read_record(lsn);
      ASSERT_TRUE(rec.is_ok()) << lsn << ": " << rec.status().to_string();
      EXPECT_EQ(text_of(rec->payload), text);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, RealLog,
                         ::testing::Values(Durability::kEveryCommit, Durability::kGroup,
                                           Durability::kInterval, Durability::kManual),
                         [](const auto& info) {
                           switch (info.param) {
                             case Durability::kEveryCommit: return std::string("EveryCommit");
                             case Durability::kGroup: return std::string("Group");
                             case Durability::kInterval: return std::string("Interval");
                             case Durability::kManual: return std::string("Manual");
                           }
                           return std::string("Unknown");
                         });

TEST(RealRecovery, AnUnsyncedTailIsAnnulledAndItsLsnsNeverReused) {
  RealFiles files;
  LogOptions o;
  o.durability = Durability::kManual;
  o.lal = 100;
  Lsn durable = 0, doomed = 0;
  files.run([&](Runtime rt) {
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    Result<Lsn> a = log->append(std::vector<wal::Redo>{redo(1, 0, "kept")});
    ASSERT_TRUE(a.is_ok());
    ASSERT_TRUE(log->sync().is_ok());
    durable = *a;
    Result<Lsn> b = log->append(std::vector<wal::Redo>{redo(1, 0, "never synced")});
    ASSERT_TRUE(b.is_ok());
    doomed = *b;
  });  // dropped without sync: the process "crashes"
  files.run([&](Runtime rt) {
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, durable);
    ASSERT_TRUE(log->recovery().annulled.has_value());
    EXPECT_LE(log->recovery().annulled->from, doomed);
    EXPECT_GE(log->recovery().annulled->to, doomed);
    Result<Lsn> c = log->append(std::vector<wal::Redo>{redo(1, 0, "new")});
    ASSERT_TRUE(c.is_ok());
    EXPECT_GT(*c, log->recovery().annulled->to);
    ASSERT_TRUE(log->sync().is_ok());
  });
  files.run([&](Runtime rt) {  // recovery run again: the same state, nothing returns
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    EXPECT_NE(log->read_record(doomed).kind(), ErrorKind::kOk);
    Result<Log::OwnedRecord> kept = log->read_record(durable);
    ASSERT_TRUE(kept.is_ok());
    EXPECT_EQ(text_of(kept->payload), "kept");
  });
}

TEST(RealRecovery, DamageInsideTheDurableLogIsReportedAsCorruption) {
  RealFiles files;
  LogOptions o;
  o.segment_bytes = 1024;
  files.run([&](Runtime rt) {
    auto log = open_log(rt, o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 60; ++i) {
      ASSERT_NE(wal::testing::commit(*log, redo(1, 0, "durable record")), wal::kNoLsn);
    }
  });
  // Flip one payload byte of the first record of the oldest segment, behind the watermark.
  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(files.root() + "/db/wal")) {
    segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  {
    std::fstream f(segments.front(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(wal::kSegmentHeaderSize + wal::kRecordHeaderSize);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(wal::kSegmentHeaderSize + wal::kRecordHeaderSize);
    f.write(&c, 1);
  }
  files.run([&](Runtime rt) {
    Result<std::unique_ptr<Log>> log = Log::open(rt, o);
    ASSERT_EQ(log.kind(), ErrorKind::kCorruption) << log.status().to_string();
  });
}

// Storage with every background job, on real files: reads equal a replay of what was
// committed, before and after reopening.
TEST(RealStorage, ImagesGcCompactionAndTieringThenReopen) {
  RealFiles files;
  storage::StorageOptions o = *storage::storage_preset("tiered");
  o.log.segment_bytes = 1024;
  o.log.cold_read_latency = 0;
  o.pages.page_size = 64;
  o.pages.image_after = 2;
  o.pages.compact_min_dead = 4;
  o.maintenance_interval = kSecond;  // maintain() is called below
  std::map<Lsn, std::pair<PageId, std::string>> writes;
  auto page_at = [&](PageId page, Lsn at) {
    std::string out(64, '\0');
    for (const auto& [lsn, w] : writes) {
      if (lsn <= at && w.first == page) out.replace(0, w.second.size(), w.second);
    }
    return out;
  };
  auto check = [&](storage::Storage& s, const std::string& ctx) {
    for (PageId p = 0; p < 4; ++p) {
      for (Lsn at = s.log().gc_floor(); at <= writes.rbegin()->first; ++at) {
        Result<std::vector<std::byte>> got = s.read(p, at);
        ASSERT_TRUE(got.is_ok()) << ctx << " page " << p << " at " << at << ": "
                                 << got.status().to_string();
        ASSERT_EQ(text_of(*got), page_at(p, at)) << ctx << " page " << p << " at " << at;
      }
    }
  };
  files.run([&](Runtime rt) {
    Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, o);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    storage::ReadPointId pin = 0;
    for (int round = 0; round < 8; ++round) {
      // A read point pinned through rounds 1 to 4 holds GC back, so tiering has sealed
      // segments to move; released, GC takes them and images die and get compacted.
      if (round == 1) pin = (*s)->pin((*s)->vdl());
      if (round == 5) {
        std::size_t cold = 0;
        for (const wal::SegmentInfo& si : (*s)->log().control().segments) {
          cold += si.tier == wal::Tier::kCold ? 1 : 0;
        }
        EXPECT_GT(cold, 0u);
        (*s)->unpin(pin);
      }
      for (int i = 0; i < 30; ++i) {
        const std::string text = std::string("r").append(std::to_string(round)).append(
            "i").append(std::to_string(i));
        const PageId page = static_cast<PageId>((i * 7 + round) % 4);
        Result<Lsn> cpl = (*s)->commit(std::vector<wal::Redo>{redo(page, 0, text)});
        ASSERT_TRUE(cpl.is_ok()) << cpl.status().to_string();
        writes[*cpl] = {page, text};
      }
      ASSERT_TRUE((*s)->maintain().is_ok());
    }
    EXPECT_GT((*s)->pages().stats().images_written, 0u);
    EXPECT_GT((*s)->pages().stats().segments_collected, 0u);
    EXPECT_GT((*s)->pages().stats().image_compactions, 0u);
    (*s)->pages().drop_cache();
    check(**s, "before reopening");
  });
  ASSERT_FALSE(::testing::Test::HasFailure());
  files.run([&](Runtime rt) {
    Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, o);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_GT((*s)->log().gc_floor(), 0u);
    check(**s, "after reopening");
  });
}

}  // namespace
}  // namespace aurora
