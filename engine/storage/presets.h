// Named storage configurations, chosen by name from the command line and from specs.
//
//   base    one tier: every segment stays where it was written.
//   tiered  sealed segments below the GC bound move to the cold tier, and a read that
//           touches the cold tier pays LogOptions::cold_read_latency (virtual time in
//           simulation). Segments are small so that sealing, and so tiering, happen often.
//   quorum  the quorum tier (engine/quorum/): a writer, and 6 segment replicas of each
//           protection group on 6 storage nodes in 3 zones. It has no StorageOptions: the
//           simulated MTR workload builds the tier from the spec. The front ends and
//           `sim real` run the single-storage presets only, for now.
#pragma once

#include <string_view>

#include "engine/runtime/status.h"
#include "engine/storage/storage.h"

namespace aurora::storage {

inline constexpr std::string_view kPresetNames = "base, tiered, quorum";
inline constexpr std::string_view kSingleStoragePresetNames = "base, tiered";

inline bool is_quorum_preset(std::string_view name) { return name == "quorum"; }
bool is_known_preset(std::string_view name);

// The options of single-storage preset `name`; kInvalidArgument naming them otherwise (the
// quorum preset included, with a message that says why).
Result<StorageOptions> storage_preset(std::string_view name);

}  // namespace aurora::storage
