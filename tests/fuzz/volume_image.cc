#include "tests/fuzz/volume_image.h"

#include <algorithm>
#include <cstdint>

#include "engine/runtime/assert.h"
#include "engine/util/coding.h"
#include "engine/util/crc32c.h"
#include "engine/wal/control_file.h"
#include "engine/wal/format.h"

namespace aurora::fuzz {
namespace {

constexpr std::size_t kMaxBaseNameBytes = 64;  // a segment name takes up to 45
// The image slot layout (engine/storage/FORMAT.md; page_store.cc keeps these private).
constexpr std::uint32_t kImageMagic = 0x474d4941;  // "AIMG"
constexpr std::size_t kImageHeaderSize = 32;

bool is_base_name(std::string_view base) {
  if (base.empty() || base.size() > kMaxBaseNameBytes || base == "." || base == "..") {
    return false;
  }
  return std::all_of(base.begin(), base.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

bool is_volume_file_name(std::string_view name) {
  for (std::string_view top : {"CONTROL", "CONTROL.tmp", "IMAGES", "IMAGES.tmp"}) {
    if (name == top) return true;
  }
  for (std::string_view dir : {"wal/", "cold/"}) {
    if (name.starts_with(dir)) return is_base_name(name.substr(dir.size()));
  }
  return false;
}

VolumeImage decode_volume_image(std::span<const std::byte> in) {
  VolumeImage image;
  if (in.empty()) return image;
  image.flags = static_cast<std::uint8_t>(in[0]);
  std::vector<VolumeFile>& files = image.files;
  std::size_t entries = 0;
  std::size_t at = 1;
  while (at < in.size() && entries < kMaxVolumeFiles) {
    ++entries;
    const auto name_length = static_cast<std::size_t>(in[at]);
    ++at;
    if (in.size() - at < name_length) break;  // the name is cut short: nothing to place
    const std::string name(reinterpret_cast<const char*>(in.data() + at), name_length);
    at += name_length;
    std::size_t data_length = 0;
    if (in.size() - at >= 4) {
      data_length = coding::get<std::uint32_t>(in, at);
      at += 4;
    } else {
      at = in.size();  // a length cut short: the file is empty
    }
    data_length = std::min(data_length, in.size() - at);
    VolumeFile file{name, {in.begin() + at, in.begin() + at + data_length}};
    at += data_length;
    if (!is_volume_file_name(file.name)) continue;
    const auto same = std::find_if(files.begin(), files.end(),
                                   [&](const VolumeFile& f) { return f.name == file.name; });
    if (same != files.end()) {
      *same = std::move(file);
    } else {
      files.push_back(std::move(file));
    }
  }
  return image;
}

std::vector<std::byte> encode_volume_image(const VolumeImage& image) {
  std::vector<std::byte> out{static_cast<std::byte>(image.flags)};
  for (const VolumeFile& f : image.files) {
    AURORA_ASSERT(is_volume_file_name(f.name), "not a volume file name: " + f.name);
    AURORA_ASSERT(f.bytes.size() <= UINT32_MAX, "a volume file too large for the format");
    out.push_back(static_cast<std::byte>(f.name.size()));
    for (char c : f.name) out.push_back(static_cast<std::byte>(c));
    const std::size_t at = out.size();
    out.resize(at + 4);
    coding::put<std::uint32_t>(out, at, static_cast<std::uint32_t>(f.bytes.size()));
    out.insert(out.end(), f.bytes.begin(), f.bytes.end());
  }
  return out;
}

namespace {

// Each layout below is documented in engine/wal/FORMAT.md and engine/storage/FORMAT.md.
void fix_control(std::span<std::byte> b) {
  if (b.size() < wal::kControlHeaderSize) return;
  coding::put<std::uint32_t>(b, 16, crc32c::value(b.subspan(wal::kControlHeaderSize)));
  coding::put<std::uint32_t>(b, 20, crc32c::value(b.first(16)));
}

void fix_segment(std::span<std::byte> b) {
  if (b.size() < wal::kSegmentHeaderSize) return;
  coding::put<std::uint32_t>(b, 32, crc32c::value(b.first(32)));
  namespace ro = wal::record_offset;
  std::size_t at = wal::kSegmentHeaderSize;
  while (b.size() - at >= wal::kRecordHeaderSize) {
    const std::span<std::byte> r = b.subspan(at);
    if (coding::get<std::uint32_t>(r, ro::kMagic) != wal::kRecordMagic) return;
    const std::uint32_t length = coding::get<std::uint32_t>(r, ro::kLength);
    if (length > wal::kMaxPayload || r.size() - wal::kRecordHeaderSize < length) return;
    const std::size_t size = wal::encoded_record_size(length);
    coding::put<std::uint32_t>(r, ro::kCrc,
                               crc32c::value(r.first(size).subspan(ro::kCrcCoverageBegin)));
    at += size;
  }
}

void fix_images(std::span<std::byte> b, std::uint32_t page_size) {
  const std::size_t slot_size = kImageHeaderSize + page_size;
  for (std::size_t at = 0; b.size() - at >= slot_size; at += slot_size) {
    const std::span<std::byte> slot = b.subspan(at, slot_size);
    if (coding::get<std::uint32_t>(slot, 0) != kImageMagic) continue;
    coding::put<std::uint32_t>(slot, 4, crc32c::value(slot.subspan(8)));
  }
}

}  // namespace

void fix_checksums(std::vector<VolumeFile>& files, std::uint32_t page_size) {
  for (VolumeFile& f : files) {
    const std::span<std::byte> b(f.bytes);
    if (f.name == "CONTROL" || f.name == "CONTROL.tmp") {
      fix_control(b);
    } else if (f.name == "IMAGES" || f.name == "IMAGES.tmp") {
      fix_images(b, page_size);
    } else {
      fix_segment(b);  // wal/ and cold/
    }
  }
}

storage::StorageOptions fuzz_storage_options() {
  storage::StorageOptions o;
  o.log.dir = std::string(kVolumeDir);
  o.log.segment_bytes = 1024;
  o.log.durability = wal::Durability::kEveryCommit;
  o.log.lal = 1000;
  o.log.cold_read_latency = kMillisecond;
  o.pages.page_size = 64;
  o.pages.cache_pages = 8;
  o.pages.image_after = 4;
  o.pages.compact_min_dead = 4;
  o.maintenance_interval = kMillisecond;
  return o;
}

}  // namespace aurora::fuzz
