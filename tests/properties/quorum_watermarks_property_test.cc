// Properties of the quorum tier's arithmetic (engine/quorum/watermarks.h), each held against a
// brute force written here from the definitions of DESIGN.md section 3. The fast functions
// take shortcuts (the 4th highest SCL, a PG's next record, back-links instead of the PG's
// record list, counting instead of quorums); the brute forces enumerate quorums and scan
// LSNs one by one, so a shortcut that is wrong at an edge the worked examples of
// tests/engine/quorum_watermarks_test.cc miss shows up here on a small random volume:
// 1..3 PGs, dense LSNs 1..60 dealt among them, six segments per PG (seven while a third of
// the PGs change membership), each segment holding a mostly complete prefix of its PG.
//
//  - SCL, PGCL, VCL and VDL equal their definitions, and VDL <= VCL <= highest allocated;
//  - the quorum predicates equal their definitions, and every write quorum meets every read
//    quorum and every other write quorum, during a membership change too;
//  - recovery from any read quorum loses nothing a write quorum made durable, and its VCL,
//    VDL, annulment and PG tails are the ones the reports define;
//  - recovering again, once the first recovery's outcome is on a write quorum, keeps the
//    same records, ends on the first annulment (a consistency point) under the next epoch,
//    and no record the first annulled comes back.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <ostream>
#include <set>
#include <vector>

#include "engine/quorum/watermarks.h"

