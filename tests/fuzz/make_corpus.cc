// Writes the seed corpora of the fuzz targets (README.md beside this file), from real
// simulated runs: volumes of a storage node after commits, rotations, page images, GC, a
// recovery and tiering (wal_recovery), and the control files, segment headers and records
// inside them (control_file, segment_header, wal_record); the lines of a run's trace
// (trace_reader); one line of every observation kind (wire); the shipped specs (spec); the
// choice tapes of two runs, one that passes and one that violates an invariant (choice_file).
//
//   make_corpus OUT_DIR      (tests/fuzz/corpus; writes OUT_DIR/<target>/seed-*)
//
// Every run is seeded, so the output is the same each time for the same engine. It only
// adds or overwrites seed-* files: inputs kept from findings (regression-*) stay.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/storage/storage.h"
#include "engine/wal/control_file.h"
#include "engine/wal/format.h"
#include "engine/wal/log.h"
#include "sim/choice_file.h"
#include "sim/choice_tape.h"
#include "sim/trace_reader.h"
#include "sim/world.h"
#include "tests/fuzz/volume_image.h"
#include "engine/compute/storage_wire.h"
#include "engine/runtime/frame.h"
#include "workloads/real/wire.h"
#include "workloads/run.h"
#include "workloads/spec/spec.h"

namespace aurora::fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "make_corpus: %s\n", why.c_str());
  std::exit(1);
}

class CorpusWriter {
 public:
  explicit CorpusWriter(fs::path root) : root_(std::move(root)) {}

