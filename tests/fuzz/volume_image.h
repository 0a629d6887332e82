// The input of the recovery fuzz target: the files of one volume directory in one byte
// string, and the storage options both the target and the corpus generator use (an image
// slot's size depends on the page size, so they must agree). README.md documents the format.
//
//   image := flags:u8  entry*
//   entry := name_length:u8  name:name_length bytes  data_length:u32 (little-endian)  data
//
// Decoding never fails, so that every mutation of an input still reaches recovery: an entry
// cut short keeps what is there (a data_length beyond the end takes the rest, and is never
// trusted to size anything); an entry whose name is not a volume file name is skipped; a
// repeated name replaces the earlier file; entries after the first kMaxVolumeFiles are
// ignored.
//
// Flag kFixChecksums asks the harness to recompute the checksums of the files before
// recovery sees them, so that mutated bytes reach the logic behind the checksums (a
// checksum mismatch stops almost every random mutation at the first check); without it
// the checksums are as given, and recovery's handling of damaged bytes is what is tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/storage/storage.h"

namespace aurora::fuzz {

// The volume's directory on the simulated disk (StorageOptions::log.dir).
inline constexpr std::string_view kVolumeDir = "db";
inline constexpr std::size_t kMaxVolumeFiles = 64;
inline constexpr std::uint8_t kFixChecksums = 1;

struct VolumeFile {
  std::string name;  // relative to the volume directory: "CONTROL", "wal/<segment>", ...
  std::vector<std::byte> bytes;
};

struct VolumeImage {
  std::uint8_t flags = 0;
  std::vector<VolumeFile> files;
};

// CONTROL, CONTROL.tmp, IMAGES, IMAGES.tmp, or wal/<base> or cold/<base>, where <base> is 1
// to 64 characters of [A-Za-z0-9._-] other than "." and "..".
bool is_volume_file_name(std::string_view name);

VolumeImage decode_volume_image(std::span<const std::byte> in);
std::vector<std::byte> encode_volume_image(const VolumeImage& image);

// Recomputes every checksum it can find, in place: the control file's two, each segment's
// header and each record that follows the one before it (a record whose magic or length is
// wrong ends the walk: the rest stays as it is), and each image slot whose magic is right.
void fix_checksums(std::vector<VolumeFile>& files, std::uint32_t page_size);

// Small pages, segments and caches, so that a volume of a few kilobytes has several
// segments, page images and a GC floor, and recovery over it is quick.
storage::StorageOptions fuzz_storage_options();

}  // namespace aurora::fuzz
