// Choice files (sim/CHOICE_FORMAT.md): what is written reads back the same, and anything
// but a whole, well-formed file is an error naming the source and the line.
#include "sim/choice_file.h"

#include <gtest/gtest.h>

namespace aurora::sim {
namespace {

ChoiceFile sample() {
  ChoiceFile f;
  f.seed = 18446744073709551615ULL;
  f.flags = {{"--workload", "example/ack-before-fsync"}, {"--ops", "40"}, {"--spec", "my spec.toml"},
             {"--empty", ""}};
  f.expect = "durability";
  for (std::uint64_t i = 0; i < 70; ++i) f.choices.streams["node/c0"].push_back(i * 1000003);
  f.choices.streams["scheduler"] = {0, 1, 18446744073709551615ULL};
  return f;
}

TEST(ChoiceFile, WhatIsWrittenReadsBackTheSame) {
  const ChoiceFile f = sample();
  const std::string text = format_choice_file(f);
  Result<ChoiceFile> back = parse_choice_file(text, "x.choices");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(*back, f);
  EXPECT_EQ(format_choice_file(*back), text);
  EXPECT_TRUE(text.starts_with("aurora-choices 1\nseed 18446744073709551615\n"));
  EXPECT_TRUE(text.ends_with("end\n"));
}

TEST(ChoiceFile, EmptyStreamsAreLeftOutAndAMinimalFileParses) {
  ChoiceFile f;
  f.seed = 3;
  f.choices.streams["faults"] = {};
  EXPECT_EQ(format_choice_file(f), "aurora-choices 1\nseed 3\nend\n");
  Result<ChoiceFile> back = parse_choice_file("aurora-choices 1\nseed 3\nend", "f");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->choices.size(), 0u);
}

struct Bad {
  const char* text;
  const char* where;    // "<source>:<line>:"
  const char* problem;  // a part of the message
};

TEST(ChoiceFile, AnythingElseIsAnErrorNamingTheLine) {
  const Bad cases[] = {
      {"", "t.choices:1:", "not a choice file"},
      {"aurora-choices 2\nseed 1\nend\n", "t.choices:1:", "not a choice file"},
      {"aurora-choices 1\n", "t.choices:1:", "ends before its \"seed\""},
      {"aurora-choices 1\nseed x\nend\n", "t.choices:2:", "seed must be a decimal"},
      {"aurora-choices 1\nseed 18446744073709551616\nend\n", "t.choices:2:", "below 2^64"},
      {"aurora-choices 1\nseed 1\n", "t.choices:2:", "without its \"end\""},
      {"aurora-choices 1\nseed 1\nflag ops 3\nend\n", "t.choices:3:", "must start with \"--\""},
      {"aurora-choices 1\nseed 1\nbogus\nend\n", "t.choices:3:", "unknown line"},
      {"aurora-choices 1\nseed 1\nstream s 2\n1\nend\n", "t.choices:5:", "not a decimal"},
      {"aurora-choices 1\nseed 1\nstream s 2\n1 2 3\nend\n", "t.choices:4:", "more values"},
      {"aurora-choices 1\nseed 1\nstream s 2\n1 2\n", "t.choices:4:", "without its \"end\""},
      {"aurora-choices 1\nseed 1\nstream s 3\n1 2\n", "t.choices:4:", "cut short"},
      {"aurora-choices 1\nseed 1\nstream s 1\n01\nend\n", "t.choices:4:", "not a decimal"},
      {"aurora-choices 1\nseed 1\nstream s 1\n-1\nend\n", "t.choices:4:", "not a decimal"},
      {"aurora-choices 1\nseed 1\nstream s 1\n1  \nend\n", "t.choices:4:", "not a decimal"},
      {"aurora-choices 1\nseed 1\nstream s 1\n\n1\nend\n", "t.choices:4:", "empty line"},
      {"aurora-choices 1\nseed 1\nstream s 0\nend\n", "t.choices:3:", "COUNT must be"},
      {"aurora-choices 1\nseed 1\nstream b 1\n1\nstream a 1\n1\nend\n", "t.choices:5:", "out of order"},
      {"aurora-choices 1\nseed 1\nstream a 1\n1\nstream a 1\n1\nend\n", "t.choices:5:", "listed twice"},
      {"aurora-choices 1\nseed 1\nstream a 1\n1\nflag --ops 3\nend\n", "t.choices:5:", "before"},
      {"aurora-choices 1\nseed 1\nexpect a b\nend\n", "t.choices:3:", "one invariant"},
      {"aurora-choices 1\nseed 1\nend\nstream a 1\n", "t.choices:4:", "after the \"end\""},
  };
  for (const Bad& b : cases) {
    Result<ChoiceFile> r = parse_choice_file(b.text, "t.choices");
    ASSERT_FALSE(r.is_ok()) << b.text;
    EXPECT_EQ(r.kind(), ErrorKind::kCorruption);
    const std::string& m = r.status().message();
    EXPECT_TRUE(m.starts_with(b.where)) << m << "\nfor:\n" << b.text;
    EXPECT_NE(m.find(b.problem), std::string::npos) << m << "\nfor:\n" << b.text;
  }
}

TEST(ChoiceFile, MoreThanThirtyTwoValuesOnALineIsAnError) {
  std::string text = "aurora-choices 1\nseed 1\nstream s 33\n";
  for (int i = 0; i < 33; ++i) text += i ? " 1" : "1";
  text += "\nend\n";
  Result<ChoiceFile> r = parse_choice_file(text, "t");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("more than 32"), std::string::npos);
}

}  // namespace
}  // namespace aurora::sim
