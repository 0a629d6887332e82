#include "tools/sim/common_flags.h"

namespace aurora::tools {

void add_common_flags(CLI::App& app, bool& no_color) {
  app.add_flag("--no-color", no_color, "no ANSI colors (also: NO_COLOR)");
}

}  // namespace aurora::tools
