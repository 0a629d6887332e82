// The corpus as a regression suite in the ordinary (GCC) builds: a fuzz target's
// LLVMFuzzerTestOneInput, linked with this main() instead of libFuzzer, runs once on the
// empty input and on every file of the directories (or files) given, in name order. A
// finding aborts, which fails the ctest test (Fuzz.Replay.<target>).
//
//   <target>_replay CORPUS_DIR_OR_FILE...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const std::vector<std::string>& args) {
  std::vector<fs::path> inputs;
  for (const std::string& arg : args) {
    if (fs::is_directory(arg)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(arg)) {
      inputs.emplace_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", arg.c_str());
      std::exit(2);
    }
  }
  return inputs;
}

void run(const std::vector<std::uint8_t>& bytes) {
  // libFuzzer never passes a null pointer, not even for an empty input.
  static const std::uint8_t kEmpty = 0;
  LLVMFuzzerTestOneInput(bytes.empty() ? &kEmpty : bytes.data(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  const std::vector<fs::path> inputs = inputs_of(args);
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs in the corpus (a corpus directory went missing?)\n");
    return 1;
  }
  run({});
  std::uintmax_t total_bytes = 0;
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 1;
    }
    std::printf("replay: %s (%zu bytes)\n", path.filename().c_str(), bytes.size());
    std::fflush(stdout);  // the last name printed is the input that aborted, if one does
    run(bytes);
    total_bytes += bytes.size();
  }
  std::printf("replay: %zu inputs (%ju bytes) and the empty input: no finding\n", inputs.size(),
              total_bytes);
  return 0;
}
