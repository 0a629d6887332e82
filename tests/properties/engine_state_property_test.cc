// The engine against the harness's reference model, one command at a time: puts and
// multi-page MTRs through two compute nodes, reads at read points and at past versions
// (warm and cold), refreshes, syncs, crashes of every mode (with tearing and MTRs in
// flight), recoveries, segment rotation, page images, GC and tiering. A failing run
// shrinks to a short list of commands; the world's seed is drawn without shrinking, so
// the shrunk list replays in the same world.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/properties/engine_commands.h"

namespace aurora::properties {
namespace {

RC_GTEST_PROP(EngineProperties, EngineAgreesWithTheReferenceModel, ()) {
  const auto seed = *rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>());
  EngineSystem sys(seed);
  const EngineModel initial;
  const auto commands = *rc::state::gen::commands(initial, engine_commands());
  rc::state::runAll(commands, initial, sys);
  // The run ends with the storage up: a last recovery, checked like the others.
  if (!sys.up()) require(sys.recover().is_ok(), "the final recovery failed");
  require_consistent(sys);
  // What the cases reached, printed by rapidcheck as a distribution after a success.
  RC_TAG(commands.size() < 20 ? "<20 commands" : commands.size() < 60 ? "20-59 commands" : "60+ commands");
  RC_TAG(sys.crashes() == 0 ? "no crash" : "crashed");
  if (sys.torn_tails() > 0) RC_TAG("torn tail recovered");
  if (sys.annulments() > 0) RC_TAG("annulled");
  if (sys.storage().log().gc_floor() > 0) RC_TAG("collected");
  if (sys.storage().log().control().segments.size() > 1) RC_TAG("several segments");
  const std::string found = sys.finish();
  require(found.empty(), "the reference model's end-of-run checks fired:\n" + found);
}

}  // namespace
}  // namespace aurora::properties
