// 4.18: the session guarantees of one compute node, from one of its starts
// (SessionStarted) to the next:
//  - read_your_writes: once the node's commit returned OK to it (Committed, CPL C), every
//    read it makes at its own read point is at C or above, so it sees its own write;
//  - monotonic_reads: the read points of its reads at its own read point never go back.
//    Under media faults a reported corruption may move a read point back (the volume
//    recovered below what was acted on), so there a corruption reported since the
//    session's last read excuses it.
// Each keeps a few fields per node name (the nodes of a run are few), nothing of the history.
#include <map>
#include <string>

#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

constexpr std::string_view kInvariant =
    "4.18: Session guarantees: read-your-writes (after a node's commit is acknowledged, its "
    "read point is at or above the commit's CPL) and monotonic reads (a node's read point "
    "never moves back while the node lives).";

std::string what(const obs::Read& r) {
  return "node " + r.node + " read page " + std::to_string(r.page) + " at its read point " +
         std::to_string(r.at);
}

class ReadYourWrites final : public Checker {
 public:
  std::string_view name() const override { return "read_your_writes"; }
  std::string_view invariant() const override { return kInvariant; }

  std::optional<std::string> observe(const Observation& o, const Model&) override {
    if (const auto* s = std::get_if<obs::SessionStarted>(&o)) {
      committed_.erase(s->node);
      return std::nullopt;
    }
    if (const auto* c = std::get_if<obs::Committed>(&o)) {
      Lsn& highest = committed_[c->node];
      highest = std::max(highest, c->cpl);
      return std::nullopt;
    }
    const auto* r = std::get_if<obs::Read>(&o);
    if (r == nullptr || !r->at_read_point) return std::nullopt;
    const auto it = committed_.find(r->node);
    if (it == committed_.end() || r->at >= it->second) return std::nullopt;
    return what(*r) + ", below CPL " + std::to_string(it->second) +
           " of its own commit, acknowledged to it before: expected its read point at or "
           "above " +
           std::to_string(it->second) + " (it must see its own writes)";
  }

 private:
  std::map<std::string, Lsn, std::less<>> committed_;  // node -> its highest committed CPL
};

class MonotonicReads final : public Checker {
 public:
  explicit MonotonicReads(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "monotonic_reads"; }
  std::string_view invariant() const override { return kInvariant; }

  std::optional<std::string> observe(const Observation& o, const Model&) override {
    if (const auto* s = std::get_if<obs::SessionStarted>(&o)) {
      last_.erase(s->node);
      return std::nullopt;
    }
    if (const auto* rec = std::get_if<obs::Recovered>(&o); rec && rec->corruption) {
      for (const auto& [node, last] : last_) corruption_since_[node] = true;
      return std::nullopt;
    }
    const auto* r = std::get_if<obs::Read>(&o);
    if (r == nullptr || !r->at_read_point) return std::nullopt;
    const auto it = last_.find(r->node);
    std::optional<std::string> found;
    if (it != last_.end() && r->at < it->second) {
      if (!(unrestricted_ && corruption_since_[r->node])) {
        found = what(*r) + ", below the read point " + std::to_string(it->second) +
                " it read at before in this session: expected read points never to move back";
      }
    }
    last_[r->node] = r->at;
    corruption_since_[r->node] = false;
    return found;
  }

 private:
  bool unrestricted_;
  std::map<std::string, Lsn, std::less<>> last_;  // node -> its last read point read at
  // node -> a corruption was reported since its last read
  std::map<std::string, bool, std::less<>> corruption_since_;
};

}  // namespace

std::unique_ptr<Checker> make_read_your_writes() { return std::make_unique<ReadYourWrites>(); }
std::unique_ptr<Checker> make_monotonic_reads(bool unrestricted) {
  return std::make_unique<MonotonicReads>(unrestricted);
}

}  // namespace aurora::workloads::check
