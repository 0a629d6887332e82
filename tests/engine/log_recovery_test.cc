// Recovery of the log (DESIGN.md invariants 1, 4, 5, 6, 7, 10) on the simulated disk,
// checked against a model kept by the test, outside the crashing node.
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "engine/util/crc32c.h"
#include "engine/wal/log.h"
#include "tests/engine/log_harness.h"

namespace aurora::wal {
namespace {

using testing::LogHarness;
using testing::redo;
using testing::text_of;

struct Mtr {
  Lsn cpl = 0;
  std::vector<Redo> records;  // records[i] has LSN cpl - records.size() + 1 + i
  Lsn first() const { return cpl - records.size() + 1; }
};

// What the test knows independently of the log.
struct Model {
  std::map<Lsn, Mtr> appended;  // by CPL
  std::set<Lsn> acknowledged;   // CPLs whose wait_durable returned OK
  Lsn highest_returned = 0;     // every LSN the log ever handed out is <= this
  Lsn highest_vdl_seen = 0;     // every VDL a writer acted on (invariant 4)
};

// Writers append random MTRs and wait for them until the node dies.
void run_writers(LogHarness& h, Log& log, Model& model, sim::Rng& rng, int writers) {
  for (int w = 0; w < writers; ++w) {
    h.rt().spawn("writer", [&h, &log, &model, &rng] {
      for (;;) {
        Mtr m;
        const int n = 1 + static_cast<int>(rng.below(4));
        for (int i = 0; i < n; ++i) {
          std::string text(1 + rng.below(300), static_cast<char>('a' + rng.below(26)));
          m.records.push_back(redo(rng.below(8), static_cast<std::uint32_t>(rng.below(64)), text));
        }
        Result<Lsn> cpl = log.append(m.records);
        if (!cpl.is_ok()) return;
        m.cpl = *cpl;
        model.highest_returned = std::max(model.highest_returned, *cpl);
        model.appended[*cpl] = m;
        if (!log.wait_durable(*cpl).is_ok()) return;
        model.acknowledged.insert(*cpl);
        model.highest_vdl_seen = std::max(model.highest_vdl_seen, log.vdl());
        h.rt().clock.sleep_for(static_cast<Nanos>(rng.below(20)) * kMicrosecond);
      }
    });
  }
}

bool annulled(const Log& log, Lsn lsn) {
  for (const AnnulledRange& r : log.control().annulled) {
    if (lsn >= r.from && lsn <= r.to) return true;
  }
  return false;
}

std::string describe_log(const Log& log) {
  std::string out = "segments:";
  for (const SegmentInfo& si : log.control().segments) {
    out += " [" + std::to_string(si.first_lsn) + ".." + std::to_string(si.last_lsn) + " e" +
           std::to_string(si.epoch) + (si.sealed ? " sealed" : "") + "]";
  }
  out += " annulled:";
  for (const AnnulledRange& a : log.control().annulled) {
    out += " (" + std::to_string(a.from) + ".." + std::to_string(a.to) + " e" +
           std::to_string(a.epoch) + ")";
  }
  return out;
}

// Checks the recovered log against the model, then forgets what did not survive (the
// MTRs above VDL, and those an earlier recovery annulled while the test was not looking:
// a crash can land inside a recovery after its annulment became durable).
void check_recovered(Log& log, Model& model, const std::string& ctx) {
  const RecoveryReport& r = log.recovery();
  if (r.fresh) {  // the crash struck before the volume's first control file was durable
    EXPECT_TRUE(model.appended.empty()) << ctx;
    return;
  }
  const Lsn vdl = r.vdl_found;
  // Invariant 4: the recovered VDL is at least every VDL acted on before the crash.
  EXPECT_GE(vdl, model.highest_vdl_seen) << ctx;
  // Invariant 3, as recovered: VDL <= VCL.
  EXPECT_LE(vdl, r.vcl_found) << ctx;
  // Invariant 7: every acknowledged MTR survived (and none was ever annulled).
  for (Lsn cpl : model.acknowledged) {
    EXPECT_LE(cpl, vdl) << ctx << ": acknowledged CPL " << cpl << " lost; " << describe_log(log);
    EXPECT_FALSE(annulled(log, cpl)) << ctx << ": acknowledged CPL " << cpl << " annulled";
  }
  // The recovered log is a prefix of what was written, ending on a CPL (of an MTR, or the
  // end of an annulled range), with every MTR all present or all absent (invariants 6, 7).
  EXPECT_TRUE(vdl == 0 || model.appended.count(vdl) == 1 || annulled(log, vdl))
      << ctx << ": recovered VDL " << vdl << " is not a consistency point";
  for (const auto& [cpl, m] : model.appended) {
    if (annulled(log, cpl)) {
      EXPECT_TRUE(annulled(log, m.first())) << ctx << ": MTR " << m.first() << ".." << cpl
                                            << " is partly annulled";
      EXPECT_NE(log.read_record(cpl).kind(), ErrorKind::kOk) << ctx << ": annulled " << cpl;
      continue;
    }
    if (cpl > vdl) {
      EXPECT_GT(m.first(), vdl) << ctx << ": MTR " << m.first() << ".." << cpl << " is split";
      continue;
    }
    for (std::size_t i = 0; i < m.records.size(); ++i) {
      const Lsn lsn = m.first() + i;
      Result<Log::OwnedRecord> rec = log.read_record(lsn);
      if (!rec.is_ok()) {
        ADD_FAILURE() << ctx << ": record " << lsn << ": " << rec.status().to_string() << "; "
                      << describe_log(log);
        continue;
      }
      EXPECT_EQ(rec->header.page, m.records[i].page) << ctx << " lsn " << lsn;
      EXPECT_EQ(text_of(rec->payload), text_of(m.records[i].bytes)) << ctx << " lsn " << lsn;
      EXPECT_EQ(rec->header.cpl, i + 1 == m.records.size()) << ctx << " lsn " << lsn;
    }
  }
  // Invariant 1: the annulled range covers every LSN ever handed out above VDL, and the
  // next LSN lies above it.
  EXPECT_TRUE(r.annulled.has_value());
  if (r.annulled) {
    EXPECT_EQ(r.annulled->from, vdl + 1) << ctx;
    EXPECT_GE(r.annulled->to, model.highest_returned) << ctx;
    EXPECT_EQ(log.next_lsn(), r.annulled->to + 1) << ctx;
  }
  std::erase_if(model.appended,
                [&](const auto& e) { return e.first > vdl || annulled(log, e.first); });
}

class CrashSweep : public ::testing::TestWithParam<sim::CrashMode> {};

TEST_P(CrashSweep, AcknowledgedMtrsSurviveAndTheLogIsAPrefixEndingOnACpl) {
  const sim::CrashMode mode = GetParam();
  int torn_tails = 0;
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim::FaultConfig faults = sim::FaultConfig::none();
    faults.rule(sim::FaultKind::kTornWrite) = {true, 1.0, UINT64_MAX};  // tear every survivor
    faults.atomic_unit = seed % 2 ? 512 : 1;
    LogHarness h(seed, faults);
    sim::Rng rng(seed, "test");
    Model model;
    std::unique_ptr<Log> log;
    LogOptions options;
    // Small segments rotate often (a crash mid-rotation); large ones keep a log write in
    // flight most of the time (a crash that tears the tail).
    options.segment_bytes = seed % 4 == 0 ? 4096 : 256 * 1024;
    options.lal = 64;
    options.durability = seed % 3 == 0 ? Durability::kEveryCommit : Durability::kGroup;
    // Short batches keep a write in flight most of the time, so crashes tear tails.
    options.group_max_delay = 10 * kMicrosecond;
    // Several incarnations: write, crash at a random moment, recover and check.
    for (int round = 0; round < 4; ++round) {
      bool writing = false;
      h.world.sched().spawn(h.node, "boot", [&] {
        log = h.open(options);
        if (!log) return;
        if (round > 0) {
          check_recovered(*log, model, "seed " + std::to_string(seed) + " round " +
                                           std::to_string(round));
          torn_tails += log->recovery().torn_tail ? 1 : 0;
          ++checked;
        }
        writing = true;  // the check is done: from here on, crashes hit the writers
        run_writers(h, *log, model, rng, 6);
        h.rt().spawn("watcher", [&h, l = log.get(), seed] {
          Lsn last_vcl = l->vcl(), last_vdl = l->vdl();
          for (;;) {  // invariants 3 and 4 within the incarnation, until the crash
            ASSERT_LE(l->vdl(), l->vcl()) << "seed " << seed;
            ASSERT_LE(l->vcl(), l->highest_allocated()) << "seed " << seed;
            ASSERT_GE(l->vcl(), last_vcl) << "seed " << seed << ": VCL went backwards";
            ASSERT_GE(l->vdl(), last_vdl) << "seed " << seed << ": VDL went backwards";
            last_vcl = l->vcl();
            last_vdl = l->vdl();
            h.rt().clock.sleep_for(5 * kMicrosecond);
          }
        });
      });
      h.world.spawn("chaos", [&] {
        // A quarter of the crashes strike at any moment (recovery included); the rest
        // while the writers run, where tails get torn.
        if (rng.below(4) != 0) {
          while (!writing) h.world.clock().sleep_for(10 * kMicrosecond);
        }
        h.world.clock().sleep_for(static_cast<Nanos>(rng.below(3000)) * kMicrosecond);
        h.world.crash(h.node, mode);
      });
      ASSERT_EQ(h.world.run().kind, RunOutcome::Kind::kCompleted);
      log.reset();
      h.world.restart(h.node);
    }
  }
  std::printf("%d of %d checked recoveries cut a torn tail\n", torn_tails, checked);
  EXPECT_GE(checked, 200);  // most rounds get to check (a quarter of crashes strike anywhere)
  if (mode != sim::CrashMode::kDropAll) {
    EXPECT_GE(torn_tails, 10);  // the sweep really exercised torn tails
  }
}

INSTANTIATE_TEST_SUITE_P(EveryMode, CrashSweep,
                         ::testing::Values(sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                           sim::CrashMode::kSubset),
                         wal::testing::crash_mode_test_name);

TEST(Recovery, LsnsAreNeverReusedAndAnnulledRecordsNeverReturn) {
  LogHarness h;
  Lsn first_incarnation_max = 0;
  LogOptions o;
  o.durability = Durability::kManual;
  o.lal = 100;
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    Result<Lsn> a = log->append(std::vector<Redo>{redo(1, 0, "durable")});
    ASSERT_TRUE(a.is_ok());
    ASSERT_TRUE(log->sync().is_ok());
    for (int i = 0; i < 5; ++i) {  // allocated, handed out, never made durable
      Result<Lsn> b = log->append(std::vector<Redo>{redo(1, 0, "doomed")});
      ASSERT_TRUE(b.is_ok());
      first_incarnation_max = *b;
    }
  });
  h.crash(sim::CrashMode::kDropAll);
  Lsn annulled_to = 0;
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, 1u);
    ASSERT_TRUE(log->recovery().annulled);
    annulled_to = log->recovery().annulled->to;
    EXPECT_EQ(log->epoch(), 2u);
    Result<Lsn> c = log->append(std::vector<Redo>{redo(1, 0, "new")});
    ASSERT_TRUE(c.is_ok());
    EXPECT_GT(*c, first_incarnation_max);
    EXPECT_GT(*c, annulled_to);
    ASSERT_TRUE(log->sync().is_ok());
    EXPECT_EQ(*log->versions(1), (std::vector<Lsn>{1, *c}));
  });
  // More crashes: the annulled range stays annulled; the new record stays.
  for (int i = 0; i < 3; ++i) {
    h.crash(sim::CrashMode::kSubset);
    h.run([&] {
      auto log = h.open(o);
      ASSERT_TRUE(log);
      const std::vector<Lsn>& v = *log->versions(1);
      ASSERT_EQ(v.size(), 2u);
      EXPECT_EQ(v[0], 1u);
      EXPECT_GT(v[1], annulled_to);
      for (Lsn l = 2; l <= annulled_to; ++l) {
        EXPECT_NE(log->read_record(l).kind(), ErrorKind::kOk) << "annulled LSN " << l << " is back";
      }
    });
  }
}

