// The control file: the volume's durable metadata, replaced atomically.
//
// It holds the epoch, the list of log segments (and which tier each lives on), the
// annulled LSN ranges recovery has truncated, the last durable watermark written, the
// GC floor, and each page's base below that floor. Recovery trusts this list, not a
// directory listing: a segment file that is not listed was never committed and is removed.
//
// Replacement is the classic crash-safe sequence: write CONTROL.tmp, fsync it, rename it
// over CONTROL, fsync the directory. A crash at any point leaves either the old or the
// new file under the name CONTROL, never a mix (the bug class "manifest rename without a
// directory fsync"). The byte layout is in FORMAT.md beside this file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/file_system.h"
#include "engine/wal/format.h"

namespace aurora::wal {

enum class Tier : std::uint8_t { kHot = 0, kCold = 1 };

struct SegmentInfo {
  Lsn first_lsn = 0;
  Epoch epoch = 0;
  Tier tier = Tier::kHot;
  bool sealed = false;  // no record will be appended to it again
  Lsn last_lsn = 0;     // for sealed segments: the LSN of its last record
  friend bool operator==(const SegmentInfo&, const SegmentInfo&) = default;
};

// LSNs in [from, to] were annulled by the recovery of `epoch`: nothing with such an LSN is
// ever visible again, and no LSN is ever allocated there.
struct AnnulledRange {
  Lsn from = 0;
  Lsn to = 0;
  Epoch epoch = 0;
  friend bool operator==(const AnnulledRange&, const AnnulledRange&) = default;
};

// The base of a page below the GC floor: its newest version below the floor, whose
// records GC collected and whose bytes a page image serves. The page's next record links
// to it (prev_lsn), and a read that needs it when its image is lost or damaged is
// corruption, never an empty page.
struct PageBase {
  PageId page = 0;
  Lsn lsn = 0;
  friend bool operator==(const PageBase&, const PageBase&) = default;
};

struct ControlState {
  Epoch epoch = 0;
  Lsn durable_watermark = 0;  // a VDL that was durable when this file was written
  Lsn gc_floor = 0;           // reads below this LSN are refused (their log is collected)
  std::vector<SegmentInfo> segments;  // ascending first_lsn
  std::vector<AnnulledRange> annulled;  // ascending from
  // Every page with a version below gc_floor, ascending page; each lsn is below gc_floor.
  std::vector<PageBase> bases;
  friend bool operator==(const ControlState&, const ControlState&) = default;
};

inline constexpr std::uint64_t kControlMagic = 0x314c544341525541ULL;  // "AURACTL1"
inline constexpr std::size_t kControlHeaderSize = 24;
inline constexpr std::size_t kSegmentEntrySize = 32;
inline constexpr std::size_t kAnnulledEntrySize = 24;
inline constexpr std::size_t kPageBaseEntrySize = 16;
inline constexpr std::size_t kControlFixedBodySize = 40;
inline constexpr std::size_t kMaxControlFileSize = 16 * 1024 * 1024;

std::vector<std::byte> encode_control(const ControlState& state);
Result<ControlState> decode_control(std::span<const std::byte> bytes);

inline constexpr std::string_view kControlName = "CONTROL";
inline constexpr std::string_view kControlTempName = "CONTROL.tmp";

// Replaces `dir`/CONTROL with `state`, crash-safely (see above).
// `after_rename` (optional) runs between the rename and the fsync of the directory: the
// log's crash point there (engine/runtime/crash_point.h).
Status write_control_file(FileSystem& fs, std::string_view dir, const ControlState& state,
                          const std::function<void()>& after_rename = nullptr);
// Reads `dir`/CONTROL; kNotFound when the volume has none yet (a new volume).
Result<ControlState> read_control_file(FileSystem& fs, std::string_view dir);

}  // namespace aurora::wal
