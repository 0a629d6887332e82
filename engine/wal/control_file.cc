#include "engine/wal/control_file.h"

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::wal {

using coding::get;
using coding::put;

std::vector<std::byte> encode_control(const ControlState& s) {
  const std::size_t body = kControlFixedBodySize + s.segments.size() * kSegmentEntrySize +
                           s.annulled.size() * kAnnulledEntrySize +
                           s.bases.size() * kPageBaseEntrySize;
  std::vector<std::byte> out(kControlHeaderSize + body);
  std::span<std::byte> o(out);
  std::span<std::byte> b = o.subspan(kControlHeaderSize);
  put<std::uint64_t>(b, 0, s.epoch);
  put<std::uint64_t>(b, 8, s.durable_watermark);
  put<std::uint64_t>(b, 16, s.gc_floor);
  put<std::uint32_t>(b, 24, static_cast<std::uint32_t>(s.segments.size()));
  put<std::uint32_t>(b, 28, static_cast<std::uint32_t>(s.annulled.size()));
  put<std::uint32_t>(b, 32, static_cast<std::uint32_t>(s.bases.size()));
  put<std::uint32_t>(b, 36, 0);  // reserved
  std::size_t at = kControlFixedBodySize;
  for (const SegmentInfo& seg : s.segments) {
    put<std::uint64_t>(b, at, seg.first_lsn);
    put<std::uint64_t>(b, at + 8, seg.epoch);
    put<std::uint64_t>(b, at + 16, seg.last_lsn);
    put<std::uint8_t>(b, at + 24, static_cast<std::uint8_t>(seg.tier));
    put<std::uint8_t>(b, at + 25, seg.sealed ? 1 : 0);
    at += kSegmentEntrySize;  // bytes 26..31 stay zero (reserved)
  }
  for (const AnnulledRange& r : s.annulled) {
    put<std::uint64_t>(b, at, r.from);
    put<std::uint64_t>(b, at + 8, r.to);
    put<std::uint64_t>(b, at + 16, r.epoch);
    at += kAnnulledEntrySize;
  }
  for (const PageBase& base : s.bases) {
    put<std::uint64_t>(b, at, base.page);
    put<std::uint64_t>(b, at + 8, base.lsn);
    at += kPageBaseEntrySize;
  }
  put<std::uint64_t>(o, 0, kControlMagic);
  put<std::uint32_t>(o, 8, kFormatVersion);
  put<std::uint32_t>(o, 12, static_cast<std::uint32_t>(body));
  put<std::uint32_t>(o, 16, crc32c::value(b));
  put<std::uint32_t>(o, 20, crc32c::value(o.first(16)));
  return out;
}

Result<ControlState> decode_control(std::span<const std::byte> in) {
  if (in.size() < kControlHeaderSize) return Status::corruption("control file: truncated header");
  if (get<std::uint64_t>(in, 0) != kControlMagic) return Status::corruption("control file: bad magic");
  if (get<std::uint32_t>(in, 20) != crc32c::value(in.first(16))) {
    return Status::corruption("control file: header checksum mismatch");
  }
  if (get<std::uint32_t>(in, 8) != kFormatVersion) {
    return Status::corruption("control file: unsupported version");
  }
  const std::size_t body_size = get<std::uint32_t>(in, 12);
  if (body_size < kControlFixedBodySize || in.size() != kControlHeaderSize + body_size) {
    return Status::corruption("control file: body length does not match the file");
  }
  const std::span<const std::byte> b = in.subspan(kControlHeaderSize);
  if (get<std::uint32_t>(in, 16) != crc32c::value(b)) {
    return Status::corruption("control file: body checksum mismatch");
  }
  ControlState s;
  s.epoch = get<std::uint64_t>(b, 0);
  s.durable_watermark = get<std::uint64_t>(b, 8);
  s.gc_floor = get<std::uint64_t>(b, 16);
  const std::uint64_t n_segments = get<std::uint32_t>(b, 24);
  const std::uint64_t n_annulled = get<std::uint32_t>(b, 28);
  const std::uint64_t n_bases = get<std::uint32_t>(b, 32);
  // The counts must account for the body exactly; this also bounds every allocation below.
  if (kControlFixedBodySize + n_segments * kSegmentEntrySize + n_annulled * kAnnulledEntrySize +
          n_bases * kPageBaseEntrySize !=
      body_size) {
    return Status::corruption("control file: entry counts do not match the body length");
  }
  if (get<std::uint32_t>(b, 36) != 0) {
    return Status::corruption("control file: reserved field of the fixed body is not zero");
  }
  std::size_t at = kControlFixedBodySize;
  s.segments.reserve(n_segments);
  for (std::uint64_t i = 0; i < n_segments; ++i, at += kSegmentEntrySize) {
    SegmentInfo seg;
    seg.first_lsn = get<std::uint64_t>(b, at);
    seg.epoch = get<std::uint64_t>(b, at + 8);
    seg.last_lsn = get<std::uint64_t>(b, at + 16);
    const auto tier = get<std::uint8_t>(b, at + 24);
    const auto sealed = get<std::uint8_t>(b, at + 25);
    if (tier > 1 || sealed > 1 || get<std::uint16_t>(b, at + 26) != 0 ||
        get<std::uint32_t>(b, at + 28) != 0) {
      return Status::corruption("control file: bad segment entry");
    }
    seg.tier = static_cast<Tier>(tier);
    seg.sealed = sealed == 1;
    if (!s.segments.empty() && seg.first_lsn <= s.segments.back().first_lsn) {
      return Status::corruption("control file: segments out of order");
    }
    // A sealed segment ends at its last record; an open one has no last LSN yet.
    if (seg.first_lsn == 0 || (seg.sealed ? seg.last_lsn < seg.first_lsn : seg.last_lsn != 0)) {
      return Status::corruption("control file: segment LSN range is inconsistent");
    }
    s.segments.push_back(seg);
  }
  s.annulled.reserve(n_annulled);
  for (std::uint64_t i = 0; i < n_annulled; ++i, at += kAnnulledEntrySize) {
    AnnulledRange r{get<std::uint64_t>(b, at), get<std::uint64_t>(b, at + 8),
                    get<std::uint64_t>(b, at + 16)};
    if (r.from == 0 || r.to < r.from) return Status::corruption("control file: bad annulled range");
    if (!s.annulled.empty() && r.from <= s.annulled.back().to) {
      return Status::corruption("control file: annulled ranges out of order or overlapping");
    }
    s.annulled.push_back(r);
  }
  s.bases.reserve(n_bases);
  for (std::uint64_t i = 0; i < n_bases; ++i, at += kPageBaseEntrySize) {
    const PageBase base{get<std::uint64_t>(b, at), get<std::uint64_t>(b, at + 8)};
    // A base is a version GC collected: below the floor, and never "no version".
    if (base.lsn == kNoLsn || base.lsn >= s.gc_floor) {
      return Status::corruption("control file: page base LSN is 0 or not below the GC floor");
    }
    if (!s.bases.empty() && base.page <= s.bases.back().page) {
      return Status::corruption("control file: page bases out of order or duplicated");
    }
    s.bases.push_back(base);
  }
  return s;
}

namespace {
std::string join(std::string_view dir, std::string_view name) {
  std::string p(dir);
  if (!p.empty()) p += '/';
  p += name;
  return p;
}
}  // namespace

Status write_control_file(FileSystem& fs, std::string_view dir, const ControlState& state,
                          const std::function<void()>& after_rename) {
  const std::string tmp = join(dir, kControlTempName);
  const std::vector<std::byte> bytes = encode_control(state);
  Result<FileHandle> f = fs.open(tmp, OpenMode::kCreate);
  if (!f.is_ok()) return f.status();
  Status s = fs.truncate(*f, 0);
  fs.hint(*f, 0, bytes.size(), "control");
  if (s.is_ok()) s = write_all(fs, *f, 0, bytes);
  if (s.is_ok()) s = fs.sync(*f);
  const Status closed = fs.close(*f);
  if (!s.is_ok()) return s;
  if (!closed.is_ok()) return closed;
  AURORA_RETURN_IF_ERROR(fs.rename(tmp, join(dir, kControlName)));
  if (after_rename) after_rename();
  return fs.sync_dir(dir);
}

Result<ControlState> read_control_file(FileSystem& fs, std::string_view dir) {
  const std::string path = join(dir, kControlName);
  Result<FileHandle> f = fs.open(path, OpenMode::kOpenExisting);
  if (!f.is_ok()) return f.status();
  Result<std::uint64_t> size = fs.size(*f);
  Status s = size.is_ok() ? Status::ok() : size.status();
  std::vector<std::byte> bytes;
  if (s.is_ok() && *size > kMaxControlFileSize) s = Status::corruption(path + ": too large");
  if (s.is_ok()) {
    bytes.resize(*size);
    s = read_exact(fs, *f, 0, bytes);
  }
  const Status closed = fs.close(*f);
  if (!s.is_ok()) return s;
  if (!closed.is_ok()) return closed;
  Result<ControlState> state = decode_control(bytes);
  if (!state.is_ok()) return Status::corruption(path + ": " + state.status().message());
  return state;
}

}  // namespace aurora::wal
