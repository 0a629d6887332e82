// The log on the simulated disk: appends, durability policies, LAL, rotation, failures.
#include "engine/wal/log.h"

#include <gtest/gtest.h>

#include "tests/engine/log_harness.h"

namespace aurora::wal {
namespace {

using testing::LogHarness;
using testing::redo;
using testing::text_of;

TEST(Log, FreshVolumeAppendCommitAndReadBack) {
  LogHarness h;
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    EXPECT_TRUE(log->recovery().fresh);
    EXPECT_EQ(log->epoch(), 1u);
    const std::vector<Redo> mtr = {redo(7, 0, "hello"), redo(8, 4, "world"), redo(7, 5, "!")};
    Result<Lsn> cpl = log->append(mtr);
    ASSERT_TRUE(cpl.is_ok());
    EXPECT_EQ(*cpl, 3u);
    EXPECT_LT(log->vdl(), 3u);  // appended, not yet durable
    ASSERT_TRUE(log->wait_durable(*cpl).is_ok());
    EXPECT_EQ(log->vdl(), 3u);
    EXPECT_EQ(log->vcl(), 3u);
    // The page chain: page 7 was written by LSN 1 and 3; record 3 links back to 1.
    ASSERT_NE(log->versions(7), nullptr);
    EXPECT_EQ(*log->versions(7), (std::vector<Lsn>{1, 3}));
    Result<Log::OwnedRecord> r3 = log->read_record(3);
    ASSERT_TRUE(r3.is_ok());
    EXPECT_EQ(r3->header.prev_lsn, 1u);
    EXPECT_TRUE(r3->header.cpl);
    EXPECT_EQ(text_of(r3->payload), "!");
    Result<Log::OwnedRecord> r1 = log->read_record(1);
    ASSERT_TRUE(r1.is_ok());
    EXPECT_FALSE(r1->header.cpl);  // not the end of its MTR
    EXPECT_EQ(log->newest_version_at(7, 2), 1u);
    EXPECT_EQ(log->newest_version_at(7, 3), 3u);
    EXPECT_EQ(log->newest_version_at(9, 3), kNoLsn);
    EXPECT_EQ(log->read_record(4).kind(), ErrorKind::kInvalidArgument);  // not durable
  });
}

// Commits from `writers` fibers, `per_writer` MTRs each; returns (MTRs, fsyncs).
std::pair<std::uint64_t, std::uint64_t> commit_concurrently(Durability d, int writers,
                                                            int per_writer) {
  LogHarness h;
  std::uint64_t mtrs = 0, fsyncs = 0;
  h.run([&] {
    LogOptions o;
    o.durability = d;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    int done = 0;
    for (int w = 0; w < writers; ++w) {
      h.rt().spawn("writer", [&, w] {
        for (int i = 0; i < per_writer; ++i) {
          Result<Lsn> cpl = log->append(std::vector<Redo>{redo(static_cast<PageId>(w), 0, "x")});
          ASSERT_TRUE(cpl.is_ok());
          if (d == Durability::kManual) {
            ASSERT_TRUE(log->sync().is_ok());
          } else {
            ASSERT_TRUE(log->wait_durable(*cpl).is_ok());
          }
          EXPECT_GE(log->vdl(), *cpl);
        }
        ++done;
      });
    }
    while (done < writers) h.rt().clock.sleep_for(kMillisecond);
    mtrs = log->stats().mtrs_appended;
    fsyncs = log->stats().fsyncs;
  });
  return {mtrs, fsyncs};
}

TEST(Log, EveryCommitPolicyFsyncsEachMtrOfASingleWriter) {
  auto [mtrs, fsyncs] = commit_concurrently(Durability::kEveryCommit, 1, 20);
  EXPECT_EQ(mtrs, 20u);
  EXPECT_EQ(fsyncs, 20u);
}

TEST(Log, GroupCommitSharesFsyncsAmongWriters) {
  auto [mtrs, fsyncs] = commit_concurrently(Durability::kGroup, 8, 20);
  EXPECT_EQ(mtrs, 160u);
  EXPECT_LE(fsyncs, 40u);  // 8 writers share batches: far fewer fsyncs than MTRs
  EXPECT_GE(fsyncs, 20u);  // ...but a writer waits for its batch, so at least 20 rounds
}

TEST(Log, IntervalPolicyBatchesByTime) {
  auto [mtrs, fsyncs] = commit_concurrently(Durability::kInterval, 8, 10);
  EXPECT_EQ(mtrs, 80u);
  EXPECT_LE(fsyncs, 20u);
}