  void write(const std::string& target, const std::string& name, std::span<const std::byte> b) {
    const fs::path dir = root_ / target;
    fs::create_directories(dir);
    std::ofstream out(dir / ("seed-" + name), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!out) fail("cannot write " + (dir / ("seed-" + name)).string());
    ++counts_[target];
    bytes_[target] += b.size();
  }
  void write(const std::string& target, const std::string& name, std::string_view text) {
    write(target, name, std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  }

  void report() const {
    for (const auto& [target, n] : counts_) {
      std::printf("%-15s %3zu seeds, %6zu bytes\n", target.c_str(), n, bytes_.at(target));
    }
  }

 private:
  fs::path root_;
  std::map<std::string, std::size_t> counts_;
  std::map<std::string, std::size_t> bytes_;
};

// --- volumes ---------------------------------------------------------------------------

using Body = std::function<void(sim::World&, NodeId)>;

// Runs `body` in a world without faults with one storage node, then takes every file of the
// volume directory as it stands on the disk.
std::vector<VolumeFile> volume_after(std::uint64_t seed, const Body& body) {
  sim::WorldOptions o;
  o.seed = seed;
  o.faults = sim::FaultConfig::none();
  sim::World world(o);
  const NodeId node = world.add_node("storage", nullptr);
  body(world, node);
  const std::string prefix = std::string(kVolumeDir) + "/";
  std::vector<VolumeFile> files;
  for (const std::string& path : world.disk(node).all_files()) {
    if (!path.starts_with(prefix)) continue;
    const std::optional<std::string> bytes = world.disk(node).live_contents(path);
    files.push_back({path.substr(prefix.size()), bytes_of(*bytes)});
  }
  return files;
}

void run_fiber(sim::World& world, NodeId node, std::function<void(Runtime)> fn) {
  world.sched().spawn(node, "corpus", [rt = world.runtime(node), fn] { fn(rt); });
  const RunOutcome out = world.run();
  if (out.kind != RunOutcome::Kind::kCompleted)
    fail("a corpus run did not finish: " + out.describe());
}

std::unique_ptr<storage::Storage> open_storage(Runtime rt, storage::StorageOptions options) {
  Result<std::unique_ptr<storage::Storage>> s = storage::Storage::open(rt, options);
  if (!s.is_ok()) fail("open: " + s.status().to_string());
  return std::move(s).value();
}

// `mtrs` MTRs of 1..3 records over `pages` pages, pausing now and then so that the
// maintenance fiber writes images and collects.
void commit_some(Runtime rt, storage::Storage& s, int mtrs, std::uint64_t pages, sim::Rng& rng) {
  for (int i = 0; i < mtrs; ++i) {
    std::vector<wal::Redo> mtr;
    const auto records = rng.range(1, 3);
    for (std::int64_t r = 0; r < records; ++r) {
      const auto length = static_cast<std::uint32_t>(rng.range(1, 24));
      const auto offset = static_cast<std::uint32_t>(rng.below(64 - length + 1));
      std::string text;
      for (std::uint32_t b = 0; b < length; ++b) text += static_cast<char>('a' + rng.below(26));
      mtr.push_back({rng.below(pages), offset, bytes_of(text)});
    }
    Result<wal::Lsn> cpl = s.commit(mtr);
    if (!cpl.is_ok()) fail("commit: " + cpl.status().to_string());
    if (i % 4 == 3) rt.clock.sleep_for(2 * kMillisecond);
  }
}

std::map<std::string, std::vector<VolumeFile>> make_volumes() {
  std::map<std::string, std::vector<VolumeFile>> volumes;
  const storage::StorageOptions options = fuzz_storage_options();

  volumes["fresh-volume"] = volume_after(1, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) { open_storage(rt, options); });
  });
  volumes["few-records"] = volume_after(2, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      storage::StorageOptions quiet = options;
      quiet.gc = false;
      quiet.pages.image_after = 1000;
      auto s = open_storage(rt, quiet);
      commit_some(rt, *s, 5, 3, w.stream("workload"));
    });
  });
  volumes["segments-images-gc"] = volume_after(3, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      auto s = open_storage(rt, options);
      commit_some(rt, *s, 60, 6, w.stream("workload"));
    });
  });
  volumes["gc-below-a-read-point"] = volume_after(7, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      auto s = open_storage(rt, options);
      commit_some(rt, *s, 30, 5, w.stream("workload"));
      // GC stops at the pinned read point: records above the floor, images and bases below.
      s->pin(s->vdl());
      commit_some(rt, *s, 30, 5, w.stream("workload"));
    });
  });
  volumes["segments-images-no-gc"] = volume_after(4, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      storage::StorageOptions keep = options;
      keep.gc = false;
      auto s = open_storage(rt, keep);
      commit_some(rt, *s, 30, 4, w.stream("workload"));
    });
  });
  volumes["after-recovery"] = volume_after(5, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      auto s = open_storage(rt, options);
      commit_some(rt, *s, 24, 5, w.stream("workload"));
    });
    w.crash(n, sim::CrashMode::kDropAll);
    w.restart(n);
    run_fiber(w, n, [&](Runtime rt) {
      auto s = open_storage(rt, options);  // recovery: an annulled range, epoch 2
      commit_some(rt, *s, 16, 5, w.stream("workload"));
    });
  });
  volumes["tiered"] = volume_after(6, [&](sim::World& w, NodeId n) {
    run_fiber(w, n, [&](Runtime rt) {
      storage::StorageOptions tiered = options;
      tiered.tiered = true;
      tiered.gc = false;
      auto s = open_storage(rt, tiered);
      commit_some(rt, *s, 30, 4, w.stream("workload"));
    });
  });
  return volumes;
}

const VolumeFile* find_file(const std::vector<VolumeFile>& files, std::string_view name) {
  for (const VolumeFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The index of the newest hot segment (the open one of the last epoch).
std::size_t last_segment(const std::vector<VolumeFile>& files) {
  std::size_t last = files.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].name.starts_with("wal/") &&
        (last == files.size() || files[i].name > files[last].name)) {
      last = i;
    }
  }
  if (last == files.size()) fail("a volume without a segment");
  return last;
}

// The records of a segment file, each as its own bytes.
std::vector<Bytes> records_of(const VolumeFile& segment) {
  std::vector<Bytes> out;
  std::size_t at = wal::kSegmentHeaderSize;
  while (at < segment.bytes.size()) {
    Result<wal::DecodedRecord> r = wal::decode_record(std::span(segment.bytes).subspan(at));
    if (!r.is_ok()) break;
    out.emplace_back(segment.bytes.begin() + at, segment.bytes.begin() + at + r->size);
    at += r->size;
  }
  return out;
}

