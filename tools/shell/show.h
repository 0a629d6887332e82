// How the front ends print what the engine answered: page bytes as text, the session's
// state, an operation's error.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "tools/shell/session.h"

namespace aurora::shell {

// A page as quoted text: its bytes up to the last one that is not zero, each unprintable
// byte shown as '.'; "(empty)" for a page of zeros.
std::string show_page(std::span<const std::byte> page);
// The text `page` holds at `offset` for `length` bytes (unprintable bytes as '.').
std::string text_at(std::span<const std::byte> page, std::uint32_t offset, std::size_t length);
// Several lines: up or down, VCL, VDL, next LSN, epoch, GC floor, each node's read point.
std::string show_state(const SessionState& s);

}  // namespace aurora::shell
