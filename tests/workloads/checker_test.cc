// The reference model and the checkers of DESIGN.md section 4: for every checker, a good
// history where it stays silent and bad histories where it fires with a message naming
// the expected and actual values; the model's replay and recovery; the whole Suite on a
// realistic good history.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "workloads/check/checkers.h"
#include "workloads/check/model.h"
#include "workloads/check/suite.h"

namespace aurora::workloads::check {
namespace {

constexpr std::uint32_t kPageSize = 16;
constexpr Lsn kLal = 100;

using Bytes = std::vector<std::uint8_t>;
using History = std::vector<Observation>;

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A page of kPageSize bytes: `s` at offset 0, zeros after ('.' also stands for a zero).
Bytes page(std::string_view s) {
  Bytes out(kPageSize, 0);
  for (std::size_t i = 0; i < s.size(); ++i)
    out[i] = s[i] == '.' ? 0 : static_cast<std::uint8_t>(s[i]);
  return out;
}

Write w(PageId p, std::uint32_t offset, std::string_view s) { return {p, offset, bytes(s)}; }

obs::Appended appended(std::string node, Lsn first, Lsn cpl, std::vector<Write> writes, Lsn vdl) {
  return {std::move(node), first, cpl, std::move(writes), vdl, kLal};
}

obs::State state(Lsn vcl, Lsn vdl, Lsn highest, std::uint64_t epoch,
                 std::vector<Lsn> read_points = {}) {
  return {vcl, vdl, highest, epoch, 0, std::move(read_points)};
}

obs::Read read(std::string node, PageId p, Lsn at, bool at_read_point, Bytes b) {
  obs::Read r;
  r.node = std::move(node);
  r.page = p;
  r.at = at;
  r.at_read_point = at_read_point;
  r.bytes = std::move(b);
  return r;
}

obs::Read read_error(std::string node, PageId p, Lsn at, std::string error, Lsn refuse_below) {
  obs::Read r;
  r.node = std::move(node);
  r.page = p;
  r.at = at;
  r.error = std::move(error);
  r.may_refuse_below = refuse_below;
  return r;
}

obs::Recovered fresh(std::uint64_t epoch) {
  obs::Recovered r;
  r.fresh = true;
  r.epoch = epoch;
  r.next_lsn = 1;
  return r;
}

// A successful recovery finding `vdl`, annulling (vdl, vdl + kLal].
obs::Recovered recovered(std::uint64_t epoch, Lsn vcl, Lsn vdl, Lsn watermark) {
  obs::Recovered r;
  r.epoch = epoch;
  r.vcl = vcl;
  r.vdl = vdl;
  r.watermark = watermark;
  r.annul_from = vdl + 1;
  r.annul_to = vdl + kLal;
  r.next_lsn = vdl + kLal + 1;
  return r;
}

obs::Recovered corrupt(std::string message) {
  obs::Recovered r;
  r.corruption = std::move(message);
  return r;
}

// Before the first crash: two nodes commit MTRs [1, 2] and [3, 3]; an MTR [4, 6] is
// appended and partly durable (VCL 5) when the storage crashes.
History before_crash() {
  return {
      fresh(1),
      state(0, 0, 0, 1),
      appended("n1", 1, 2, {w(0, 0, "aa"), w(1, 0, "bb")}, 0),
      state(0, 0, 2, 1, {0, 0}),
      appended("n2", 3, 3, {w(0, 1, "c")}, 0),
      state(3, 3, 3, 1, {0, 0}),
      obs::Acked{"n1", 2, 3},
      obs::Acked{"n2", 3, 3},
      state(3, 3, 3, 1, {3, 0}),
      read("n1", 0, 3, true, page("ac")),
      read("n2", 0, 2, false, page("aa")),
      read_error("n2", 1, 0, "out_of_range", 1),
      obs::ColdWarm{1, 3, page("bb"), page("bb")},
      appended("n1", 4, 6, {w(2, 0, "x"), w(2, 1, "y"), w(0, 2, "z")}, 3),
      state(5, 3, 6, 1, {3, 3}),
      obs::Crashed{},
  };
}

// Recovery keeps [1, 3] and annuls [4, 103] (the records 4 and 5 of the MTR [4, 6] it
// found durable, VCL 5, among them); then one more MTR, an fsync failure, a crash and a
// second recovery. As in the workload, each annulment is observed before its recovery ends.
History after_crash() {
  return {
      obs::Annulled{4, 103, 2, 3},
      recovered(2, 5, 3, 3),
      state(103, 103, 103, 2, {3, 3}),
      read("n1", 0, 103, false, page("ac")),
      appended("n1", 104, 104, {w(2, 0, "q")}, 103),
      state(104, 104, 104, 2, {104, 3}),
      obs::Acked{"n1", 104, 104},
      read("n1", 2, 104, true, page("q")),
      read("n2", 2, 3, true, page("")),
      obs::ColdWarm{2, 104, page("q"), page("q")},
      obs::FsyncFailed{},
      obs::Crashed{},
      obs::Annulled{105, 204, 3, 104},
      recovered(3, 104, 104, 104),
      state(204, 204, 204, 3, {104, 3}),
      appended("n2", 205, 206, {w(1, 2, "r"), w(3, 0, "s")}, 204),
      state(206, 206, 206, 3, {104, 3}),
      obs::Acked{"n2", 206, 206},
      read("n2", 1, 206, true, page("bbr")),
  };
}

History good_history() {
  History h = before_crash();
  const History rest = after_crash();
  h.insert(h.end(), rest.begin(), rest.end());
  return h;
}

// One checker fed a history, with the model updated after it, as the Suite does.
struct Harness {
  explicit Harness(std::unique_ptr<Checker> c) : checker(std::move(c)) {}

  std::optional<std::string> feed(const Observation& o) {
    std::optional<std::string> msg = checker->observe(o, model);
    model.apply(o);
    if (msg) messages.push_back(*msg);
    return msg;
  }
  void feed_all(const History& h) {
    for (const Observation& o : h) feed(o);
  }

  Model model{kPageSize};
  std::unique_ptr<Checker> checker;
  std::vector<std::string> messages;
};

// Feeds `prefix` (which must stay silent), then `bad`; returns what `bad` produced.
std::string fires(std::unique_ptr<Checker> c, const History& prefix, const Observation& bad) {
  Harness h(std::move(c));
  h.feed_all(prefix);
  EXPECT_TRUE(h.messages.empty()) << h.checker->name()
                                  << " fired on the good prefix: " << h.messages.front();
  std::optional<std::string> msg = h.feed(bad);
  EXPECT_TRUE(msg.has_value()) << h.checker->name() << " stayed silent on "
                               << observation_kind(bad);
  return msg.value_or("");
}

bool silent(std::unique_ptr<Checker> c, const History& h) {
  Harness harness(std::move(c));
  harness.feed_all(h);
  for (const std::string& m : harness.messages)
    ADD_FAILURE() << harness.checker->name() << ": " << m;
  return harness.messages.empty();
}

// --- every checker is silent on the good history, in both regimes ---

TEST(Checkers, EverySilentOnTheGoodHistory) {
  for (bool unrestricted : {false, true}) {
    for (auto& c : make_all_checkers(unrestricted)) {
      const std::string name(c->name());
      EXPECT_TRUE(silent(std::move(c), good_history())) << name << " unrestricted=" << unrestricted;
    }
  }
}

TEST(Checkers, NamesAndInvariantsQuoteSection4InOrder) {
  const auto all = make_all_checkers(false);
  ASSERT_EQ(all.size(), 19u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"lsn_unique", "4.1:"},         {"allocation_limit", "4.2:"},
      {"ordering", "4.3:"},           {"monotonic", "4.4:"},
      {"truncation_final", "4.5:"},   {"mtr_atomicity", "4.6:"},
      {"durability", "4.7:"},         {"read_correctness", "4.8:"},
      {"cache_invisible", "4.9:"},    {"torn_tail_vs_corruption", "4.10:"},
      {"fsync_stop", "4.11:"},        {"quorum_write", "4.12:"},
      {"quorum_recovery", "4.13:"},   {"epoch_fencing", "4.14:"},
      {"quorum_watermarks", "4.15:"}, {"replica_reads", "4.16:"},
      {"read_your_writes", "4.18:"},
      {"monotonic_reads", "4.18:"},   {"commit_once", "4.1 and 4.6 under retries:"}};
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]->name(), expected[i].first);
    EXPECT_TRUE(all[i]->invariant().starts_with(expected[i].second)) << all[i]->invariant();
  }
}