// Found by `sim --seed 189` (now seeds/99-recovery-after-empty-recovery.json): a recovery
// that annulled everything (nothing was durable) leaves a log that starts right after the
// annulled range, with no record; a crash before any new write made the next recovery take
// VDL 0 below the persisted watermark (the annulled range's end) for corruption.
// Found by `sim --seed 365 --spec many_nodes --faults unrestricted`: with a small LAL, a
// lost write took acknowledged records that no persisted watermark covered, recovery found a
// VDL below the one at which later LSNs had been allocated, annulled only up to its VDL +
// LAL, and allocated LSNs again that an MTR had had before the crash. Now no LSN is
// allocated above the persisted watermark + LAL: whatever tail of the log is lost, recovery
// either reports the loss as corruption or annuls past every LSN allocated before.
TEST(Recovery, LsnsAllocatedBeforeALossOfTheLogsTailAreNeverAllocatedAgain) {
  constexpr Lsn kMtrs = 12;
  const std::string path = "db/wal/00000000000000000001-000001.seg";
  bool opened = false;
  bool refused = false;
  for (Lsn keep = 0; keep <= kMtrs; ++keep) {  // records left after the loss
    SCOPED_TRACE("records kept: " + std::to_string(keep));
    LogHarness h;
    LogOptions lo;
    lo.lal = 4;
    Lsn highest = 0;
    h.run([&] {
      std::unique_ptr<Log> log = h.open(lo);
      ASSERT_TRUE(log);
      for (Lsn i = 0; i < kMtrs; ++i) testing::commit(*log, redo(0, 0, "x"));
      highest = log->highest_allocated();
      Result<ControlState> control = read_control_file(h.rt().fs, "db");
      ASSERT_TRUE(control.is_ok());
      EXPECT_LE(highest, control->durable_watermark + lo.lal);  // the rule itself
    });
    ASSERT_EQ(highest, kMtrs);
    h.run([&] {  // the records after `keep` vanish, as a lost write leaves them
      Result<FileHandle> seg = h.rt().fs.open(path, OpenMode::kOpenExisting);
      ASSERT_TRUE(seg.is_ok());
      ASSERT_TRUE(h.rt().fs.truncate(*seg, kSegmentHeaderSize + keep * encoded_record_size(1)).is_ok());
      ASSERT_TRUE(h.rt().fs.sync(*seg).is_ok());
      ASSERT_TRUE(h.rt().fs.close(*seg).is_ok());
    });
    h.crash(sim::CrashMode::kDropAll);
    h.run([&] {
      Result<std::unique_ptr<Log>> log = Log::open(h.rt(), lo);
      if (!log.is_ok()) {
        EXPECT_EQ(log.kind(), ErrorKind::kCorruption) << log.status().to_string();
        refused = true;
        return;
      }
      opened = true;
      EXPECT_GT((*log)->next_lsn(), highest);
      Result<Lsn> cpl = (*log)->append(std::vector<Redo>{redo(0, 0, "y")});
      ASSERT_TRUE(cpl.is_ok());
      EXPECT_GT(*cpl, highest);
    });
  }
  EXPECT_TRUE(opened);   // a loss above every persisted watermark: a torn tail
  EXPECT_TRUE(refused);  // a loss below one: corruption
}

