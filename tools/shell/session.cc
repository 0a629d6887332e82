#include "tools/shell/session.h"

#include <filesystem>
#include <string>

#include "engine/compute/remote_storage.h"
#include "engine/compute/storage_server.h"
#include "engine/runtime/assert.h"
#include "engine/storage/presets.h"
#include "tools/shell/session_host.h"
#include "tools/shell/topology.h"

namespace aurora::shell {

static_assert(kTopology[1].name == "A" && kTopology[2].name == "B",
              "the topology's compute nodes are A and B, in the order of NodeIndex");

std::string_view node_name(NodeIndex n) { return kTopology[n == 0 ? 1 : 2].name; }

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
    s->host_ = SessionHost::posix(s->options_.data_dir);
  } else {
    s->host_ = SessionHost::simulated(s->options_.seed);
  }
  Session* raw = s.get();
  s->host_->set_listener(
      [raw](std::string_view kind, std::span<const Field> fields) { raw->deliver(kind, fields); });
  if (attach) AURORA_RETURN_IF_ERROR(attach(*s));
  s->announce_network();
  AURORA_RETURN_IF_ERROR(s->open_storage());
  return s;
}

Session::Session(SessionOptions options) : options_(std::move(options)) {}

Session::~Session() {
  // Nothing of the teardown reaches the listeners, which may be gone by now.
  if (host_) {
    host_->set_listener(nullptr);
    tear_down();
  }
}

Nanos Session::now() const { return host_->now(); }

void Session::deliver(std::string_view kind, std::span<const Field> fields) {
  Scheduler& sched = host_->sched();
  const FiberId fiber = sched.in_fiber() ? sched.current() : 0;
  const std::string_view name = fiber != 0 ? std::string_view(sched.fiber_name(fiber)) : "";
  const std::string_view node = fiber != 0 ? host_->node_name(sched.current_node()) : "";
  const Event e{++events_, kind, host_->now(), fiber, name, fields, node};
  for (const EventListener& l : listeners_) l(e);
}

void Session::emit(std::string_view kind, std::initializer_list<Field> fields) {
  host_->runtime(host_->storage_node()).events.emit(kind, fields);
}

bool Session::run(NodeId where, std::function<void()> body) {
  host_->sched().spawn(where, "shell", std::move(body));
  const RunOutcome out = host_->run({});
  if (out.kind == RunOutcome::Kind::kCompleted) return true;
  emit("shell.stuck", {{"why", std::string_view(out.describe())}});
  return false;
}

namespace {

Status stuck() { return Status::stopped("the engine did not finish the operation (deadlock)"); }
Status down() { return Status::node_down("the storage is down: recover first"); }

// Each call of a compute node to the storage over the network: an attempt waits this long
// for its answer, and a call gives up after this many (RemoteStorage's defaults).
constexpr compute::RemoteOptions kRemote{};

// A call through node `n` that no answer came back for (kTimeout from the network's link).
Status no_answer(NodeIndex n, std::string_view what, const Status& s) {
  return Status::timeout(std::string(node_name(n)).append("'s ").append(what).append(
      " got no answer from the storage in time: ").append(s.message()));
}

// A put without an answer: it may have been appended with only its answer lost (a
// partition of the answers' way, a lost message), or not (its request never arrived).
Status outcome_unknown(NodeIndex n, const Status& s) {
  return Status::timeout(std::string("the outcome of ").append(node_name(n)).append(
      "'s put is unknown: no answer came from the storage in time, so the MTR may have been "
      "appended or not (a read once the network heals tells which): ").append(s.message()));
}

}  // namespace

