#include "workloads/examples/retry_ledger.h"

#include "engine/util/byte_io.h"

namespace aurora::examples {

namespace {

constexpr std::string_view kRetryName = "example/retry-applies-twice";
constexpr std::string_view kTimeoutName = "example/timeout-is-failure";
constexpr Port kLedgerPort = 9000;
constexpr rpc::Method kDeposit = 1;
constexpr Nanos kDeadline = 2 * kMillisecond;  // each attempt's
constexpr std::uint32_t kAttempts = 2;
constexpr std::uint64_t kPauseMaxUs = 50;      // between deposits: below(this) us
// After the last deposit, long enough for every late copy to arrive: a spike's mean is 5
// ms and the network caps a draw at 20 means.
constexpr Nanos kSettle = 200 * kMillisecond;

}  // namespace

std::string_view net_example_name(NetExampleKind k) {
  return k == NetExampleKind::kRetryAppliesTwice ? kRetryName : kTimeoutName;
}

std::optional<NetExampleKind> parse_net_example(std::string_view name) {
  if (name == kRetryName) return NetExampleKind::kRetryAppliesTwice;
  if (name == kTimeoutName) return NetExampleKind::kTimeoutIsFailure;
  return std::nullopt;
}

sim::NetConfig net_example_network() {
  sim::NetConfig c;
  c.spike_mean = 5 * kMillisecond;  // more than the client's deadline
  c.replay_mean = 3 * kMillisecond;
  c.rule(sim::NetFaultKind::kLoss) = {.enabled = true, .probability = 0.05};
  c.rule(sim::NetFaultKind::kDuplicate) = {.enabled = true, .probability = 0.03};
  c.rule(sim::NetFaultKind::kSpike) = {.enabled = true, .probability = 0.05};
  return c;
}

LedgerWorkload::LedgerWorkload(sim::World& world, LedgerOptions options)
    : world_(world), options_(options) {
  AURORA_ASSERT(options_.accounts >= 1, "a ledger needs at least one account");
}

LedgerWorkload::~LedgerWorkload() {
  // Their fibers reference this workload: they go first (a run cut short by a limit).
  if (client_node_ != 0 && world_.up(client_node_)) world_.crash(client_node_);
  if (ledger_node_ != 0 && world_.up(ledger_node_)) world_.crash(ledger_node_);
  client_.reset();
  server_.reset();
}

void LedgerWorkload::install() {
  AURORA_ASSERT(ledger_node_ == 0, "install() twice");
  ledger_node_ = world_.add_node("ledger", [this](Runtime rt) { boot_ledger(rt); });
  client_node_ = world_.add_node("client", [this](Runtime rt) { boot_client(rt); });
}

std::string LedgerWorkload::describe() const {
  return "workload: " + std::string(net_example_name(options_.kind)) +
         " ops=" + std::to_string(options_.ops) + " accounts=" + std::to_string(options_.accounts) +
         " bug=" + (options_.with_bug ? "on" : "off") + "\n";
}

void LedgerWorkload::violate(std::string invariant, std::string message) {
  world_.trace().emit("check.violation", {{"invariant", std::string_view(invariant)},
                                          {"message", std::string_view(message)}});
  violations_.push_back(workloads::Violation{.invariant = std::move(invariant),
                                             .message = std::move(message),
                                             .at = world_.clock().now(),
                                             .event = world_.trace().events()});
}

std::string LedgerWorkload::what(std::uint64_t id) const {
  const Deposit& d = deposits_.at(id);
  return "deposit #" + std::to_string(id) + " (" + std::to_string(d.amount) + " to account " +
         std::to_string(d.account) + ")";
}

// --- the ledger ----------------------------------------------------------------------------

void LedgerWorkload::boot_ledger(Runtime rt) {
  Result<std::unique_ptr<rpc::RpcServer>> s =
      rpc::RpcServer::start(rt, kLedgerPort, [this](const rpc::Request& r) { return serve(r); });
  AURORA_ASSERT(s.is_ok(), "the ledger's port is free: " + s.status().to_string());
  server_ = std::move(s).value();
}

Result<rpc::Bytes> LedgerWorkload::serve(const rpc::Request& req) {
  ByteReader in(req.body);
  std::uint64_t id = 0;
  std::uint32_t account = 0, amount = 0;
  if (req.method != kDeposit || !in.get(id) || !in.get(account) || !in.get(amount) || !in.done()) {
    return Status::invalid_argument("not a deposit");
  }
  const bool remember = options_.kind != NetExampleKind::kRetryAppliesTwice || !options_.with_bug;
  if (remember) {
    if (auto it = answered_.find(id); it != answered_.end()) {
      return ByteWriter().put(it->second).take();  // a repeat: the first one's answer
    }
  }
  const std::uint64_t balance = balances_[account] += amount;
  if (remember) answered_[id] = balance;
  applied(id);
  return ByteWriter().put(balance).take();
}

// --- the client ----------------------------------------------------------------------------

void LedgerWorkload::boot_client(Runtime rt) {
  Result<std::unique_ptr<rpc::RpcClient>> c = rpc::RpcClient::open(rt);
  AURORA_ASSERT(c.is_ok(), "a free port on the client: " + c.status().to_string());
  client_ = std::move(c).value();
  sim::Rng& rng = world_.stream("node/client");
  for (std::uint64_t id = 1; id <= options_.ops && violations_.empty(); ++id) {
    rng.mark_unit();  // a deposit: the shrinker deletes whole ones (sim/rng.h)
    Deposit& d = deposits_[id];
    d.account = static_cast<std::uint32_t>(rng.below(options_.accounts));
    d.amount = static_cast<std::uint32_t>(1 + rng.below(100));
    ++stats_.ops;
    const rpc::Bytes body = ByteWriter().put(id).put(d.account).put(d.amount).take();
    Result<rpc::Bytes> answer = Status::timeout("not sent");
    for (std::uint32_t attempt = 1; attempt <= kAttempts; ++attempt) {
      if (attempt > 1) ++stats_.retries;
      answer = client_->call(Address{ledger_node_, kLedgerPort}, kDeposit, body,
                             rt.clock.now() + kDeadline);
      if (answer.is_ok() || answer.kind() != ErrorKind::kTimeout) break;
    }
    if (answer.is_ok()) {
      reported(id, Outcome::kAcknowledged);
    } else if (options_.kind == NetExampleKind::kTimeoutIsFailure && options_.with_bug) {
      reported(id, Outcome::kFailed);  // the bug: no answer taken for "it did not happen"
    } else {
      reported(id, Outcome::kUnknown);
    }
    rt.clock.sleep_for(static_cast<Nanos>(rng.below(kPauseMaxUs)) * kMicrosecond);
  }
  rt.clock.sleep_for(kSettle);  // late copies arrive, and are judged as they are applied
  finish();
}

// --- the checks ------------------------------------------------------------------------------

void LedgerWorkload::applied(std::uint64_t id) {
  ++stats_.applied;
  auto it = deposits_.find(id);
  if (it == deposits_.end()) {
    violate("exactly_once", "the ledger applied deposit #" + std::to_string(id) +
                                ", which the client never made");
    return;
  }
  Deposit& d = it->second;
  if (++d.applied == 2) {
    violate("exactly_once", what(id) + " was applied twice: the ledger counted a deposit sent "
                                       "again (or copied by the network) as a new one");
  }
  if (d.outcome == Outcome::kFailed) {
    violate("outcome", what(id) + " was applied after the client was told it failed");
  }
}

void LedgerWorkload::reported(std::uint64_t id, Outcome outcome) {
  Deposit& d = deposits_.at(id);
  d.outcome = outcome;
  if (outcome == Outcome::kAcknowledged) ++stats_.acknowledged;
  if (outcome == Outcome::kUnknown) ++stats_.unknown;
  if (outcome != Outcome::kFailed) return;
  ++stats_.failed;
  if (d.applied > 0) {
    violate("outcome", what(id) + " was reported failed to the client (no answer in " +
                           std::to_string(kAttempts) +
                           " attempts), but the ledger had applied it: expected the outcome "
                           "reported unknown");
  }
}

void LedgerWorkload::finish() {
  if (!violations_.empty()) return;
  for (const auto& [id, d] : deposits_) {
    if (d.outcome == Outcome::kAcknowledged && d.applied == 0) {
      violate("exactly_once", what(id) + " was acknowledged but the ledger never applied it");
      return;
    }
  }
}

}  // namespace aurora::examples