// A volume whose CONTROL is gone (deleted by hand, in the case that found it) opened as a
// new, empty volume over its own segments, losing every acknowledged MTR in silence.
TEST(Recovery, SegmentsWithRecordsButNoControlFileAreCorruptionNotANewVolume) {
  LogHarness h;
  h.run([&] {
    std::unique_ptr<Log> log = h.open();
    ASSERT_TRUE(log);
    testing::commit(*log, redo(0, 0, "acknowledged"));
    log.reset();
    ASSERT_TRUE(h.rt().fs.unlink("db/CONTROL").is_ok());
    ASSERT_TRUE(h.rt().fs.sync_dir("db").is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    testing::expect_corruption(Log::open(h.rt(), {}), "the volume's control file is lost");
  });
}

// An interrupted creation leaves a first segment with nothing but its header, and no
// control file: that is still a new volume.
TEST(Recovery, AnInterruptedCreationStartsOver) {
  LogHarness h;
  h.run([&] {
    ASSERT_TRUE(h.rt().fs.mkdir("db").is_ok());
    ASSERT_TRUE(h.rt().fs.mkdir("db/wal").is_ok());
    Result<FileHandle> seg = h.rt().fs.open("db/wal/00000000000000000001-000001.seg", OpenMode::kCreate);
    ASSERT_TRUE(seg.is_ok());
    std::array<std::byte, kSegmentHeaderSize> header;
    encode_segment_header({1, 1}, header);
    ASSERT_TRUE(write_all(h.rt().fs, *seg, 0, header).is_ok());
    ASSERT_TRUE(h.rt().fs.close(*seg).is_ok());
    std::unique_ptr<Log> log = h.open();
    ASSERT_TRUE(log);
    EXPECT_TRUE(log->recovery().fresh);
    EXPECT_EQ(testing::commit(*log, redo(0, 0, "first")), 1u);
  });
}

TEST(Recovery, ALogThatStartsAfterAnAnnulledRangeWithNoRecordRecovers) {
  LogHarness h;
  LogOptions o;
  o.durability = Durability::kManual;
  o.lal = 100;
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->append(std::vector<Redo>{redo(1, 0, "never synced")}).is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  Lsn annul_end = 0;
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->recovery().annulled.has_value());
    annul_end = log->recovery().annulled->to;
    EXPECT_EQ(log->vdl(), annul_end);
  });
  h.crash(sim::CrashMode::kDropAll);  // before anything new was written
  h.run([&] {
    auto log = h.open(o);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, annul_end);
    EXPECT_EQ(log->recovery().vcl_found, annul_end);
    Result<Lsn> next = log->append(std::vector<Redo>{redo(1, 0, "after")});
    ASSERT_TRUE(next.is_ok());
    EXPECT_GT(*next, log->recovery().annulled->to);
  });
}

