// ExampleStore: the small key-value interface shared by the example systems with known
// bugs (README.md here). They are not the engine: each is a few dozen lines with one
// deliberate bug behind a switch, so that the simulator, its sweeps and its shrinker can
// be shown finding, and minimizing, a failure that is known to be there.
//
// A store is opened on one node's Runtime (its files, clock and fibers: the seam of
// engine/runtime/runtime.h) and recovers whatever that node's disk holds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "engine/runtime/runtime.h"
#include "engine/runtime/status.h"

namespace aurora::examples {

class ExampleStore {
 public:
  virtual ~ExampleStore() = default;
  // Stores `value` under `key`. OK means acknowledged: a store without its bug keeps the
  // put across every later crash. After an error nothing more is acknowledged by this
  // incarnation (a store that failed an fsync stops; recovery sorts it out).
  virtual Status put(std::uint32_t key, std::uint32_t value) = 0;
  // The value of `key` in the store as recovered and updated since; nullopt when absent.
  virtual std::optional<std::uint32_t> get(std::uint32_t key) const = 0;
};

// Opens (creating, or recovering) a store on the node whose runtime is given.
using ExampleOpener = std::function<Result<std::unique_ptr<ExampleStore>>(Runtime)>;

}  // namespace aurora::examples