TEST(Log, ManualPolicyIsDurableOnlyOnSync) {
  LogHarness h;
  h.run([&] {
    LogOptions o;
    o.durability = Durability::kManual;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->append(std::vector<Redo>{redo(1, 0, "a")}).is_ok());
    h.rt().clock.sleep_for(100 * kMillisecond);
    EXPECT_EQ(log->vdl(), 0u);  // nothing flushed on its own
    ASSERT_TRUE(log->sync().is_ok());
    EXPECT_EQ(log->vdl(), 1u);
  });
}

TEST(Log, AllocationNeverPassesVdlPlusLal) {
  LogHarness h;
  h.run([&] {
    LogOptions o;
    o.lal = 5;
    o.durability = Durability::kInterval;  // slow flushes, so allocation runs ahead
    o.interval = 10 * kMillisecond;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    int done = 0;
    for (int w = 0; w < 4; ++w) {
      h.rt().spawn("w", [&] {
        for (int i = 0; i < 10; ++i) {
          Result<Lsn> cpl = log->append(std::vector<Redo>{redo(1, 0, "a"), redo(2, 0, "b")});
          ASSERT_TRUE(cpl.is_ok());
          EXPECT_LE(*cpl, log->vdl() + o.lal) << "allocated past VDL + LAL";
        }
        ++done;
      });
    }
    while (done < 4) h.rt().clock.sleep_for(kMillisecond);
    EXPECT_GT(log->stats().lal_waits, 0u);
    ASSERT_TRUE(log->sync().is_ok());
    EXPECT_EQ(log->vdl(), 80u);
  });
}

TEST(Log, SegmentsRotateThroughTheControlFile) {
  LogHarness h;
  h.run([&] {
    LogOptions o;
    o.segment_bytes = 512;
    o.durability = Durability::kEveryCommit;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 40; ++i) {
      ASSERT_NE(testing::commit(*log, redo(i % 3, 0, std::string(50, 'a' + i % 26))), kNoLsn);
    }
    EXPECT_GT(log->stats().rotations, 5u);
    EXPECT_EQ(log->control().segments.size(), log->stats().rotations + 1);
    for (Lsn l = 1; l <= 40; ++l) {
      Result<Log::OwnedRecord> r = log->read_record(l);
      ASSERT_TRUE(r.is_ok()) << l << ": " << r.status().to_string();
      EXPECT_EQ(text_of(r->payload), std::string(50, static_cast<char>('a' + (l - 1) % 26)));
    }
  });
}

TEST(Log, FsyncFailureStopsTheLogAndNothingMoreIsAcknowledged) {
  sim::FaultConfig faults = sim::FaultConfig::none();
  LogHarness h(5, faults);
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    const Lsn a = testing::commit(*log, redo(1, 0, "acked"));
    ASSERT_NE(a, kNoLsn);
    sim::FaultRule& eio = h.world.faults().mutable_config().rule(sim::FaultKind::kFsyncEio);
    eio.enabled = true;
    eio.probability = 1.0;
    eio.budget = 1;  // exactly one fsync fails; the next would return OK
    Result<Lsn> b = log->append(std::vector<Redo>{redo(1, 0, "lost")});
    ASSERT_TRUE(b.is_ok());
    const Status s = log->wait_durable(*b);
    EXPECT_EQ(s.kind(), ErrorKind::kStopped);
    EXPECT_TRUE(log->stopped());
    EXPECT_EQ(log->vdl(), a);  // the failed batch never advanced VDL
    EXPECT_EQ(log->append(std::vector<Redo>{redo(1, 0, "c")}).kind(), ErrorKind::kStopped);
    EXPECT_EQ(log->sync().kind(), ErrorKind::kStopped);
  });
}

TEST(Log, FailedWritesAreRetriedAtTheSameOffsetThenStop) {
  LogHarness h(6);
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    sim::FaultRule& nospace = h.world.faults().mutable_config().rule(sim::FaultKind::kWriteNoSpace);
    nospace.enabled = true;
    nospace.probability = 1.0;
    nospace.budget = 2;  // two failures, then writes succeed
    const Lsn a = testing::commit(*log, redo(1, 0, "first"));
    ASSERT_NE(a, kNoLsn);
    EXPECT_EQ(log->stats().write_retries, 2u);
    Result<Log::OwnedRecord> r = log->read_record(a);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(text_of(r->payload), "first");
    nospace.budget = UINT64_MAX;  // now the disk stays full
    Result<Lsn> b = log->append(std::vector<Redo>{redo(1, 0, "second")});
    ASSERT_TRUE(b.is_ok());
    EXPECT_EQ(log->wait_durable(*b).kind(), ErrorKind::kStopped);
    EXPECT_EQ(log->stop_reason().kind(), ErrorKind::kNoSpace);
  });
}

