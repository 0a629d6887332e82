// Recovery over an arbitrary volume directory. The input is a volume image (volume_image.h:
// a list of file names and bytes, and whether to recompute their checksums first); its
// files go on the simulated disk of a one-node world without faults, and a fiber of that
// node opens the storage (recovering the log, loading the page images), checks what
// recovery did, reads every page the log knows at VDL and at the GC floor, runs one round
// of background work (images, GC, compaction), reads them again, and opens the volume a
// second time.
//
// Any Status is an answer. A finding is a crash, an engine assertion (assertions are for
// programmer errors: one that bad bytes can fire is a bug), a sanitizer report, a page of
// the wrong size, a hang (the run must finish within a bound of fiber steps and of virtual
// time; libFuzzer's -timeout catches a loop that never yields), a huge allocation, or a
// recovery that breaks its own contract: an annulled range that does not start right
// above the VDL it found, a next LSN not above it, an epoch that does not move on, or a
// volume that opened once and does not open again with the same VDL (unless that recovery
// used up what is left of the 64-bit LSN or epoch space).
//
// With AURORA_FUZZ_VERBOSE set in the environment, it prints what recovery and each read
// answered (for triage: `AURORA_FUZZ_VERBOSE=1 wal_recovery_fuzz <input>`).
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/storage/storage.h"
#include "engine/wal/control_file.h"
#include "engine/wal/log.h"
#include "sim/world.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/volume_image.h"

