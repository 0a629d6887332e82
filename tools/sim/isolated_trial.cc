#include "tools/sim/isolated_trial.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "engine/runtime/assert.h"
#include "sim/choice_file.h"
#include "tools/sim/worker_pool.h"

namespace aurora::tools {

namespace {

constexpr std::string_view kResultMarker = "\n--- aurora trial ---\n";

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The trial as text: the sizes (then the faults fired by kind) and the first violation on
// lines of their own, a line "units NAME I..." for each stream's unit starts, then the tape
// as a choice file (sim/CHOICE_FORMAT.md, which does not hold units).
std::string encode(const workloads::Trial& t) {
  std::string out(kResultMarker);
  out.append(std::to_string(t.size.ops)).append(" ").append(std::to_string(t.size.crashes));
  out.append(" ").append(std::to_string(t.size.faults)).append(" ");
  out.append(std::to_string(t.size.events));
  for (const std::uint64_t n : t.fired) out.append(" ").append(std::to_string(n));
  out.append("\n");
  if (t.first) {
    std::string message = t.first->message;
    for (char& c : message) c = c == '\n' ? ' ' : c;
    out.append("violation ").append(t.first->invariant).append("\n").append(message).append("\n");
  } else {
    out.append("pass\n");
  }
  for (const auto& [name, starts] : t.used.units) {
    out.append("units ").append(name);
    for (const std::uint64_t i : starts) out.append(" ").append(std::to_string(i));
    out.append("\n");
  }
  sim::ChoiceFile f;
  f.choices = t.used;
  return out.append(sim::format_choice_file(f));
}

workloads::Trial failed(std::string invariant, std::string message) {
  workloads::Trial t;
  t.first = workloads::Violation{.invariant = std::move(invariant), .message = std::move(message)};
  return t;
}

workloads::Trial decode(const std::string& text);

// What a child that did not finish printed: the place of its failed assertion, if any, and
// the tape its assertion hook wrote (the draws up to the assertion).
workloads::Trial died(const std::string& output, int status) {
  const std::string head = "ASSERTION FAILED at ";
  const std::size_t at = output.find(head);
  if (at != std::string::npos) {
    const std::size_t from = at + head.size();
    const std::size_t colon = output.find(": ", from);  // ends "file:line"
    const std::size_t eol = output.find('\n', from);
    std::string place = output.substr(from, colon == std::string::npos ? 0 : colon - from);
    // The place relative to the source tree: the same name on every machine.
    const std::string root = std::string(AURORA_SOURCE_DIR) + "/";
    if (place.starts_with(root)) place.erase(0, root.size());
    workloads::Trial t;
    if (output.find(kResultMarker, from) != std::string::npos) t = decode(output);
    t.sized = false;
    t.size = {};
    t.first = workloads::Violation{
        .invariant = "assertion:" + place,
        .message = output.substr(from, eol == std::string::npos ? std::string::npos : eol - from)};
    return t;
  }
  std::string how = WIFSIGNALED(status) ? "signal-" + std::to_string(WTERMSIG(status))
                                        : "exit-" + std::to_string(WEXITSTATUS(status));
  workloads::Trial t = failed("crash:" + how, "the run's process " + describe_wait_status(status));
  t.sized = false;
  return t;
}

workloads::Trial decode(const std::string& text) {
  const std::size_t at = text.rfind(kResultMarker);
  std::size_t pos = at + kResultMarker.size();
  const auto line = [&]() {
    const std::size_t eol = text.find('\n', pos);
    std::string l = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    return l;
  };
  workloads::Trial t;
  std::istringstream sizes(line());
  if (!(sizes >> t.size.ops >> t.size.crashes >> t.size.faults >> t.size.events)) {
    return failed("crash: garbled trial", "the child's result could not be read");
  }
  for (std::uint64_t& n : t.fired) {
    if (!(sizes >> n)) return failed("crash: garbled trial", "the child's fault counts could not be read");
  }
  const std::string verdict = line();
  if (verdict.starts_with("violation ")) {
    t.first = workloads::Violation{.invariant = verdict.substr(10), .message = line()};
  }
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> units;
  while (text.compare(pos, 6, "units ") == 0) {
    std::istringstream in(line().substr(6));
    std::string name;
    in >> name;
    std::vector<std::uint64_t>& starts = units[name];
    for (std::uint64_t i = 0; in >> i;) starts.push_back(i);
  }
  Result<sim::ChoiceFile> tape = sim::parse_choice_file(std::string_view(text).substr(pos), "trial");
  if (!tape.is_ok()) return failed("crash: garbled trial", tape.status().message());
  t.used = std::move(tape->choices);
  t.used.units = std::move(units);
  return t;
}

}  // namespace

workloads::Trial run_isolated(const std::function<workloads::Trial()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return failed("crash: no pipe", "pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return failed("crash: no fork", "fork() failed");
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    const workloads::Trial t = body();
    const bool ok = write_all(fds[1], encode(t));
    ::_exit(ok ? 0 : 3);
  }
  ::close(fds[1]);
  std::string output;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || output.rfind(kResultMarker) == std::string::npos) {
    return died(output, status);
  }
  return decode(output);
}

namespace {
// The child's tape and pipe, for its assertion hook.
sim::ChoiceTape* g_child_tape = nullptr;
int g_child_fd = -1;

void write_tape_before_abort() {
  workloads::Trial t;
  t.used = g_child_tape->recorded();
  (void)write_all(g_child_fd, encode(t));
}
}  // namespace

workloads::Trial run_trial_isolated(const workloads::RunSpec& spec, const sim::Choices* replay) {
  return run_isolated([&] {
    const std::unique_ptr<sim::ChoiceTape> tape = workloads::trial_tape(spec, replay);
    g_child_tape = tape.get();
    g_child_fd = STDERR_FILENO;  // the pipe, in the child
    set_assert_hook(&write_tape_before_abort);
    return workloads::run_trial_on(spec, *tape);
  });
}

}  // namespace aurora::tools
