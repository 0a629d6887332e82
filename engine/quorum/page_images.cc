#include "engine/quorum/page_images.h"

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::quorum {

namespace {

using coding::get;
using coding::put;

// Whether an image of `version` written under `epoch` holds a record that one of `annulled`
// annulled since.
bool reached(std::span<const AnnulledRange> annulled, Lsn version, Epoch epoch) {
  for (const AnnulledRange& a : annulled) {
    if (a.epoch > epoch && a.from <= version && a.to >= a.from) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<PageImages>> PageImages::open(Runtime rt, std::string path,
                                                     std::uint32_t page_size,
                                                     std::span<const AnnulledRange> annulled) {
  std::unique_ptr<PageImages> p(new PageImages(rt, std::move(path), page_size));
  Result<FileHandle> f = rt.fs.open(p->path_, OpenMode::kCreate);
  if (!f.is_ok()) return f.status();
  p->file_ = *f;
  Result<std::uint64_t> size = rt.fs.size(p->file_);
  if (!size.is_ok()) return size.status();
  const std::uint64_t frame = kImageHeaderSize + page_size;
  std::vector<std::byte> buf(frame);
  for (std::uint64_t at = 0; at + frame <= *size; at += frame) {
    // A frame that does not read back whole and intact ends the file: images after it
    // were written after a torn one, and are left for the next writes to cover.
    if (!read_exact(rt.fs, p->file_, at, buf).is_ok()) break;
    const std::span<const std::byte> b(buf);
    if (get<std::uint32_t>(b, 4) != page_size ||
        get<std::uint32_t>(b, 0) != crc32c::value(b.subspan(4))) {
      break;
    }
    const PageId page = get<std::uint64_t>(b, 8);
    const Lsn version = get<std::uint64_t>(b, 16);
    const Epoch epoch = get<std::uint64_t>(b, 24);
    p->end_ = at + frame;
    if (version == kNoLsn || reached(annulled, version, epoch)) continue;
    p->index_[page][version] = Entry{at, epoch};
  }
  return p;
}

PageImages::~PageImages() {
  if (file_.valid()) rt_.fs.close(file_).ignore();  // only releases the handle
}

Result<PageImages::Image> PageImages::read(PageId page, Lsn version, const Entry& e) {
  std::vector<std::byte> buf(kImageHeaderSize + page_size_);
  AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, file_, e.at, buf));
  const std::span<const std::byte> b(buf);
  if (get<std::uint32_t>(b, 0) != crc32c::value(b.subspan(4)) ||
      get<std::uint64_t>(b, 8) != page || get<std::uint64_t>(b, 16) != version) {
    return Status::corruption(path_ + ": image of page " + std::to_string(page) + " at " +
                              std::to_string(version) + " is damaged");
  }
  return Image{version, std::vector<std::byte>(buf.begin() + kImageHeaderSize, buf.end())};
}

std::optional<PageImages::Image> PageImages::newest_at(PageId page, Lsn at) {
  const auto it = index_.find(page);
  if (it == index_.end()) return std::nullopt;
  for (auto v = it->second.upper_bound(at); v != it->second.begin();) {
    --v;
    Result<Image> img = read(page, v->first, v->second);
    if (img.is_ok()) return std::move(*img);
    // Damaged (or unreadable now): never used again; an older one may do.
    v = it->second.erase(v);
  }
  return std::nullopt;
}

Status PageImages::write(PageId page, Lsn version, Epoch epoch, std::span<const std::byte> bytes) {
  if (bytes.size() != page_size_) return Status::invalid_argument("an image is a whole page");
  std::vector<std::byte> buf(kImageHeaderSize + page_size_);
  const std::span<std::byte> b(buf);
  put<std::uint32_t>(b, 4, page_size_);
  put<std::uint64_t>(b, 8, page);
  put<std::uint64_t>(b, 16, version);
  put<std::uint64_t>(b, 24, epoch);
  std::copy(bytes.begin(), bytes.end(), buf.begin() + kImageHeaderSize);
  put<std::uint32_t>(b, 0, crc32c::value(b.subspan(4)));
  // The place is taken before the write waits for the disk, so that two reads writing
  // images at once do not share it. A failed write leaves a hole that ends the file at the
  // next open: images are an optimization, and the reads go on without them.
  const std::uint64_t at = end_;
  end_ = at + buf.size();
  rt_.fs.hint(file_, at, buf.size(), "segment.image");
  AURORA_RETURN_IF_ERROR(write_all(rt_.fs, file_, at, buf));
  index_[page][version] = Entry{at, epoch};
  return Status::ok();
}

void PageImages::forget(std::span<const AnnulledRange> annulled) {
  for (auto& [page, versions] : index_) {
    std::erase_if(versions, [&](const auto& v) {
      return reached(annulled, v.first, v.second.epoch);
    });
  }
}

}  // namespace aurora::quorum
