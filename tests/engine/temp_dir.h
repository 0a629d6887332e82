// A fresh directory under /tmp for runs on real files, removed with everything in it when
// the object goes.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace aurora::testing {

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/aurora-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

}  // namespace aurora::testing
