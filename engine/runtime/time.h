// Time on the seam is a count of nanoseconds (virtual in simulation, monotonic on real
// hardware). Plain integers keep the trace encoding and arithmetic obvious.
#pragma once

#include <cstdint>

namespace aurora {

using Nanos = std::int64_t;
inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;

// Where the scheduler's time comes from. The scheduler calls advance_to() only when no
// fiber can run and the earliest timer is at `t`: a virtual source jumps there at once, a
// real one waits until then, or less when I/O (a network's sockets) woke a fiber first.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual Nanos now() const = 0;
  virtual void advance_to(Nanos t) = 0;
};

}  // namespace aurora