TEST(Recovery, RunningRecoveryTwiceGivesTheSameLogicalState) {
  LogHarness h(3);
  std::vector<std::string> first_view;
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) {
      ASSERT_NE(testing::commit(*log, redo(i % 2, 0, std::to_string(i))), kNoLsn);
    }
  });
  for (int round = 0; round < 3; ++round) {
    h.crash(sim::CrashMode::kDropAll);  // crash right after (or during) each recovery
    h.run([&] {
      auto log = h.open();
      ASSERT_TRUE(log);
      std::vector<std::string> view;
      for (PageId p : log->pages()) {
        for (Lsn l : *log->versions(p)) {
          Result<Log::OwnedRecord> r = log->read_record(l);
          ASSERT_TRUE(r.is_ok());
          view.push_back(std::to_string(p) + "@" + std::to_string(l) + "=" + text_of(r->payload));
        }
      }
      if (round == 0) first_view = view;
      EXPECT_EQ(view, first_view) << "round " << round;
      EXPECT_EQ(view.size(), 10u);
    });
  }
}

// --- torn tail against corruption (invariant 10), on hand-made segment bytes ---

// Writes `records` (already encoded) at the end of the current segment file, bypassing
// the log: the bytes a crash could have left.
void append_raw(LogHarness& h, const Log& log, std::span<const std::byte> bytes) {
  const std::string path = log.segment_path(log.control().segments.back());
  Result<FileHandle> f = h.rt().fs.open(path, OpenMode::kOpenExisting);
  ASSERT_TRUE(f.is_ok());
  Result<std::uint64_t> size = h.rt().fs.size(*f);
  ASSERT_TRUE(size.is_ok());
  ASSERT_TRUE(write_all(h.rt().fs, *f, *size, bytes).is_ok());
  ASSERT_TRUE(h.rt().fs.sync(*f).is_ok());
  ASSERT_TRUE(h.rt().fs.close(*f).is_ok());
}

// Builds: 3 durable records; then a hole (garbage where LSN 4 belongs); then a valid
// record 5 whose vdl_hint is `hint`.
Status recover_with_hole_then_record(Lsn hint, RecoveryReport* report) {
  LogHarness h;
  Status result;
  h.run([&] {
    LogOptions o;
    o.durability = Durability::kEveryCommit;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 3; ++i) {
      ASSERT_NE(testing::commit(*log, redo(1, 0, "ok")), kNoLsn);
    }
    std::vector<std::byte> raw(80, std::byte{0x5a});  // the hole: bytes that decode to nothing
    RecordHeader five{.lsn = 5, .prev_lsn = 3, .page = 1, .length = 2, .cpl = true, .vdl_hint = hint};
    encode_record(five, testing::bytes_of("xx"), raw);
    append_raw(h, *log, raw);
    log.reset();
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), LogOptions{});
    result = log.status();
    if (log.is_ok() && report != nullptr) *report = (*log)->recovery();
  });
  return result;
}

TEST(Recovery, HoleAboveEveryWatermarkIsATornTailAndValidRecordsAfterItAreAnnulled) {
  RecoveryReport r;
  const Status s = recover_with_hole_then_record(/*hint=*/3, &r);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_TRUE(r.torn_tail);
  EXPECT_EQ(r.vdl_found, 3u);
  EXPECT_EQ(r.records_beyond_hole, 1u);  // record 5 was found, valid, and still annulled
  ASSERT_TRUE(r.annulled);
  EXPECT_EQ(r.annulled->from, 4u);
  EXPECT_GE(r.annulled->to, 5u);
}

TEST(Recovery, HoleAtOrBelowAPersistedWatermarkIsCorruptionNotATornTail) {
  // Record 5 says LSN 4 was durable when it was written: the hole is lost durable data.
  const Status s = recover_with_hole_then_record(/*hint=*/4, nullptr);
  EXPECT_EQ(s.kind(), ErrorKind::kCorruption);
  EXPECT_NE(s.message().find("watermark"), std::string::npos) << s.to_string();
}

