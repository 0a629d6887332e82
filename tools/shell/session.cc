#include "tools/shell/session.h"

#include <filesystem>
#include <string>

#include "engine/runtime/posix/real_runtime.h"
#include "engine/storage/presets.h"
#include "sim/world.h"

namespace aurora::shell {

std::string_view node_name(NodeIndex n) { return n == 0 ? "A" : "B"; }

std::optional<NodeIndex> parse_node(std::string_view s) {
  if (s == "A" || s == "a") return 0;
  if (s == "B" || s == "b") return 1;
  return std::nullopt;
}

std::string_view bg_kind_name(BgKind k) {
  switch (k) {
    case BgKind::kWrite: return "write";
    case BgKind::kRead: return "read";
    case BgKind::kMixed: return "mixed";
  }
  return "?";
}

std::optional<BgKind> parse_bg_kind(std::string_view s) {
  if (s == "write") return BgKind::kWrite;
  if (s == "read") return BgKind::kRead;
  if (s == "mixed") return BgKind::kMixed;
  return std::nullopt;
}

// --- hosts -------------------------------------------------------------------------------

// Where the engine's fibers run: the storage's node, its runtime and its crash.
class Session::Host {
 public:
  using Listener = std::function<void(std::string_view kind, std::span<const Field> fields)>;
  virtual ~Host() = default;
  virtual Runtime runtime() = 0;
  virtual NodeId node() const = 0;
  virtual RunOutcome run(RunLimits limits) = 0;
  virtual Nanos now() const = 0;
  // Kills the storage node's fibers (and, in simulation, crashes its disk).
  virtual void crash() = 0;
  virtual void restart() = 0;
  virtual Status set_fault(std::string_view name, bool on, double probability) = 0;
  // Receives every event the engine and the session emit (not the scheduler's).
  virtual void set_listener(Listener l) = 0;
  Scheduler& sched() { return runtime().sched; }
};

class Session::SimHost final : public Session::Host {
 public:
  explicit SimHost(std::uint64_t seed) : world_(options(seed)) {
    node_ = world_.add_node("storage", nullptr);
  }
  static sim::WorldOptions options(std::uint64_t seed) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = sim::FaultConfig::none();  // `fault` switches kinds on
    return o;
  }
  Runtime runtime() override { return world_.runtime(node_); }
  NodeId node() const override { return node_; }
  RunOutcome run(RunLimits limits) override { return world_.run(limits); }
  Nanos now() const override { return const_cast<sim::World&>(world_).clock().now(); }
  void crash() override { world_.crash(node_); }
  void restart() override { world_.restart(node_); }
  Status set_fault(std::string_view name, bool on, double probability) override {
    const std::optional<sim::FaultKind> kind = sim::parse_fault_kind(name);
    if (!kind) return Status::invalid_argument("unknown fault kind '" + std::string(name) + "'");
    if (*kind == sim::FaultKind::kCrashPoint) {
      return Status::invalid_argument("crash_point is not a fault of the disk: the shell crashes "
                                      "only when told to (crash)");
    }
    world_.faults().mutable_config().rule(*kind) =
        sim::FaultRule{.enabled = on, .probability = on ? probability : 0.0};
    return Status::ok();
  }
  void set_listener(Listener l) override { world_.trace().set_listener(std::move(l)); }

 private:
  sim::World world_;
  NodeId node_ = 0;
};

class Session::PosixHost final : public Session::Host {
 public:
  explicit PosixHost(std::string dir) : real_(std::move(dir)) {}
  Runtime runtime() override {
    return Runtime{real_.fs(), real_.clock(), real_.scheduler(), sink_, kNode};
  }
  NodeId node() const override { return kNode; }
  RunOutcome run(RunLimits limits) override { return real_.run(limits); }
  Nanos now() const override { return const_cast<RealRuntime&>(real_).time().now(); }
  // A killed process: its fibers and memory are gone; what it wrote stays in the files
  // (the operating system keeps written pages whether or not they were fsynced).
  void crash() override { real_.scheduler().kill_node(kNode); }
  void restart() override {}
  Status set_fault(std::string_view, bool, double) override {
    return Status::invalid_argument("faults need the simulated disk (not --fs posix)");
  }
  void set_listener(Listener l) override { sink_.listener = std::move(l); }

 private:
  static constexpr NodeId kNode = 0;
  struct ForwardingSink final : EventSink {
    using EventSink::emit;
    void emit(std::string_view kind, std::span<const Field> fields) override {
      if (listener) listener(kind, fields);
    }
    Listener listener;
  };
  RealRuntime real_;
  ForwardingSink sink_;
};

// --- background workers ------------------------------------------------------------------

struct Session::Bg {
  BgWorker worker;
  FiberId fiber = 0;
  std::uint64_t draw = 0;  // the worker's own sequence: which page, read or write
};

// --- the session ---------------------------------------------------------------------------

