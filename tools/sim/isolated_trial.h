// The shrinker's trials in a child process each (`sim shrink`): a candidate whose run fails
// an assertion, or crashes the process, is then a failure like a violated invariant, not the
// end of the shrink. Such a failure is named by where it happened, and a candidate keeps it
// only when it fails at the same place: "assertion at engine/storage/storage.cc:51", or
// "crash: killed by signal 11 (Segmentation fault)".
//
// The child writes its trial to a pipe, and its stderr (where assertions print) goes to the
// same pipe, ahead of the result; the parent reads until the child closes it.
#pragma once

#include <functional>

#include "workloads/shrink.h"

namespace aurora::tools {

// Runs `body` in a forked child and returns its trial; a child that does not finish
// normally gives a trial whose first violation names how it ended.
workloads::Trial run_isolated(const std::function<workloads::Trial()>& body);

// A TrialRunner that runs workloads::run_trial() in a child.
workloads::Trial run_trial_isolated(const workloads::RunSpec& spec, const sim::Choices* replay);

}  // namespace aurora::tools