TEST(Recovery, ChecksumFailureInsideTheDurableLogIsCorruption) {
  // The public bug class: a checksum mismatch in the durable part of the log treated as
  // the end of the log. Flip a byte of record 2 of 10 acknowledged ones.
  LogHarness h;
  h.run([&] {
    LogOptions o;
    o.durability = Durability::kEveryCommit;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) {
      ASSERT_NE(testing::commit(*log, redo(1, 0, "payload")), kNoLsn);
    }
    Result<FileHandle> f = h.rt().fs.open("db/wal/00000000000000000001-000001.seg", OpenMode::kOpenExisting);
    ASSERT_TRUE(f.is_ok());
    const std::uint64_t second_record_payload = kSegmentHeaderSize + encoded_record_size(7) + kRecordHeaderSize;
    ASSERT_TRUE(write_all(h.rt().fs, *f, second_record_payload, testing::bytes_of("X")).is_ok());
    ASSERT_TRUE(h.rt().fs.sync(*f).is_ok());
    ASSERT_TRUE(h.rt().fs.close(*f).is_ok());
    log.reset();
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), LogOptions{});
    EXPECT_EQ(log.kind(), ErrorKind::kCorruption) << log.status().to_string();
  });
}

TEST(Recovery, UnlistedSegmentFilesAreRemovedAndListedOnesMustExist) {
  LogHarness h;
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    ASSERT_NE(testing::commit(*log, redo(1, 0, "keeps segment 1 listed")), kNoLsn);
    Result<FileHandle> stray = h.rt().fs.open("db/wal/00000000000000009999-000001.seg", OpenMode::kCreate);
    ASSERT_TRUE(stray.is_ok());
    ASSERT_TRUE(h.rt().fs.sync(*stray).is_ok());
    ASSERT_TRUE(h.rt().fs.sync_dir("db/wal").is_ok());
    ASSERT_TRUE(h.rt().fs.close(*stray).is_ok());
    log.reset();
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    auto log = h.open();
    ASSERT_TRUE(log);
    Result<bool> there = h.rt().fs.exists("db/wal/00000000000000009999-000001.seg");
    ASSERT_TRUE(there.is_ok());
    EXPECT_FALSE(*there);
    // Remove a listed segment: recovery must refuse, not start an empty log.
    ASSERT_TRUE(h.rt().fs.unlink("db/wal/00000000000000000001-000001.seg").is_ok());
    ASSERT_TRUE(h.rt().fs.sync_dir("db/wal").is_ok());
    log.reset();
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), LogOptions{});
    EXPECT_EQ(log.kind(), ErrorKind::kCorruption) << log.status().to_string();
  });
}

// --- GC and each page's base (found by `sim --seed 50 --spec media_faults`) ---

LogOptions gc_options() {
  LogOptions o;
  o.durability = Durability::kEveryCommit;
  o.segment_bytes = 1024;  // sealed segments for GC to collect
  return o;
}

std::vector<Lsn> versions_of(const Log& log, PageId page) {
  const std::vector<Lsn>* v = log.versions(page);
  return v == nullptr ? std::vector<Lsn>{} : *v;
}

Lsn prev_lsn_of(Log& log, Lsn lsn) {
  Result<Log::OwnedRecord> rec = log.read_record(lsn);
  EXPECT_TRUE(rec.is_ok()) << rec.status().to_string();
  return rec.is_ok() ? rec->header.prev_lsn : ~Lsn{0};
}

// Pages 1 and 2 are written, then page 0 fills segments; GC collects up to VDL. Returns
// the newest LSN of pages 1 and 2: their bases.
std::pair<Lsn, Lsn> write_and_collect(Log& log) {
  Lsn one = kNoLsn;
  Lsn two = kNoLsn;
  for (int i = 0; i < 3; ++i) {
    one = testing::commit(log, redo(1, 0, "one " + std::to_string(i)));
    two = testing::commit(log, redo(2, 0, "two " + std::to_string(i)));
  }
  for (int i = 0; i < 40; ++i) testing::commit(log, redo(0, 0, "filler " + std::to_string(i)));
  Result<std::size_t> collected = log.collect_below(log.vdl());
  EXPECT_TRUE(collected.is_ok()) << collected.status().to_string();
  EXPECT_GT(collected.is_ok() ? *collected : 0, 0u);
  EXPECT_GT(log.gc_floor(), two);
  return {one, two};
}

// GC keeps each page's newest version below the floor as its base: the page's next record
// links to it (never to 0), before and after a crash.
TEST(RecoveryGc, ANewRecordOnACollectedPageLinksToItsBaseBeforeAndAfterACrash) {
  LogHarness h(21);
  Lsn base1 = kNoLsn, base2 = kNoLsn, new1 = kNoLsn;
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    std::tie(base1, base2) = write_and_collect(*log);
    EXPECT_EQ(versions_of(*log, 2), (std::vector<Lsn>{base2}));
    new1 = testing::commit(*log, redo(1, 0, "after GC"));
    EXPECT_EQ(prev_lsn_of(*log, new1), base1);
    EXPECT_EQ(versions_of(*log, 1), (std::vector<Lsn>{base1, new1}));
  });
  for (int round = 0; round < 2; ++round) {
    h.crash(round == 0 ? sim::CrashMode::kSubset : sim::CrashMode::kDropAll);
    h.run([&] {
      auto log = h.open(gc_options());
      ASSERT_TRUE(log);
      EXPECT_EQ(versions_of(*log, 1), (std::vector<Lsn>{base1, new1}));
      // Page 2 had no record above the floor: only its base kept it known.
      const std::vector<Lsn> v2 = versions_of(*log, 2);
      ASSERT_FALSE(v2.empty());
      EXPECT_EQ(v2.front(), base2);
      if (round == 0) {
        EXPECT_EQ(v2, (std::vector<Lsn>{base2}));
      }
      const Lsn next2 = testing::commit(*log, redo(2, 0, "after the crash"));
      EXPECT_EQ(prev_lsn_of(*log, next2), v2.back());
    });
  }
}

