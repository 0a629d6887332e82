// Shared wording of violation messages: LSN ranges, MTRs, and where two page images part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workloads/check/model.h"

namespace aurora::workloads::check {

// "[first, last]".
std::string lsn_range(Lsn first, Lsn last);
// "MTR [first, cpl] of node N (acknowledged)".
std::string describe_mtr(const Mtr& m);
// The first offset where `a` and `b` differ (the shorter size if one is a prefix of the
// other), or nullopt when they are equal.
std::optional<std::size_t> first_difference(const Bytes& a, const Bytes& b);
// Up to 8 bytes either side of `at`, in hex, `at` marked with '*' ("0a 0b*0c").
std::string hex_around(const Bytes& bytes, std::size_t at);
// "first difference at byte O: expected 0x41 (written by LSN 7), got 0x00; expected [..]
// got [..]" (plus both sizes when they differ).
// `page`/`at` name the replay the expected image is of, to find the LSN that wrote the byte.
// "<what> and returned the page, below the GC horizon H (...): expected out_of_range".
std::string below_horizon(const std::string& what, const Model& model);

std::string describe_page_difference(const Model& model, PageId page, Lsn at, const Bytes& expected,
                                     const Bytes& actual);

}  // namespace aurora::workloads::check
