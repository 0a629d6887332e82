#include "tools/shell/show.h"

#include <algorithm>

namespace aurora::shell {

namespace {
char printable(std::byte b) {
  const auto c = static_cast<unsigned char>(b);
  return c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
}
}  // namespace

std::string show_page(std::span<const std::byte> page) {
  const auto last = std::find_if(page.rbegin(), page.rend(), [](std::byte b) { return b != std::byte{0}; });
  if (last == page.rend()) return "(empty)";
  const auto end = static_cast<std::size_t>(page.rend() - last);
  std::string out = "\"";
  for (std::size_t i = 0; i < end; ++i) out += printable(page[i]);
  return out + "\"";
}

std::string text_at(std::span<const std::byte> page, std::uint32_t offset, std::size_t length) {
  std::string out;
  for (std::size_t i = offset; i < page.size() && i < offset + length; ++i) out += printable(page[i]);
  return out;
}

std::string show_state(const SessionState& s) {
  if (!s.up) return "storage: down (recover brings it back)\n";
  std::string out;
  out.append("storage: up, epoch ").append(std::to_string(s.epoch)).append("\n");
  out.append("VCL ").append(std::to_string(s.vcl)).append("  VDL ").append(std::to_string(s.vdl))
      .append("  next LSN ").append(std::to_string(s.next_lsn)).append("  GC floor ")
      .append(std::to_string(s.gc_floor)).append("\n");
  for (int i = 0; i < kNodes; ++i) {
    out.append("read point of ").append(node_name(i)).append(": ")
        .append(std::to_string(s.read_point[i])).append(s.read_point[i] < s.vdl ? " (behind VDL: refresh to see newer writes)" : "")
        .append("\n");
  }
  return out;
}

}  // namespace aurora::shell
