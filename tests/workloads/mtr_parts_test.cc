// The random MTRs of the MTR workload: what the spec shapes, and that a choice tape that
// answers every draw neutrally (a shrinker's candidate past its tape's end) still gets one.
#include "workloads/mtr/mtr_parts.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/choice_tape.h"

namespace aurora::workloads {
namespace {

Spec shaped(std::uint32_t pages, std::uint32_t pages_max, std::uint32_t records_max,
            std::uint32_t write_bytes_max) {
  Spec spec;
  spec.workload.pages = pages;
  spec.workload.mtr_pages_max = pages_max;
  spec.workload.mtr_records_max = records_max;
  spec.workload.write_bytes_max = write_bytes_max;
  return spec;
}

void expect_within(const RandomMtr& m, const Spec& spec) {
  const WorkloadSpec& w = spec.workload;
  ASSERT_GE(m.writes.size(), 1u);
  EXPECT_LE(m.writes.size(), std::max(w.mtr_records_max, w.mtr_pages_max));
  std::set<std::uint64_t> pages;
  for (const check::Write& write : m.writes) {
    EXPECT_LT(write.page, w.pages);
    EXPECT_GE(write.bytes.size(), 1u);
    EXPECT_LE(write.bytes.size(), w.write_bytes_max);
    EXPECT_LE(write.offset + write.bytes.size(), spec.storage.page_size);
    pages.insert(write.page);
  }
  EXPECT_LE(pages.size(), w.mtr_pages_max);
}

TEST(RandomMtr, StaysWithinTheSpecsShape) {
  const Spec spec = shaped(5, 4, 8, 600);
  sim::Rng rng(7, "node/c0");
  std::set<std::size_t> distinct_pages;
  std::size_t largest_write = 0;
  for (int i = 0; i < 500; ++i) {
    const RandomMtr m = random_mtr(spec, rng);
    expect_within(m, spec);
    std::set<std::uint64_t> pages;
    for (const check::Write& w : m.writes) {
      pages.insert(w.page);
      largest_write = std::max(largest_write, w.bytes.size());
    }
    distinct_pages.insert(pages.size());
  }
  EXPECT_EQ(distinct_pages, (std::set<std::size_t>{1, 2, 3, 4}));
  EXPECT_GT(largest_write, 32u) << "write_bytes_max above the old fixed 32 is used";
}

TEST(RandomMtr, ANeutralTapeStillGetsDistinctPagesAtOnce) {
  // Every draw past the tape's end is 0; the first draw asks for as many pages as allowed.
  sim::Choices choices;
  choices.streams["node/c0"] = {3};
  sim::ChoiceTape tape(1, choices);
  const Spec spec = shaped(4, 4, 4, 32);
  const RandomMtr m = random_mtr(spec, tape.stream("node/c0"));
  expect_within(m, spec);
  std::set<std::uint64_t> pages;
  for (const check::Write& w : m.writes) pages.insert(w.page);
  EXPECT_EQ(pages, (std::set<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_LT(tape.neutral_draws(), 100u);
}

}  // namespace
}  // namespace aurora::workloads