namespace aurora::fuzz {
namespace {

// A run over the seed corpus takes a few thousand fiber steps and well under a virtual
// second; these bounds are far beyond any input libFuzzer can build (inputs of a few KB).
constexpr std::uint64_t kMaxSteps = 2'000'000;
constexpr Nanos kMaxVirtualTime = 3600 * kSecond;

bool verbose() {
  static const bool on = std::getenv("AURORA_FUZZ_VERBOSE") != nullptr;
  return on;
}

void must(const Status& s, std::string_view what) {
  if (!s.is_ok()) finding(std::string("set-up: ").append(what).append(": ").append(s.to_string()));
}

// Puts the files on the disk, durably. Called outside any fiber, where the simulated disk
// completes each operation at once.
void place_files(sim::SimFs& disk, const std::vector<VolumeFile>& files) {
  const std::string dir(kVolumeDir);
  for (const std::string& d : {dir, dir + "/wal", dir + "/cold"}) must(disk.mkdir(d), d);
  for (const VolumeFile& file : files) {
    const std::string path = dir + "/" + file.name;
    Result<FileHandle> f = disk.open(path, OpenMode::kCreate);
    if (!f.is_ok()) must(f.status(), path);
    must(write_all(disk, *f, 0, file.bytes), path);
    must(disk.sync(*f), path);
    must(disk.close(*f), path);
  }
  for (const std::string& d : {std::string(), dir, dir + "/wal", dir + "/cold"}) {
    must(disk.sync_dir(d), "sync_dir " + d);
  }
}

void read_every_page(storage::Storage& s) {
  const std::uint32_t page_size = s.options().pages.page_size;
  for (const storage::PageId page : s.log().pages()) {
    for (const storage::Lsn at : {s.vdl(), s.log().gc_floor()}) {
      const Result<std::vector<std::byte>> bytes = s.read(page, at);
      if (verbose()) {
        std::printf("read page %llu at %llu: %s\n", static_cast<unsigned long long>(page),
                    static_cast<unsigned long long>(at),
                    bytes.is_ok() ? "ok" : bytes.status().to_string().c_str());
      }
      if (bytes.is_ok() && bytes->size() != page_size) {
        finding("a read returned a page of the wrong size");
      }
    }
  }
}

void print_recovery(storage::Storage& s) {
  const wal::RecoveryReport& r = s.log().recovery();
  std::printf(
      "recovered: epoch %llu vcl %llu vdl %llu watermark %llu torn_tail %d, now vdl %llu "
      "next %llu gc_floor %llu pages %zu\n",
      static_cast<unsigned long long>(r.epoch), static_cast<unsigned long long>(r.vcl_found),
      static_cast<unsigned long long>(r.vdl_found), static_cast<unsigned long long>(r.watermark),
      r.torn_tail ? 1 : 0, static_cast<unsigned long long>(s.vdl()),
      static_cast<unsigned long long>(s.log().next_lsn()),
      static_cast<unsigned long long>(s.log().gc_floor()), s.log().pages().size());
}

// What one recovery must have done (DESIGN.md section 3 "Recovery", invariants 1 and 3):
// annulled (VDL, VDL + LAL] in a new epoch, made the end of that range the VDL, and moved
// the next LSN above it. `old_epoch`: the epoch of the volume it recovered.
void check_recovery(storage::Storage& s, wal::Epoch old_epoch) {
  const wal::RecoveryReport& r = s.log().recovery();
  if (r.fresh) return;
  if (!r.annulled) finding("recovery reported no annulled range");
  const wal::AnnulledRange& a = *r.annulled;
  if (a.from == wal::kNoLsn || a.from != r.vdl_found + 1 || a.to < a.from) {
    finding("recovery annulled a range that does not start right above the VDL it found");
  }
  if (s.vdl() != a.to || s.vcl() != a.to)
    finding("after recovery, VDL and VCL are not the annulled range's end");
  if (s.log().next_lsn() <= a.to)
    finding("after recovery, the next LSN is not above the annulled range");
  if (s.epoch() <= old_epoch || a.epoch != s.epoch())
    finding("recovery did not move to a newer epoch");
}

void recover_and_read(Runtime rt) {
  storage::StorageOptions options = fuzz_storage_options();
  // Background work runs once, below, at a known point; its own fiber never wakes.
  options.maintenance_interval = 2 * kMaxVirtualTime;
  Result<wal::ControlState> before = wal::read_control_file(rt.fs, kVolumeDir);
  Result<std::unique_ptr<storage::Storage>> opened = storage::Storage::open(rt, options);
  if (verbose()) {
    std::printf("open: %s\n", opened.is_ok() ? "ok" : opened.status().to_string().c_str());
  }
  if (!opened.is_ok()) return;  // refusing a damaged volume is an answer
  std::unique_ptr<storage::Storage> s = std::move(opened).value();
  if (verbose()) print_recovery(*s);
  check_recovery(*s, before.is_ok() ? before->epoch : 0);
  read_every_page(*s);
  // A failure here (a damaged chain, say) is an answer too; the reads after it must still
  // be sound.
  const Status maintained = s->maintain();
  if (verbose()) std::printf("maintain: %s\n", maintained.to_string().c_str());
  read_every_page(*s);

  // Recovery is idempotent: what it made durable opens again (no crash in between: every
  // write it acted on was synced), with the log complete to the same VDL.
  const wal::Lsn vdl = s->vdl();
  const wal::Epoch epoch = s->epoch();
  s.reset();
  Result<std::unique_ptr<storage::Storage>> again = storage::Storage::open(rt, options);
  if (verbose()) {
    std::printf("reopen: %s\n", again.is_ok() ? "ok" : again.status().to_string().c_str());
  }
  if (!again.is_ok()) {
    // Each recovery takes LAL more LSNs and one more epoch: near 2^64 the next one must
    // refuse (engine/wal/log.h, "LSN arithmetic near 2^64"), and that is the only excuse.
    const bool exhausted = vdl > wal::highest_recoverable_vdl(options.log.lal) ||
                           epoch == std::numeric_limits<wal::Epoch>::max();
    if (!exhausted || again.kind() != ErrorKind::kCorruption) {
      finding("a volume that recovered once does not open again: " + again.status().to_string());
    }
    return;
  }
  if (verbose()) print_recovery(**again);
  check_recovery(**again, epoch);
  if ((*again)->log().recovery().vdl_found != vdl) {
    finding("a second recovery finds another VDL than the first one left");
  }
}

}  // namespace
}  // namespace aurora::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  fuzz::VolumeImage image = fuzz::decode_volume_image(fuzz::bytes_of(data, size));
  if ((image.flags & fuzz::kFixChecksums) != 0) {
    fuzz::fix_checksums(image.files, fuzz::fuzz_storage_options().pages.page_size);
  }
  sim::WorldOptions options;
  options.faults = sim::FaultConfig::none();
  sim::World world(options);
  const NodeId node = world.add_node("storage", nullptr);
  fuzz::place_files(world.disk(node), image.files);
  world.sched().spawn(node, "fuzz.recover",
                      [rt = world.runtime(node)] { fuzz::recover_and_read(rt); });
  const RunOutcome out =
      world.run(RunLimits{.until = fuzz::kMaxVirtualTime, .max_steps = fuzz::kMaxSteps});
  if (out.kind != RunOutcome::Kind::kCompleted) {
    fuzz::finding("the run did not finish (a hang): " + out.describe());
  }
  return 0;
}
