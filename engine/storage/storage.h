// Storage: one volume's storage side — the log and the pages materialized from it — with
// the registry of read points in use and the background work (page images, GC, tiering).
//
// The lowest read point still in use (Aurora's PGMRPL) bounds GC: the log below it may be
// collected (after its pages are imaged), never above it. Compute nodes pin their read
// point here; with no pin, VDL is the bound.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "engine/storage/page_store.h"
#include "engine/storage/volume.h"
#include "engine/wal/log.h"

namespace aurora::storage {

struct StorageOptions {
  wal::LogOptions log;
  PageStoreOptions pages;
  Nanos maintenance_interval = 10 * kMillisecond;  // background images, GC, tiering
  bool gc = true;
  bool tiered = false;  // move every sealed segment to the cold tier
};

class Storage final : public Volume {
 public:
  // Opens (recovering) the volume and starts the maintenance fiber.
  static Result<std::unique_ptr<Storage>> open(Runtime rt, StorageOptions options);
  ~Storage() override;

  // Volume (volume.h). read: see PageStore::read.
  Result<Lsn> commit(std::span<const wal::Redo> mtr, const CommitHooks& hooks) override;
  Result<Lsn> commit(std::span<const wal::Redo> mtr) { return commit(mtr, CommitHooks{}); }
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override {
    return pages_->read(page, at);
  }
  Lsn version_at(PageId page, Lsn at) const override;
  Status sync() override { return log_->sync(); }
  Lsn vdl() const override { return log_->vdl(); }
  ReadPointId pin(Lsn at) override;
  void move(ReadPointId id, Lsn at) override;
  void unpin(ReadPointId id) override;
  Lsn read_floor() const override { return pages_->read_floor(); }

  Lsn vcl() const { return log_->vcl(); }
  wal::Epoch epoch() const { return log_->epoch(); }

  // The GC bound: the lowest pinned read point, or VDL when nothing is pinned.
  Lsn min_read_point() const;

  // One round of background work: images, then GC up to the bound, then tiering.
  Status maintain();

  // Time from append to acknowledgement of each commit.
  const Histogram& commit_ns() const { return commit_ns_; }

  wal::Log& log() { return *log_; }
  PageStore& pages() { return *pages_; }
  const StorageOptions& options() const { return options_; }

 private:
  Storage(Runtime rt, StorageOptions options) : rt_(rt), options_(std::move(options)) {}
  void maintenance_loop();

  Runtime rt_;
  StorageOptions options_;
  std::unique_ptr<wal::Log> log_;
  std::unique_ptr<PageStore> pages_;
  std::map<ReadPointId, Lsn> pins_;
  ReadPointId next_pin_ = 1;
  FiberId maintenance_ = 0;
  Histogram commit_ns_;
};

}  // namespace aurora::storage