namespace aurora::quorum {
namespace {

// A uniform draw from [lo, hi). rapidcheck scales inRange by the case's size, which would
// hold the first cases' choices (which PG, a hole or not) at their lowest value; the shape
// of a volume is drawn at full size, only its length grows with the size.
template <typename T>
T uniform(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// `items` in a random order: Fisher-Yates on rapidcheck's draws (rapidcheck has no
// permutation generator), so the order shrinks toward the given one.
template <typename T>
std::vector<T> shuffled(std::vector<T> items) {
  for (std::size_t i = 0; i + 1 < items.size(); ++i) {
    std::swap(items[i], items[uniform<std::size_t>(i, items.size())]);
  }
  return items;
}

// One PG of a random volume: its membership, its records ascending, and what each segment of
// all_segments(m) holds.
struct GenPg {
  Membership m;
  std::vector<Lsn> records;
  std::map<SegmentId, std::set<Lsn>> holds;
};

// A volume in one epoch: every LSN 1..last is exactly one record of one PG.
struct GenVolume {
  Lsn last = 0;              // the highest LSN allocated
  std::vector<PgId> pg_of;   // by LSN (index 0 unused)
  std::vector<Lsn> prev;     // by LSN: the PG's record before it, kNoLsn for its first
  std::set<Lsn> cpls;
  std::vector<GenPg> pgs;    // by PgId
};

void showValue(const GenVolume& v, std::ostream& os) {
  os << "last " << v.last << ", CPLs {";
  for (Lsn c : v.cpls) os << " " << c;
  os << " }\n";
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    const GenPg& p = v.pgs[pg];
    os << "PG " << pg << " " << to_string(p.m) << ", records {";
    for (Lsn r : p.records) os << " " << r;
    os << " }\n";
    for (const auto& [s, held] : p.holds) {
      os << "  segment " << s << " holds {";
      for (Lsn r : held) os << " " << r;
      os << " }\n";
    }
  }
}

// What one segment holds: mostly a prefix of its PG's records, often with no hole and
// otherwise a few, and sometimes some records past the prefix (retries and gossip arrive in
// any order). Write quorums are then often reached while the SCLs still differ.
std::set<Lsn> draw_holdings(const std::vector<Lsn>& records) {
  const std::size_t n = records.size();
  const std::size_t cut = uniform(0, 3) < 2 ? n : uniform<std::size_t>(0, n + 1);
  const bool holes = uniform(0, 3) == 2;
  std::set<Lsn> out;
  for (std::size_t i = 0; i < n; ++i) {
    const bool held = i < cut ? !holes || uniform(0, 8) < 7 : uniform(0, 4) == 3;
    if (held) out.insert(records[i]);
  }
  return out;
}

rc::Gen<GenVolume> gen_volume() {
  return rc::gen::exec([] {
    GenVolume v;
    const PgId pgs = uniform<PgId>(1, 4);
    v.last = *rc::gen::inRange<Lsn>(0, 61);  // grows with the size: the first cases are short
    v.pg_of.assign(v.last + 1, 0);
    v.prev.assign(v.last + 1, kNoLsn);
    v.pgs.resize(pgs);
    for (Lsn l = 1; l <= v.last; ++l) {
      const PgId pg = uniform<PgId>(0, pgs);
      std::vector<Lsn>& records = v.pgs[pg].records;
      v.pg_of[l] = pg;
      v.prev[l] = records.empty() ? kNoLsn : records.back();
      records.push_back(l);
      // A third of the records end an MTR; the last one half the time (a commit at the end).
      if (l == v.last ? uniform(0, 2) == 1 : uniform(0, 3) == 2) v.cpls.insert(l);
    }
    for (PgId pg = 0; pg < pgs; ++pg) {
      GenPg& p = v.pgs[pg];
      for (std::size_t i = 0; i < kReplicas; ++i) {
        p.m.members[i] = static_cast<SegmentId>(10 * pg + 1 + i);
      }
      if (uniform(0, 3) == 2) {
        // SIGMOD'18's change: one member replaced by a new segment with its own holdings.
        p.m.epoch = 2;
        p.m.next = p.m.members;
        (*p.m.next)[uniform<std::size_t>(0, kReplicas)] = static_cast<SegmentId>(10 * pg + 7);
      }
      for (SegmentId s : all_segments(p.m)) p.holds[s] = draw_holdings(p.records);
    }
    return v;
  });
}

// --- The definitions, by brute force ---------------------------------------------------------

// SCL: the highest record r of the PG such that `held` has every record of the PG at or below
// r; 0 when it lacks the PG's first record.
Lsn brute_scl(const std::vector<Lsn>& records, const std::set<Lsn>& held) {
  Lsn out = 0;
  for (Lsn r : records) {  // ascending: r qualifies while no record below it is missing
    if (!held.contains(r)) break;
    out = r;
  }
  return out;
}

std::map<SegmentId, Lsn> brute_scls(const GenPg& p) {
  std::map<SegmentId, Lsn> out;
  for (const auto& [s, held] : p.holds) out[s] = brute_scl(p.records, held);
  return out;
}

// Every `k`-member subset of a set of six, as a mask of positions.
std::vector<unsigned> subsets(int k) {
  std::vector<unsigned> out;
  for (unsigned mask = 0; mask < (1U << kReplicas); ++mask) {
    if (std::popcount(mask) == k) out.push_back(mask);
  }
  return out;
}

// Whether some `k` members of `set` all satisfy `ok`.
template <typename F>
bool some_k_of(const SegmentSet& set, int k, F ok) {
  for (unsigned mask : subsets(k)) {
    bool all = true;
    for (std::size_t i = 0; i < kReplicas; ++i) {
      if ((mask >> i & 1U) != 0 && !ok(set[i])) all = false;
    }
    if (all) return true;
  }
  return false;
}

// PGCL: the highest L such that some write quorum has completed L: 4 members whose SCL are
// all >= L, in each set that counts (both of them during a change). A missing SCL is 0.
Lsn brute_pgcl(const Membership& m, const std::map<SegmentId, Lsn>& scl, Lsn top) {
  for (Lsn l = top; l > 0; --l) {
    auto complete = [&](SegmentId s) {
      const auto it = scl.find(s);
      return it != scl.end() && it->second >= l;
    };
    if (some_k_of(m.members, kWriteQuorum, complete) &&
        (!m.next || some_k_of(*m.next, kWriteQuorum, complete))) {
      return l;
    }
  }
  return 0;
}

// VCL: the highest L <= last such that every record at or below L is at or below its PG's
// PGCL.
Lsn brute_vcl(const GenVolume& v, const std::vector<Lsn>& pgcls) {
  for (Lsn l = v.last; l > 0; --l) {
    bool complete = true;
    for (Lsn x = 1; x <= l; ++x) {
      if (x > pgcls[v.pg_of[x]]) complete = false;
    }
    if (complete) return l;
  }
  return 0;
}

// VDL: the highest CPL at or below VCL, 0 when there is none.
Lsn brute_vdl(const std::set<Lsn>& cpls, Lsn vcl) {
  Lsn out = 0;
  for (Lsn c : cpls) {
    if (c <= vcl) out = std::max(out, c);
  }
  return out;
}

struct Marks {
  std::vector<Lsn> pgcl;  // by PgId
  Lsn vcl = 0;
  Lsn vdl = 0;
};

// The watermarks of the whole state: what a writer that heard from every segment would
// compute, so its VDL is every commit it could have acknowledged.
Marks brute_marks(const GenVolume& v) {
  Marks out;
  for (const GenPg& p : v.pgs) out.pgcl.push_back(brute_pgcl(p.m, brute_scls(p), v.last));
  out.vcl = brute_vcl(v, out.pgcl);
  out.vdl = brute_vdl(v.cpls, out.vcl);
  return out;
}

// Quorums as sets: `have` (duplicates and strangers allowed) contains 4 members of each set
// that counts, or 3 members of one of them.
bool brute_write_quorum(const Membership& m, const std::vector<SegmentId>& have) {
  auto in = [&](SegmentId s) { return std::find(have.begin(), have.end(), s) != have.end(); };
  return some_k_of(m.members, kWriteQuorum, in) &&
         (!m.next || some_k_of(*m.next, kWriteQuorum, in));
}

bool brute_read_quorum(const Membership& m, const std::vector<SegmentId>& have) {
  auto in = [&](SegmentId s) { return std::find(have.begin(), have.end(), s) != have.end(); };
  return some_k_of(m.members, kReadQuorum, in) ||
         (m.next && some_k_of(*m.next, kReadQuorum, in));
}

bool meet(const std::vector<SegmentId>& a, const std::vector<SegmentId>& b) {
  return std::any_of(a.begin(), a.end(), [&](SegmentId s) {
    return std::find(b.begin(), b.end(), s) != b.end();
  });
}

// --- Quorums ------------------------------------------------------------------------------

// Any read quorum of `m`: 3 members of one set (either, during a change) and maybe more.
std::vector<SegmentId> draw_read_quorum(const Membership& m) {
  const SegmentSet& set = m.next && uniform(0, 2) == 1 ? *m.next : m.members;
  std::vector<SegmentId> out = shuffled(std::vector<SegmentId>(set.begin(), set.end()));
  out.resize(kReadQuorum);
  for (SegmentId s : all_segments(m)) {
    if (std::find(out.begin(), out.end(), s) == out.end() && uniform(0, 3) == 2) {
      out.push_back(s);
    }
  }
  return out;
}

// Any write quorum of `m`: 4 members of each set that counts, and maybe more.
std::vector<SegmentId> draw_write_quorum(const Membership& m) {
  std::vector<SegmentId> out;
  auto take_four = [&](const SegmentSet& set) {
    std::vector<SegmentId> order = shuffled(std::vector<SegmentId>(set.begin(), set.end()));
    order.resize(kWriteQuorum);
    for (SegmentId s : order) {
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  };
  take_four(m.members);
  if (m.next) take_four(*m.next);
  for (SegmentId s : all_segments(m)) {
    if (std::find(out.begin(), out.end(), s) == out.end() && uniform(0, 3) == 2) {
      out.push_back(s);
    }
  }
  return out;
}

// Members 1..6; a third of the time during a change that replaces one of them by 7 (as in
// SIGMOD'18) or two by 7 and 8: the quorum properties hold for any two sets of six.
rc::Gen<Membership> gen_membership() {
  return rc::gen::exec([] {
    Membership m;
    for (std::size_t i = 0; i < kReplicas; ++i) m.members[i] = static_cast<SegmentId>(i + 1);
    if (uniform(0, 3) == 2) {
      m.epoch = 2;
      m.next = m.members;
      const std::vector<std::size_t> where =
          shuffled(std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
      const std::size_t replaced = uniform<std::size_t>(1, 3);
      for (std::size_t i = 0; i < replaced; ++i) {
        (*m.next)[where[i]] = static_cast<SegmentId>(7 + i);
      }
    }
    return m;
  });
}

// --- Recovery -----------------------------------------------------------------------------

// The annulment that opened epoch 1 of a new volume: empty. A writer writes nothing before
// its annulment is on a write quorum, so every segment that holds a record of epoch 1 has it.
constexpr AnnulledRange kFirstAnnulment{1, 0, 1};

// A segment as recovery sees it: what it holds (all written in epoch 1), and the annulments
// and volume epoch it has applied.
struct SegmentState {
  std::set<Lsn> holds;
  Epoch volume_epoch = 1;
  std::vector<AnnulledRange> annulled{kFirstAnnulment};
};

std::map<SegmentId, SegmentState> states_of(const GenVolume& v) {
  std::map<SegmentId, SegmentState> out;
  for (const GenPg& p : v.pgs) {
    for (const auto& [s, held] : p.holds) out[s].holds = held;
  }
  return out;
}

SegmentReport report_of(const GenVolume& v, SegmentId s, const SegmentState& state) {
  SegmentReport r{s, state.volume_epoch, state.annulled, {}};
  for (Lsn l : state.holds) r.records.push_back({l, v.prev[l], v.cpls.contains(l), 1});
  return r;
}

// The LAL the writer kept: it allocated no LSN above its VDL + LAL, and its VDL never passed
// the durable one, so every LSN of the volume is at most the durable VDL + LAL. The smallest
// such LAL is the edge: recovery's annulment must still reach the last LSN.
Lsn draw_lal(const GenVolume& v, Lsn durable_vdl) {
  const Lsn least = std::max<Lsn>(1, v.last - durable_vdl);
  return uniform(0, 2) == 0 ? least : least + uniform<Lsn>(0, 20);
}

// --- SCL, PGCL, VCL, VDL ------------------------------------------------------------------

// Each segment's records fed to a tracker in a random order: after every one the SCL is the
// definition's over what was fed so far, and the records above it are the ones waiting. An
// annulment's cut then leaves the definition's SCL of what is kept.
RC_GTEST_PROP(QuorumWatermarkProperties, SclTrackerFollowsBackLinksInAnyOrder, ()) {
  const GenVolume v = *gen_volume();
  for (const GenPg& p : v.pgs) {
    for (const auto& [s, held] : p.holds) {
      SclTracker t;
      std::set<Lsn> fed;
      for (Lsn l : shuffled(std::vector<Lsn>(held.begin(), held.end()))) {
        fed.insert(l);
        const Lsn got = t.add(l, v.prev[l]);
        RC_ASSERT(got == brute_scl(p.records, fed));
        RC_ASSERT(t.scl() == got);
      }
      RC_ASSERT(t.scl() == brute_scl(p.records, held));
      RC_ASSERT(t.held() == held);
      auto above = [&](const std::set<Lsn>& set) {
        return static_cast<std::size_t>(
            std::count_if(set.begin(), set.end(), [&](Lsn l) { return l > t.scl(); }));
      };
      RC_ASSERT(t.waiting() == above(held));
      if (!held.empty()) {
        // A copy (a retry, a gossip) changes nothing.
        const Lsn again = *rc::gen::elementOf(held);
        RC_ASSERT(t.add(again, v.prev[again]) == brute_scl(p.records, held));
        RC_ASSERT(t.held() == held);
      }
      const Lsn keep_to = uniform<Lsn>(0, v.last + 1);
      t.cut_above(keep_to);
      const std::set<Lsn> kept(held.begin(), held.upper_bound(keep_to));
      RC_ASSERT(t.scl() == brute_scl(p.records, kept));
      RC_ASSERT(t.held() == kept);
      RC_ASSERT(t.waiting() == above(kept));
    }
  }
}

// PGCL against the best write quorum, during a membership change too, and with an SCL
// missing from the map now and then (it counts as 0).
RC_GTEST_PROP(QuorumWatermarkProperties, PgclIsWhatTheBestWriteQuorumCompleted, ()) {
  const GenVolume v = *gen_volume();
  bool change = false;
  bool above_0 = false;
  for (const GenPg& p : v.pgs) {
    std::map<SegmentId, Lsn> scls = brute_scls(p);
    if (uniform(0, 4) == 3) scls.erase(*rc::gen::elementOf(all_segments(p.m)));
    const Lsn got = pgcl(p.m, scls);
    RC_ASSERT(got == brute_pgcl(p.m, scls, v.last));
    change = change || p.m.next.has_value();
    above_0 = above_0 || got > 0;
  }
  if (change) RC_TAG("membership change");
  if (above_0) RC_TAG("PGCL above 0");
}

RC_GTEST_PROP(QuorumWatermarkProperties, VclAndVdlFollowTheirDefinitions, ()) {
  const GenVolume v = *gen_volume();
  const Marks want = brute_marks(v);
  std::vector<PgProgress> progress;
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    const GenPg& p = v.pgs[pg];
    const Lsn got = pgcl(p.m, brute_scls(p));
    RC_ASSERT(got == want.pgcl[pg]);
    const auto next = std::upper_bound(p.records.begin(), p.records.end(), got);
    progress.push_back({got, next == p.records.end() ? kNoLsn : *next});
  }
  const Lsn got_vcl = vcl(progress, v.last);
  RC_ASSERT(got_vcl == want.vcl);
  const Lsn got_vdl = vdl(v.cpls, got_vcl);
  RC_ASSERT(got_vdl == want.vdl);
  // The invariants of section 4 that follow from the arithmetic alone.
  RC_ASSERT(got_vdl <= got_vcl);
  RC_ASSERT(got_vcl <= v.last);
  RC_ASSERT(got_vdl == 0 || v.cpls.contains(got_vdl));
  RC_TAG(got_vcl == v.last ? "VCL at the last LSN" : got_vcl > 0 ? "VCL inside" : "VCL 0");
  if (got_vdl < got_vcl) RC_TAG("VDL below VCL");
}

// --- Quorum predicates --------------------------------------------------------------------

// The predicates against the definitions on any set of segments, with duplicates and a
// stranger (9, another PG's segment) among them.
RC_GTEST_PROP(QuorumWatermarkProperties, QuorumPredicatesMatchTheirDefinitions, ()) {
  const Membership m = *gen_membership();
  std::vector<SegmentId> have;
  for (SegmentId s = 1; s <= 9; ++s) {
    if (uniform(0, 2) == 1) have.push_back(s);
  }
  const std::size_t copies = have.empty() ? 0 : uniform<std::size_t>(0, 3);
  for (std::size_t i = 0; i < copies; ++i) have.push_back(*rc::gen::elementOf(have));
  have = shuffled(have);
  RC_ASSERT(is_write_quorum(m, have) == brute_write_quorum(m, have));
  RC_ASSERT(is_read_quorum(m, have) == brute_read_quorum(m, have));
  std::set<SegmentId> all(m.members.begin(), m.members.end());
  if (m.next) all.insert(m.next->begin(), m.next->end());
  const std::vector<SegmentId> listed = all_segments(m);
  RC_ASSERT(std::set<SegmentId>(listed.begin(), listed.end()) == all);
  RC_ASSERT(listed.size() == all.size());
}

// A random write quorum W and read quorum R meet, and so do two write quorums; and, over
// every subset of the membership, every pair the predicates accept meets.
RC_GTEST_PROP(QuorumWatermarkProperties, EveryWriteQuorumMeetsEveryReadQuorum, ()) {
  const Membership m = *gen_membership();
  const std::vector<SegmentId> w = draw_write_quorum(m);
  const std::vector<SegmentId> w2 = draw_write_quorum(m);
  const std::vector<SegmentId> r = draw_read_quorum(m);
  RC_ASSERT(is_write_quorum(m, w));
  RC_ASSERT(is_write_quorum(m, w2));
  RC_ASSERT(is_read_quorum(m, r));
  RC_ASSERT(meet(w, r));
  RC_ASSERT(meet(w, w2));
  const std::vector<SegmentId> all = all_segments(m);
  const unsigned n = 1U << all.size();
  std::vector<bool> writes(n);
  std::vector<bool> reads(n);
  for (unsigned mask = 0; mask < n; ++mask) {
    std::vector<SegmentId> have;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if ((mask >> i & 1U) != 0) have.push_back(all[i]);
    }
    writes[mask] = is_write_quorum(m, have);
    reads[mask] = is_read_quorum(m, have);
  }
  for (unsigned a = 0; a < n; ++a) {
    if (!writes[a]) continue;
    for (unsigned b = 0; b < n; ++b) {
      if (reads[b] || writes[b]) RC_ASSERT((a & b) != 0);
    }
  }
  RC_TAG(m.next ? "membership change" : "one set");
}

// --- Recovery -----------------------------------------------------------------------------

// The safety property of recovery: from any read quorum of each PG it keeps every commit a
// write quorum made durable (the VDL of the whole state), and what it decides is what the
// reports define: VCL the end of the run of LSNs from 1 that some report holds, VDL the last
// CPL in it, everything above annulled under a new epoch, allocation above the annulment.
// Each PG's membership, a read quorum drawn from it, and the reports of its segments.
struct ReadQuorums {
  std::map<PgId, Membership> members;
  std::map<PgId, std::vector<SegmentId>> quorum;
  std::map<PgId, std::vector<SegmentReport>> reports;
};

ReadQuorums draw_read_quorums(const GenVolume& v,
                              const std::map<SegmentId, SegmentState>& states) {
  ReadQuorums r;
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    r.members[pg] = v.pgs[pg].m;
    r.quorum[pg] = draw_read_quorum(v.pgs[pg].m);
    for (SegmentId s : r.quorum[pg]) r.reports[pg].push_back(report_of(v, s, states.at(s)));
  }
  return r;
}

RC_GTEST_PROP(QuorumWatermarkProperties, RecoveryFromAnyReadQuorumKeepsWhatWasDurable, ()) {
  const GenVolume v = *gen_volume();
  const Marks durable = brute_marks(v);
  const Lsn lal = draw_lal(v, durable.vdl);
  const std::map<SegmentId, SegmentState> states = states_of(v);
  const ReadQuorums drawn = draw_read_quorums(v, states);
  const std::map<PgId, std::vector<SegmentId>>& quorum = drawn.quorum;
  const Result<RecoveryPlan> plan = plan_recovery(drawn.members, drawn.reports, lal);
  if (!plan.is_ok()) RC_FAIL("a read quorum was refused: " + plan.status().to_string());

  RC_ASSERT(plan->vdl >= durable.vdl);
  RC_ASSERT(plan->vcl >= durable.vcl);
  auto reported = [&](Lsn l) {
    const PgId pg = v.pg_of[l];
    return std::any_of(quorum.at(pg).begin(), quorum.at(pg).end(),
                       [&](SegmentId s) { return states.at(s).holds.contains(l); });
  };
  Lsn run = 0;
  while (run < v.last && reported(run + 1)) ++run;
  RC_ASSERT(plan->vcl == run);
  RC_ASSERT(plan->vdl == brute_vdl(v.cpls, run));
  RC_ASSERT(plan->epoch == 2U);
  RC_ASSERT(plan->annul.has_value());
  RC_ASSERT(plan->annul->from == plan->vdl + 1);
  RC_ASSERT(plan->annul->to >= plan->vdl + lal);
  RC_ASSERT(plan->annul->epoch == plan->epoch);
  RC_ASSERT(plan->next_lsn == plan->annul->to + 1);
  RC_ASSERT(plan->next_lsn > v.last);
  RC_ASSERT(plan->annulled == (std::vector<AnnulledRange>{kFirstAnnulment, *plan->annul}));
  RC_ASSERT(plan->pg_tail.size() == v.pgs.size());
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    const std::vector<Lsn>& records = v.pgs[pg].records;
    const auto above = std::upper_bound(records.begin(), records.end(), plan->vdl);
    RC_ASSERT(plan->pg_tail.at(pg) == (above == records.begin() ? 0 : *std::prev(above)));
  }
  if (plan->vdl > durable.vdl) RC_TAG("recovered above the durable VDL");
  if (plan->vdl > 0) RC_TAG("VDL above 0");
  if (v.last == durable.vdl + lal) RC_TAG("the last LSN at VDL + LAL");
}

