#include "engine/storage/presets.h"

#include <string>

namespace aurora::storage {

bool is_known_preset(std::string_view name) {
  return name == "base" || name == "tiered" || is_quorum_preset(name);
}

Result<StorageOptions> storage_preset(std::string_view name) {
  StorageOptions o;
  if (name == "base") return o;
  if (is_quorum_preset(name)) {
    return Status::invalid_argument("preset 'quorum' is the quorum tier, which runs only in "
                                    "the simulated MTR workload for now (single-storage "
                                    "presets: " + std::string(kSingleStoragePresetNames) + ")");
  }
  if (name == "tiered") {
    o.tiered = true;
    o.log.segment_bytes = 4096;
    o.log.cold_read_latency = 50 * kMillisecond;
    return o;
  }
  return Status::invalid_argument("unknown preset '" + std::string(name) +
                                  "' (known: " + std::string(kSingleStoragePresetNames) + ")");
}

}  // namespace aurora::storage