// --- volumes built by hand, at the edges recovery must refuse or handle ----------------

std::string segment_name(wal::Lsn first, wal::Epoch epoch) {
  char name[64];
  std::snprintf(name, sizeof name, "wal/%020llu-%06llu.seg", static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(epoch));
  return name;
}

// A volume of one open segment holding `records` (each one its own MTR: a CPL), encoded by
// the engine's own encoders, under `control` (whose segment list it replaces).
std::vector<VolumeFile> edge_volume(wal::ControlState control, wal::Epoch segment_epoch,
                                    const std::vector<wal::RecordHeader>& records) {
  const wal::Lsn first = records.empty() ? 1 : records.front().lsn;
  control.segments = {wal::SegmentInfo{.first_lsn = first, .epoch = segment_epoch}};
  Bytes segment(wal::kSegmentHeaderSize);
  wal::encode_segment_header({first, segment_epoch},
                             std::span<std::byte, wal::kSegmentHeaderSize>(segment));
  for (wal::RecordHeader h : records) {
    const Bytes payload(h.length, std::byte{0x5a});
    h.cpl = true;
    wal::encode_record(h, payload, segment);
  }
  return {{"CONTROL", wal::encode_control(control)}, {segment_name(first, segment_epoch), segment}};
}

std::map<std::string, std::vector<VolumeFile>> make_edge_volumes() {
  const wal::Lsn lal = fuzz_storage_options().log.lal;
  const auto rec = [](wal::Lsn lsn, wal::Lsn prev, std::uint32_t offset, std::uint32_t length) {
    return wal::RecordHeader{
        .lsn = lsn, .prev_lsn = prev, .page = 1, .page_offset = offset, .length = length};
  };
  std::map<std::string, std::vector<VolumeFile>> v;
  // The highest VDL recovery accepts: its annulment leaves the new incarnation a whole
  // allocation window below 2^64 - 1 (engine/wal/log.h, "LSN arithmetic near 2^64").
  const wal::Lsn high = wal::highest_recoverable_vdl(lal);
  v["edge-highest-lsns"] =
      edge_volume({.epoch = 1}, 1, {rec(high - 1, 0, 0, 4), rec(high, high - 1, 4, 4)});
  // A record that writes past the end of its page (64 bytes): reads refuse it.
  v["edge-record-past-page-end"] = edge_volume({.epoch = 1}, 1, {rec(1, 0, 60, 10)});
  // A page base far above the log: the control file and the log disagree.
  v["edge-base-above-the-log"] =
      edge_volume({.epoch = 1, .gc_floor = 1000, .bases = {{1, 999}}}, 1, {rec(1, 0, 0, 4)});
  // A watermark above everything on disk: a hole below it is corruption.
  v["edge-watermark-above-the-log"] =
      edge_volume({.epoch = 1, .durable_watermark = 50}, 1, {rec(1, 0, 0, 4), rec(2, 1, 0, 4)});
  // A segment of the second epoch after an annulled range.
  v["edge-after-an-annulled-range"] =
      edge_volume({.epoch = 2, .annulled = {{.from = 3, .to = 3 + lal - 1, .epoch = 2}}}, 2,
                  {rec(3 + lal, 0, 0, 8), rec(4 + lal, 3 + lal, 8, 8)});
  return v;
}

