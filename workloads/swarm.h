// The fault configuration of one seeded run of a spec (swarm testing, Groce et al. 2012):
// with `swarm` on, each fault kind the regime allows is switched on or off (but for torn
// writes and crash points, which stay on), and its probability scaled, by draws from the
// seed's "swarm" stream, so different seeds stress
// different mixes (a run with fewer kinds on often reaches deeper into the ones that are).
// The spec's per-kind overrides apply after the draw. The crash mode, the atomic unit, what
// a lost unit exposes and how reads look after a failed fsync are drawn from the seed's
// "disk-config" stream unless the spec fixes them. Both streams are the run's choice
// tape's, so a replayed run draws the same configuration, and a shrinker can simplify it.
#pragma once

#include <cstdint>
#include <string>

#include "sim/choice_tape.h"
#include "sim/fault_injector.h"
#include "workloads/spec/spec.h"

namespace aurora::workloads {

sim::FaultConfig draw_fault_config(const FaultSpec& spec, sim::ChoiceTape& choices);

// The network of one seeded run: the spec's latencies and capacity; with `faults`, every
// kind on at its default (sim::NetConfig::faulty), then with `swarm` each kind switched on
// or off and its probability scaled by draws from the "net-swarm" stream, as for the disk;
// the spec's per-kind overrides last.
sim::NetConfig draw_net_config(const NetworkSpec& spec, sim::ChoiceTape& choices);

// The configuration of one seeded run: `spec` with every key its [swarm] table names drawn
// from the "config" stream (spec.h, SwarmSpec), one draw per named key in a fixed order.
// Then what the draw may have broken is mended: mtr_pages_max is at most pages, and LAL at
// least mtr_records_max (an MTR larger than LAL could never be appended).
Spec draw_configuration(const Spec& spec, sim::ChoiceTape& choices);
// The drawn keys as one line, "config: lal=12 segment_bytes=5120 ...", or "" when the spec
// draws none.
std::string describe_configuration(const Spec& drawn);

}  // namespace aurora::workloads
