#include "engine/storage/storage.h"

#include <algorithm>

namespace aurora::storage {

Result<std::unique_ptr<Storage>> Storage::open(Runtime rt, StorageOptions options) {
  std::unique_ptr<Storage> s(new Storage(rt, std::move(options)));
  Result<std::unique_ptr<wal::Log>> log = wal::Log::open(rt, s->options_.log);
  if (!log.is_ok()) return log.status();
  s->log_ = std::move(log).value();
  Result<std::unique_ptr<PageStore>> pages =
      PageStore::open(rt, *s->log_, s->options_.log.dir, s->options_.pages);
  if (!pages.is_ok()) return pages.status();
  s->pages_ = std::move(pages).value();
  Storage* raw = s.get();
  s->maintenance_ = rt.spawn("storage.maintenance", [raw] { raw->maintenance_loop(); },
                             /*daemon=*/true);
  return s;
}

Storage::~Storage() {
  // The maintenance fiber references this object: it must never run again.
  // Members then go in reverse declaration order: the pages before the log they read.
  if (maintenance_ != 0) rt_.sched.kill(maintenance_);
}

Result<Lsn> Storage::commit(std::span<const wal::Redo> mtr, const CommitHooks& hooks) {
  for (const wal::Redo& r : mtr) {
    if (static_cast<std::uint64_t>(r.offset) + r.bytes.size() > options_.pages.page_size) {
      return Status::invalid_argument("redo of " + std::to_string(r.bytes.size()) +
                                      " bytes at offset " + std::to_string(r.offset) +
                                      " does not fit a page of " +
                                      std::to_string(options_.pages.page_size) + " bytes");
    }
  }
  const Nanos start = rt_.clock.now();
  Result<Lsn> cpl = log_->append(mtr);
  if (!cpl.is_ok()) return cpl;
  if (hooks.appended) hooks.appended(*cpl);
  AURORA_RETURN_IF_ERROR(log_->wait_durable(*cpl));
  if (hooks.acknowledged) hooks.acknowledged(*cpl);
  commit_ns_.record(static_cast<std::uint64_t>(rt_.clock.now() - start));
  return cpl;
}

Lsn Storage::version_at(PageId page, Lsn at) const {
  return std::max(log_->newest_version_at(page, at), pages_->image_at(page, at));
}

ReadPointId Storage::pin(Lsn at) {
  AURORA_ASSERT(at <= log_->vdl(), "a read point above VDL");
  const ReadPointId id = next_pin_++;
  pins_[id] = at;
  return id;
}

void Storage::move(ReadPointId id, Lsn at) {
  AURORA_ASSERT(at <= log_->vdl(), "a read point above VDL");
  auto it = pins_.find(id);
  AURORA_ASSERT(it != pins_.end(), "moving a read point that is not pinned");
  it->second = at;
}

void Storage::unpin(ReadPointId id) { pins_.erase(id); }

Lsn Storage::min_read_point() const {
  Lsn bound = log_->vdl();
  for (const auto& [id, at] : pins_) bound = std::min(bound, at);
  return bound;
}

Status Storage::maintain() {
  Result<std::size_t> imaged = pages_->write_images(log_->vdl());
  if (!imaged.is_ok()) return imaged.status();
  const Lsn bound = min_read_point();
  if (options_.gc) {
    Result<std::size_t> collected = pages_->collect(bound);
    if (!collected.is_ok()) return collected.status();
  }
  if (options_.tiered) {
    // Tiering loses nothing, so it is not held back by read points: every sealed segment
    // goes cold (were it bounded like GC, GC would always have taken the segment first).
    Result<std::size_t> moved = log_->tier_sealed_segments(log_->vdl() + 1);
    if (!moved.is_ok()) return moved.status();
  }
  return Status::ok();
}

void Storage::maintenance_loop() {
  while (!log_->stopped()) {
    rt_.clock.sleep_for(options_.maintenance_interval);
    const Status s = maintain();
    if (!s.is_ok()) {
      // Background work fails on an I/O error, and some of those are fsync errors, which
      // are never retried (DESIGN.md invariant 11): the incarnation stops, acknowledging
      // nothing more, and the next one recovers from what is durable. Nothing acknowledged
      // depended on the failed work: images are used only once their own fsync succeeded,
      // and GC and tiering change the log's files only after a durable control file.
      rt_.events.emit("storage.maintenance_failed", {{"error", std::string_view(s.to_string())}});
      log_->stop(Status(s.kind(), "background work failed: " + s.message()));
    }
  }
}

}  // namespace aurora::storage