void write_volume_corpora(CorpusWriter& corpus) {
  const std::map<std::string, std::vector<VolumeFile>> volumes = make_volumes();

  // Each volume's control file, segment headers and a few records, once each (several
  // volumes share bytes: the fresh volume's header, say).
  std::set<std::string> seen;
  const auto once = [&](const std::string& target, const std::string& name, const Bytes& b) {
    if (seen.insert(target + std::string(reinterpret_cast<const char*>(b.data()), b.size()))
            .second) {
      corpus.write(target, name, b);
    }
  };
  for (const auto& [name, files] : volumes) {
    // The checksums are right already: the flag lets mutations keep them right.
    corpus.write("wal_recovery", name, encode_volume_image({kFixChecksums, files}));
    if (const VolumeFile* control = find_file(files, "CONTROL")) {
      once("control_file", "control-" + name, control->bytes);
    }
    int segments = 0;
    int records = 0;
    for (const VolumeFile& f : files) {
      if (!f.name.starts_with("wal/") && !f.name.starts_with("cold/")) continue;
      if (segments < 2 && f.bytes.size() >= wal::kSegmentHeaderSize) {
        once("segment_header", "header-" + name + "-" + std::to_string(segments++),
             Bytes(f.bytes.begin(), f.bytes.begin() + wal::kSegmentHeaderSize));
      }
      const std::vector<Bytes> recs = records_of(f);
      if (records < 3 && !recs.empty()) {
        once("wal_record", "record-" + name + "-" + std::to_string(records++), recs.front());
      }
      if (records < 3 && recs.size() > 2) {
        once("wal_record", "record-" + name + "-" + std::to_string(records++),
             recs[recs.size() / 2]);
      }
    }
  }
  // Two damaged variants, for the recovery paths that refuse or cut: the last segment cut
  // in the middle of its last record (a torn tail), and a flipped byte in the first
  // record of the oldest segment (a hole below the watermark: corruption).
  std::vector<VolumeFile> torn = volumes.at("segments-images-no-gc");
  if (std::vector<std::byte>& seg = torn[last_segment(torn)].bytes; seg.size() > 60) {
    seg.resize(seg.size() - 20);
  }
  corpus.write("wal_recovery", "torn-tail", encode_volume_image({0, torn}));
  std::vector<VolumeFile> flipped = volumes.at("segments-images-no-gc");
  for (VolumeFile& f : flipped) {
    if (f.name.starts_with("wal/") && f.bytes.size() > wal::kSegmentHeaderSize + 60) {
      f.bytes[wal::kSegmentHeaderSize + 60] ^= std::byte{0x01};
      break;
    }
  }
  corpus.write("wal_recovery", "bit-flip-below-watermark", encode_volume_image({0, flipped}));
  // And one whose checksums recovery checks as they are.
  corpus.write("wal_recovery", "segments-images-no-gc-checksums-as-is",
               encode_volume_image({0, volumes.at("segments-images-no-gc")}));

  for (const auto& [name, files] : make_edge_volumes()) {
    corpus.write("wal_recovery", name, encode_volume_image({0, files}));
  }

  // A whole segment: the decoder reads its first 40 bytes.
  const std::vector<VolumeFile>& few = volumes.at("few-records");
  corpus.write("segment_header", "whole-segment", few[last_segment(few)].bytes);
  // Records followed by more bytes (the decoder reads one record at the start).
  const std::vector<Bytes> recs = records_of(few[last_segment(few)]);
  Bytes two = recs.at(0);
  two.insert(two.end(), recs.at(1).begin(), recs.at(1).end());
  corpus.write("wal_record", "two-records", two);
}

// --- traces ------------------------------------------------------------------------------

struct Lines final : sim::TraceWriter {
  std::vector<std::string> lines;
  void write_line(std::string_view json) override { lines.emplace_back(json); }
};

void write_trace_corpus(CorpusWriter& corpus) {
  workloads::RunSpec run;
  run.seed = 1;
  run.ops = 40;
  run.crashes = 1;
  Lines out;
  const workloads::RunReport report = workloads::run_seed(run, &out);
  if (!report.passed || out.lines.empty()) fail("the trace run failed");
  // The first line of each kind (file names carry the kind), then a few lines together.
  std::set<std::string> kinds;
  for (const std::string& line : out.lines) {
    Result<sim::TraceEvent> e = sim::parse_trace_line(line);
    if (!e.is_ok()) fail("a trace line does not read back: " + e.status().to_string());
    if (kinds.size() < 40 && kinds.insert(e->kind).second)
      corpus.write("trace_reader", e->kind, line);
  }
  std::string first;
  for (std::size_t i = 0; i < 12 && i < out.lines.size(); ++i) first += out.lines[i] + "\n";
  corpus.write("trace_reader", "first-lines", first);
}