// A record on a collected page that links to nothing (prev_lsn 0) although the page has a
// base: the chain lies, and recovery says so instead of letting reads replay the page onto
// an empty one.
TEST(RecoveryGc, ARecordThatSkipsItsPagesBaseIsCorruption) {
  LogHarness h(22);
  Lsn base2 = kNoLsn;
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    base2 = write_and_collect(*log).second;
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    ASSERT_GT(log->gc_floor(), base2);
    std::vector<std::byte> raw;
    const RecordHeader lying{.lsn = log->next_lsn(), .prev_lsn = kNoLsn, .page = 2,
                             .length = 4, .cpl = true, .vdl_hint = log->vdl()};
    encode_record(lying, testing::bytes_of("lies"), raw);
    append_raw(h, *log, raw);
    log.reset();
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), gc_options());
    testing::expect_corruption(log, "links to previous LSN 0 of page 2");
  });
}

// The control file's bases must agree with the log: a base that is not the page's newest
// record below the floor (seen in a segment the floor cuts through, or as the link of the
// page's first record above it) is corruption.
TEST(RecoveryGc, AControlFileBaseThatDisagreesWithTheLogIsCorruption) {
  LogHarness h(23);
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    const auto [base1, base2] = write_and_collect(*log);
    ASSERT_NE(testing::commit(*log, redo(1, 0, "links to base 1")), kNoLsn);
    ControlState tampered = log->control();
    ASSERT_EQ(tampered.bases.size(), 3u);  // pages 0, 1 and 2
    EXPECT_EQ(tampered.bases[1], (PageBase{.page = 1, .lsn = base1}));
    EXPECT_EQ(tampered.bases[2], (PageBase{.page = 2, .lsn = base2}));
    tampered.bases[1].lsn = base1 - 1;  // another LSN below the floor
    log.reset();
    ASSERT_TRUE(write_control_file(h.rt().fs, "db", tampered).is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), gc_options());
    testing::expect_corruption(log, "page 1");
  });
}

// --- the GC floor against the recovered VDL ---

// GC raises the floor only to a VDL it has, so the floor is a durable watermark: the log
// must reach it. A floor at the recovered VDL is the tightest legal case, and opens.
TEST(RecoveryGc, AFloorAtTheRecoveredVdlOpens) {
  LogHarness h(24);
  Lsn floor = kNoLsn;
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    write_and_collect(*log);
    floor = log->gc_floor();
    EXPECT_EQ(floor, log->vdl());  // collected up to VDL, and nothing written since
  });
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, floor);
    EXPECT_EQ(log->gc_floor(), floor);
    EXPECT_TRUE(log->read_record(floor).is_ok());
  });
}

// Opens the volume of `h` and expects corruption naming the floor and the recovered VDL
// (`vdl`, when the test knows it).
void expect_floor_above_vdl(LogHarness& h, Lsn floor, std::optional<Lsn> vdl) {
  h.run([&] {
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), gc_options());
    ASSERT_EQ(log.kind(), ErrorKind::kCorruption) << log.status().to_string();
    const std::string& m = log.status().message();
    EXPECT_NE(m.find("GC floor " + std::to_string(floor) + " is above the recovered VDL " +
                     (vdl ? std::to_string(*vdl) : "")),
              std::string::npos)
        << m;
  });
}