// Fewer than 3 distinct segments of a PG (repeated reports of one are one), or 3 that are not
// 3 of one set during a change, are not a read quorum: recovery refuses them, whatever
// suspect reports (segments not yet repaired, which count for nothing) come with them.
RC_GTEST_PROP(QuorumWatermarkProperties, RecoveryRefusesLessThanAReadQuorum, ()) {
  const GenVolume v = *gen_volume();
  const std::map<SegmentId, SegmentState> states = states_of(v);
  std::map<PgId, Membership> members;
  std::map<PgId, std::vector<SegmentReport>> reports;
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    members[pg] = v.pgs[pg].m;
    for (SegmentId s : draw_read_quorum(v.pgs[pg].m)) {
      reports[pg].push_back(report_of(v, s, states.at(s)));
    }
  }
  const PgId bad = uniform<PgId>(0, static_cast<PgId>(v.pgs.size()));
  const Membership& m = members[bad];
  std::vector<SegmentId> few = shuffled(all_segments(m));
  few.resize(uniform<std::size_t>(0, kReadQuorum + 1));
  if (m.next && uniform(0, 2) == 1) {
    // The leaving segment, its replacement and one member of both: 2 of each set.
    const std::vector<SegmentId> both = shuffled(all_segments(m));
    few.clear();
    for (SegmentId s : both) {
      if (contains(m.members, s) != contains(*m.next, s)) few.push_back(s);
    }
    for (SegmentId s : both) {
      if (contains(m.members, s) && contains(*m.next, s) && few.size() < kReadQuorum) {
        few.push_back(s);
      }
    }
  }
  std::vector<SegmentReport>& list = reports[bad];
  list.clear();
  for (SegmentId s : few) list.push_back(report_of(v, s, states.at(s)));
  const std::size_t copies = few.empty() ? 0 : uniform<std::size_t>(0, 3);
  for (std::size_t i = 0; i < copies; ++i) {
    const SegmentId s = *rc::gen::elementOf(few);
    list.push_back(report_of(v, s, states.at(s)));
  }
  std::size_t suspects = 0;
  for (SegmentId s : all_segments(m)) {
    if (std::find(few.begin(), few.end(), s) != few.end() || uniform(0, 3) < 2) continue;
    list.push_back(report_of(v, s, states.at(s)));
    list.back().suspect = true;
    ++suspects;
  }
  list = shuffled(list);
  if (list.empty() && uniform(0, 2) == 1) reports.erase(bad);
  const bool quorum = brute_read_quorum(m, few);
  const Result<RecoveryPlan> plan = plan_recovery(members, reports, 100);
  RC_ASSERT(plan.is_ok() == quorum);
  if (!quorum) RC_ASSERT(plan.status().kind() == ErrorKind::kInvalidArgument);
  RC_TAG(quorum ? "a read quorum" : few.size() < kReadQuorum ? "under 3" : "3 of two sets");
  if (suspects > 0) RC_TAG("with suspects");
}

