#include "engine/compute/compute_node.h"

#include <algorithm>

namespace aurora::compute {

ComputeNode::ComputeNode(StorageService& storage, std::string name, ComputeOptions options)
    : storage_(storage), name_(std::move(name)), options_(options), pool_(options.buffer_pages) {
  start();
}

ComputeNode::ComputeNode(storage::Storage& storage, std::string name, ComputeOptions options,
                         CommitObserver observer)
    : local_(std::make_unique<LocalStorage>(storage, std::move(observer))),
      storage_(*local_),
      name_(std::move(name)),
      options_(options),
      pool_(options.buffer_pages) {
  start();
}

// A storage that is down now leaves the node without a read point (0, unpinned); its first
// read refreshes, since GC may long have passed 0.
void ComputeNode::start() {
  if (Result<Lsn> vdl = storage_.vdl(); vdl.is_ok()) read_point_ = *vdl;
  if (Result<ReadPointId> pin = storage_.pin(read_point_); pin.is_ok()) pin_ = *pin;
}

ComputeNode::~ComputeNode() {
  if (pin_) storage_.unpin(*pin_);
}

void ComputeNode::advance_to(Lsn at) {
  if (at <= read_point_) return;  // read points only move forward
  read_point_ = at;
  if (pin_) {
    storage_.move(*pin_, at);
  } else if (Result<ReadPointId> pin = storage_.pin(at); pin.is_ok()) {
    pin_ = *pin;
  }
}

Result<Lsn> ComputeNode::commit(const Mtr& mtr, const MtrId& id) {
  AURORA_ASSERT(!mtr.empty(), "an empty MTR");
  Result<Lsn> cpl = storage_.commit(id, mtr.redo());
  if (!cpl.is_ok()) return cpl;
  ++stats_.commits;
  advance_to(*cpl);  // read your own writes
  return cpl;
}

Result<Lsn> ComputeNode::refresh() {
  ++stats_.refreshes;
  Result<Lsn> vdl = storage_.vdl();
  if (!vdl.is_ok()) return vdl;
  advance_to(*vdl);
  return read_point_;
}

Result<std::vector<std::byte>> ComputeNode::read(PageId page) {
  ++stats_.reads;
  if (!pin_ || read_point_lost_) {
    Result<Lsn> rp = refresh();
    if (!rp.is_ok()) return rp.status();
    read_point_lost_ = false;
  }
  Result<Lsn> version = storage_.version_at(page, read_point_);
  if (!version.is_ok()) {
    read_point_lost_ = version.kind() == ErrorKind::kOutOfRange;
    return version.status();
  }
  const std::pair<PageId, Lsn> key{page, *version};
  if (const std::vector<std::byte>* hit = pool_.get(key)) {
    ++stats_.buffer_hits;
    return *hit;
  }
  ++stats_.buffer_misses;
  Result<std::vector<std::byte>> bytes = storage_.read(page, read_point_);
  if (bytes.is_ok()) pool_.put(key, *bytes);
  read_point_lost_ = !bytes.is_ok() && bytes.kind() == ErrorKind::kOutOfRange;
  return bytes;
}

}  // namespace aurora::compute
