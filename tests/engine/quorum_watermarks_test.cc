// The quorum tier's arithmetic (engine/quorum/watermarks.h): the worked examples of SIGMOD'18
// and the bug classes of quorum systems that live in the arithmetic itself.
#include "engine/quorum/watermarks.h"

#include <gtest/gtest.h>

namespace aurora::quorum {
namespace {

Membership six(SegmentId first = 1) {
  Membership m;
  for (SegmentId i = 0; i < kReplicas; ++i) m.members[i] = first + i;
  return m;
}

std::map<SegmentId, Lsn> scls(const Membership& m, std::array<Lsn, kReplicas> v) {
  std::map<SegmentId, Lsn> out;
  for (std::size_t i = 0; i < v.size(); ++i) out[m.members[i]] = v[i];
  return out;
}

// SIGMOD'18: PG1 holds the odd LSNs and has PGCL 103, PG2 the even ones with PGCL 104, and
// LSN 105 is not yet durable. VCL is 104, not 103 (PG1's own) nor 104 from PG2 alone.
TEST(QuorumWatermarks, VclSpansProtectionGroups) {
  const Membership pg1 = six(1);
  const Membership pg2 = six(11);
  const Lsn pgcl1 = pgcl(pg1, scls(pg1, {105, 103, 103, 103, 101, 99}));
  const Lsn pgcl2 = pgcl(pg2, scls(pg2, {104, 104, 104, 104, 102, 100}));
  EXPECT_EQ(pgcl1, 103U);
  EXPECT_EQ(pgcl2, 104U);
  const std::vector<PgProgress> pgs{{pgcl1, 105}, {pgcl2, kNoLsn}};
  EXPECT_EQ(vcl(pgs, 105), 104U);
  // The per-PG bug: taking either PG's PGCL, or the lowest, is wrong in both directions.
  EXPECT_NE(vcl(pgs, 105), pgcl1);
  // Once 105 is on a write quorum of PG1, VCL reaches it.
  EXPECT_EQ(vcl(std::vector<PgProgress>{{105, kNoLsn}, {104, kNoLsn}}, 105), 105U);
}

// SIGMOD'18: CPLs at 900, 1000 and 1100 with VCL 1007 give VDL 1000.
TEST(QuorumWatermarks, VdlIsTheLastCplAtOrBelowVcl) {
  const std::set<Lsn> cpls{900, 1000, 1100};
  EXPECT_EQ(vdl(cpls, 1007), 1000U);
  EXPECT_EQ(vdl(cpls, 1000), 1000U);
  EXPECT_EQ(vdl(cpls, 899), 0U);
  EXPECT_EQ(vdl(cpls, 899, 850), 850U);
}

// ... and recovery annuls everything above 1000. One PG holds LSNs 1..1100 (CPLs at 900,
// 1000 and 1100), a read quorum of it holds 1..1007 between them.
TEST(QuorumWatermarks, RecoveryAnnulsAboveVdl) {
  const Membership m = six();
  auto report = [](SegmentId s, Lsn from, Lsn to) {
    SegmentReport r{s, 1, {}, {}};
    for (Lsn l = from; l <= to; ++l) {
      r.records.push_back({l, l - 1, l == 900 || l == 1000 || l == 1100, 1});
    }
    return r;
  };
  // Between them, not one of them alone, they hold 1..1007: 1001..1007 only on segment 3.
  const std::map<PgId, std::vector<SegmentReport>> reports{
      {0, {report(1, 1, 1000), report(2, 1, 990), report(3, 1, 1007)}}};
  const Result<RecoveryPlan> plan = plan_recovery({{0, m}}, reports, 10'000);
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  EXPECT_EQ(plan->vcl, 1007U);
  EXPECT_EQ(plan->vdl, 1000U);
  EXPECT_EQ(plan->epoch, 2U);
  ASSERT_TRUE(plan->annul.has_value());
  EXPECT_EQ(plan->annul->from, 1001U);
  EXPECT_EQ(plan->annul->to, 11'000U);
  EXPECT_EQ(plan->next_lsn, 11'001U);
  EXPECT_EQ(plan->pg_tail.at(0), 1000U);
}

// Bug class: acknowledging on 3 of 6. Three segments at 50 and three at 10 are not a write
// quorum at 50.
TEST(QuorumWatermarks, ThreeOfSixIsNotAWriteQuorum) {
  const Membership m = six();
  EXPECT_EQ(pgcl(m, scls(m, {50, 50, 50, 10, 10, 10})), 10U);
  EXPECT_EQ(pgcl(m, scls(m, {50, 50, 50, 50, 10, 10})), 50U);
  const std::vector<SegmentId> three{1, 2, 3};
  const std::vector<SegmentId> four{1, 2, 3, 4};
  EXPECT_FALSE(is_write_quorum(m, three));
  EXPECT_TRUE(is_write_quorum(m, four));
  EXPECT_TRUE(is_read_quorum(m, three));
  EXPECT_FALSE(is_read_quorum(m, std::vector<SegmentId>{1, 2}));
}

// Bug class: a membership change that takes the write quorum from the new set only. While
// F (6) is replaced by G (7), a write needs 4 of {1..6} and 4 of {1..5,7}; a read 3 of either.
TEST(QuorumWatermarks, MembershipChangeNeedsBothWriteQuorums) {
  Membership m = six();
  m.epoch = 2;
  m.next = SegmentSet{1, 2, 3, 4, 5, 7};
  EXPECT_FALSE(is_write_quorum(m, std::vector<SegmentId>{1, 2, 3, 7}));  // 4 of new, 3 of old
  EXPECT_FALSE(is_write_quorum(m, std::vector<SegmentId>{1, 2, 3, 6}));  // 4 of old, 3 of new
  EXPECT_TRUE(is_write_quorum(m, std::vector<SegmentId>{1, 2, 3, 4}));
  EXPECT_TRUE(is_write_quorum(m, std::vector<SegmentId>{1, 2, 3, 6, 7}));
  EXPECT_TRUE(is_read_quorum(m, std::vector<SegmentId>{1, 2, 6}));
  EXPECT_TRUE(is_read_quorum(m, std::vector<SegmentId>{1, 2, 7}));
  EXPECT_FALSE(is_read_quorum(m, std::vector<SegmentId>{1, 6, 7}));
  // PGCL: G (7) at 80 with 1, 2, 3 lifts the new set, not the old one.
  std::map<SegmentId, Lsn> s{{1, 80}, {2, 80}, {3, 80}, {4, 10}, {5, 10}, {6, 10}, {7, 80}};
  EXPECT_EQ(pgcl(m, s), 10U);
  s[6] = 80;
  EXPECT_EQ(pgcl(m, s), 80U);
  EXPECT_EQ(all_segments(m).size(), 7U);
}

// Bug class: recovery that reads two segments.
TEST(QuorumWatermarks, RecoveryRefusesLessThanAReadQuorum) {
  const Membership m = six();
  const std::map<PgId, std::vector<SegmentReport>> reports{
      {0, {SegmentReport{1, 1, {}, {}}, SegmentReport{2, 1, {}, {}}}}};
  const Result<RecoveryPlan> plan = plan_recovery({{0, m}}, reports, 100);
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().kind(), ErrorKind::kInvalidArgument);
  // Two reports of the same segment are one.
  const std::map<PgId, std::vector<SegmentReport>> same{
      {0, {SegmentReport{1, 1, {}, {}}, SegmentReport{1, 1, {}, {}}, SegmentReport{2, 1, {}, {}}}}};
  EXPECT_FALSE(plan_recovery({{0, m}}, same, 100).is_ok());
}

// Bug classes: recovery that trusts the highest SCL it sees, and a record of an annulled range
// coming back. Segment 6 was away when epoch 2 annulled 11..110, and still holds 11..15 of
// epoch 1: the highest SCL in this read quorum. They stay annulled.
TEST(QuorumWatermarks, RecoveryKeepsAnnulledRecordsAnnulled) {
  const Membership m = six();
  const AnnulledRange range{11, 110, 2};
  SegmentReport fresh1{1, 2, {range}, {}};
  SegmentReport fresh2{2, 2, {range}, {}};
  SegmentReport stale{6, 1, {}, {}};
  for (Lsn l = 1; l <= 10; ++l) {
    fresh1.records.push_back({l, l - 1, l == 10, 1});
    fresh2.records.push_back({l, l - 1, l == 10, 1});
    stale.records.push_back({l, l - 1, l == 10, 1});
  }
  for (Lsn l = 11; l <= 15; ++l) stale.records.push_back({l, l - 1, true, 1});
  fresh1.records.push_back({111, 10, true, 2});  // epoch 2's first MTR, on one segment only
  const std::map<PgId, std::vector<SegmentReport>> reports{{0, {fresh1, fresh2, stale}}};
  const Result<RecoveryPlan> plan = plan_recovery({{0, m}}, reports, 100);
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  EXPECT_EQ(plan->vcl, 111U);
  EXPECT_EQ(plan->vdl, 111U);
  EXPECT_EQ(plan->epoch, 3U);
  EXPECT_EQ(plan->annul->from, 112U);
  EXPECT_EQ(plan->pg_tail.at(0), 111U);
  EXPECT_EQ(plan->annulled.size(), 2U);
  EXPECT_TRUE(is_annulled(plan->annulled, 12, 1));
  EXPECT_FALSE(is_annulled(plan->annulled, 111, 2));
}

// A new volume: nothing anywhere, so no writer ever allocated: epoch 1 annuls nothing. Once
// any segment of the read quorum has seen an epoch, recovery annuls what a writer may have
// allocated, and the annulment's end is the VDL.
TEST(QuorumWatermarks, RecoveryOfAnEmptyVolume) {
  const Membership m = six();
  const std::map<PgId, std::vector<SegmentReport>> reports{
      {0, {SegmentReport{1, 0, {}, {}}, SegmentReport{2, 0, {}, {}}, SegmentReport{3, 0, {}, {}}}}};
  const Result<RecoveryPlan> plan = plan_recovery({{0, m}}, reports, 100);
  ASSERT_TRUE(plan.is_ok());
  EXPECT_EQ(plan->vdl, 0U);
  EXPECT_EQ(plan->epoch, 1U);
  EXPECT_EQ(plan->annul->from, 1U);
  EXPECT_EQ(plan->annul->to, 0U);
  EXPECT_EQ(plan->next_lsn, 1U);
  EXPECT_FALSE(is_annulled(plan->annulled, 1, 0));
  // The writer of epoch 1 crashed before any record reached this read quorum.
  const std::map<PgId, std::vector<SegmentReport>> again{
      {0, {SegmentReport{1, 1, plan->annulled, {}}, SegmentReport{2, 0, {}, {}},
           SegmentReport{3, 0, {}, {}}}}};
  const Result<RecoveryPlan> second = plan_recovery({{0, m}}, again, 100);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->epoch, 2U);
  EXPECT_EQ(second->annul->from, 1U);
  EXPECT_EQ(second->annul->to, 100U);
  // And a third recovery, with nothing written since, keeps the second's end as its VDL.
  const std::map<PgId, std::vector<SegmentReport>> third{
      {0, {SegmentReport{1, 2, second->annulled, {}}, SegmentReport{2, 2, second->annulled, {}},
           SegmentReport{4, 0, {}, {}}}}};
  const Result<RecoveryPlan> after = plan_recovery({{0, m}}, third, 100);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->vdl, 100U);
  EXPECT_EQ(after->vcl, 100U);
  EXPECT_EQ(after->annul->from, 101U);
}

// Two PGs: a hole in one PG ends the VCL even where the other PG goes on.
TEST(QuorumWatermarks, RecoveryVclStopsAtAHoleOfAnyPg) {
  const Membership pg0 = six(1);
  const Membership pg1 = six(11);
  auto odd_even = [](SegmentId s, Lsn parity, Lsn to, Lsn skip) {
    SegmentReport r{s, 1, {}, {}};
    Lsn prev = 0;
    for (Lsn l = 1; l <= to; ++l) {
      if (l % 2 != parity) continue;
      if (l != skip) r.records.push_back({l, prev, true, 1});
      prev = l;
    }
    return r;
  };
  const std::map<PgId, std::vector<SegmentReport>> reports{
      {0, {odd_even(1, 1, 20, 7), odd_even(2, 1, 20, 7), odd_even(3, 1, 20, 7)}},
      {1, {odd_even(11, 0, 20, 0), odd_even(12, 0, 20, 0), odd_even(13, 0, 20, 0)}}};
  const Result<RecoveryPlan> plan = plan_recovery({{0, pg0}, {1, pg1}}, reports, 100);
  ASSERT_TRUE(plan.is_ok());
  EXPECT_EQ(plan->vcl, 6U);
  EXPECT_EQ(plan->pg_tail.at(0), 5U);
  EXPECT_EQ(plan->pg_tail.at(1), 6U);
}

TEST(QuorumWatermarks, SclTrackerFollowsBackLinksInAnyOrder) {
  SclTracker t;
  EXPECT_EQ(t.add(5, 3), 0U);   // waits for 3
  EXPECT_EQ(t.add(3, 1), 0U);   // waits for 1
  EXPECT_EQ(t.waiting(), 2U);
  EXPECT_EQ(t.add(1, 0), 5U);   // the chain closes: 1, 3, 5
  EXPECT_EQ(t.waiting(), 0U);
  EXPECT_EQ(t.add(5, 3), 5U);   // a copy changes nothing
  EXPECT_EQ(t.add(9, 7), 5U);
  t.cut_above(4);               // an annulment of 5..: the SCL falls back to 3
  EXPECT_EQ(t.scl(), 3U);
  EXPECT_EQ(t.waiting(), 0U);
  EXPECT_EQ(t.add(20, 3), 20U);  // the next epoch's record links to the PG's tail
}

}  // namespace
}  // namespace aurora::quorum
