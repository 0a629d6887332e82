#include "workloads/smoke/file_churn.h"

#include <algorithm>
#include <map>

#include "engine/runtime/assert.h"

namespace aurora::workloads {
namespace {

constexpr const char* kDir = "data";
constexpr int kRecoveryAttempts = 8;  // reads of a file at recovery before it counts as lost
constexpr int kLivenessRounds = 2000; // 1 ms virtual each: the liveness phase's bound

std::string file_path(int writer) { return std::string(kDir) + "/w" + std::to_string(writer) + ".log"; }

std::string show(std::string_view bytes, std::size_t at) {
  // A short excerpt around `at`, for violation messages.
  const std::size_t from = at > 8 ? at - 8 : 0;
  std::string out;
  for (std::size_t i = from; i < std::min(bytes.size(), at + 8); ++i) {
    static const char* hex = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(bytes[i]);
    out += hex[c >> 4];
    out += hex[c & 15];
    out += i == at ? '*' : ' ';
  }
  return out;
}

}  // namespace

// The model: what each file should hold, kept outside the nodes so crashes do not touch it.
struct FileModel {
  std::string written;         // every byte the writer was told was written, in order
  std::size_t acknowledged = 0;  // prefix made durable: fsync of file and directory OK
  bool dir_durable = false;    // the file's directory entry is durable
};

struct FileChurn::State {
  State(sim::World& w, FileChurnOptions o) : world(w), options(o) {}

  sim::World& world;
  FileChurnOptions options;
  std::vector<NodeId> nodes;
  std::map<std::pair<NodeId, int>, FileModel> files;  // (node, writer) -> model
  // An fsync (of any file or directory) failed in the node's current incarnation. The
  // failure is reported once, to one caller; a later fsync by another writer returns OK
  // without making the dropped operations durable. So one failure stops every writer of
  // the node until a restart (DESIGN.md invariant 11).
  std::map<NodeId, bool> incarnation_failed;
  std::vector<Violation> violations;
  std::uint64_t ops_left = 0;
  std::uint64_t ops_done = 0;
  std::uint64_t crashes = 0;
  std::uint64_t recoveries_checked = 0;
  std::uint64_t corruptions_reported = 0;
  int booting = 0;  // boot fibers still recovering

  void violate(std::string invariant, std::string message) {
    world.trace().emit("check.violation", {{"invariant", std::string_view(invariant)},
                                           {"message", std::string_view(message)}});
    violations.push_back({std::move(invariant), std::move(message), world.sched().now(),
                          world.trace().events()});
  }

  std::string where(NodeId node, int writer) const {
    return world.node_name(node) + ":" + file_path(writer);
  }

