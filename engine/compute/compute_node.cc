#include "engine/compute/compute_node.h"

#include <algorithm>

namespace aurora::compute {

ComputeNode::ComputeNode(storage::Storage& storage, std::string name, ComputeOptions options)
    : storage_(storage),
      name_(std::move(name)),
      read_point_(storage.vdl()),
      pin_(storage.pin(read_point_)),
      pool_(options.buffer_pages) {}

ComputeNode::~ComputeNode() { storage_.unpin(pin_); }

void ComputeNode::advance_to(Lsn at) {
  AURORA_ASSERT(at <= storage_.vdl(), "a read point above VDL");
  if (at <= read_point_) return;  // read points only move forward
  read_point_ = at;
  storage_.move(pin_, at);
}

Result<Lsn> ComputeNode::commit(const Mtr& mtr, const std::function<void(Lsn)>& on_appended) {
  AURORA_ASSERT(!mtr.empty(), "an empty MTR");
  Result<Lsn> cpl = storage_.commit(mtr.redo(), on_appended);
  if (!cpl.is_ok()) return cpl;
  ++stats_.commits;
  advance_to(*cpl);  // read your own writes
  return cpl;
}

Lsn ComputeNode::refresh() {
  ++stats_.refreshes;
  advance_to(storage_.vdl());
  return read_point_;
}

Result<std::vector<std::byte>> ComputeNode::read(PageId page) {
  ++stats_.reads;
  const std::pair<PageId, Lsn> key{page, storage_.version_at(page, read_point_)};
  if (const std::vector<std::byte>* hit = pool_.get(key)) {
    ++stats_.buffer_hits;
    return *hit;
  }
  ++stats_.buffer_misses;
  Result<std::vector<std::byte>> bytes = storage_.read(page, read_point_);
  if (bytes.is_ok()) pool_.put(key, *bytes);
  return bytes;
}

}  // namespace aurora::compute
