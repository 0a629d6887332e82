#include "workloads/check/page_versions.h"

#include <algorithm>

namespace aurora::workloads::check {

void apply_write(Bytes& page, const Write& w) {
  const std::size_t end = static_cast<std::size_t>(w.offset) + w.bytes.size();
  if (end > page.size()) page.resize(end, 0);
  std::copy(w.bytes.begin(), w.bytes.end(), page.begin() + w.offset);
}

PageVersions::PageVersions(std::uint32_t page_size) : zeros_(page_size, 0) {}

std::size_t PageVersions::upper(const Page& page, Lsn lsn) {
  const auto it = std::upper_bound(page.versions.begin(), page.versions.end(), lsn,
                                   [](Lsn l, const Version& v) { return l < v.lsn; });
  return static_cast<std::size_t>(it - page.versions.begin());
}

void PageVersions::rebuild(Page& page, std::size_t from) const {
  for (std::size_t i = from; i < page.versions.size(); ++i) {
    Version& v = page.versions[i];
    if (i == 0) {
      // The oldest kept version of a page whose older ones were forgotten is a base: its
      // image cannot be recomputed, and stays what it was.
      if (page.forgot_older) continue;
      v.image = zeros_;
    } else {
      v.image = page.versions[i - 1].image;
    }
    apply_write(v.image, v.write);
  }
}

void PageVersions::add(Lsn lsn, WriteId id, const Write& w) {
  Page& page = pages_[w.page];
  const std::size_t pos = upper(page, lsn);
  page.versions.insert(page.versions.begin() + static_cast<std::ptrdiff_t>(pos),
                       Version{lsn, id, w, {}});
  if (pos == 0 && page.forgot_older) {
    // Below a forgotten past (an LSN reused below the horizon: a violation the checkers
    // report): the best the store can say is this write on zeros.
    page.versions.front().image = zeros_;
    apply_write(page.versions.front().image, w);
    rebuild(page, 1);
    return;
  }
  rebuild(page, pos);
}

void PageVersions::remove(PageId page_id, Lsn lsn, WriteId id) {
  const auto it = pages_.find(page_id);
  if (it == pages_.end()) return;
  Page& page = it->second;
  const auto first = std::lower_bound(page.versions.begin(), page.versions.end(), lsn,
                                      [](const Version& v, Lsn l) { return v.lsn < l; });
  for (auto v = first; v != page.versions.end() && v->lsn == lsn; ++v) {
    if (v->id != id) continue;
    const auto pos = static_cast<std::size_t>(v - page.versions.begin());
    page.versions.erase(v);
    if (page.versions.empty() && !page.forgot_older) {
      pages_.erase(it);
      return;
    }
    // Removing a forgotten page's base leaves its next version as the oldest known one.
    rebuild(page, pos);
    return;
  }
}

void PageVersions::forget_below(Lsn horizon) {
  for (auto& [id, page] : pages_) {
    const std::size_t newest_at_or_below = upper(page, horizon);
    if (newest_at_or_below <= 1) continue;
    page.versions.erase(page.versions.begin(),
                        page.versions.begin() + static_cast<std::ptrdiff_t>(newest_at_or_below - 1));
    page.forgot_older = true;
  }
}

const Bytes& PageVersions::at(PageId page_id, Lsn lsn) const {
  const auto it = pages_.find(page_id);
  if (it == pages_.end()) return zeros_;
  const Page& page = it->second;
  const std::size_t n = upper(page, lsn);
  if (n == 0) return page.forgot_older && !page.versions.empty() ? page.versions.front().image
                                                                  : zeros_;
  return page.versions[n - 1].image;
}

std::vector<Lsn> PageVersions::lsns_around(PageId page_id, Lsn around, std::size_t radius) const {
  std::vector<Lsn> out;
  const auto it = pages_.find(page_id);
  if (it == pages_.end()) return out;
  const Page& page = it->second;
  const std::size_t mid = upper(page, around);
  const std::size_t from = mid > radius ? mid - radius : 0;
  const std::size_t to = std::min(page.versions.size(), mid + radius);
  for (std::size_t i = from; i < to; ++i) {
    if (out.empty() || out.back() != page.versions[i].lsn) out.push_back(page.versions[i].lsn);
  }
  return out;
}

Lsn PageVersions::last_writer(PageId page_id, Lsn at, std::uint32_t offset) const {
  const auto it = pages_.find(page_id);
  if (it == pages_.end()) return 0;
  const Page& page = it->second;
  for (std::size_t i = upper(page, at); i-- > 0;) {
    const Write& w = page.versions[i].write;
    if (offset >= w.offset && offset - w.offset < w.bytes.size()) return page.versions[i].lsn;
  }
  return 0;
}

bool PageVersions::forgot_older(PageId page_id) const {
  const auto it = pages_.find(page_id);
  return it != pages_.end() && it->second.forgot_older;
}

Bytes PageVersions::at_with(PageId page_id, Lsn at,
                            const std::vector<std::pair<Lsn, const Write*>>& extra) const {
  std::vector<std::pair<Lsn, const Write*>> own_extra;
  for (const auto& e : extra) {
    if (e.first <= at && e.second->page == page_id) own_extra.push_back(e);
  }
  if (own_extra.empty()) return this->at(page_id, at);
  const Lsn first_extra = own_extra.front().first;
  // Start from the page just below the first extra write, then merge the store's later
  // writes with the extra ones.
  Bytes bytes = first_extra == 0 ? zeros_ : this->at(page_id, first_extra - 1);
  const auto it = pages_.find(page_id);
  std::size_t i = 0;
  if (it != pages_.end()) i = upper(it->second, first_extra == 0 ? 0 : first_extra - 1);
  std::size_t e = 0;
  while (true) {
    const Version* v = nullptr;
    if (it != pages_.end() && i < it->second.versions.size() && it->second.versions[i].lsn <= at) {
      v = &it->second.versions[i];
    }
    if (v == nullptr && e == own_extra.size()) break;
    if (v != nullptr && (e == own_extra.size() || v->lsn <= own_extra[e].first)) {
      apply_write(bytes, v->write);
      ++i;
    } else {
      apply_write(bytes, *own_extra[e].second);
      ++e;
    }
  }
  return bytes;
}

std::size_t PageVersions::size() const {
  std::size_t n = 0;
  for (const auto& [id, page] : pages_) n += page.versions.size();
  return n;
}

}  // namespace aurora::workloads::check