TEST(Log, DestroyingALogWithAParkedWriterIsClean) {
  LogHarness h;
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    log.reset();  // the writer fiber is parked waiting for work; it must not run again
    h.rt().clock.sleep_for(kSecond);
  });
}

}  // namespace
}  // namespace aurora::wal

namespace aurora::wal {
namespace {

TEST(Log, SealedSegmentsMoveToTheColdTierAndReadsThereCostMore) {
  LogHarness h(8);
  LogOptions o;
  o.segment_bytes = 512;
  o.durability = Durability::kEveryCommit;
  o.cold_read_latency = 50 * kMillisecond;
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 30; ++i) {
      ASSERT_NE(testing::commit(*log, redo(1, 0, std::string(60, 'a' + i % 26))), kNoLsn);
    }
    Result<std::size_t> moved = log->tier_sealed_segments(log->vdl());
    ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
    EXPECT_GT(*moved, 0u);
    EXPECT_EQ(log->control().segments.front().tier, Tier::kCold);
    EXPECT_EQ(log->control().segments.back().tier, Tier::kHot);  // the current one stays
    const Nanos before = h.rt().clock.now();
    Result<Log::OwnedRecord> first = log->read_record(1);
    ASSERT_TRUE(first.is_ok());
    EXPECT_GE(h.rt().clock.now() - before, o.cold_read_latency);
    EXPECT_EQ(log->stats().cold_reads, 1u);
    Result<std::vector<std::string>> hot = h.rt().fs.list("db/wal");
    Result<std::vector<std::string>> cold = h.rt().fs.list("db/cold");
    ASSERT_TRUE(hot.is_ok() && cold.is_ok());
    EXPECT_EQ(cold->size(), *moved);
    EXPECT_EQ(hot->size() + cold->size(), log->control().segments.size());
  });
  h.crash(sim::CrashMode::kSubset);
  h.run([&] {
    auto log = h.open(o);  // recovery reads cold segments where the control file says
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, 30u);
    for (Lsn l = 1; l <= 30; ++l) {
      Result<Log::OwnedRecord> r = log->read_record(l);
      ASSERT_TRUE(r.is_ok()) << l << ": " << r.status().to_string();
      EXPECT_EQ(text_of(r->payload), std::string(60, static_cast<char>('a' + (l - 1) % 26)));
    }
  });
}

TEST(Log, TieringInterruptedAtAnyStepLosesNothing) {
  // Crash the disk ever later into a tiering pass (each simulated I/O takes at least
  // latency_min, so the k-th crash comes no sooner than k operations in) until a pass
  // completes first.
  for (int k = 0; k < 40; ++k) {
    LogHarness h(100 + k);
    LogOptions o;
    o.segment_bytes = 512;
    o.durability = Durability::kEveryCommit;
    bool completed = false;
    h.run([&] {
      auto log = h.open(o);
      ASSERT_TRUE(log);
      for (int i = 0; i < 20; ++i) {
        ASSERT_NE(testing::commit(*log, redo(1, 0, std::string(60, 'x'))), kNoLsn);
      }
      h.world.spawn("chaos", [&, k] {
        h.world.clock().sleep_until(h.world.clock().now());
        // Each simulated I/O takes at least latency_min: k of them have passed by then.
        h.world.clock().sleep_for(k * h.world.faults().config().latency_min + 1);
        h.world.crash(h.node, sim::CrashMode::kSubset);
      });
      completed = log->tier_sealed_segments(log->vdl()).is_ok();
    });
    if (h.world.up(h.node)) h.world.crash(h.node, sim::CrashMode::kSubset);
    h.world.restart(h.node);
    h.run([&] {
      auto log = h.open(o);
      ASSERT_TRUE(log) << "crash after " << k << " steps";
      EXPECT_EQ(log->recovery().vdl_found, 20u) << "crash after " << k << " steps";
      for (Lsn l = 1; l <= 20; ++l) {
        ASSERT_TRUE(log->read_record(l).is_ok()) << "crash after " << k << " steps, LSN " << l;
      }
    });
    if (completed) break;
  }
}

}  // namespace
}  // namespace aurora::wal
