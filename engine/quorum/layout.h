// Where a quorum volume lives: its protection groups (PGs) by page range, each PG's
// membership (the 6 segments that count), and the storage node of each segment.
//
// The standard layout (DESIGN.md section 3) puts the 6 segments of every PG on 6 storage
// nodes, 2 in each availability zone, so a node hosts one segment of each PG: segment
// pg * 6 + i + 1 is on the i-th node.
#pragma once

#include <map>
#include <span>
#include <vector>

#include "engine/quorum/segment.h"
#include "engine/quorum/watermarks.h"
#include "engine/runtime/network.h"

namespace aurora::quorum {

inline constexpr Port kSegmentPort = 7100;

struct VolumeLayout {
  std::uint32_t pg_count = 2;
  PageId pg_pages = 4;  // page p is in PG (p / pg_pages) % pg_count
  std::map<PgId, Membership> members;
  std::map<SegmentId, NodeId> node_of;

  PgId pg_of(PageId page) const {
    return static_cast<PgId>((page / pg_pages) % pg_count);
  }
  Address address_of(SegmentId s) const { return Address{node_of.at(s), kSegmentPort}; }
  // The PG segment `s` belongs to (as a member or as the new member of a change).
  PgId pg_of_segment(SegmentId s) const;
  // The segments `node` hosts, with their directories ("seg-<id>").
  std::vector<SegmentOptions> segments_on(NodeId node, std::uint32_t page_size) const;
  // Every other segment of `s`'s PG (both sets during a change).
  std::vector<SegmentId> peers_of(SegmentId s) const;

  static VolumeLayout standard(std::uint32_t pg_count, PageId pg_pages,
                               std::span<const NodeId> six_nodes);
};

}  // namespace aurora::quorum
