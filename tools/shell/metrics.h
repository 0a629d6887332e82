// Metrics of a session: for each kind of operation (put, get, refresh, sync, crash,
// recover, and the background workers' bg.write, bg.read), how many ran, how many failed,
// and their latency percentiles in the session's time (virtual in simulation).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "engine/runtime/time.h"
#include "engine/util/histogram.h"

namespace aurora::shell {

struct OpMetrics {
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  Histogram latency_ns;
};

class Metrics {
 public:
  void record(std::string_view op, Nanos latency, bool ok);
  const std::map<std::string, OpMetrics, std::less<>>& ops() const { return ops_; }
  std::uint64_t total() const;
  // A table, one line per operation kind:
  //   op          count  errors     p50      p90      p99      max
  //   put            12       0   0.41ms   0.60ms   0.66ms   0.66ms
  std::string render() const;

 private:
  std::map<std::string, OpMetrics, std::less<>> ops_;
};

// "0.41ms", "12.0us", "1.20s": a duration at a readable scale.
std::string format_duration(Nanos d);

}  // namespace aurora::shell