// --- wire lines --------------------------------------------------------------------------

void write_wire_corpus(CorpusWriter& corpus) {
  namespace obs = workloads::check::obs;
  using workloads::real::encode_observation;
  corpus.write("wire", "appended",
               encode_observation(obs::Appended{.node = "c0",
                                                .first = 5,
                                                .cpl = 7,
                                                .writes = {{3, 0, {0xde, 0xad}}, {4, 12, {0x01}}},
                                                .vdl = 4,
                                                .lal = 100}));
  corpus.write("wire", "acked", encode_observation(obs::Acked{"c1", 7, 7}));
  corpus.write("wire", "read-bytes",
               encode_observation(obs::Read{.node = "c0",
                                            .page = 3,
                                            .at = 7,
                                            .at_read_point = true,
                                            .bytes = std::vector<std::uint8_t>{0, 1, 0xff},
                                            .may_refuse_below = 2}));
  corpus.write(
      "wire", "read-error",
      encode_observation(obs::Read{.node = "c1", .page = 9, .at = 3, .error = "corruption"}));
  corpus.write("wire", "recovered",
               encode_observation(obs::Recovered{.epoch = 2,
                                                 .vcl = 9,
                                                 .vdl = 7,
                                                 .watermark = 7,
                                                 .annul_from = 8,
                                                 .annul_to = 107,
                                                 .next_lsn = 108}));
  corpus.write("wire", "recovered-fresh",
               encode_observation(obs::Recovered{.fresh = true, .epoch = 1, .next_lsn = 1}));
  corpus.write("wire", "recovered-corruption",
               encode_observation(obs::Recovered{.corruption = "Corruption: a hole at LSN 5"}));
  corpus.write("wire", "annulled", encode_observation(obs::Annulled{8, 107, 2}));
  corpus.write("wire", "crashed", encode_observation(obs::Crashed{}));
  corpus.write("wire", "fsync-failed", encode_observation(obs::FsyncFailed{}));
  corpus.write("wire", "ready", workloads::real::kReadyLine);
  corpus.write("wire", "session-started", encode_observation(obs::SessionStarted{"c1"}));
  corpus.write("wire", "committed", encode_observation(obs::Committed{"c0", 7, "n2.5.3"}));
  corpus.write("wire", "commit-unknown",
               encode_observation(obs::CommitUnknown{"c0", "n2.5.4", "Timeout: no answer"}));
  corpus.write("wire", "commit-refused",
               encode_observation(obs::CommitRefused{"c1", "n3.1.1", "InvalidArgument: x"}));
}

// --- specs -------------------------------------------------------------------------------

// --- network messages ------------------------------------------------------------------

// One of each message the net_message target decodes: its selector byte, then the bytes.
void write_net_message_corpus(CorpusWriter& corpus) {
  namespace wire = compute::wire;
  auto put = [&](const std::string& name, std::uint8_t selector, const std::vector<std::byte>& b) {
    std::vector<std::byte> out{static_cast<std::byte>(selector)};
    out.insert(out.end(), b.begin(), b.end());
    corpus.write("net_message", name, out);
  };
  const std::vector<std::byte> page_bytes(64, std::byte{0x5a});
  put("frame", 0, frame::encode(Address{2, 49152}, Address{1, 7000}, page_bytes));
  put("frame-empty", 0, frame::encode(Address{1, 7000}, Address{2, 49152}, {}));
  wire::CommitRequest commit{.caller_incarnation = 3,
                             .id = {2, 3, 17},
                             .attempt = 2,
                             .storage_incarnation = 5,
                             .redo = {{4, 10, {std::byte{1}, std::byte{2}}}, {7, 0, page_bytes}}};
  put("commit", 1, wire::encode(commit));
  put("page", 2, wire::encode(wire::PageRequest{3, 4, 99}));
  put("pin", 3, wire::encode(wire::PinRequest{3, 1, 8, 99}));
  put("plain", 4, wire::encode(wire::PlainRequest{3}));
  put("response-lsn", 5, wire::encode_response(wire::kCommit, wire::Response{5, 120, {}}));
  put("response-page", 6, wire::encode_response(wire::kRead, wire::Response{5, 0, page_bytes}));
  put("response-empty", 7, wire::encode_response(wire::kPin, wire::Response{5, 0, {}}));
}

