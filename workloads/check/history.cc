#include "workloads/check/history.h"

#include <type_traits>

namespace aurora::workloads::check {

std::string_view observation_kind(const Observation& o) {
  return std::visit(
      [](const auto& v) -> std::string_view {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, obs::Appended>) {
          return "appended";
        } else if constexpr (std::is_same_v<T, obs::Acked>) {
          return "acked";
        } else if constexpr (std::is_same_v<T, obs::State>) {
          return "state";
        } else if constexpr (std::is_same_v<T, obs::Read>) {
          return "read";
        } else if constexpr (std::is_same_v<T, obs::ColdWarm>) {
          return "cold_warm";
        } else if constexpr (std::is_same_v<T, obs::Crashed>) {
          return "crashed";
        } else if constexpr (std::is_same_v<T, obs::FsyncFailed>) {
          return "fsync_failed";
        } else if constexpr (std::is_same_v<T, obs::Recovered>) {
          return "recovered";
        } else if constexpr (std::is_same_v<T, obs::Annulled>) {
          return "annulled";
        } else if constexpr (std::is_same_v<T, obs::RefreshFailed>) {
          return "refresh_failed";
        } else if constexpr (std::is_same_v<T, obs::GcHorizon>) {
          return "gc_horizon";
        } else if constexpr (std::is_same_v<T, obs::SessionStarted>) {
          return "session_started";
        } else if constexpr (std::is_same_v<T, obs::Committed>) {
          return "committed";
        } else if constexpr (std::is_same_v<T, obs::CommitUnknown>) {
          return "commit_unknown";
        } else if constexpr (std::is_same_v<T, obs::CommitRefused>) {
          return "commit_refused";
        } else if constexpr (std::is_same_v<T, obs::QuorumAcked>) {
          return "quorum_acked";
        } else if constexpr (std::is_same_v<T, obs::SegmentAccepted>) {
          return "segment_accepted";
        } else if constexpr (std::is_same_v<T, obs::QuorumRecovery>) {
          return "quorum_recovery";
        } else if constexpr (std::is_same_v<T, obs::QuorumWatermarks>) {
          return "quorum_watermarks";
        } else {
          static_assert(std::is_same_v<T, obs::ReplicaRead>, "a new observation needs a name");
          return "replica_read";
        }
      },
      o);
}

}  // namespace aurora::workloads::check
