#include "engine/runtime/status.h"

#include <gtest/gtest.h>

namespace aurora {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(Status, CarriesKindAndMessage) {
  Status s = Status::io_error("fsync of wal/1.log");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.kind(), ErrorKind::kIoError);
  EXPECT_EQ(s.to_string(), "IoError: fsync of wal/1.log");
}

Result<int> half(int x) {
  if (x % 2 != 0) return Status::invalid_argument("odd");
  return x / 2;
}

Status use_half(int x, int& out) {
  Result<int> r = half(x);
  if (!r.is_ok()) return r.status();
  out = *r;
  return Status::ok();
}

TEST(Result, ValueOrError) {
  int out = 0;
  EXPECT_TRUE(use_half(8, out).is_ok());
  EXPECT_EQ(out, 4);
  Status s = use_half(7, out);
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  EXPECT_DEATH(
      {
        Result<int> r = half(3);
        (void)r.value();
      },
      "value\\(\\) of a failed Result");
}

TEST(AssertDeathTest, PrintsTheRunContext) {
  set_assert_context("seed=42 reproduce: sim --seed 42");
  EXPECT_DEATH(AURORA_ASSERT(1 + 1 == 3, "arithmetic"), "seed=42 reproduce: sim --seed 42");
  set_assert_context("");
}

}  // namespace
}  // namespace aurora
