#include "tools/sim/real_checker.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/real/wire.h"

namespace aurora::tools {

namespace obs = workloads::check::obs;
using Clock = std::chrono::steady_clock;

void RealChecker::feed(std::string& buffer) {
  std::size_t start = 0;
  for (std::size_t nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n', start)) {
    line(buffer.substr(start, nl - start));
    start = nl + 1;
  }
  buffer.erase(0, start);
}

void RealChecker::line(const std::string& text) {
  std::string error;
  std::optional<workloads::real::WireLine> l = workloads::real::decode_line(text, error);
  if (!l) {
    report_.violations.push_back({"wire", error, 0, 0});
    return;
  }
  if (l->ready) {
    ready = true;
    return;
  }
  workloads::check::Observation& o = *l->observation;
  if (sessions_outlive_restarts) {
    if (const auto* s = std::get_if<obs::SessionStarted>(&o)) outlived_restart_[s->node] = false;
    if (std::holds_alternative<obs::Recovered>(o)) {
      for (auto& [node, outlived] : outlived_restart_) outlived = true;
    }
    if (auto* r = std::get_if<obs::Read>(&o); r != nullptr && r->at_read_point) {
      auto it = outlived_restart_.find(r->node);
      if (it != outlived_restart_.end() && it->second) r->may_refuse_below = UINT64_MAX;
    }
  }
  if (std::holds_alternative<obs::Appended>(o)) ++report_.appended;
  if (std::holds_alternative<obs::Acked>(o)) ++report_.acknowledged;
  if (std::holds_alternative<obs::Read>(o)) ++report_.reads_checked;
  if (std::holds_alternative<obs::Recovered>(o)) ++report_.recoveries;
  if (std::holds_alternative<obs::CommitUnknown>(o)) ++report_.unknown;
  observe(o);
}

void RealChecker::record(std::vector<workloads::Violation> found) {
  for (workloads::Violation& v : found) report_.violations.push_back(std::move(v));
}

bool pump(int fd, std::string& buffer, RealChecker& checker, Clock::time_point until,
          const std::function<bool()>& stop_early) {
  for (;;) {
    if (stop_early && stop_early()) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[65536];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    buffer.append(buf, static_cast<std::size_t>(got));
    checker.feed(buffer);
  }
}

void drain(int fd, std::string& buffer, RealChecker& checker) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    char buf[65536];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    buffer.append(buf, static_cast<std::size_t>(got));
    checker.feed(buffer);
  }
}

}  // namespace aurora::tools