Result<std::unique_ptr<Session>> Session::open(SessionOptions options,
                                               const std::function<Status(Session&)>& attach) {
  Result<storage::StorageOptions> preset = storage::storage_preset(options.preset);
  if (!preset.is_ok()) return preset.status();
  std::unique_ptr<Session> s(new Session(std::move(options)));
  s->storage_options_ = *preset;
  s->storage_options_.log.segment_bytes = s->options_.segment_size;
  s->storage_options_.log.cold_read_latency = s->options_.cold_latency;
  if (s->options_.fs == FsKind::kPosix) {
    if (s->options_.data_dir.empty()) {
      return Status::invalid_argument("--fs posix needs --data-dir DIR");
    }
    std::error_code ec;
    std::filesystem::create_directories(s->options_.data_dir, ec);
    if (ec) {
      return Status::io_error("cannot create " + s->options_.data_dir + ": " + ec.message());
    }
    s->host_ = std::make_unique<PosixHost>(s->options_.data_dir);
  } else {
    s->host_ = std::make_unique<SimHost>(s->options_.seed);
  }
  Session* raw = s.get();
  s->host_->set_listener(
      [raw](std::string_view kind, std::span<const Field> fields) { raw->deliver(kind, fields); });
  if (attach) AURORA_RETURN_IF_ERROR(attach(*s));
  AURORA_RETURN_IF_ERROR(s->open_storage());
  return s;
}

Session::Session(SessionOptions options) : options_(std::move(options)) {}

Session::~Session() {
  nodes_.clear();
  storage_.reset();
}

Nanos Session::now() const { return host_->now(); }

void Session::deliver(std::string_view kind, std::span<const Field> fields) {
  Scheduler& sched = host_->sched();
  const FiberId fiber = sched.in_fiber() ? sched.current() : 0;
  const std::string_view name = fiber != 0 ? std::string_view(sched.fiber_name(fiber)) : "";
  const Event e{++events_, kind, host_->now(), fiber, name, fields};
  for (const EventListener& l : listeners_) l(e);
}

void Session::emit(std::string_view kind, std::initializer_list<Field> fields) {
  host_->runtime().events.emit(kind, fields);
}

bool Session::run(std::function<void()> body) {
  host_->sched().spawn(host_->node(), "shell", std::move(body));
  const RunOutcome out = host_->run({});
  if (out.kind == RunOutcome::Kind::kCompleted) return true;
  emit("shell.stuck", {{"why", std::string_view(out.describe())}});
  return false;
}

namespace {
Status stuck() { return Status::stopped("the engine did not finish the operation (deadlock)"); }
Status down() { return Status::node_down("the storage is down: recover first"); }
}  // namespace

Status Session::open_storage() {
  Result<std::unique_ptr<storage::Storage>> opened = stuck();
  const Nanos start = now();
  if (!run([&] { opened = storage::Storage::open(host_->runtime(), storage_options_); })) {
    opened = stuck();  // whatever the fiber got, the host did not settle
  } else {
    metrics_.record("recover", now() - start, opened.is_ok());
  }
  if (!opened.is_ok()) {
    // The engine names the file inside the volume; the user knows the volume by the
    // directory they gave (or not: a simulated one), so the message says which.
    const std::string volume = options_.fs == FsKind::kPosix
                                   ? "the volume in " + options_.data_dir
                                   : std::string("the simulated volume");
    open_failure_ =
        Status(opened.kind(), volume + " cannot be opened: " + opened.status().message());
    return open_failure_;
  }
  open_failure_ = Status::ok();
  storage_ = std::move(opened).value();
  for (int i = 0; i < kNodes; ++i) {
    nodes_.push_back(std::make_unique<compute::ComputeNode>(*storage_, std::string(node_name(i))));
  }
  for (auto& bg : bg_) start_bg_fiber(*bg);
  const SessionState st = state();
  emit("shell.open", {{"vcl", st.vcl}, {"vdl", st.vdl}, {"epoch", st.epoch}});
  return Status::ok();
}

Result<Lsn> Session::put(NodeIndex n, PageId page, std::uint32_t offset,
                         std::span<const std::byte> bytes) {
  if (!storage_) return down();
  compute::Mtr mtr;
  mtr.put(page, offset, bytes);
  emit("shell.put", {{"node", node_name(n)}, {"page", page}, {"offset", offset}, {"len", bytes.size()}});
  Result<Lsn> cpl = stuck();
  const Nanos start = now();
  if (!run([&] { cpl = nodes_[static_cast<std::size_t>(n)]->commit(mtr); })) return stuck();
  metrics_.record("put", now() - start, cpl.is_ok());
  if (cpl.is_ok()) emit("shell.put_done", {{"node", node_name(n)}, {"cpl", *cpl}});
  return cpl;
}

