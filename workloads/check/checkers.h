// One checker per invariant of DESIGN.md section 4, in its order (4.18, the session
// guarantees, has one for each of its two). `unrestricted`: the
// regime with media faults (DESIGN.md section 5), where acknowledged data may be lost, but
// only with a corruption report (invariant 10), and reads may fail loudly.
#pragma once

#include <memory>
#include <vector>

#include "workloads/check/checker.h"

namespace aurora::workloads::check {

std::unique_ptr<Checker> make_lsn_unique();                                // 4.1
std::unique_ptr<Checker> make_allocation_limit();                          // 4.2
std::unique_ptr<Checker> make_ordering();                                  // 4.3
std::unique_ptr<Checker> make_monotonic(bool unrestricted);                // 4.4
std::unique_ptr<Checker> make_truncation_final();                          // 4.5
std::unique_ptr<Checker> make_mtr_atomicity();                             // 4.6
std::unique_ptr<Checker> make_durability(bool unrestricted);               // 4.7
std::unique_ptr<Checker> make_read_correctness(bool unrestricted);         // 4.8
std::unique_ptr<Checker> make_cache_invisible();                           // 4.9
std::unique_ptr<Checker> make_torn_tail_vs_corruption(bool unrestricted);  // 4.10
std::unique_ptr<Checker> make_fsync_stop();                                // 4.11
std::unique_ptr<Checker> make_quorum_write();                              // 4.12
std::unique_ptr<Checker> make_quorum_recovery();                           // 4.13
std::unique_ptr<Checker> make_epoch_fencing();                             // 4.14
std::unique_ptr<Checker> make_quorum_watermarks();                         // 4.15
std::unique_ptr<Checker> make_replica_reads(bool unrestricted);            // 4.16
std::unique_ptr<Checker> make_read_your_writes();                          // 4.18
std::unique_ptr<Checker> make_monotonic_reads(bool unrestricted);          // 4.18
std::unique_ptr<Checker> make_commit_once();  // 4.1 and 4.6 under retries (section 5b)

// All of them, in the order above.
std::vector<std::unique_ptr<Checker>> make_all_checkers(bool unrestricted);

}  // namespace aurora::workloads::check
