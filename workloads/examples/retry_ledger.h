// Two example systems with a known network bug (README.md here): a ledger service that
// takes deposits over the simulated network (DESIGN.md section 5b), and its client, which
// sends each deposit again when no answer comes in time. They are not the engine: each is
// a few dozen lines with one deliberate bug behind a switch, so that a sweep can be shown
// finding it and `sim shrink` minimizing it.
//
//   example/retry-applies-twice   the ledger applies every request it receives: a deposit
//                                 sent again (its answer was lost or late), or copied by
//                                 the network, is counted twice. Without the bug the
//                                 ledger remembers each deposit's id and answers a repeat
//                                 from the first.
//   example/timeout-is-failure    the client reports a deposit whose every attempt timed
//                                 out as failed, although the ledger may have applied it
//                                 (only its answer was lost). Without the bug it reports
//                                 the outcome unknown.
//
// The checks (from what the ledger applies, which the harness sees as it happens, and
// what the client reports): a deposit is applied at most once; an acknowledged one is
// applied; one reported failed is never applied; one whose outcome is unknown may be
// either. The network loses, copies and delays messages (a spike outlasts the client's
// deadline); nothing crashes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/rpc.h"
#include "sim/world.h"
#include "workloads/violation.h"

namespace aurora::examples {

enum class NetExampleKind : std::uint8_t { kRetryAppliesTwice, kTimeoutIsFailure };
std::string_view net_example_name(NetExampleKind k);  // "example/retry-applies-twice", ...
std::optional<NetExampleKind> parse_net_example(std::string_view name);
// The network the examples run on: loss, duplication and spikes longer than a deadline.
sim::NetConfig net_example_network();

struct LedgerOptions {
  NetExampleKind kind = NetExampleKind::kRetryAppliesTwice;
  bool with_bug = true;
  std::uint64_t ops = 300;     // deposits the client makes
  std::uint32_t accounts = 4;  // accounts drawn in [0, accounts)
};

struct LedgerStats {
  std::uint64_t ops = 0;           // deposits made
  std::uint64_t acknowledged = 0;  // answered
  std::uint64_t unknown = 0;       // no answer in any attempt: reported unknown
  std::uint64_t failed = 0;        // reported failed (the bug of timeout-is-failure)
  std::uint64_t retries = 0;       // attempts after the first
  std::uint64_t applied = 0;       // deposits the ledger applied (repeats included)
};

class LedgerWorkload {
 public:
  LedgerWorkload(sim::World& world, LedgerOptions options);
  ~LedgerWorkload();
  LedgerWorkload(const LedgerWorkload&) = delete;
  LedgerWorkload& operator=(const LedgerWorkload&) = delete;

  // Adds the nodes "ledger" and "client"; world.run() then runs it all. Call once.
  void install();

  const std::vector<workloads::Violation>& violations() const { return violations_; }
  const LedgerStats& stats() const { return stats_; }
  // One line: "workload: example/retry-applies-twice ops=300 accounts=4 bug=on\n".
  std::string describe() const;

 private:
  enum class Outcome : std::uint8_t { kPending, kAcknowledged, kUnknown, kFailed };
  struct Deposit {
    std::uint32_t account = 0;
    std::uint32_t amount = 0;
    Outcome outcome = Outcome::kPending;
    std::uint32_t applied = 0;  // times the ledger applied it
  };

  void boot_ledger(Runtime rt);
  void boot_client(Runtime rt);
  Result<rpc::Bytes> serve(const rpc::Request& req);
  void applied(std::uint64_t id);
  void reported(std::uint64_t id, Outcome outcome);
  void finish();
  void violate(std::string invariant, std::string message);
  std::string what(std::uint64_t id) const;

  sim::World& world_;
  LedgerOptions options_;
  NodeId ledger_node_ = 0;
  NodeId client_node_ = 0;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<rpc::RpcClient> client_;
  // The ledger's state: balances, and (without the bug) each deposit's answer by id.
  std::map<std::uint32_t, std::uint64_t> balances_;
  std::map<std::uint64_t, std::uint64_t> answered_;
  // The harness's view: every deposit the client made, what it was told, how often the
  // ledger applied it.
  std::map<std::uint64_t, Deposit> deposits_;
  LedgerStats stats_;
  std::vector<workloads::Violation> violations_;
};

}  // namespace aurora::examples
