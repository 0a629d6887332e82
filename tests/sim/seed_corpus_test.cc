// Replays every file in seeds/ with the sim binary: each is a seed that once failed, and
// must pass now. The file format is described in seeds/README.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(AURORA_SOURCE_DIR) / "seeds")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SeedCorpus, EverySeedThatOnceFailedPassesNow) {
  const std::vector<fs::path> files = corpus();
  ASSERT_FALSE(files.empty()) << "seeds/ has no *.json entries";
  for (const fs::path& file : files) {
    std::ifstream in(file);
    nlohmann::json entry = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(entry.is_object()) << file << ": not a JSON object";
    ASSERT_TRUE(entry.contains("seed") && entry["seed"].is_number_unsigned())
        << file << ": needs an unsigned \"seed\"";
    ASSERT_TRUE(entry.contains("found") && entry["found"].is_string()) << file << ": needs \"found\"";
    std::string cmd = std::string(AURORA_SIM_BINARY) + " --no-color --seed " +
                      std::to_string(entry["seed"].get<std::uint64_t>());
    for (const auto& arg : entry.value("args", nlohmann::json::array())) {
      ASSERT_TRUE(arg.is_string()) << file << ": args must be strings";
      cmd += " '" + arg.get<std::string>() + "'";
    }
    cmd += " > /dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << file << " fails again: " << cmd << "\n  it found: "
                                           << entry["found"].get<std::string>();
  }
}

}  // namespace
