// Named storage configurations, chosen by name from the command line and from specs.
//
//   base    one tier: every segment stays where it was written.
//   tiered  sealed segments below the GC bound move to the cold tier, and a read that
//           touches the cold tier pays LogOptions::cold_read_latency (virtual time in
//           simulation). Segments are small so that sealing, and so tiering, happen often.
#pragma once

#include <string_view>

#include "engine/runtime/status.h"
#include "engine/storage/storage.h"

namespace aurora::storage {

inline constexpr std::string_view kPresetNames = "base, tiered";

// The options of preset `name`; kInvalidArgument naming the known presets otherwise.
Result<StorageOptions> storage_preset(std::string_view name);

}  // namespace aurora::storage
