// The flags every sim command and subcommand takes, whatever else it does (DESIGN.md
// section 7): --no-color. One function adds them, so that a subcommand cannot be left
// without them: `sim real --no-color` is as valid as `sim --no-color real`.
#pragma once

#include <CLI/CLI.hpp>

namespace aurora::tools {

// Adds --no-color to `app`, setting `no_color` when given (NO_COLOR does the same; colors
// only on a terminal anyway).
void add_common_flags(CLI::App& app, bool& no_color);

}  // namespace aurora::tools
