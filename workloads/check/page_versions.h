// The reference model's pages: each page's versions in LSN order, each with the bytes of
// the page right after it, built incrementally as writes arrive. A read of a page at LSN R
// is one binary search (the newest version <= R), whatever the length of the run.
//
// Writes normally arrive in LSN order and are forgotten from the top (a recovery annuls the
// tail), which costs one page copy each. A write that lands below newer versions (an invalid
// history, or a test's) or is removed from below them rebuilds the versions above it, so
// the answer stays exactly the replay of every write in LSN order.
//
// forget_below(h) keeps each page's newest version at or below h (its base) and drops the
// older ones: reads at h or above still get the exact replay. Below a page's base the
// store no longer knows the page; at() then answers with the base (callers judge no read
// below the horizon they set).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "workloads/check/history.h"

namespace aurora::workloads::check {

class PageVersions {
 public:
  // Which write made a version: the MTR (by CPL) and the write's index in it. Two versions
  // of a page may share an LSN only in an invalid history; this tells them apart.
  struct WriteId {
    Lsn cpl = 0;
    std::size_t index = 0;
    friend bool operator==(const WriteId&, const WriteId&) = default;
  };

  explicit PageVersions(std::uint32_t page_size);

  // The write `w` was made at `lsn`. Versions with the same LSN replay in arrival order.
  void add(Lsn lsn, WriteId id, const Write& w);
  // The version of `w.page` at `lsn` made by `id` never happened.
  void remove(PageId page, Lsn lsn, WriteId id);
  // Drops every version older than each page's newest one at or below `horizon`.
  void forget_below(Lsn horizon);

  // The page after every write with LSN <= at, in LSN order (page_size zeros when none).
  const Bytes& at(PageId page, Lsn lsn) const;
  // LSNs of the versions of `page`, ascending, at most `radius` on each side of `around`.
  std::vector<Lsn> lsns_around(PageId page, Lsn around, std::size_t radius) const;
  // The LSN of the newest write <= at that covered byte `offset` (0: none the store knows).
  Lsn last_writer(PageId page, Lsn at, std::uint32_t offset) const;
  // Whether older versions of `page` were forgotten: below its oldest kept version, the
  // page is unknown (not zeros).
  bool forgot_older(PageId page) const;
  // The page after every write with LSN <= at and every write of `extra` (pairs of LSN and
  // write, in LSN order) with LSN <= at, replayed together in LSN order (at equal LSNs the
  // store's write first): how the page would look had `extra` happened.
  Bytes at_with(PageId page, Lsn at, const std::vector<std::pair<Lsn, const Write*>>& extra) const;

  // Versions kept over all pages (for tests and memory figures).
  std::size_t size() const;

 private:
  struct Version {
    Lsn lsn = 0;
    WriteId id;
    Write write;
    Bytes image;  // the page after this write
  };
  struct Page {
    std::deque<Version> versions;  // ascending LSN; equal LSNs in arrival order
    bool forgot_older = false;
  };
  // Recomputes the images of `page` from index `from` up.
  void rebuild(Page& page, std::size_t from) const;
  // Index of the first version with LSN > lsn.
  static std::size_t upper(const Page& page, Lsn lsn);

  Bytes zeros_;  // a page nobody wrote
  std::map<PageId, Page> pages_;
};

// Writes `w` into `page`, growing it if the write runs past its end (so a write the engine
// should have refused shows up as a size mismatch, not as silently dropped bytes).
void apply_write(Bytes& page, const Write& w);

}  // namespace aurora::workloads::check
