// Runs on real files in a temporary directory, one RealRuntime per run() as if each were
// a process's life: what one run leaves in the files is all the next one gets.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "engine/runtime/posix/real_runtime.h"
#include "tests/engine/temp_dir.h"

namespace aurora::testing {

class RealFiles {
 public:
  // Runs `body` in a fiber of a fresh real runtime over the directory.
  void run(const std::function<void(Runtime)>& body) {
    RealRuntime real(dir_.path);
    real.scheduler().spawn(0, "test", [&] { body(real.runtime()); });
    const RunOutcome out = real.run();
    ASSERT_EQ(out.kind, RunOutcome::Kind::kCompleted) << out.describe();
  }

  const std::string& root() const { return dir_.path; }

 private:
  TempDir dir_;
};

}  // namespace aurora::testing