  void boot(Runtime rt);
  bool recover_file(Runtime rt, int writer, FileHandle& handle);
  void writer_loop(Runtime rt, int writer, FileHandle handle);
  void drive();
};

// --- recovery: check what survived, then cut the file back to its acknowledged prefix ---

bool FileChurn::State::recover_file(Runtime rt, int writer, FileHandle& handle) {
  FileModel& m = files[{rt.node, writer}];
  const std::string path = file_path(writer);
  Result<bool> present = rt.fs.exists(path);
  if (!present.is_ok()) return false;
  if (!*present) {
    if (options.check_content && m.acknowledged > 0) {
      violate("durability", where(rt.node, writer) + ": file with " +
                                std::to_string(m.acknowledged) +
                                " acknowledged bytes is gone after the crash");
    }
    m = FileModel{};
  } else {
    m.dir_durable = true;  // it survived a crash, so its entry was durable
  }
  Result<FileHandle> h = rt.fs.open(path, OpenMode::kCreate);
  if (!h.is_ok()) return false;
  handle = *h;
  Result<std::uint64_t> size = rt.fs.size(handle);
  if (!size.is_ok()) return false;
  std::string bytes(*size, '\0');
  Status read = read_exact(rt.fs, handle, 0, std::as_writable_bytes(std::span(bytes)));
  for (int attempt = 1; !read.is_ok() && attempt < kRecoveryAttempts; ++attempt) {
    read = read_exact(rt.fs, handle, 0, std::as_writable_bytes(std::span(bytes)));  // read EIO is transient
  }
  if (!read.is_ok()) {
    if (options.check_content) {
      violate("durability", where(rt.node, writer) + ": unreadable after " +
                                std::to_string(kRecoveryAttempts) + " attempts: " +
                                read.to_string());
    }
    // A sector that stays unreadable is media corruption: one copy cannot bring it back.
    // Report the loss and start the file over, so the node can make progress.
    world.trace().emit("check.corruption_reported",
                       {{"file", std::string_view(path)}, {"lost", m.acknowledged}});
    ++corruptions_reported;
    m = FileModel{.dir_durable = m.dir_durable};
    bytes.clear();
  }
  if (options.check_content) {
    ++recoveries_checked;
    if (bytes.size() < m.acknowledged) {
      violate("durability", where(rt.node, writer) + ": expected at least " +
                                std::to_string(m.acknowledged) +
                                " acknowledged bytes, found " + std::to_string(bytes.size()));
    } else {
      const auto [ours, theirs] =
          std::mismatch(m.written.begin(), m.written.begin() + m.acknowledged, bytes.begin());
      if (ours != m.written.begin() + m.acknowledged) {
        const auto at = static_cast<std::size_t>(ours - m.written.begin());
        violate("durability", where(rt.node, writer) + ": acknowledged byte " +
                                  std::to_string(at) + " differs: expected [" +
                                  show(m.written, at) + "] found [" + show(bytes, at) + "]");
      }
    }
  }
  // Everything past the acknowledged prefix was never promised: cut it off durably.
  m.written.resize(std::min(m.written.size(), m.acknowledged));
  if (!rt.fs.truncate(handle, m.acknowledged).is_ok()) return false;
  if (!rt.fs.sync(handle).is_ok()) {
    incarnation_failed[rt.node] = true;  // an fsync failure is final for the incarnation
    return false;
  }
  return true;
}

void FileChurn::State::boot(Runtime rt) {
  incarnation_failed[rt.node] = false;
  ++booting;
  struct Done {
    int& n;
    ~Done() { --n; }
  } done{booting};
  Result<bool> dir = rt.fs.exists(kDir);
  if (!dir.is_ok()) return;
  if (!*dir) {
    if (!rt.fs.mkdir(kDir).is_ok() || !rt.fs.sync_dir("").is_ok()) return;
  }
  for (int w = 0; w < options.writers_per_node; ++w) {
    FileHandle handle;
    bool ok = false;
    ok = recover_file(rt, w, handle);
    if (!ok || incarnation_failed[rt.node]) {
      incarnation_failed[rt.node] = true;  // the driver restarts failed incarnations
      return;
    }
    rt.spawn("writer" + std::to_string(w), [this, rt, w, handle] { writer_loop(rt, w, handle); });
  }
}

// --- the writers ---

void FileChurn::State::writer_loop(Runtime rt, int writer, FileHandle handle) {
  FileModel& m = files[{rt.node, writer}];
  sim::Rng& rng = world.stream("node/" + world.node_name(rt.node));
  std::string record;
  bool& failed = incarnation_failed[rt.node];
  while (ops_left > 0 && !failed) {
    --ops_left;
    ++ops_done;
    const std::uint64_t action = rng.below(100);
    if (action < 70) {  // append
      record.resize(1 + rng.below(options.max_record));
      for (char& c : record) c = static_cast<char>(rng.next());
      Result<std::size_t> n = rt.fs.append(handle, as_bytes(record));
      if (n.is_ok()) m.written.append(record, 0, *n);
    } else if (action < 85) {  // make durable
      const std::size_t covered = m.written.size();
      // Never retry an fsync: on failure the incarnation stops and recovery sorts it out.
      // A success also counts only if no other writer's fsync failed meanwhile.
      if (!rt.fs.sync(handle).is_ok() || failed) {
        failed = true;
        break;
      }
      if (!m.dir_durable) {
        if (!rt.fs.sync_dir(kDir).is_ok() || failed) {
          failed = true;
          break;
        }
        m.dir_durable = true;
      }
      m.acknowledged = std::max(m.acknowledged, covered);
    } else if (!m.written.empty()) {  // read back a range
      const std::uint64_t off = rng.below(m.written.size());
      const std::uint64_t len = 1 + rng.below(std::min<std::uint64_t>(4096, m.written.size() - off));
      std::string got(len, '\0');
      const Status s = read_exact(rt.fs, handle, off, std::as_writable_bytes(std::span(got)));
      if (s.is_ok() && options.check_content &&
          std::string_view(got) != std::string_view(m.written).substr(off, len)) {
        violate("read-your-writes", where(rt.node, writer) + ": read of " + std::to_string(len) +
                                        " bytes at " + std::to_string(off) +
                                        " differs from what was written");
      }
    }
    rt.clock.sleep_for(static_cast<Nanos>(rng.below(200)) * kMicrosecond);
  }
}

// --- the driver: safety phase, liveness phase, final crash ---

void FileChurn::State::drive() {
  sim::Rng& rng = world.stream("workload");
  for (int c = 0; c < options.crashes; ++c) {
    world.clock().sleep_for(static_cast<Nanos>(500 + rng.below(5000)) * kMicrosecond);
    const NodeId victim = nodes[rng.below(nodes.size())];
    world.crash(victim);
    ++crashes;
    world.clock().sleep_for(static_cast<Nanos>(rng.below(2000)) * kMicrosecond);
    world.restart(victim);
  }
  // Liveness: faults off; nodes whose incarnation failed are restarted (recovery is how a
  // stopped incarnation comes back); the remaining work must finish within the bound.
  sim::FaultConfig& faults = world.faults().mutable_config();
  for (auto& rule : faults.rules) rule.enabled = false;
  world.trace().emit("phase.liveness");
  int round = 0;
  for (; round < kLivenessRounds && (ops_left > 0 || booting > 0); ++round) {
    world.clock().sleep_for(kMillisecond);
    for (NodeId node : nodes) {
      if (incarnation_failed[node] && booting == 0 && ops_left > 0) {
        world.crash(node);
        ++crashes;
        world.restart(node);
      }
    }
  }
  if (round == kLivenessRounds) {
    violate("liveness", std::to_string(ops_left) + " operations still pending after " +
                            std::to_string(kLivenessRounds) + " ms with faults off");
    ops_left = 0;
  }
  // Final: every node crashes once more and recovery checks everything acknowledged.
  world.trace().emit("phase.final");
  for (NodeId node : nodes) {
    world.crash(node);
    ++crashes;
    world.restart(node);
  }
}

FileChurn::FileChurn(sim::World& world, FileChurnOptions options)
    : state_(std::make_unique<State>(world, options)) {
  AURORA_ASSERT(options.nodes >= 1 && options.writers_per_node >= 1, "FileChurn needs writers");
  state_->ops_left = options.ops;
}

FileChurn::~FileChurn() = default;

void FileChurn::install() {
  State& s = *state_;
  for (int i = 0; i < s.options.nodes; ++i) {
    s.nodes.push_back(
        s.world.add_node(std::string("n").append(std::to_string(i + 1)),
                         [&s](Runtime rt) { s.boot(rt); }));
  }
  s.world.spawn("driver", [&s] { s.drive(); });
}

const std::vector<Violation>& FileChurn::violations() const { return state_->violations; }
std::uint64_t FileChurn::ops_done() const { return state_->ops_done; }
std::uint64_t FileChurn::crashes() const { return state_->crashes; }
std::uint64_t FileChurn::recoveries_checked() const { return state_->recoveries_checked; }
std::uint64_t FileChurn::corruptions_reported() const { return state_->corruptions_reported; }
std::uint64_t FileChurn::bytes_acknowledged() const {
  std::uint64_t total = 0;
  for (const auto& [key, m] : state_->files) total += m.acknowledged;
  return total;
}

}  // namespace aurora::workloads
