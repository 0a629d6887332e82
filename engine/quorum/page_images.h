// PageImages: a segment's page images, in the file IMAGES of its directory
// (SEGMENT_FORMAT.md). An image is a page's bytes at one of its versions, so that a read
// replays only the records above the newest image below its read point instead of the
// page's whole history: without them a read's cost grew with the log.
//
// Images are written without an fsync: one torn or lost in a crash fails its checksum (or is
// not there) and the read replays from an older one, or from the start. An image is never
// wrong: it holds every record of its page up to its version (it is written by a read at or
// below the SCL), and one that an annulment of a newer epoch reaches into is never used
// again, in this life of the segment or after its restart.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/quorum/watermarks.h"
#include "engine/runtime/runtime.h"

namespace aurora::quorum {

inline constexpr std::size_t kImageHeaderSize = 32;

class PageImages {
 public:
  // Opens (creating) the file at `path` and indexes its valid images, up to the first torn
  // or damaged one; those `annulled` reaches into are skipped.
  static Result<std::unique_ptr<PageImages>> open(Runtime rt, std::string path,
                                                  std::uint32_t page_size,
                                                  std::span<const AnnulledRange> annulled);
  ~PageImages();
  PageImages(const PageImages&) = delete;
  PageImages& operator=(const PageImages&) = delete;

  struct Image {
    Lsn version = kNoLsn;
    std::vector<std::byte> bytes;
  };
  // The newest image of `page` at or below `at`, read back and checked; none when there is
  // none (or it is damaged: then the next older one is tried).
  std::optional<Image> newest_at(PageId page, Lsn at);
  // Appends the image of `page` at `version`, written under volume epoch `epoch`.
  Status write(PageId page, Lsn version, Epoch epoch, std::span<const std::byte> bytes);
  // An annulment: images it reaches into are never used again.
  void forget(std::span<const AnnulledRange> annulled);

 private:
  struct Entry {
    std::uint64_t at = 0;  // offset of the frame
    Epoch epoch = 0;
  };
  PageImages(Runtime rt, std::string path, std::uint32_t page_size)
      : rt_(rt), path_(std::move(path)), page_size_(page_size) {}
  Result<Image> read(PageId page, Lsn version, const Entry& e);

  Runtime rt_;
  std::string path_;
  std::uint32_t page_size_;
  FileHandle file_{};
  std::uint64_t end_ = 0;
  std::map<PageId, std::map<Lsn, Entry>> index_;
};

}  // namespace aurora::quorum
