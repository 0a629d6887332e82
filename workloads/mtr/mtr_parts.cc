#include "workloads/mtr/mtr_parts.h"

#include <algorithm>

#include "engine/runtime/assert.h"
#include "engine/storage/presets.h"

namespace aurora::workloads {

storage::StorageOptions storage_options_for(const Spec& spec) {
  // The quorum tier has no single-storage options; the rest of the spec's still apply.
  Result<storage::StorageOptions> preset = storage::storage_preset(
      storage::is_quorum_preset(spec.storage.preset) ? "base" : spec.storage.preset);
  AURORA_ASSERT(preset.is_ok(), "the spec parser admits only known presets");
  storage::StorageOptions o = *preset;
  const StorageSpec& s = spec.storage;
  o.log.segment_bytes = s.segment_bytes;
  const std::optional<wal::Durability> durability = wal::parse_durability(s.durability);
  AURORA_ASSERT(durability.has_value(), "the spec parser admits only known durability names");
  o.log.durability = *durability;
  o.log.lal = s.lal;
  o.log.cold_read_latency = s.cold_read_latency;
  o.pages.page_size = s.page_size;
  o.pages.cache_pages = s.cache_pages;
  o.pages.image_after = s.image_after;
  o.pages.compact_min_dead = s.compact_min_dead;
  o.maintenance_interval = s.maintenance_interval;
  return o;
}

compute::RemoteOptions remote_options_for(const Spec& spec) {
  return compute::RemoteOptions{.attempt_timeout = spec.network.rpc_timeout,
                                .attempts = spec.network.rpc_attempts};
}

RandomMtr random_mtr(const Spec& spec, sim::Rng& rng) {
  const WorkloadSpec& w = spec.workload;
  const std::uint32_t page_size = spec.storage.page_size;
  std::vector<storage::PageId> pages;
  const std::uint64_t n_pages = 1 + rng.below(std::min(w.mtr_pages_max, w.pages));
  // Distinct pages by one draw each: the k-th page not yet taken. Drawing again until a
  // page is new never ends when a choice tape answers every draw with the same value (a
  // shrinker's candidate past its tape's end draws 0 forever).
  std::vector<storage::PageId> taken;  // sorted
  while (pages.size() < n_pages) {
    storage::PageId p = rng.below(w.pages - taken.size());
    for (const storage::PageId t : taken) p += t <= p ? 1 : 0;
    taken.insert(std::upper_bound(taken.begin(), taken.end(), p), p);
    pages.push_back(p);
  }
  const std::uint64_t n = std::max<std::uint64_t>(n_pages, 1 + rng.below(w.mtr_records_max));
  RandomMtr out;
  for (std::uint64_t i = 0; i < n; ++i) {
    const storage::PageId page = i < n_pages ? pages[i] : pages[rng.below(n_pages)];
    const auto offset = static_cast<std::uint32_t>(rng.below(page_size));
    const std::uint64_t most = std::min<std::uint64_t>(w.write_bytes_max, page_size - offset);
    std::vector<std::byte> bytes(1 + rng.below(most));
    for (auto& b : bytes) b = static_cast<std::byte>(rng.below(256));
    out.mtr.put(page, offset, bytes);
    out.writes.push_back({page, offset, plain_bytes(bytes)});
  }
  return out;
}

storage::CommitHooks observing_hooks(std::string node, const compute::MtrId& mtr,
                                     std::vector<check::Write> writes, wal::Lsn lal,
                                     std::function<std::optional<wal::Lsn>()> vdl,
                                     std::function<void(check::Observation)> report) {
  const std::uint64_t n = writes.size();
  return storage::CommitHooks{
      .appended =
          [node, id = compute::to_string(mtr), writes = std::move(writes), n, lal, vdl,
           report](wal::Lsn cpl) {
            report(check::obs::Appended{.node = node,
                                        .first = cpl - n + 1,
                                        .cpl = cpl,
                                        .writes = writes,
                                        .vdl = vdl().value_or(0),
                                        .lal = lal,
                                        .mtr = id});
          },
      .acknowledged =
          [node, vdl, report](wal::Lsn cpl) {
            report(check::obs::Acked{.node = node, .cpl = cpl, .vdl = vdl().value_or(cpl)});
          }};
}

std::optional<check::obs::Annulled> annulled_observation(std::string_view kind,
                                                         std::span<const Field> fields) {
  if (kind != "recovery.annulling") return std::nullopt;
  check::obs::Annulled a;
  for (const Field& f : fields) {
    const std::string_view key(f.key);
    if (key == "from") a.from = f.u;
    if (key == "to") a.to = f.u;
    if (key == "epoch") a.epoch = f.u;
    if (key == "watermark") a.watermark = f.u;
  }
  return a;
}

check::obs::State state_observation(storage::Storage& storage, std::vector<wal::Lsn> read_points) {
  check::obs::State s;
  s.vcl = storage.vcl();
  s.vdl = storage.vdl();
  s.highest_allocated = storage.log().highest_allocated();
  s.epoch = storage.epoch();
  s.gc_floor = storage.log().gc_floor();
  s.read_points = std::move(read_points);
  return s;
}

check::obs::Recovered recovered_observation(storage::Storage& storage) {
  const wal::RecoveryReport& r = storage.log().recovery();
  check::obs::Recovered rec{.fresh = r.fresh,
                            .epoch = r.epoch,
                            .vcl = r.vcl_found,
                            .vdl = r.vdl_found,
                            .watermark = r.watermark,
                            .next_lsn = storage.log().next_lsn(),
                            .lal = storage.log().options().lal};
  if (r.annulled) {
    rec.annul_from = r.annulled->from;
    rec.annul_to = r.annulled->to;
  }
  return rec;
}

check::obs::State state_observation(const quorum::QuorumWriter& writer,
                                    std::vector<wal::Lsn> read_points) {
  check::obs::State s;
  s.vcl = writer.vcl();
  s.vdl = writer.vdl();
  s.highest_allocated = writer.highest_allocated();
  s.epoch = writer.epoch();
  s.gc_floor = 0;
  s.read_points = std::move(read_points);
  return s;
}

check::obs::Recovered recovered_observation(const quorum::QuorumWriter& writer) {
  const quorum::RecoveryPlan& p = writer.recovery();
  const bool fresh = p.annul->to < p.annul->from;  // a new volume annuls nothing
  check::obs::Recovered rec{.fresh = fresh,
                            .epoch = p.epoch,
                            .vcl = p.vcl,
                            .vdl = p.vdl,
                            .watermark = 0,
                            .next_lsn = p.next_lsn,
                            .lal = writer.options().lal};
  if (!fresh) {
    rec.annul_from = p.annul->from;
    rec.annul_to = p.annul->to;
  }
  return rec;
}

quorum::VolumeLayout quorum_layout_for(const Spec& spec, std::span<const NodeId> six_nodes) {
  return quorum::VolumeLayout::standard(2, std::max<storage::PageId>(1, spec.workload.pages / 4),
                                        six_nodes);
}

quorum::WriterOptions writer_options_for(const Spec& spec, quorum::VolumeLayout layout) {
  quorum::WriterOptions o;
  o.layout = std::move(layout);
  o.lal = spec.storage.lal;
  o.page_size = spec.storage.page_size;
  o.attempt_timeout = spec.network.rpc_timeout;
  return o;
}

check::obs::Read read_observation(std::string node, storage::PageId page, wal::Lsn at,
                                  bool at_read_point, const Result<std::vector<std::byte>>& got,
                                  wal::Lsn may_refuse_below) {
  check::obs::Read r{.node = std::move(node),
                     .page = page,
                     .at = at,
                     .at_read_point = at_read_point,
                     .may_refuse_below = may_refuse_below};
  if (got.is_ok()) {
    r.bytes = plain_bytes(*got);
  } else {
    r.error = error_name(got.kind());
  }
  return r;
}

std::vector<std::uint8_t> plain_bytes(const std::vector<std::byte>& b) {
  std::vector<std::uint8_t> out(b.size());
  std::transform(b.begin(), b.end(), out.begin(),
                 [](std::byte x) { return std::to_integer<std::uint8_t>(x); });
  return out;
}

std::string error_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::kOutOfRange: return "out_of_range";
    case ErrorKind::kCorruption: return "corruption";
    case ErrorKind::kIoError: return "io_error";
    case ErrorKind::kInvalidArgument: return "invalid_argument";
    case ErrorKind::kNotFound: return "not_found";
    default: return "other";
  }
}

}  // namespace aurora::workloads
