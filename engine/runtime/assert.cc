#include "engine/runtime/assert.h"

#include <cstdio>
#include <cstdlib>

namespace aurora {
namespace {
std::string& context_storage() {
  static std::string context;
  return context;
}
void (*g_hook)() = nullptr;
}  // namespace

void set_assert_hook(void (*hook)()) { g_hook = hook; }

void set_assert_context(std::string context) { context_storage() = std::move(context); }
const std::string& assert_context() { return context_storage(); }

void assert_fail(const char* file, int line, const char* condition, std::string_view message) {
  std::fprintf(stderr, "\nASSERTION FAILED at %s:%d: %s\n", file, line, condition);
  if (!message.empty()) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(message.size()), message.data());
  }
  if (!context_storage().empty()) std::fprintf(stderr, "  %s\n", context_storage().c_str());
  std::fflush(stderr);
  if (void (*hook)() = g_hook) {
    g_hook = nullptr;  // an assertion inside the hook must not loop
    hook();
  }
  std::abort();
}

}  // namespace aurora
