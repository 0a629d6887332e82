#include "tools/sim/choice_io.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>

#include "tools/sim/run_command.h"
#include "tools/sim/run_flags.h"

namespace aurora::tools {

Result<sim::ChoiceFile> read_choice_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot read choice file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error("error reading choice file '" + path + "'");
  return sim::parse_choice_file(text.str(), path);
}

Status write_choice_file(const std::string& path, const sim::ChoiceFile& file) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::io_error("cannot write choice file '" + tmp + "'");
    const std::string text = sim::format_choice_file(file);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return Status::io_error("error writing choice file '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::io_error("cannot rename '" + tmp + "' to '" + path + "'");
  }
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> run_flags_of(const workloads::RunSpec& spec) {
  const std::vector<std::string> args = run_args(spec);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) out.emplace_back(args[i], args[i + 1]);
  return out;
}

Result<workloads::RunSpec> run_spec_of(const sim::ChoiceFile& file, const std::string& source) {
  CLI::App app{"the run flags of a choice file"};
  RunFlags flags;
  std::string spec_arg;
  app.add_option("--spec", spec_arg);
  add_run_flags(app, flags);
  std::vector<std::string> args;
  for (const auto& [name, value] : file.flags) {
    args.push_back(name);
    if (!value.empty()) args.push_back(value);
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return Status::invalid_argument(source + ": its flags: " + e.what());
  }
  workloads::RunSpec spec;
  spec.seed = file.seed;
  spec.spec_arg = spec_arg;
  if (!spec_arg.empty()) {
    Result<workloads::Spec> loaded = workloads::find_spec(spec_arg);
    if (!loaded.is_ok()) {
      return Status::invalid_argument(source + ": flag --spec " + spec_arg + ": " +
                                      loaded.status().message());
    }
    spec.spec = std::move(loaded).value();
  }
  apply_run_flags(flags, spec);
  return spec;
}

Result<ChoiceRun> load_choice_run(const std::string& path) {
  Result<sim::ChoiceFile> file = read_choice_file(path);
  if (!file.is_ok()) return file.status();
  Result<workloads::RunSpec> spec = run_spec_of(*file, path);
  if (!spec.is_ok()) return spec.status();
  return ChoiceRun{std::move(file).value(), std::move(spec).value()};
}

sim::ChoiceFile choice_file_of(const workloads::RunSpec& spec, std::string expect,
                               sim::Choices choices) {
  sim::ChoiceFile f;
  f.seed = spec.seed;
  f.flags = run_flags_of(spec);
  f.expect = std::move(expect);
  f.choices = std::move(choices);
  return f;
}

}  // namespace aurora::tools