// --- 4.1 lsn_unique ---

TEST(LsnUnique, FiresOnOverlapWithAnEarlierAllocation) {
  const std::string msg =
      fires(make_lsn_unique(), before_crash(), appended("n2", 2, 2, {w(0, 0, "q")}, 3));
  EXPECT_NE(msg.find("node n2 was allocated LSNs [2, 2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overlapping the earlier allocation [1, 2]"), std::string::npos) << msg;
}

TEST(LsnUnique, FiresOnAnAllocationReachingIntoALaterOne) {
  const std::string msg =
      fires(make_lsn_unique(), before_crash(), appended("n2", 5, 9, {w(0, 0, "q")}, 3));
  EXPECT_NE(msg.find("[5, 9], overlapping the earlier allocation [4, 6]"), std::string::npos)
      << msg;
}

TEST(LsnUnique, FiresOnAnAllocationBelowTheAnnulledRangeAfterRecovery) {
  History h = before_crash();
  h.push_back(recovered(2, 5, 3, 3));
  // LSN 50 was never allocated (the crashed MTR was [4, 6]) but lies in the annulled range.
  const std::string msg = fires(make_lsn_unique(), h, appended("n1", 50, 50, {w(0, 0, "q")}, 103));
  EXPECT_NE(msg.find("inside the range [4, 103] annulled by the recovery of epoch 2"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("expected every new LSN > 103"), std::string::npos) << msg;
}

TEST(LsnUnique, FiresOnARecoveryThatWouldAllocateInsideItsAnnulledRange) {
  obs::Recovered r = recovered(2, 5, 3, 3);
  r.next_lsn = 4;
  const std::string msg = fires(make_lsn_unique(), before_crash(), r);
  EXPECT_NE(msg.find("will allocate from LSN 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected next LSN > 103"), std::string::npos) << msg;
}

// LAL bounds what a recovery must annul: any LSN up to VDL + LAL may have been allocated
// before the crash, whether or not the model saw it allocated.
TEST(LsnUnique, FiresOnARecoveryThatAnnulsLessThanVdlPlusLal) {
  obs::Recovered r = recovered(2, 5, 3, 3);
  r.lal = kLal;
  r.annul_to = 3 + kLal - 1;
  r.next_lsn = 3 + kLal;
  const std::string msg = fires(make_lsn_unique(), before_crash(), r);
  EXPECT_NE(msg.find("will allocate from LSN 103, not above VDL + LAL = 3 + 100"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("expected next LSN > 103"), std::string::npos) << msg;
  r.annul_to = 3 + kLal;
  r.next_lsn = 3 + kLal + 1;
  EXPECT_TRUE(silent(make_lsn_unique(), [&] {
    History h = before_crash();
    h.push_back(r);
    return h;
  }()));
}

// --- 4.2 allocation_limit ---

TEST(AllocationLimit, FiresAboveVdlPlusLal) {
  obs::Appended a = appended("n1", 4, 20, {w(0, 0, "q")}, 3);
  a.lal = 10;
  const std::string msg = fires(make_allocation_limit(), {fresh(1)}, a);
  EXPECT_NE(msg.find("expected every LSN <= VDL + LAL = 13, got LSN 20"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node n1"), std::string::npos) << msg;
}

TEST(AllocationLimit, SilentAtExactlyTheLimit) {
  obs::Appended a = appended("n1", 4, 13, {w(0, 0, "q")}, 3);
  a.lal = 10;
  EXPECT_TRUE(silent(make_allocation_limit(), {fresh(1), a}));
}

// --- 4.3 ordering ---

TEST(Ordering, FiresWhenVdlPassesVcl) {
  const std::string msg = fires(make_ordering(), before_crash(), state(3, 5, 6, 1));
  EXPECT_NE(msg.find("VDL 5 > VCL 3"), std::string::npos) << msg;
}

TEST(Ordering, FiresWhenAReadPointPassesVdl) {
  const std::string msg = fires(make_ordering(), before_crash(), state(3, 3, 6, 1, {3, 6}));
  EXPECT_NE(msg.find("read point #1 is 6: expected <= VDL 3"), std::string::npos) << msg;
}

TEST(Ordering, FiresWhenVclPassesHighestAllocated) {
  const std::string msg = fires(make_ordering(), before_crash(), state(7, 3, 6, 1));
  EXPECT_NE(msg.find("VCL 7 > highest allocated LSN 6"), std::string::npos) << msg;
}

TEST(Ordering, FiresWhenVdlIsNotAConsistencyPoint) {
  History h = before_crash();
  h.pop_back();  // no crash
  const std::string msg = fires(make_ordering(), h, state(6, 5, 6, 1));
  EXPECT_NE(msg.find("VDL 5 is not a consistency point (inside MTR [4, 6] of node n1"),
            std::string::npos)
      << msg;
}

// --- 4.4 monotonic ---

TEST(Monotonic, FiresWhenVdlDecreasesWithinAnIncarnation) {
  History h = before_crash();
  h.pop_back();
  const std::string msg = fires(make_monotonic(false), h, state(5, 2, 6, 1));
  EXPECT_NE(msg.find("VDL went from 3 down to 2"), std::string::npos) << msg;
}

TEST(Monotonic, FiresWhenVclDecreasesWithinAnIncarnation) {
  History h = before_crash();
  h.pop_back();
  const std::string msg = fires(make_monotonic(false), h, state(4, 3, 6, 1));
  EXPECT_NE(msg.find("VCL went from 5 down to 4"), std::string::npos) << msg;
}

TEST(Monotonic, SilentWhenVdlIsLowerInANewIncarnation) {
  // The recovery's annul end (103) came after VDL 3; a new incarnation starts afresh.
  History h = good_history();
  EXPECT_TRUE(silent(make_monotonic(false), h));
}

TEST(Monotonic, FiresWhenRecoveryLosesAnAcknowledgedVdl) {
  const std::string msg = fires(make_monotonic(false), before_crash(), recovered(2, 2, 2, 2));
  EXPECT_NE(msg.find("found VDL 2, below VDL 3 acted on"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected recovered VDL >= 3"), std::string::npos) << msg;
}

TEST(Monotonic, FiresWhenRecoveryLosesAReadPoint) {
  // Nothing acknowledged above 3, but a node read at its read point 103 (the annul end).
  History h = before_crash();
  const History rest = {recovered(2, 5, 3, 3), state(103, 103, 103, 2, {103}),
                        read("n1", 0, 103, true, page("ac")), obs::Crashed{}};
  h.insert(h.end(), rest.begin(), rest.end());
  const std::string msg = fires(make_monotonic(false), h, recovered(3, 3, 3, 3));
  EXPECT_NE(msg.find("below VDL 103 acted on"), std::string::npos) << msg;
}

TEST(Monotonic, UnrestrictedAllowsLossAfterACorruptionReport) {
  History h = before_crash();
  h.push_back(corrupt("checksum mismatch in segment 1"));
  h.push_back(recovered(2, 2, 2, 2));
  EXPECT_TRUE(silent(make_monotonic(true), h));
  Harness recoverable(make_monotonic(false));
  recoverable.feed_all(h);
  EXPECT_EQ(recoverable.messages.size(), 1u);
}

TEST(Monotonic, UnrestrictedFiresOnLossBelowTheWatermarkWithoutCorruption) {
  // VDL 3 was acknowledged and the watermark says 3 was durable: losing it silently is wrong
  // even with media faults.
  const std::string msg = fires(make_monotonic(true), before_crash(), recovered(2, 2, 2, 3));
  EXPECT_NE(msg.find("persisted watermark 3"), std::string::npos) << msg;
}

TEST(Monotonic, FiresWhenTheEpochGoesBack) {
  History h = good_history();
  const std::string msg = fires(make_monotonic(false), h, state(206, 206, 206, 2));
  EXPECT_NE(msg.find("epoch went back from 3 to 2"), std::string::npos) << msg;
}

// --- 4.5 truncation_final ---

TEST(TruncationFinal, FiresWhenAReadSeesAnAnnulledWrite) {
  History h = before_crash();
  h.push_back(recovered(2, 5, 3, 3));
  // MTR [4, 6] wrote 'z' at byte 2 of page 0 and was annulled.
  const std::string msg = fires(make_truncation_final(), h, read("n1", 0, 103, true, page("acz")));
  EXPECT_NE(msg.find("node n1 read page 0 at LSN 103"), std::string::npos) << msg;
  EXPECT_NE(msg.find("saw the writes of annulled MTR [4, 6] of node n1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("first difference at byte 2: expected 0x00 (never written), got 0x7a"),
            std::string::npos)
      << msg;
}

TEST(TruncationFinal, FiresWhenAnAnnulledWriteComesBackAfterALaterCrash) {
  const std::string msg =
      fires(make_truncation_final(), good_history(), obs::ColdWarm{2, 206, page("qy"), page("qy")});
  EXPECT_NE(msg.find("annulled MTR [4, 6]"), std::string::npos) << msg;
}

TEST(TruncationFinal, FiresWhenAnnulledLsnsAreAllocatedAgain) {
  History h = before_crash();
  h.push_back(recovered(2, 5, 3, 3));
  const std::string msg =
      fires(make_truncation_final(), h, appended("n2", 5, 6, {w(0, 0, "q")}, 103));
  EXPECT_NE(msg.find("reusing LSNs annulled by the recovery of epoch 2 [4, 103]"),
            std::string::npos)
      << msg;
}

TEST(TruncationFinal, FiresWhenALaterRecoveryEndsInsideAnAnnulledRange) {
  History h = before_crash();
  h.push_back(recovered(2, 5, 3, 3));
  h.push_back(obs::Crashed{});
  const std::string msg = fires(make_truncation_final(), h, recovered(3, 6, 6, 3));
  EXPECT_NE(msg.find("found VDL 6, inside the range [4, 103]"), std::string::npos) << msg;
}

TEST(TruncationFinal, FiresWhenALaterRecoveryFindsRecordsAnEarlierOneAnnulled) {
  History h = before_crash();
  h.push_back(obs::Annulled{4, 103, 2});
  h.push_back(recovered(2, 5, 3, 3));  // VCL 5 inside its own annulment: fine
  h.push_back(obs::Crashed{});
  const std::string msg = fires(make_truncation_final(), h, recovered(3, 5, 3, 3));
  EXPECT_NE(msg.find("the recovery of epoch 3 found VCL 5, inside the range [4, 103] annulled by "
                     "the recovery of epoch 2"),
            std::string::npos)
      << msg;
}

// An annulment whose control file never became durable annulled nothing: the next
// recovery annuls again under the same epoch (sim --seed 901 and --seed 132 --faults
// unrestricted), and later recoveries may end, and allocate, inside the first range.
TEST(TruncationFinal, AnAnnulmentSupersededUnderItsEpochAnnulledNothing) {
  History h = before_crash();
  h.push_back(obs::Annulled{4, 103, 2, 3});  // its control file is lost
  h.push_back(obs::Crashed{});
  obs::Recovered again = recovered(2, 3, 3, 3);
  again.annul_from = 4;
  again.annul_to = 53;  // a smaller LAL's worth, say: below the lost annulment's end
  again.next_lsn = 54;
  h.push_back(obs::Annulled{4, 53, 2, 3});
  h.push_back(again);
  h.push_back(obs::Crashed{});
  h.push_back(recovered(3, 53, 53, 53));  // ends on the second range's end, inside the first
  for (auto make : {make_truncation_final, make_lsn_unique}) {
    EXPECT_TRUE(silent(make(), h));
  }
  // Under another epoch, the first range stands: a recovery ending inside it is caught.
  History other = before_crash();
  other.push_back(obs::Annulled{4, 103, 2, 3});
  other.push_back(recovered(2, 5, 3, 3));
  other.push_back(obs::Crashed{});
  const std::string msg = fires(make_truncation_final(), other, recovered(3, 53, 53, 53));
  EXPECT_NE(msg.find("inside the range [4, 103]"), std::string::npos) << msg;
}

// --- 4.6 mtr_atomicity ---

TEST(MtrAtomicity, FiresWhenRecoveryEndsInsideAnMtr) {
  const std::string msg = fires(make_mtr_atomicity(), before_crash(), recovered(2, 5, 5, 3));
  EXPECT_NE(msg.find("found VDL 5, inside MTR [4, 6] of node n1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(VDL 3 or 6)"), std::string::npos) << msg;
}

TEST(MtrAtomicity, FiresWhenAReadPointIsNotAConsistencyPoint) {
  History h = before_crash();
  h.pop_back();
  const std::string msg = fires(make_mtr_atomicity(), h, read("n1", 2, 5, true, page("xy")));
  EXPECT_NE(msg.find("read point 5, which is not a consistency point (inside MTR [4, 6]"),
            std::string::npos)
      << msg;
}

TEST(MtrAtomicity, FiresWhenAReadSeesPartOfAnMtr) {
  History h = before_crash();
  h.pop_back();
  // At read point 3 page 2 is all zeros; 'x' alone is page 2 after LSN 4, inside [4, 6].
  const std::string msg = fires(make_mtr_atomicity(), h, read("n2", 2, 3, true, page("x")));
  EXPECT_NE(msg.find("saw part of MTR [4, 6] of node n1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("up to LSN 4 only"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 0x00 (never written), got 0x78"), std::string::npos) << msg;
}

TEST(MtrAtomicity, SilentOnAWholeMtrNewerThanTheReadPoint) {
  // Wrong (read_correctness fires) but not torn: the whole MTR is visible.
  History h = before_crash();
  h.pop_back();
  h.push_back(read("n2", 2, 3, true, page("xy")));
  EXPECT_TRUE(silent(make_mtr_atomicity(), h));
}

// --- 4.7 durability ---

TEST(Durability, FiresWhenAnAcknowledgedMtrIsLost) {
  const std::string msg = fires(make_durability(false), before_crash(), recovered(2, 2, 2, 2));
  EXPECT_NE(msg.find("found VDL 2, losing 1 acknowledged MTR(s), from MTR [3, 3] of node n2"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("recovered VDL >= 3, none of them annulled"), std::string::npos) << msg;
}

// As the engine reports it: the annulment is observed (when it becomes durable) before
// the Recovered of the same recovery. Before the fix, the model forgot the lost MTR at
// the Annulled, and no checker ever saw it lost (the engine property with acknowledgements
// moved before the fsync found this).
TEST(Durability, FiresWhenTheAnnulmentObservedFirstCoversAnAcknowledgedMtr) {
  History h = before_crash();
  h.push_back(obs::Annulled{3, 2 + kLal, 2});
  const std::string msg = fires(make_durability(false), h, recovered(2, 2, 2, 2));
  EXPECT_NE(msg.find("found VDL 2, losing 1 acknowledged MTR(s), from MTR [3, 3] of node n2"),
            std::string::npos)
      << msg;
}

// A crash interrupts the recovery after its annulment is durable; the next recovery ends
// on the annulled range's end, so the lost MTR is below its VDL, inside the range.
TEST(Durability, FiresWhenAnInterruptedRecoveryAnnulledAnAcknowledgedMtr) {
  History h = before_crash();
  h.push_back(obs::Annulled{3, 2 + kLal, 2});
  h.push_back(obs::Crashed{});
  obs::Recovered next = recovered(3, 2 + kLal, 2 + kLal, 2 + kLal);
  const std::string msg = fires(make_durability(false), h, next);
  EXPECT_NE(msg.find("losing 1 acknowledged MTR(s), from MTR [3, 3] of node n2"),
            std::string::npos)
      << msg;
}

TEST(Durability, FiresWhenAFreshVolumeReplacesAcknowledgedData) {
  const std::string msg = fires(make_durability(false), before_crash(), fresh(1));
  EXPECT_NE(msg.find("a fresh volume was created, losing 2 acknowledged MTR(s)"), std::string::npos)
      << msg;
}

TEST(Durability, FiresWhenTheAnnulledRangeLeavesAGapAboveVdl) {
  obs::Recovered r = recovered(2, 5, 3, 3);
  r.annul_from = 6;
  const std::string msg = fires(make_durability(false), before_crash(), r);
  EXPECT_NE(msg.find("annulled [6, 103]: expected the annulled range to start at VDL + 1 = 4"),
            std::string::npos)
      << msg;
}

TEST(Durability, FiresWhenRecoveryEndsOffAConsistencyPoint) {
  const std::string msg = fires(make_durability(false), before_crash(), recovered(2, 5, 5, 3));
  EXPECT_NE(msg.find("found VDL 5, which is not a consistency point"), std::string::npos) << msg;
}

TEST(Durability, UnrestrictedLeavesLossToInvariant10) {
  History h = before_crash();
  h.push_back(corrupt("bad checksum"));
  h.push_back(recovered(2, 2, 2, 2));
  EXPECT_TRUE(silent(make_durability(true), h));
}

// --- 4.8 read_correctness ---

TEST(ReadCorrectness, FiresOnWrongBytes) {
  const std::string msg =
      fires(make_read_correctness(false), before_crash(), read("n1", 0, 3, true, page("a")));
  EXPECT_NE(msg.find("node n1 read page 0 at its read point 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("first difference at byte 1: expected 0x63 (written by LSN 3), got 0x00"),
            std::string::npos)
      << msg;
}

TEST(ReadCorrectness, FiresOnStaleBytes) {
  // Page 0 as of LSN 2 served for a read at 3.
  const std::string msg =
      fires(make_read_correctness(false), before_crash(), read("n1", 0, 3, true, page("aa")));
  EXPECT_NE(msg.find("expected 0x63 (written by LSN 3), got 0x61"), std::string::npos) << msg;
}

TEST(ReadCorrectness, FiresOnAWrongSize) {
  Bytes short_page = page("ac");
  short_page.resize(4);
  const std::string msg =
      fires(make_read_correctness(false), before_crash(), read("n1", 0, 3, true, short_page));
  EXPECT_NE(msg.find("expected 16 bytes, got 4"), std::string::npos) << msg;
}

TEST(ReadCorrectness, FiresOnARefusalAboveTheGcBound) {
  const std::string msg = fires(make_read_correctness(false), before_crash(),
                                read_error("n2", 0, 2, "out_of_range", 2));
  EXPECT_NE(msg.find("expected refusals only below LSN 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got one at 2"), std::string::npos) << msg;
}

TEST(ReadCorrectness, OtherErrorsFireOnlyInTheRecoverableRegime) {
  const std::string msg =
      fires(make_read_correctness(false), before_crash(), read_error("n2", 0, 3, "io_error", 0));
  EXPECT_NE(msg.find("got error 'io_error' in the recoverable regime"), std::string::npos) << msg;
  History h = before_crash();
  h.push_back(read_error("n2", 0, 3, "io_error", 0));
  EXPECT_TRUE(silent(make_read_correctness(true), h));
}

// --- 4.9 cache_invisible ---

TEST(CacheInvisible, FiresWhenWarmAndColdDiffer) {
  const std::string msg =
      fires(make_cache_invisible(), before_crash(), obs::ColdWarm{0, 3, page("aa"), page("ac")});
  EXPECT_NE(msg.find("page 0 at LSN 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("differs from the cold-cache read at byte 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected (cold) [61*63 00"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got (warm) [61*61 00"), std::string::npos) << msg;
}

TEST(CacheInvisible, FiresWhenBothDifferFromTheModel) {
  const std::string msg =
      fires(make_cache_invisible(), before_crash(), obs::ColdWarm{0, 3, page("aa"), page("aa")});
  EXPECT_NE(msg.find("differ from the model's replay"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 0x63 (written by LSN 3), got 0x61"), std::string::npos) << msg;
}

// --- 4.10 torn_tail_vs_corruption ---

TEST(TornTailVsCorruption, RecoverableFiresOnAnyCorruptionReport) {
  const std::string msg =
      fires(make_torn_tail_vs_corruption(false), before_crash(), corrupt("hole at segment 1"));
  EXPECT_NE(msg.find("recovery reported corruption in the recoverable regime"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("got: hole at segment 1"), std::string::npos) << msg;
  History h = before_crash();
  h.push_back(corrupt("hole at segment 1"));
  EXPECT_TRUE(silent(make_torn_tail_vs_corruption(true), h));
}

TEST(TornTailVsCorruption, FiresWhenAHoleBelowTheWatermarkEndsTheLog) {
  for (bool unrestricted : {false, true}) {
    const std::string msg =
        fires(make_torn_tail_vs_corruption(unrestricted), before_crash(), recovered(2, 2, 2, 3));
    EXPECT_NE(msg.find("ended the log at VDL 2 (VCL 2), below the persisted watermark 3"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("1 acknowledged MTR(s) lost"), std::string::npos) << msg;
  }
}

TEST(TornTailVsCorruption, UnrestrictedAllowsLossAboveTheWatermark) {
  // Acknowledged [3, 3] was never covered by a persisted watermark (1): one copy cannot
  // protect it.
  History h = before_crash();
  h.push_back(recovered(2, 2, 2, 1));
  EXPECT_TRUE(silent(make_torn_tail_vs_corruption(true), h));
}

// A recovery that found the watermark 3 annuls acknowledged [3, 3] and is interrupted; the
// next one ends on the annulled range's end: a silent loss of protected data.
TEST(TornTailVsCorruption, UnrestrictedFiresOnASilentLossInsideAnInterruptedAnnulment) {
  History h = before_crash();
  h.push_back(obs::Annulled{3, 2 + kLal, 2, /*watermark=*/3});
  h.push_back(obs::Crashed{});
  const std::string msg = fires(make_torn_tail_vs_corruption(true), h,
                                recovered(3, 2 + kLal, 2 + kLal, 2 + kLal));
  EXPECT_NE(msg.find("losing 1 acknowledged MTR(s) at or below the persisted watermark 3 "),
            std::string::npos)
      << msg;
}

// sim --seed 287 --spec media_faults: the interrupted recovery found the watermark 2 (a bit
// flip had damaged acknowledged [3, 3], which no watermark covered yet) and rightly lost it;
// the next recovery finds that annulment durable, with the watermark raised to its end. The
// loss is judged against the watermark of the recovery that decided it, and is allowed.
TEST(TornTailVsCorruption, UnrestrictedJudgesAnInterruptedAnnulmentByItsOwnWatermark) {
  History h = before_crash();
  h.push_back(obs::Annulled{3, 2 + kLal, 2, /*watermark=*/2});
  h.push_back(obs::Crashed{});
  h.push_back(recovered(3, 2 + kLal, 2 + kLal, 2 + kLal));
  EXPECT_TRUE(silent(make_torn_tail_vs_corruption(true), h));
}

TEST(TornTailVsCorruption, UnrestrictedAllowsLossAfterACorruptionReport) {
  History h = before_crash();
  h.push_back(corrupt("bad checksum"));
  h.push_back(recovered(2, 1, 0, 0));
  EXPECT_TRUE(silent(make_torn_tail_vs_corruption(true), h));
}

TEST(TornTailVsCorruption, UnrestrictedFiresOnAFreshVolumeAfterAcknowledgements) {
  const std::string msg = fires(make_torn_tail_vs_corruption(true), before_crash(), fresh(1));
  EXPECT_NE(msg.find("silently losing 2 acknowledged MTR(s) up to CPL 3"), std::string::npos)
      << msg;
}

// --- 4.11 fsync_stop ---

TEST(FsyncStop, FiresOnAnAckAfterAnFsyncFailure) {
  History h = before_crash();
  h.pop_back();
  h.push_back(obs::FsyncFailed{});
  const std::string msg = fires(make_fsync_stop(), h, obs::Acked{"n1", 6, 6});
  EXPECT_NE(msg.find("node n1 was acknowledged CPL 6 (VDL 6) after an fsync failure"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("expected no acknowledgement above VDL 3"), std::string::npos) << msg;
}

TEST(FsyncStop, SilentForALateAckOfWhatWasDurableBefore) {
  History h = before_crash();
  h.pop_back();
  h.push_back(obs::FsyncFailed{});
  h.push_back(obs::Acked{"n2", 3, 3});
  EXPECT_TRUE(silent(make_fsync_stop(), h));
}

TEST(FsyncStop, ARecoveryEndsTheStop) {
  History h = before_crash();
  h.push_back(obs::FsyncFailed{});
  h.push_back(recovered(2, 6, 6, 3));
  h.push_back(obs::Acked{"n1", 6, 103});
  EXPECT_TRUE(silent(make_fsync_stop(), h));
}

// --- quorum_write: 4.12 ---

obs::QuorumAcked quorum_acked(Lsn cpl, std::vector<std::uint32_t> holders, std::uint64_t epoch) {
  obs::QuorumAcked a{.cpl = cpl, .writer_epoch = epoch};
  const Lsn first = cpl + 1 - holders.size();
  for (std::size_t i = 0; i < holders.size(); ++i) {
    a.records.push_back({first + i, static_cast<std::uint32_t>(i % 2), holders[i]});
  }
  return a;
}

TEST(QuorumWrite, FiresWhenARecordIsOnThreeSegmentsAtItsAcknowledgement) {
  const std::string msg = fires(make_quorum_write(), {quorum_acked(4, {4, 6, 5}, 1)},
                                quorum_acked(9, {6, 4, 3}, 1));
  EXPECT_NE(msg.find("the MTR ending at CPL 9 was acknowledged while its record 9 was on the "
                     "disks of 3 segments of PG 0; expected at least 4 of 6"),
            std::string::npos)
      << msg;
}

TEST(QuorumWrite, SilentOnFourOfSixAndMore) {
  EXPECT_TRUE(silent(make_quorum_write(),
                     {quorum_acked(3, {4, 4, 4}, 1), quorum_acked(5, {6, 5}, 1)}));
}

// --- quorum_recovery: 4.13 ---

obs::PgMembers pg_of_six(std::uint32_t pg, std::vector<std::uint32_t> next = {}) {
  obs::PgMembers m{.pg = pg};
  for (std::uint32_t i = 1; i <= 6; ++i) m.members.push_back(pg * 6 + i);
  m.next = std::move(next);
  return m;
}

obs::QuorumRecovery quorum_recovery(Lsn vdl, std::vector<std::uint32_t> sources,
                                    std::uint32_t lost, std::vector<std::uint32_t> next = {}) {
  obs::QuorumRecovery r{.epoch = 2, .vdl = vdl};
  r.pgs.push_back({.layout = pg_of_six(0, std::move(next)), .sources = std::move(sources),
                   .lost = lost});
  return r;
}

// MTR [1, 2] (pages 0 and 4) and MTR [3, 3] (page 1), both acknowledged.
History two_acked_mtrs() {
  return {fresh(1), appended("n1", 1, 2, {w(0, 0, "a"), w(4, 0, "b")}, 0),
          obs::Acked{"n1", 2, 2}, appended("n1", 3, 3, {w(1, 0, "c")}, 2),
          obs::Acked{"n1", 3, 3}};
}

TEST(QuorumRecovery, FiresWhenPlannedFromTwoReports) {
  const std::string msg = fires(make_quorum_recovery(), {}, quorum_recovery(0, {1, 2}, 0));
  EXPECT_NE(msg.find("the recovery of epoch 2 planned PG 0 from the reports of {1,2}, 2 of its "
                     "segments {1,2,3,4,5,6}: expected a read quorum, 3 of 6"),
            std::string::npos)
      << msg;
}

TEST(QuorumRecovery, FiresWhenNeitherSetOfAChangeHasAReadQuorum) {
  // During a change writes go to 4 of each set, so 3 of either set meet them; here 2 and 2.
  const std::string msg =
      fires(make_quorum_recovery(), {}, quorum_recovery(0, {1, 6, 7}, 0, {1, 2, 3, 4, 5, 7}));
  EXPECT_NE(msg.find("from the reports of {1,6,7}, 2 of its segments {1,2,3,4,5,6} and 2 of the "
                     "new set {1,2,3,4,5,7}: expected a read quorum, 3 of 6 of either set"),
            std::string::npos)
      << msg;
}

TEST(QuorumRecovery, FiresWhenAZonePlusOneLostAnAcknowledgedMtr) {
  const std::string msg =
      fires(make_quorum_recovery(), two_acked_mtrs(), quorum_recovery(2, {1, 2, 3}, 3));
  EXPECT_NE(msg.find("found VDL 2 with at most 3 segments of any PG lost, losing 1 "
                     "acknowledged MTR(s)"),
            std::string::npos)
      << msg;
}

TEST(QuorumRecovery, SilentOnReadQuorumsAndBeyondWhatTheTierSurvives) {
  History h = two_acked_mtrs();
  h.push_back(quorum_recovery(3, {1, 2, 3}, 3));
  h.push_back(quorum_recovery(3, {1, 2, 3, 4, 5}, 0, {1, 2, 3, 4, 7, 8}));
  h.push_back(quorum_recovery(3, {1, 7, 8}, 0, {1, 2, 3, 4, 7, 8}));  // 3 of the new set
  h.push_back(quorum_recovery(2, {1, 2, 3}, 4));  // 4 lost: more than the tier promises
  EXPECT_TRUE(silent(make_quorum_recovery(), h));
}

// --- quorum_watermarks: 4.15 ---

// Pages 0..3 are in PG 0 (segments 1..6), 4..7 in PG 1 (segments 7..12). `durable[s]` and
// `reported[s]`: the SCL of segment s + 1.
obs::QuorumWatermarks watermarks(std::vector<Lsn> durable, std::vector<Lsn> reported,
                                 std::vector<Lsn> pgcl, Lsn vcl, Lsn vdl, bool settled) {
  obs::QuorumWatermarks w{.writer_epoch = 1, .settled = settled, .vcl = vcl, .vdl = vdl,
                          .pg_pages = 4};
  for (std::uint32_t pg = 0; pg < 2; ++pg) w.pgs.push_back({pg_of_six(pg), pgcl[pg]});
  for (std::uint32_t s = 0; s < 12; ++s) {
    w.segments.push_back({s + 1, s / 6, reported[s], durable[s]});
  }
  return w;
}

// After two_acked_mtrs: PG 0 holds LSNs 1 and 3, PG 1 holds LSN 2.
const std::vector<Lsn> kAllDurable = {3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2};

TEST(QuorumWatermarks, FiresWhenVclIsComputedForOnePgInsteadOfAcrossThem) {
  // PG 1 has LSN 2 on only 3 segments: its PGCL is 0, so VCL is 1 whatever PG 0 holds.
  const std::vector<Lsn> durable = {3, 3, 3, 3, 3, 3, 2, 2, 2, 0, 0, 0};
  const std::string msg = fires(make_quorum_watermarks(), two_acked_mtrs(),
                                watermarks(durable, durable, {3, 0}, 3, 3, false));
  EXPECT_NE(msg.find("the writer of epoch 1 reported VCL 3 at an acknowledgement, where the "
                     "segments' durable states give 1: expected at most that"),
            std::string::npos)
      << msg;
}

TEST(QuorumWatermarks, FiresWhenPgclIsTheThirdHighestScl) {
  const std::vector<Lsn> durable = {3, 3, 3, 1, 1, 1, 2, 2, 2, 2, 2, 2};
  const std::string msg = fires(make_quorum_watermarks(), two_acked_mtrs(),
                                watermarks(durable, durable, {3, 2}, 3, 3, false));
  EXPECT_NE(msg.find("reported PG 0's PGCL 3 at an acknowledgement, where the segments' "
                     "durable states give 1"),
            std::string::npos)
      << msg;
}

TEST(QuorumWatermarks, FiresWhenTheWriterIsAheadOfADisk) {
  std::vector<Lsn> reported = kAllDurable;
  std::vector<Lsn> durable = kAllDurable;
  durable[4] = 1;
  const std::string msg = fires(make_quorum_watermarks(), two_acked_mtrs(),
                                watermarks(durable, reported, {3, 2}, 3, 3, false));
  EXPECT_NE(msg.find("reported segment 5's SCL 3"), std::string::npos) << msg;
}

TEST(QuorumWatermarks, FiresWhenSettledWatermarksFallShort) {
  const std::string msg = fires(make_quorum_watermarks(), two_acked_mtrs(),
                                watermarks(kAllDurable, kAllDurable, {3, 2}, 3, 2, true));
  EXPECT_NE(msg.find("reported VDL 2 once settled, where the segments' durable states give 3: "
                     "expected equal"),
            std::string::npos)
      << msg;
}

TEST(QuorumWatermarks, SilentWhenTheWriterLagsAndOnceSettledEqual) {
  History h = two_acked_mtrs();
  const std::vector<Lsn> lagging = {2, 2, 2, 2, 0, 0, 2, 2, 2, 2, 0, 0};
  h.push_back(watermarks(kAllDurable, lagging, {2, 2}, 2, 2, false));
  h.push_back(watermarks(kAllDurable, kAllDurable, {3, 2}, 3, 3, true));
  EXPECT_TRUE(silent(make_quorum_watermarks(), h));
}

// --- replica_reads: 4.16 ---

// After two_acked_mtrs: page 0 is "a" from LSN 1, page 1 is "c" from LSN 3.
obs::ReplicaRead replica_read(PageId p, Lsn at, Bytes b, Lsn vdl) {
  return obs::ReplicaRead{.node = "r0", .page = p, .at = at, .bytes = std::move(b), .vdl = vdl};
}

TEST(ReplicaReads, FiresWhenAReplicaExposesPartOfAnMtr) {
  // LSN 1 is inside MTR [1, 2]: a replica whose read point is 1 applied half of it.
  const std::string msg =
      fires(make_replica_reads(false), two_acked_mtrs(), replica_read(0, 1, page("a"), 3));
  EXPECT_NE(msg.find("replica r0 read page 0 at its read point 1, which is not a consistency "
                     "point (inside MTR [1, 2]"),
            std::string::npos)
      << msg;
}

TEST(ReplicaReads, FiresWhenAReplicaReadsAboveVdl) {
  const std::string msg =
      fires(make_replica_reads(false), two_acked_mtrs(), replica_read(1, 3, page("c"), 2));
  EXPECT_NE(msg.find("at its read point 3, above VDL 2: expected a replica to expose nothing "
                     "above VDL"),
            std::string::npos)
      << msg;
}

TEST(ReplicaReads, FiresWhenTheBytesAreNotThoseOfItsReadPoint) {
  // At read point 2, page 1 is still zeros: "c" comes at LSN 3 (applied beyond the point).
  const std::string msg =
      fires(make_replica_reads(false), two_acked_mtrs(), replica_read(1, 2, page("c"), 3));
  EXPECT_NE(msg.find("replica r0 read page 1 at its read point 2: expected the model's replay "
                     "of LSNs <= 2 (whole MTRs only)"),
            std::string::npos)
      << msg;
}

TEST(ReplicaReads, FiresOnAnErrorOtherThanUnavailability) {
  obs::ReplicaRead r = replica_read(0, 2, {}, 3);
  r.bytes.reset();
  r.error = "invalid_argument: read point 2 is above VDL 0";
  const std::string msg = fires(make_replica_reads(false), two_acked_mtrs(), r);
  EXPECT_NE(msg.find("got error 'invalid_argument: read point 2 is above VDL 0'"),
            std::string::npos)
      << msg;
}

TEST(ReplicaReads, SilentOnWholeMtrsAtOrBelowVdl) {
  History h = two_acked_mtrs();
  h.push_back(replica_read(0, 2, page("a"), 2));
  h.push_back(replica_read(1, 2, page(""), 3));  // an older read point: still whole MTRs
  h.push_back(replica_read(1, 3, page("c"), 3));
  EXPECT_TRUE(silent(make_replica_reads(false), h));
}

// --- epoch_fencing: 4.14 ---

obs::SegmentAccepted accepted(std::uint32_t segment, std::string what, std::uint64_t volume,
                              std::uint64_t membership = 1) {
  return obs::SegmentAccepted{segment, std::move(what), volume, membership};
}

TEST(EpochFencing, FiresWhenASegmentAcceptsAnOlderEpochThanItFenced) {
  const History h = {accepted(3, "annul", 1), accepted(3, "append", 1), accepted(3, "fence", 2),
                     accepted(4, "append", 1)};  // segment 4 was not fenced: fine
  const std::string msg = fires(make_epoch_fencing(), h, accepted(3, "append", 1));
  EXPECT_NE(msg.find("segment 3 accepted an append under epochs 1/1 after it had made epochs "
                     "2/1 durable"),
            std::string::npos)
      << msg;
  // The membership epoch fences too.
  const std::string membership =
      fires(make_epoch_fencing(), {accepted(5, "annul", 2, 3)}, accepted(5, "append", 2, 2));
  EXPECT_NE(membership.find("under epochs 2/2 after it had made epochs 2/3 durable"),
            std::string::npos)
      << membership;
}

TEST(EpochFencing, FiresWhenAFencedWriterAcknowledges) {
  const std::string msg =
      fires(make_epoch_fencing(), {fresh(1), recovered(3, 5, 5, 0)}, quorum_acked(9, {4}, 2));
  EXPECT_NE(msg.find("a writer of epoch 2 acknowledged the MTR ending at CPL 9 after the "
                     "recovery of epoch 3 opened the volume at VDL 5"),
            std::string::npos)
      << msg;
}

TEST(EpochFencing, SilentOnALateAcknowledgementOfWhatTheNewEpochHolds) {
  // The old writer had [4, 4] on a write quorum before the fence; its answer came late.
  EXPECT_TRUE(silent(make_epoch_fencing(),
                     {fresh(1), recovered(3, 5, 5, 0), quorum_acked(4, {4}, 2)}));
}

TEST(EpochFencing, SilentOnNewerEpochsAndAppendsOfTheFencedEpochItself) {
  EXPECT_TRUE(silent(make_epoch_fencing(),
                     {accepted(3, "fence", 2), accepted(3, "annul", 2), accepted(3, "append", 2),
                      accepted(3, "append", 3), accepted(3, "fence", 4)}));
}

// --- commit_once: 4.1 and 4.6 under retries (DESIGN.md section 5b) ---

obs::Appended appended_as(std::string id, Lsn first, Lsn cpl, std::vector<Write> writes) {
  obs::Appended a = appended("n1", first, cpl, std::move(writes), 3);
  a.mtr = std::move(id);
  return a;
}

History with_mtr_ids() {
  History h = before_crash();
  h.pop_back();  // no crash yet
  h.push_back(appended_as("n1.1.7", 7, 7, {w(0, 3, "r")}));
  return h;
}

TEST(CommitOnce, FiresWhenARetryIsAppendedAgain) {
  const std::string msg =
      fires(make_commit_once(), with_mtr_ids(), appended_as("n1.1.7", 8, 8, {w(0, 3, "r")}));
  EXPECT_NE(msg.find("MTR n1.1.7 of node n1 was appended twice: at LSNs [7, 7] and again at "
                     "[8, 8]"),
            std::string::npos)
      << msg;
}

TEST(CommitOnce, FiresWhenANodeIsToldAnotherCpl) {
  const std::string msg =
      fires(make_commit_once(), with_mtr_ids(), obs::Committed{"n1", 9, "n1.1.7"});
  EXPECT_NE(msg.find("node n1 was told MTR n1.1.7 committed at CPL 9, but it was appended at "
                     "LSNs [7, 7]"),
            std::string::npos)
      << msg;
}

TEST(CommitOnce, FiresWhenARefusedMtrIsAppended) {
  History h = with_mtr_ids();
  h.push_back(obs::CommitRefused{"n1", "n1.1.8", "InvalidArgument: too long"});
  const std::string msg = fires(make_commit_once(), h, appended_as("n1.1.8", 8, 8, {w(0, 0, "q")}));
  EXPECT_NE(msg.find("MTR n1.1.8 was appended at LSNs [8, 8] after node n1 was told its commit "
                     "was refused ('InvalidArgument: too long')"),
            std::string::npos)
      << msg;
  const std::string after =
      fires(make_commit_once(), with_mtr_ids(), obs::CommitRefused{"n1", "n1.1.7", "no"});
  EXPECT_NE(after.find("was told the commit of MTR n1.1.7 was refused ('no'), but it was "
                       "appended at LSNs [7, 7]"),
            std::string::npos)
      << after;
}

TEST(CommitOnce, SilentOnTheRightCplAnUnknownOutcomeAndAnAppendAfterARecoveryForgotIt) {
  History h = with_mtr_ids();
  h.push_back(obs::Committed{"n1", 7, "n1.1.7"});
  h.push_back(obs::CommitUnknown{"n1", "n1.1.9", "Timeout: no answer"});
  h.push_back(appended_as("n1.1.9", 8, 8, {w(0, 4, "s")}));  // it happened after all
  h.push_back(obs::Crashed{});
  // Recovery keeps [1, 7] and annuls [8, 107]: n1.1.9 never happened, and may come again.
  h.push_back(recovered(2, 8, 7, 7));
  h.push_back(appended_as("n1.1.9", 108, 108, {w(0, 4, "s")}));
  EXPECT_TRUE(silent(make_commit_once(), h));
}

// --- 4.18 session guarantees ---

TEST(ReadYourWrites, FiresWhenANodeReadsBelowItsOwnAcknowledgedCommit) {
  History h = before_crash();
  h.push_back(obs::SessionStarted{"n1"});
  h.push_back(obs::Committed{"n1", 3});
  const std::string msg =
      fires(make_read_your_writes(), h, read("n1", 0, 2, /*at_read_point=*/true, page("aa")));
  EXPECT_NE(msg.find("node n1 read page 0 at its read point 2, below CPL 3 of its own commit"),
            std::string::npos)
      << msg;
}

TEST(ReadYourWrites, SilentForOtherNodesPastReadsAndANewSession) {
  History h = before_crash();
  h.push_back(obs::SessionStarted{"n1"});
  h.push_back(obs::Committed{"n1", 3});
  h.push_back(read("n2", 0, 2, /*at_read_point=*/true, page("aa")));   // another node
  h.push_back(read("n1", 0, 2, /*at_read_point=*/false, page("aa")));  // a past read point
  h.push_back(obs::SessionStarted{"n1"});                              // n1 restarted
  h.push_back(read("n1", 0, 2, /*at_read_point=*/true, page("aa")));
  EXPECT_TRUE(silent(make_read_your_writes(), h));
}

TEST(MonotonicReads, FiresWhenANodesReadPointMovesBack) {
  History h = before_crash();
  h.push_back(read("n1", 0, 3, /*at_read_point=*/true, page("ac")));
  const std::string msg =
      fires(make_monotonic_reads(false), h, read("n1", 0, 2, /*at_read_point=*/true, page("aa")));
  EXPECT_NE(msg.find("below the read point 3 it read at before in this session"), std::string::npos)
      << msg;
}

TEST(MonotonicReads, ANewSessionStartsAfreshAndOnlyMediaFaultsExcuseAReportedCorruption) {
  History restarted = before_crash();
  restarted.push_back(read("n1", 0, 3, true, page("ac")));
  restarted.push_back(obs::SessionStarted{"n1"});
  restarted.push_back(read("n1", 0, 2, true, page("aa")));
  EXPECT_TRUE(silent(make_monotonic_reads(false), restarted));

  History corrupted = before_crash();
  corrupted.push_back(read("n1", 0, 3, true, page("ac")));
  corrupted.push_back(corrupt("bad checksum"));
  EXPECT_TRUE(silent(make_monotonic_reads(true), [&] {
    History h = corrupted;
    h.push_back(read("n1", 0, 2, true, page("aa")));
    return h;
  }()));
  fires(make_monotonic_reads(false), corrupted, read("n1", 0, 2, true, page("aa")));
}

// --- the model ---

TEST(Model, PageAtReplaysInLsnOrderNotArrivalOrder) {
  Model m(kPageSize);
  m.apply(appended("n1", 5, 5, {w(0, 0, "b")}, 0));
  m.apply(appended("n2", 3, 4, {w(0, 0, "a"), w(0, 1, "a")}, 0));
  EXPECT_EQ(m.page_at(0, 5), page("ba"));
  EXPECT_EQ(m.page_at(0, 4), page("aa"));
  EXPECT_EQ(m.page_at(0, 2), page(""));
  EXPECT_EQ(m.page_at(9, 5), page(""));  // never written: zeros
  EXPECT_EQ(m.last_writer(0, 5, 0), 5u);
  EXPECT_EQ(m.last_writer(0, 5, 1), 4u);
  EXPECT_EQ(m.last_writer(0, 5, 2), 0u);
}

TEST(Model, PartialReplayAtANonCpl) {
  Model m(kPageSize);
  m.apply(appended("n1", 1, 3, {w(0, 0, "x"), w(0, 1, "y"), w(1, 0, "z")}, 0));
  EXPECT_EQ(m.page_at(0, 1), page("x"));
  EXPECT_EQ(m.page_at(0, 2), page("xy"));
  EXPECT_EQ(m.page_at(1, 2), page(""));
  EXPECT_EQ(m.page_at(1, 3), page("z"));
  EXPECT_FALSE(m.is_consistency_point(2));
  EXPECT_TRUE(m.is_consistency_point(3));
  ASSERT_NE(m.mtr_containing(2), nullptr);
  EXPECT_EQ(m.mtr_containing(2)->cpl, 3u);
  EXPECT_EQ(m.mtr_containing(4), nullptr);
}

TEST(Model, RecoveredForgetsMtrsAboveVdlAndAnnulled) {
  Model m(kPageSize);
  m.apply(fresh(1));
  m.apply(appended("n1", 1, 1, {w(0, 0, "a")}, 0));
  m.apply(appended("n1", 2, 3, {w(0, 1, "b"), w(1, 0, "c")}, 0));
  m.apply(appended("n1", 4, 4, {w(0, 2, "d")}, 0));
  m.apply(obs::Acked{"n1", 1, 1});
  m.apply(obs::Crashed{});
  m.apply(recovered(2, 2, 1, 1));
  EXPECT_EQ(m.mtrs().size(), 1u);
  EXPECT_TRUE(m.mtrs().contains(1));
  EXPECT_EQ(m.forgotten().size(), 2u);
  EXPECT_EQ(m.page_at(0, 1000), page("a"));
  EXPECT_EQ(m.page_at(1, 1000), page(""));
  EXPECT_EQ(m.page_at_with(0, 1000, {&m.forgotten().at(3), &m.forgotten().at(4)}), page("abd"));
  EXPECT_EQ(m.annulled_up_to(), 101u);
  ASSERT_NE(m.annulment_containing(50), nullptr);
  EXPECT_EQ(m.annulment_containing(50)->epoch, 2u);
  EXPECT_TRUE(m.is_consistency_point(101));
  EXPECT_EQ(m.incarnation(), 2u);
  // Allocations are remembered for the life of the volume, forgotten or not.
  EXPECT_TRUE(m.allocation_overlapping(3, 3).has_value());
  EXPECT_FALSE(m.allocation_overlapping(5, 101).has_value());
}

TEST(Model, RecoveredForgetsMtrsInsideTheAnnulledRangeEvenBelowVdl) {
  // A malformed recovery annulling below its own VDL: what it annulled never happened.
  Model m(kPageSize);
  m.apply(appended("n1", 1, 1, {w(0, 0, "a")}, 0));
  m.apply(appended("n1", 2, 2, {w(0, 1, "b")}, 0));
  obs::Recovered r = recovered(2, 2, 2, 2);
  r.annul_from = 2;
  m.apply(r);
  EXPECT_EQ(m.page_at(0, 2), page("a"));
  EXPECT_TRUE(m.forgotten().contains(2));
}

TEST(Model, LostAcknowledgedMtrsAreForgottenAndActedOnVdlLowered) {
  Model m(kPageSize);
  m.apply(appended("n1", 1, 2, {w(0, 0, "a")}, 0));
  m.apply(obs::Acked{"n1", 2, 2});
  EXPECT_EQ(m.highest_vdl_acted_on(), 2u);
  EXPECT_EQ(m.acked_above(0).size(), 1u);
  m.apply(corrupt("bad"));
  EXPECT_TRUE(m.corruption_reported());
  EXPECT_EQ(m.mtrs().size(), 1u);  // a failed open forgets nothing
  m.apply(recovered(3, 0, 0, 0));
  EXPECT_FALSE(m.corruption_reported());
  EXPECT_TRUE(m.mtrs().empty());
  EXPECT_TRUE(m.forgotten().at(2).acked);
  EXPECT_EQ(m.highest_vdl_acted_on(), 0u);
}

TEST(Model, FreshStartsANewVolume) {
  Model m(kPageSize);
  m.apply(appended("n1", 1, 2, {w(0, 0, "a")}, 0));
  m.apply(fresh(1));
  EXPECT_TRUE(m.mtrs().empty());
  EXPECT_TRUE(m.allocations().empty());
  EXPECT_EQ(m.page_at(0, 10), page(""));
  EXPECT_EQ(m.incarnation(), 1u);
}

TEST(Model, FsyncFailureIsPerIncarnation) {
  Model m(kPageSize);
  m.apply(state(3, 3, 3, 1));
  m.apply(obs::FsyncFailed{});
  m.apply(state(4, 4, 4, 1));  // observed after the failure: not "before"
  EXPECT_TRUE(m.fsync_failed());
  EXPECT_EQ(m.vdl_before_fsync_failure(), 3u);
  m.apply(recovered(2, 3, 3, 3));
  EXPECT_FALSE(m.fsync_failed());
  EXPECT_FALSE(m.last_state().has_value());
}

TEST(Model, ObservationKinds) {
  EXPECT_EQ(observation_kind(obs::Appended{}), "appended");
  EXPECT_EQ(observation_kind(obs::Acked{}), "acked");
  EXPECT_EQ(observation_kind(obs::State{}), "state");
  EXPECT_EQ(observation_kind(obs::Read{}), "read");
  EXPECT_EQ(observation_kind(obs::ColdWarm{}), "cold_warm");
  EXPECT_EQ(observation_kind(obs::Crashed{}), "crashed");
  EXPECT_EQ(observation_kind(obs::FsyncFailed{}), "fsync_failed");
  EXPECT_EQ(observation_kind(obs::Recovered{}), "recovered");
}

// --- the suite ---

TEST(Suite, SilentOnARealisticGoodHistory) {
  for (bool unrestricted : {false, true}) {
    Suite suite(unrestricted, kPageSize);
    for (const Observation& o : good_history()) {
      for (const Violation& v : suite.observe(o)) {
        ADD_FAILURE() << observation_kind(o) << ": " << v.invariant << ": " << v.message;
      }
    }
    EXPECT_TRUE(suite.finish().empty());
    EXPECT_TRUE(suite.violations().empty());
    EXPECT_EQ(suite.checker_names().size(), 19u);
    EXPECT_EQ(suite.model().mtrs().size(), 4u);  // [1,2] [3,3] [104,104] [205,206]
  }
}

TEST(Suite, CheckersJudgeARecoveryBeforeTheModelForgets) {
  Suite suite(false, kPageSize);
  for (const Observation& o : before_crash()) EXPECT_TRUE(suite.observe(o).empty());
  const std::vector<Violation> found = suite.observe(recovered(2, 2, 2, 2));
  std::vector<std::string> names;
  for (const Violation& v : found) names.push_back(v.invariant);
  // The lost MTR is named although the model has now forgotten it.
  EXPECT_NE(std::find(names.begin(), names.end(), "durability"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "monotonic"), names.end());
  for (const Violation& v : found) {
    if (v.invariant == "durability") {
      EXPECT_NE(v.message.find("MTR [3, 3] of node n2"), std::string::npos) << v.message;
    }
  }
  EXPECT_FALSE(suite.model().mtrs().contains(3));
  EXPECT_EQ(suite.violations().size(), found.size());
  // Lost once, reported once: the next recovery at the same point is clean.
  suite.observe(obs::Crashed{});
  EXPECT_TRUE(suite.observe(recovered(3, 102, 102, 102)).empty());
}

}  // namespace
}  // namespace aurora::workloads::check
