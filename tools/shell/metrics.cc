#include "tools/shell/metrics.h"

#include <cstdio>

namespace aurora::shell {

void Metrics::record(std::string_view op, Nanos latency, bool ok) {
  auto it = ops_.find(op);
  if (it == ops_.end()) it = ops_.emplace(std::string(op), OpMetrics{}).first;
  ++it->second.count;
  if (!ok) ++it->second.errors;
  it->second.latency_ns.record(static_cast<std::uint64_t>(latency < 0 ? 0 : latency));
}

std::uint64_t Metrics::total() const {
  std::uint64_t n = 0;
  for (const auto& [name, m] : ops_) n += m.count;
  return n;
}

std::string format_duration(Nanos d) {
  char buf[32];
  const double v = static_cast<double>(d);
  if (d < kMicrosecond) {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(d));
  } else if (d < kMillisecond) {
    std::snprintf(buf, sizeof buf, "%.1fus", v / 1e3);
  } else if (d < kSecond) {
    std::snprintf(buf, sizeof buf, "%.2fms", v / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", v / 1e9);
  }
  return buf;
}

std::string Metrics::render() const {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-10s %7s %7s %9s %9s %9s %9s\n", "op", "count", "errors",
                "p50", "p90", "p99", "max");
  out += line;
  for (const auto& [name, m] : ops_) {
    const auto pct = [&m](double p) {
      return format_duration(static_cast<Nanos>(m.latency_ns.percentile(p)));
    };
    std::snprintf(line, sizeof line, "%-10s %7llu %7llu %9s %9s %9s %9s\n", name.c_str(),
                  static_cast<unsigned long long>(m.count),
                  static_cast<unsigned long long>(m.errors), pct(50).c_str(), pct(90).c_str(),
                  pct(99).c_str(), format_duration(static_cast<Nanos>(m.latency_ns.max())).c_str());
    out += line;
  }
  if (ops_.empty()) out += "(no operations yet)\n";
  return out;
}

}  // namespace aurora::shell
