#include "engine/compute/remote_storage.h"

#include <algorithm>
#include <optional>
#include <string>

namespace aurora::compute {

namespace {

template <class T>
struct Call {
  explicit Call(Scheduler& sched) : done(sched) {}
  Event done;
  std::optional<Result<T>> result;

  void finish(Result<T> r) {
    if (result.has_value()) return;  // the first answer wins: the work's, or the crash's
    result.emplace(std::move(r));
    done.set();
  }
};

}  // namespace

void RemoteStorage::connect(storage::Storage& storage, Runtime storage_rt) {
  storage_ = &storage;
  storage_node_ = storage_rt.node;
  storage_rt_ = std::make_unique<Runtime>(storage_rt);
  for (auto& [id, pin] : pins_) {
    // Recovery never goes below a read point a node acted on (invariant 4); should it have
    // (media faults), the pin holds the recovered VDL instead.
    pin.first = std::min(pin.first, storage.vdl());
    pin.second = storage.pin(pin.first);
  }
}

void RemoteStorage::disconnect() {
  storage_ = nullptr;
  storage_rt_.reset();
  auto calls = std::move(under_way_);
  under_way_.clear();
  for (auto& [id, fail] : calls) fail();
}

Status RemoteStorage::down(const char* what) const {
  return Status::node_down(std::string(what) + ": the storage is down");
}

template <class T>
Result<T> RemoteStorage::call(const char* what,
                              std::function<Result<T>(storage::Storage&)> work) {
  if (storage_ == nullptr) return down(what);
  auto c = std::make_shared<Call<T>>(sched_);
  const std::uint64_t id = next_call_++;
  under_way_[id] = [c] { c->finish(Status::node_down("the storage crashed during the call")); };
  struct Forget {  // also when the caller is killed while it waits
    std::map<std::uint64_t, std::function<void()>>& calls;
    std::uint64_t id;
    ~Forget() { calls.erase(id); }
  } forget{under_way_, id};
  storage::Storage* target = storage_;
  // Killed mid-call by a crash of the storage node, this fiber never answers; the caller
  // hears of the crash from disconnect().
  storage_rt_->spawn(std::string("rpc.").append(what),
                     [c, target, work = std::move(work)] { c->finish(work(*target)); });
  c->done.wait(what);
  return std::move(*c->result);
}

Result<Lsn> RemoteStorage::commit(std::span<const wal::Redo> mtr,
                                  const storage::CommitHooks& hooks) {
  return call<Lsn>("commit", [request = std::vector<wal::Redo>(mtr.begin(), mtr.end()),
                              hooks](storage::Storage& s) {
    return s.commit(request, hooks);
  });
}

Result<std::vector<std::byte>> RemoteStorage::read(PageId page, Lsn at) {
  return call<std::vector<std::byte>>("read",
                                      [page, at](storage::Storage& s) { return s.read(page, at); });
}

Status RemoteStorage::sync() {
  return call<bool>("sync", [](storage::Storage& s) -> Result<bool> {
           AURORA_RETURN_IF_ERROR(s.sync());
           return true;
         })
      .status();
}

Result<Lsn> RemoteStorage::version_at(PageId page, Lsn at) {
  if (storage_ == nullptr) return down("version_at");
  return storage_->version_at(page, at);
}

Result<Lsn> RemoteStorage::vdl() {
  if (storage_ == nullptr) return down("vdl");
  return storage_->vdl();
}

Result<ReadPointId> RemoteStorage::pin(Lsn at) {
  if (storage_ == nullptr) return down("pin");
  const ReadPointId id = next_pin_++;
  pins_[id] = {at, storage_->pin(at)};
  return id;
}

void RemoteStorage::move(ReadPointId id, Lsn at) {
  auto it = pins_.find(id);
  AURORA_ASSERT(it != pins_.end(), "moving a read point that is not pinned");
  it->second.first = at;
  if (storage_ != nullptr) storage_->move(it->second.second, at);
}

void RemoteStorage::unpin(ReadPointId id) {
  auto it = pins_.find(id);
  if (it == pins_.end()) return;
  if (storage_ != nullptr) storage_->unpin(it->second.second);
  pins_.erase(it);
}

}  // namespace aurora::compute