void write_spec_corpus(CorpusWriter& corpus) {
  for (const fs::directory_entry& e : fs::directory_iterator(workloads::specs_directory())) {
    if (e.path().extension() != ".toml") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    corpus.write("spec", e.path().filename().string(), text);
  }
  // Every key, as to_toml prints a spec.
  corpus.write("spec", "every-key.toml", workloads::to_toml(workloads::Spec{}));
}

// --- choice files ------------------------------------------------------------------------

// A run's choice file as `sim --record-choices` writes it, each stream cut to its first
// `keep` values so that the seed stays a few KB (a tape's prefix is a tape: the rest of the
// run draws neutral choices).
void write_recorded_run(CorpusWriter& corpus, const std::string& name,
                        const workloads::RunSpec& run,
                        std::vector<std::pair<std::string, std::string>> flags,
                        const std::string& expect, std::size_t keep) {
  sim::ChoiceTape tape(run.seed, /*record=*/true);
  (void)workloads::run_seed(run, nullptr, &tape);
  sim::ChoiceFile file;
  file.seed = run.seed;
  file.flags = std::move(flags);
  file.expect = expect;
  // Streams created but never drawn from are left out of the file, as the file writes them.
  sim::Choices recorded = tape.recorded();
  for (auto& [stream, values] : recorded.streams) {
    if (values.size() > keep) values.resize(keep);
    if (!values.empty()) file.choices.streams.emplace(stream, std::move(values));
  }
  if (file.choices.streams.size() < 2) fail("the recorded run " + name + " drew from < 2 streams");
  const std::string text = sim::format_choice_file(file);
  const Result<sim::ChoiceFile> back = sim::parse_choice_file(text, name);
  if (!back.is_ok()) {
    fail("the choice file " + name + " does not read back: " + back.status().to_string());
  }
  if (!(*back == file)) fail("the choice file " + name + " reads back as another file");
  corpus.write("choice_file", name, text);
}

void write_choice_file_corpus(CorpusWriter& corpus) {
  // The run of the trace corpus (passes: no expect).
  workloads::RunSpec mtr;
  mtr.seed = 1;
  mtr.ops = 40;
  mtr.crashes = 1;
  write_recorded_run(corpus, "mtr-run", mtr, {{"--ops", "40"}, {"--crashes", "1"}}, "",
                     /*keep=*/100);
  // The first seed on which an example system's known bug shows, with the invariant it
  // violates, as `sim shrink` writes it.
  workloads::RunSpec example;
  example.workload = workloads::WorkloadKind::kExampleAckBeforeFsync;
  example.ops = 4;
  example.crashes = 1;
  for (example.seed = 1; example.seed <= 100; ++example.seed) {
    const workloads::RunReport report = workloads::run_seed(example);
    if (report.violations.empty()) continue;
    write_recorded_run(corpus, "example-violation", example,
                       {{"--workload", "example/ack-before-fsync"}, {"--ops", "4"},
                        {"--crashes", "1"}},
                       report.violations.front().invariant, /*keep=*/100);
    return;
  }
  fail("example/ack-before-fsync showed no violation on seeds 1 to 100");
}

}  // namespace
}  // namespace aurora::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR   (the corpus directory, tests/fuzz/corpus)\n",
                 argv[0]);
    return 2;
  }
  aurora::fuzz::CorpusWriter corpus{std::filesystem::path(argv[1])};
  aurora::fuzz::write_volume_corpora(corpus);
  aurora::fuzz::write_trace_corpus(corpus);
  aurora::fuzz::write_wire_corpus(corpus);
  aurora::fuzz::write_net_message_corpus(corpus);
  aurora::fuzz::write_spec_corpus(corpus);
  aurora::fuzz::write_choice_file_corpus(corpus);
  corpus.report();
  return 0;
}
