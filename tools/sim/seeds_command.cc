#include "tools/sim/seeds_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "tools/sim/run_command.h"

namespace aurora::tools {
namespace {

// "read_correctness" -> "read-correctness": file names use dashes only.
std::string slug(std::string s) {
  for (char& c : s) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    else if (!keep) c = '-';
  }
  std::string out;
  for (char c : s) {
    if (c == '-' && (out.empty() || out.back() == '-')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

int seeds_add_command(const SeedsAddOptions& o) {
  namespace fs = std::filesystem;
  const fs::path dir = o.dir.empty() ? fs::path(AURORA_SOURCE_DIR) / "seeds" : fs::path(o.dir);
  if (!fs::is_directory(dir)) {
    std::cerr << "sim seeds add: '" << dir.string() << "' is not a directory\n";
    return 2;
  }
  std::cout << "running " << reproduce_command(o.spec) << std::endl;
  const workloads::RunReport report = workloads::run_seed(o.spec);
  std::string found = o.found;
  std::string invariant = "regression";
  if (!report.violations.empty()) {
    invariant = report.violations.front().invariant;
    if (found.empty()) found = invariant + ": " + report.violations.front().message;
  } else if (o.found.empty() || o.fixed_by.empty()) {
    std::cerr << "sim seeds add: " << reproduce_command(o.spec)
              << " passes; to add a seed that was already fixed, say what it found (--found) "
                 "and the commit that fixed it (--fixed-by)\n";
    return 2;
  }
  std::string name = o.name.empty() ? slug((o.spec.spec_arg.empty() ? std::string("default")
                                                                    : fs::path(o.spec.spec_arg).stem().string()) +
                                           "-" + invariant)
                                    : slug(o.name);
  const fs::path file = dir / (std::to_string(o.spec.seed) + "-" + name + ".json");
  if (fs::exists(file)) {
    std::cerr << "sim seeds add: '" << file.string() << "' exists already; nothing written\n";
    return 2;
  }
  const std::vector<std::string> args = run_args(o.spec);  // --seed N has its own key
  const nlohmann::json entry = {{"seed", o.spec.seed},
                                {"args", args},
                                {"found", found},
                                {"fixed_by", o.fixed_by}};
  std::ofstream out(file);
  out << entry.dump(2) << "\n";
  out.close();
  if (!out) {
    std::cerr << "sim seeds add: cannot write '" << file.string() << "'\n";
    return 2;
  }
  std::cout << "added " << file.string() << " (" << (report.passed ? "passes now" : "fails now")
            << ")\n";
  if (o.fixed_by.empty()) std::cout << "fill in \"fixed_by\" with the commit that fixes it\n";
  return 0;
}

}  // namespace aurora::tools