Result<std::vector<std::byte>> Session::get(NodeIndex n, PageId page, std::optional<Lsn> at) {
  if (!storage_) return down();
  compute::ComputeNode& node = *nodes_[static_cast<std::size_t>(n)];
  emit("shell.get", {{"node", node_name(n)}, {"page", page}, {"at", at.value_or(node.read_point())}});
  Result<std::vector<std::byte>> got = stuck();
  const Nanos start = now();
  if (!run([&] { got = at ? storage_->read(page, *at) : node.read(page); })) return stuck();
  metrics_.record("get", now() - start, got.is_ok());
  return got;
}

Result<Lsn> Session::refresh(NodeIndex n) {
  if (!storage_) return down();
  Result<Lsn> rp = stuck();
  const Nanos start = now();
  if (!run([&] { rp = nodes_[static_cast<std::size_t>(n)]->refresh(); })) return stuck();
  metrics_.record("refresh", now() - start, rp.is_ok());
  if (rp.is_ok()) emit("shell.refresh", {{"node", node_name(n)}, {"read_point", *rp}});
  return rp;
}

Status Session::sync() {
  if (!storage_) return down();
  Status s = stuck();
  const Nanos start = now();
  if (!run([&] { s = storage_->sync(); })) return stuck();
  metrics_.record("sync", now() - start, s.is_ok());
  return s;
}

Status Session::crash() {
  if (!storage_) return Status::invalid_argument("the storage is already down");
  emit("shell.crash", {});
  host_->crash();
  for (auto& bg : bg_) bg->fiber = 0;  // killed with the node
  nodes_.clear();
  storage_.reset();
  metrics_.record("crash", 0, true);
  return Status::ok();
}

Status Session::recover() {
  if (storage_) return Status::invalid_argument("the storage is up: crash it first");
  host_->restart();
  return open_storage();
}

void Session::sleep(Nanos d) {
  (void)run([&] { host_->runtime().clock.sleep_for(d); });
}

Status Session::set_fault(std::string_view name, bool on, double probability) {
  AURORA_RETURN_IF_ERROR(host_->set_fault(name, on, probability));
  emit("shell.fault", {{"kind", name}, {"on", on}});
  return Status::ok();
}

// --- background workers ------------------------------------------------------------------

Status Session::start_bg(NodeIndex n, BgKind kind, Nanos every) {
  if (every <= 0) return Status::invalid_argument("a background worker needs a period > 0 ms");
  auto bg = std::make_unique<Bg>();
  bg->worker = BgWorker{.node = n, .kind = kind, .every = every};
  bg_.push_back(std::move(bg));
  if (storage_) start_bg_fiber(*bg_.back());
  return Status::ok();
}

void Session::start_bg_fiber(Bg& bg) {
  // A daemon: it runs while operations and sleeps move time, never on its own.
  bg.fiber = host_->sched().spawn(
      host_->node(), std::string("bg.").append(node_name(bg.worker.node)),
      [this, &bg] {
        for (;;) {
          host_->runtime().clock.sleep_for(bg.worker.every);
          const std::uint64_t draw = bg.draw++;
          const PageId page = draw % 8;
          const bool write = bg.worker.kind == BgKind::kWrite ||
                             (bg.worker.kind == BgKind::kMixed && draw % 2 == 0);
          compute::ComputeNode& node = *nodes_[static_cast<std::size_t>(bg.worker.node)];
          const Nanos start = now();
          bool ok = false;
          if (write) {
            const std::string text = std::string("bg").append(node_name(bg.worker.node)).append(std::to_string(draw));
            compute::Mtr mtr;
            mtr.put(page, 0, as_bytes(text));
            ok = node.commit(mtr).is_ok();
          } else {
            ok = node.read(page).is_ok();
          }
          metrics_.record(write ? "bg.write" : "bg.read", now() - start, ok);
          ++bg.worker.ops;
          if (!ok) ++bg.worker.errors;
        }
      },
      /*daemon=*/true);
}

void Session::stop_bg(NodeIndex n) {
  for (auto it = bg_.begin(); it != bg_.end();) {
    if ((*it)->worker.node == n) {
      if ((*it)->fiber != 0) host_->sched().kill((*it)->fiber);
      it = bg_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<BgWorker> Session::bg_workers() const {
  std::vector<BgWorker> out;
  for (const auto& bg : bg_) out.push_back(bg->worker);
  return out;
}

SessionState Session::state() const {
  SessionState s;
  s.now = now();
  if (!storage_) return s;
  s.up = true;
  s.vcl = storage_->vcl();
  s.vdl = storage_->vdl();
  s.next_lsn = storage_->log().next_lsn();
  s.epoch = storage_->epoch();
  s.gc_floor = storage_->log().gc_floor();
  for (int i = 0; i < kNodes; ++i) s.read_point[i] = nodes_[static_cast<std::size_t>(i)]->read_point();
  return s;
}

}  // namespace aurora::shell
