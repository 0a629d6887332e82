#include "engine/storage/presets.h"

#include <string>

namespace aurora::storage {

Result<StorageOptions> storage_preset(std::string_view name) {
  StorageOptions o;
  if (name == "base") return o;
  if (name == "tiered") {
    o.tiered = true;
    o.log.segment_bytes = 4096;
    o.log.cold_read_latency = 50 * kMillisecond;
    return o;
  }
  return Status::invalid_argument("unknown preset '" + std::string(name) +
                                  "' (known: " + std::string(kPresetNames) + ")");
}

}  // namespace aurora::storage