// Recovering again, with nothing written since, keeps the same records: every PG's tail is
// the same, and the VCL and VDL are the first annulment's end (the writer's VCL and VDL after
// the first recovery, which invariant 4 keeps a later recovery from falling below), under
// the next epoch. The first recovery's outcome must be on a write quorum first (the engine's
// job, modelled here): its annulment and epoch, and the records at or below its VDL, which
// the first read quorum alone may hold. Either the second recovery hears from the same
// segments, which applied the annulment lazily (they still hold the annulled records), or
// from any read quorum once a write quorum has the annulment and the records; the segments
// outside it are stale, epoch 1 and no annulment.
RC_GTEST_PROP(QuorumWatermarkProperties, RecoveryIsIdempotentAcrossEpochs, ()) {
  const GenVolume v = *gen_volume();
  const Lsn lal = draw_lal(v, brute_marks(v).vdl);
  std::map<SegmentId, SegmentState> states = states_of(v);
  ReadQuorums drawn = draw_read_quorums(v, states);
  const std::map<PgId, Membership>& members = drawn.members;
  const std::map<PgId, std::vector<SegmentId>>& first = drawn.quorum;
  std::map<PgId, std::vector<SegmentReport>>& reports = drawn.reports;
  const Result<RecoveryPlan> plan = plan_recovery(members, reports, lal);
  if (!plan.is_ok()) RC_FAIL("the first recovery failed: " + plan.status().to_string());

  const bool same = uniform(0, 2) == 1;
  reports.clear();
  for (PgId pg = 0; pg < v.pgs.size(); ++pg) {
    const std::vector<SegmentId> reached =
        same ? first.at(pg) : draw_write_quorum(members.at(pg));
    for (SegmentId s : reached) {
      SegmentState& state = states.at(s);
      state.annulled = plan->annulled;
      state.volume_epoch = plan->epoch;
      if (same) continue;
      for (Lsn l : v.pgs[pg].records) {
        if (l <= plan->vdl) state.holds.insert(l);
      }
    }
    const std::vector<SegmentId> second =
        same ? shuffled(first.at(pg)) : draw_read_quorum(members.at(pg));
    for (SegmentId s : second) reports[pg].push_back(report_of(v, s, states.at(s)));
  }
  const Result<RecoveryPlan> again = plan_recovery(members, reports, lal);
  if (!again.is_ok()) RC_FAIL("the second recovery failed: " + again.status().to_string());
  // Nothing above the first VDL counts but the annulment itself.
  RC_ASSERT(again->vcl == plan->annul->to);
  RC_ASSERT(again->vdl == plan->annul->to);
  RC_ASSERT(again->pg_tail == plan->pg_tail);
  RC_ASSERT(again->epoch == plan->epoch + 1);
  RC_ASSERT(again->annul->from == plan->annul->to + 1);
  RC_ASSERT(again->next_lsn >= plan->next_lsn);
  RC_ASSERT(std::find(again->annulled.begin(), again->annulled.end(), *plan->annul) !=
            again->annulled.end());
  for (Lsn l = plan->vdl + 1; l <= v.last; ++l) RC_ASSERT(is_annulled(again->annulled, l, 1));
  if (plan->vcl > plan->vdl) RC_TAG("records above the first VDL annulled");
  RC_TAG(same ? "same segments" : "any read quorum");
}

}  // namespace
}  // namespace aurora::quorum