// A control file whose floor says more was durable than the log holds (the watermark it
// carries does not say so): refused, never opened with reads refused below a floor that
// nothing backs.
TEST(RecoveryGc, AControlFileFloorAboveTheLogIsCorruption) {
  LogHarness h(25);
  Lsn vdl = kNoLsn;
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    write_and_collect(*log);
    vdl = log->vdl();
    ControlState tampered = log->control();
    ASSERT_EQ(tampered.durable_watermark, vdl);
    tampered.gc_floor = vdl + 1;  // one above: the smallest lie
    log.reset();
    ASSERT_TRUE(write_control_file(h.rt().fs, "db", tampered).is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  expect_floor_above_vdl(h, vdl + 1, vdl);
}

// The same on a volume with no record at all: without the check it opened, with VDL 0
// and every read below the floor refused.
TEST(RecoveryGc, AFloorAboveAnEmptyLogIsCorruption) {
  LogHarness h(26);
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    ControlState tampered = log->control();
    tampered.gc_floor = 5;
    log.reset();
    ASSERT_TRUE(write_control_file(h.rt().fs, "db", tampered).is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  expect_floor_above_vdl(h, 5, 0);
}

// The record at the floor is damaged on disk (a bit flip in the durable log): the log ends
// below the floor, and the report names the floor, not only the hole. (Where it ends
// depends on the segments GC left: with the floor's record first in its segment, nothing
// below it is left to end on.)
TEST(RecoveryGc, LosingTheRecordAtTheFloorIsCorruptionNamingTheFloor) {
  LogHarness h(27);
  Lsn floor = kNoLsn;
  h.run([&] {
    auto log = h.open(gc_options());
    ASSERT_TRUE(log);
    write_and_collect(*log);
    floor = log->gc_floor();
    ASSERT_EQ(floor, log->vdl());
    // The floor's record is the last one of the current segment: flip its last byte.
    const std::string path = log->segment_path(log->control().segments.back());
    log.reset();
    Result<FileHandle> f = h.rt().fs.open(path, OpenMode::kOpenExisting);
    ASSERT_TRUE(f.is_ok());
    Result<std::uint64_t> size = h.rt().fs.size(*f);
    ASSERT_TRUE(size.is_ok());
    std::vector<std::byte> last(1);
    ASSERT_TRUE(read_exact(h.rt().fs, *f, *size - 1, last).is_ok());
    last[0] ^= std::byte{0x01};
    ASSERT_TRUE(write_all(h.rt().fs, *f, *size - 1, last).is_ok());
    ASSERT_TRUE(h.rt().fs.sync(*f).is_ok());
    ASSERT_TRUE(h.rt().fs.close(*f).is_ok());
  });
  h.crash(sim::CrashMode::kDropAll);
  expect_floor_above_vdl(h, floor, std::nullopt);
}

// --- LSNs near 2^64 (log.h, "LSN arithmetic near 2^64") ---

constexpr Lsn kSmallLal = 8;  // small, so that a test can use up what is left of the LSN space

LogOptions near_the_top_options() {
  LogOptions o;
  o.durability = Durability::kEveryCommit;
  o.lal = kSmallLal;
  return o;
}

// Writes a volume by hand: a control file listing one open segment of epoch 1 that starts at
// `first`, holding `bytes` (encoded records, or anything) after its header.
void write_volume(LogHarness& h, Lsn first, const std::vector<std::byte>& bytes) {
  FileSystem& fs = h.rt().fs;
  for (const char* dir : {"db", "db/wal", "db/cold"}) ASSERT_TRUE(fs.mkdir(dir).is_ok()) << dir;
  ASSERT_TRUE(fs.sync_dir("").is_ok());  // "db" itself survives a crash
  const ControlState control{.epoch = 1, .segments = {SegmentInfo{.first_lsn = first, .epoch = 1}}};
  char name[64];
  std::snprintf(name, sizeof name, "db/wal/%020llu-%06llu.seg",
                static_cast<unsigned long long>(first), 1ULL);
  std::vector<std::byte> segment(kSegmentHeaderSize);
  encode_segment_header({first, 1}, std::span<std::byte, kSegmentHeaderSize>(segment));
  segment.insert(segment.end(), bytes.begin(), bytes.end());
  Result<FileHandle> f = fs.open(name, OpenMode::kCreate);
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(write_all(fs, *f, 0, segment).is_ok());
  ASSERT_TRUE(fs.sync(*f).is_ok());
  ASSERT_TRUE(fs.close(*f).is_ok());
  ASSERT_TRUE(fs.sync_dir("db/wal").is_ok());
  ASSERT_TRUE(write_control_file(fs, "db", control).is_ok());
}

// One single-record MTR of page 1 at `lsn`, linked to `prev`, encoded onto `out`.
void add_record(std::vector<std::byte>& out, Lsn lsn, Lsn prev) {
  const RecordHeader h{.lsn = lsn, .prev_lsn = prev, .page = 1, .length = 2, .cpl = true};
  encode_record(h, testing::bytes_of("hi"), out);
}

// A volume whose log holds two records, the second at `vdl`: recovery finds VDL `vdl`.
void write_volume_with_vdl(LogHarness& h, Lsn vdl) {
  std::vector<std::byte> records;
  add_record(records, vdl - 1, kNoLsn);
  add_record(records, vdl, vdl - 1);
  write_volume(h, vdl - 1, records);
}

// The highest VDL recovery accepts leaves the new incarnation a whole allocation window:
// it opens, allocates every LSN up to kMaxLsn (through LAL waits near the top), and then
// refuses cleanly instead of wrapping around to LSN 0. Before the bound and the room
// comparisons, VDL + LAL wrapped once VDL passed 2^64 - 1 - LAL and appends waited forever.
TEST(RecoveryNearTheTop, TheHighestRecoverableVdlOpensAndAllocatesUpToTheLastLsn) {
  constexpr Lsn kVdl = highest_recoverable_vdl(kSmallLal);
  static_assert(kVdl == std::numeric_limits<Lsn>::max() - 1 - 2 * kSmallLal);
  LogHarness h;
  std::unique_ptr<Log> log;
  h.run([&] {
    write_volume_with_vdl(h, kVdl);
    log = h.open(near_the_top_options());
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery().vdl_found, kVdl);
    ASSERT_TRUE(log->recovery().annulled);
    EXPECT_EQ(log->recovery().annulled->to, kVdl + kSmallLal);
    EXPECT_EQ(log->next_lsn(), kMaxLsn - kSmallLal + 1);
    // Every LSN left, one MTR at a time, each acknowledged.
    Lsn last = kNoLsn;
    for (Lsn lsn = log->next_lsn(); lsn < kMaxLsn; ++lsn) {
      last = testing::commit(*log, redo(1, 0, "top"));
      ASSERT_EQ(last, lsn);
    }
    EXPECT_EQ(last, kMaxLsn - 1);
    // One LSN is left: an MTR of two records does not fit, one of one does.
    Result<Lsn> two = log->append(std::vector<Redo>{redo(1, 0, "a"), redo(2, 0, "b")});
    EXPECT_EQ(two.kind(), ErrorKind::kOutOfRange) << two.status().to_string();
    EXPECT_EQ(log->highest_allocated(), kMaxLsn - 1);
    EXPECT_EQ(testing::commit(*log, redo(1, 0, "last")), kMaxLsn);
    EXPECT_EQ(log->highest_allocated(), kMaxLsn);
    EXPECT_EQ(log->next_lsn(), std::numeric_limits<Lsn>::max());
    Result<Lsn> none = log->append(std::vector<Redo>{redo(1, 0, "none")});
    ASSERT_EQ(none.kind(), ErrorKind::kOutOfRange);
    EXPECT_NE(none.status().message().find("LSN space is used up"), std::string::npos)
        << none.status().to_string();
    EXPECT_EQ(log->highest_allocated(), kMaxLsn);  // nothing allocated, nothing wrapped
    EXPECT_EQ(log->vdl(), kMaxLsn);
    Result<Log::OwnedRecord> top = log->read_record(kMaxLsn);
    ASSERT_TRUE(top.is_ok()) << top.status().to_string();
    EXPECT_EQ(text_of(top->payload), "last");
    EXPECT_EQ(top->header.prev_lsn, kMaxLsn - 1);
    log.reset();
  });
  // A volume that used up its LSNs has no room for another annulment: refused, not wrapped.
  h.crash(sim::CrashMode::kDropAll);
  h.run([&] {
    Result<std::unique_ptr<Log>> again = Log::open(h.rt(), near_the_top_options());
    testing::expect_corruption(again, "too close to 2^64");
  });
}

// Every VDL above the bound is refused, with a message that says why, among them the ones
// the bound before this one accepted (2^64 - 2 - LAL: an annulment ending at the last LSN,
// nothing left to allocate) or did not name (2^64 - 1 - LAL and up).
TEST(RecoveryNearTheTop, AVdlAboveTheHighestRecoverableIsCorruption) {
  constexpr Lsn kTop = std::numeric_limits<Lsn>::max();
  for (const Lsn vdl :
       {highest_recoverable_vdl(kSmallLal) + 1, kTop - 1 - kSmallLal, kTop - kSmallLal, kMaxLsn}) {
    LogHarness h;
    h.run([&] {
      write_volume_with_vdl(h, vdl);
      Result<std::unique_ptr<Log>> log = Log::open(h.rt(), near_the_top_options());
      const Status& s = log.status();
      EXPECT_EQ(s.kind(), ErrorKind::kCorruption) << "VDL " << vdl << ": " << s.to_string();
      EXPECT_NE(s.message().find("recovered VDL " + std::to_string(vdl) + " is too close to 2^64"),
                std::string::npos)
          << s.to_string();
    });
  }
}

// A record the scan would add 1 to at LSN 2^64 - 1: refused before the next expected LSN
// wraps to 0.
TEST(RecoveryNearTheTop, ARecordAtLsn2To64Minus1IsCorruption) {
  constexpr Lsn kTop = std::numeric_limits<Lsn>::max();
  LogHarness h;
  h.run([&] {
    std::vector<std::byte> records;
    add_record(records, kTop, kNoLsn);
    write_volume(h, kTop, records);
    Result<std::unique_ptr<Log>> log = Log::open(h.rt(), near_the_top_options());
    testing::expect_corruption(log, "above the highest LSN");
  });
}

// LSNs on disk beyond a torn tail count too: the annulment reaches the highest of them, so
// the highest that leaves a whole allocation window opens, and one above it is refused.
TEST(RecoveryNearTheTop, AnLsnBeyondATornTailBoundsTheAnnulment) {
  for (const Lsn high :
       {highest_recoverable_lsn(kSmallLal), highest_recoverable_lsn(kSmallLal) + 1}) {
    LogHarness h;
    h.run([&] {
      std::vector<std::byte> bytes;
      add_record(bytes, 1, kNoLsn);
      bytes.insert(bytes.end(), 80, std::byte{0x5a});  // the hole where LSN 2 belongs
      add_record(bytes, high, kNoLsn);                 // valid, far beyond it
      write_volume(h, 1, bytes);
      Result<std::unique_ptr<Log>> log = Log::open(h.rt(), near_the_top_options());
      if (high == highest_recoverable_lsn(kSmallLal)) {
        ASSERT_TRUE(log.is_ok()) << log.status().to_string();
        EXPECT_EQ((*log)->recovery().vdl_found, 1u);
        EXPECT_EQ((*log)->recovery().annulled->to, high);
        for (Lsn lsn = high + 1; lsn <= kMaxLsn; ++lsn) {
          EXPECT_EQ(testing::commit(**log, redo(1, 0, "after")), lsn);
        }
      } else {
        testing::expect_corruption(log, "LSN " + std::to_string(high) + " on disk is too close");
      }
    });
  }
}

// LAL bounds the LSN arithmetic; a larger one (UINT64_MAX made VDL + LAL wrap for every VDL)
// is a programmer error: options are the program's (a spec's LAL is checked when parsed).
TEST(RecoveryNearTheTopDeathTest, AnAllocationLimitAbove2To32IsAProgrammerError) {
  for (const Lsn lal : {kMaxLal + 1, std::numeric_limits<Lsn>::max()}) {
    EXPECT_DEATH(
        {
          LogHarness h;
          h.run([&] {
            LogOptions o;
            o.lal = lal;
            (void)Log::open(h.rt(), o);
          });
        },
        "LSN allocation limit out of range");
  }
  LogHarness h;
  h.run([&] {
    LogOptions o;
    o.lal = kMaxLal;
    auto log = h.open(o);
    ASSERT_TRUE(log);
    EXPECT_NE(testing::commit(*log, redo(1, 0, "fits")), kNoLsn);
  });
}

}  // namespace
}  // namespace aurora::wal