Status Session::open_storage() {
  Result<std::unique_ptr<storage::Storage>> opened = stuck();
  std::unique_ptr<compute::StorageServer> server;
  const NodeId where = host_->storage_node();
  const Nanos start = now();
  const bool settled = run(where, [&] {
    const Runtime rt = host_->runtime(where);
    opened = storage::Storage::open(rt, storage_options_);
    if (!opened.is_ok() || host_->network() == nullptr) return;
    // Its compute nodes reach it here. The port is the session's own, free on a node that
    // just (re)started: anything else is a bug.
    Result<std::unique_ptr<compute::StorageServer>> started =
        compute::StorageServer::start(rt, **opened);
    AURORA_ASSERT(started.is_ok(), "the storage's port on a node that just started: " +
                                       started.status().to_string());
    server = std::move(started).value();
  });
  if (!settled) {
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
  server_ = std::move(server);
  if (!start_compute_nodes()) {
    tear_down();  // down, as after a crash: recover() tries again
    return stuck();
  }
  for (auto& bg : bg_) start_bg_fiber(*bg);
  const SessionState st = state();
  emit("shell.open", {{"vcl", st.vcl}, {"vdl", st.vdl}, {"epoch", st.epoch}});
  return Status::ok();
}

bool Session::start_compute_nodes() {
  for (int i = 0; i < kNodes; ++i) {
    const NodeId where = host_->compute_node(i);
    std::unique_ptr<compute::StorageService> link;
    std::unique_ptr<compute::ComputeNode> node;
    // The node starts by asking the storage for VDL and pinning it: calls over the network
    // in simulation, so in a fiber of its own node.
    const bool settled = run(where, [&] {
      const Runtime rt = host_->runtime(where);
      if (host_->network() != nullptr) {
        Result<std::unique_ptr<compute::RemoteStorage>> remote = compute::RemoteStorage::open(
            rt, Address{host_->storage_node(), compute::StorageServer::kPort}, kRemote);
        AURORA_ASSERT(remote.is_ok(), "a free port on a node that just started: " +
                                          remote.status().to_string());
        link = std::move(remote).value();
      } else {
        link = std::make_unique<compute::LocalStorage>(*storage_);
      }
      node = std::make_unique<compute::ComputeNode>(
          *link, std::string(node_name(i)),
          compute::ComputeOptions{.node = rt.node, .incarnation = rt.incarnation});
    });
    if (!settled || node == nullptr) return false;
    links_.push_back(std::move(link));
    nodes_.push_back(std::move(node));
  }
  return true;
}

void Session::tear_down() {
  // Fibers first: a background worker may be waiting inside a compute node's call, and
  // unwinding its stack touches the link it waits on.
  host_->crash();
  for (auto& bg : bg_) bg->fiber = 0;  // killed with their node
  nodes_.clear();
  links_.clear();
  server_.reset();
  storage_.reset();
}

Result<Lsn> Session::put(NodeIndex n, PageId page, std::uint32_t offset,
                         std::span<const std::byte> bytes) {
  if (!storage_) return down();
  compute::Mtr mtr;
  mtr.put(page, offset, bytes);
  emit("shell.put", {{"node", node_name(n)}, {"page", page}, {"offset", offset}, {"len", bytes.size()}});
  Result<Lsn> cpl = stuck();
  const Nanos start = now();
  compute::ComputeNode& node = *nodes_[static_cast<std::size_t>(n)];
  if (!run(host_->compute_node(n), [&] { cpl = node.commit(mtr); })) return stuck();
  metrics_.record("put", now() - start, cpl.is_ok());
  if (cpl.is_ok()) {
    emit("shell.put_done", {{"node", node_name(n)}, {"cpl", *cpl}});
  } else if (cpl.kind() == ErrorKind::kTimeout) {
    emit("shell.put_unknown", {{"node", node_name(n)}});
    return outcome_unknown(n, cpl.status());
  }
  return cpl;
}

Result<std::vector<std::byte>> Session::get(NodeIndex n, PageId page, std::optional<Lsn> at) {
  if (!storage_) return down();
  const auto i = static_cast<std::size_t>(n);
  compute::ComputeNode& node = *nodes_[i];
  compute::StorageService& link = *links_[i];
  emit("shell.get", {{"node", node_name(n)}, {"page", page}, {"at", at.value_or(node.read_point())}});
  Result<std::vector<std::byte>> got = stuck();
  const Nanos start = now();
  if (!run(host_->compute_node(n), [&] { got = at ? link.read(page, *at) : node.read(page); })) {
    return stuck();
  }
  metrics_.record("get", now() - start, got.is_ok());
  if (got.kind() == ErrorKind::kTimeout) return no_answer(n, "get", got.status());
  return got;
}

Result<Lsn> Session::refresh(NodeIndex n) {
  if (!storage_) return down();
  Result<Lsn> rp = stuck();
  const Nanos start = now();
  compute::ComputeNode& node = *nodes_[static_cast<std::size_t>(n)];
  if (!run(host_->compute_node(n), [&] { rp = node.refresh(); })) return stuck();
  metrics_.record("refresh", now() - start, rp.is_ok());
  if (rp.is_ok()) emit("shell.refresh", {{"node", node_name(n)}, {"read_point", *rp}});
  if (rp.kind() == ErrorKind::kTimeout) return no_answer(n, "refresh", rp.status());
  return rp;
}

Status Session::sync() {
  if (!storage_) return down();
  Status s = stuck();
  const Nanos start = now();
  if (!run(host_->storage_node(), [&] { s = storage_->sync(); })) return stuck();
  metrics_.record("sync", now() - start, s.is_ok());
  return s;
}

Status Session::crash() {
  if (!storage_) return Status::invalid_argument("the storage is already down");
  emit("shell.crash", {});
  tear_down();
  metrics_.record("crash", 0, true);
  return Status::ok();
}

Status Session::recover() {
  if (storage_) return Status::invalid_argument("the storage is up: crash it first");
  host_->restart();
  return open_storage();
}

void Session::sleep(Nanos d) {
  const NodeId where = host_->storage_node();
  (void)run(where, [&] { host_->runtime(where).clock.sleep_for(d); });
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
  const NodeId where = host_->compute_node(bg.worker.node);
  bg.fiber = host_->sched().spawn(
      where, std::string("bg.").append(node_name(bg.worker.node)),
      [this, &bg, where] {
        for (;;) {
          host_->runtime(where).clock.sleep_for(bg.worker.every);
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
