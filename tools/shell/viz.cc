#include "tools/shell/viz.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "engine/compute/storage_wire.h"

namespace aurora::shell {
namespace {

constexpr std::size_t kWidth = 78;     // every line fits an 80-column terminal
constexpr std::size_t kBarCells = 48;  // cells of an LSN line's bar
constexpr std::string_view kIndent = "   ";

// --- text --------------------------------------------------------------------------------

void append_part(std::string& out, std::string_view s) { out.append(s); }
template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
void append_part(std::string& out, I v) {
  out += std::to_string(v);
}
// Concatenates strings and integers (and sidesteps GCC 12's false -Wrestrict on
// "literal" + std::string).
template <typename... Parts>
std::string str(const Parts&... parts) {
  std::string out;
  (append_part(out, parts), ...);
  return out;
}

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string format_time(Nanos at) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lld ms", static_cast<long long>(at / kMillisecond),
                static_cast<long long>((at / kMicrosecond) % 1000));
  return buf;
}

// A prev_lsn or a base: 0 means none.
std::string link(Lsn l) { return l == 0 ? std::string("-") : std::to_string(l); }

std::string who(const Event& e) {
  return e.fiber == 0 || e.fiber_name.empty() ? std::string("session") : std::string(e.fiber_name);
}

// Every field as key=value: the one-line alerts about events without a diagram.
std::string describe_fields(std::span<const Field> fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ' ';
    out.append(f.key).append("=");
    switch (f.type) {
      case Field::Type::kInt: out += std::to_string(f.i); break;
      case Field::Type::kUint: out += std::to_string(f.u); break;
      case Field::Type::kBool: out += f.u != 0 ? "true" : "false"; break;
      case Field::Type::kStr: out.append(f.s); break;
    }
  }
  return out;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Joins `parts` with `sep` (" --prev--> ", " + ") into lines that fit after the indent; a
// continuation line starts with `lead` and the separator without its leading space.
std::vector<std::string> wrap(const std::vector<std::string>& parts, std::string_view sep,
                              std::string_view lead) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string piece = i == 0 ? parts[i] : str(sep, parts[i]);
    if (i > 0 && kIndent.size() + lines.back().size() + piece.size() > kWidth) {
      lines.push_back(str(lead, sep.substr(1), parts[i]));
    } else {
      lines.back() += piece;
    }
  }
  return lines;
}

// --- colors ------------------------------------------------------------------------------

enum class Color : std::uint8_t { kNone, kBold, kDim, kRed, kGreen, kYellow, kCyan, kMagenta };

std::string_view sgr(Color c) {
  switch (c) {
    case Color::kNone: return "";
    case Color::kBold: return "\x1b[1m";
    case Color::kDim: return "\x1b[2m";
    case Color::kRed: return "\x1b[31m";
    case Color::kGreen: return "\x1b[32m";
    case Color::kYellow: return "\x1b[33m";
    case Color::kCyan: return "\x1b[36m";
    case Color::kMagenta: return "\x1b[35m";
  }
  return "";
}

// `text` in color `c` when colors are on. Layout is always computed on the plain text.
std::string colored(bool color, std::string_view text, Color c) {
  if (!color || c == Color::kNone || text.empty()) return std::string(text);
  return str(sgr(c), text, "\x1b[0m");
}

// --- fields ------------------------------------------------------------------------------

// The fields of one event by key (an event has a handful: a scan is enough). A missing
// field reads as 0 or "".
class FieldView {
 public:
  explicit FieldView(std::span<const Field> fields) : fields_(fields) {}
  std::uint64_t u(std::string_view key) const {
    const Field* f = find(key);
    return f == nullptr || f->type == Field::Type::kStr ? 0 : f->u;
  }
  bool b(std::string_view key) const { return u(key) != 0; }
  std::string_view s(std::string_view key) const {
    const Field* f = find(key);
    return f == nullptr || f->type != Field::Type::kStr ? std::string_view() : f->s;
  }

 private:
  const Field* find(std::string_view key) const {
    for (const Field& f : fields_) {
      if (key == f.key) return &f;
    }
    return nullptr;
  }
  std::span<const Field> fields_;
};

// --- bars over LSNs ----------------------------------------------------------------------

// The highest LSN cell i of a bar over LSNs 1..hi stands for: ceil((i+1) * hi / kBarCells),
// computed without overflow. Below kBarCells LSNs, an LSN spans several cells.
Lsn cell_lsn(std::size_t i, Lsn hi) {
  const Lsn n = i + 1;
  return n * (hi / kBarCells) + (n * (hi % kBarCells) + kBarCells - 1) / kBarCells;
}

// `line` with a caret at column `col` and `label` beside it: before the caret when
// `before` and there is room, else after it if it fits, else before it.
std::string put_caret(const std::string& line, std::size_t col, std::string_view label,
                      bool before) {
  const bool room_before = line.size() + label.size() + 1 <= col;
  const bool room_after = kIndent.size() + col + 2 + label.size() <= kWidth;
  if (room_before && (before || !room_after)) {
    return str(pad_right(line, col - label.size() - 1), label, " ^");
  }
  return str(pad_right(line, col), "^ ", label);
}

}  // namespace

// One diagram: a header line ("-- title ------ fiber time") and indented lines; or a
// banner, a single line.
class Visualizer::Step {
 public:
  Step(bool color, const Event& e, std::string_view title, Color accent = Color::kCyan)
      : color_(color) {
    const std::string left = str("-- ", title, " ");
    const std::string right = str(" ", who(e), " ", format_time(e.at));
    const std::size_t used = left.size() + right.size();
    const std::string dashes(used + 2 <= kWidth ? kWidth - used : 2, '-');
    text_ = str(colored(color_, left, accent), colored(color_, dashes, accent),
                colored(color_, right, Color::kDim), "\n");
  }

  // `marker` and `text` with the time at the right edge; a text too long for one line goes
  // on, indented, on the next ones.
  static Step banner(bool color, const Event& e, std::string_view marker, std::string_view text,
                     Color c) {
    Step s(color);
    const std::string time = format_time(e.at);
    std::vector<std::string> lines(1, std::string(marker));
    for (const std::string& w : words(text)) {
      const std::size_t room = lines.size() == 1 ? kWidth - time.size() - 1 : kWidth;
      if (lines.back().size() + 1 + w.size() > room && lines.back().size() > kIndent.size() + 3) {
        lines.push_back(str(kIndent, "   ", w));
      } else {
        lines.back().append(" ").append(w);
      }
    }
    s.text_ = str(colored(color, lines[0], c),
                  std::string(kWidth - std::min(kWidth - 1, lines[0].size() + time.size()), ' '),
                  colored(color, time, Color::kDim), "\n");
    for (std::size_t i = 1; i < lines.size(); ++i) s.text_ += str(colored(color, lines[i], c), "\n");
    return s;
  }

  Step& line(std::string_view text) {
    text_.append(kIndent).append(text).append("\n");
    return *this;
  }
  Step& line(std::string_view text, Color c) { return line(paint(text, c)); }
  std::string paint(std::string_view text, Color c) const { return colored(color_, text, c); }
  const std::string& text() const { return text_; }

  // The LSN line: a bar over LSNs 1..hi ('=' durable, up to VDL; '~' complete past the last
  // CPL, up to VCL; '.' allocated, not durable), carets under VDL and VCL, and the values.
  void lsn_line(Lsn vcl, Lsn vdl, Lsn next) {
    const Lsn hi = std::max({next > 0 ? next - 1 : 0, vcl, vdl, Lsn{1}});
    const std::size_t cells = kBarCells;
    std::string bar;
    std::size_t vdl_cell = cells;  // the last cell at or below each; `cells`: none
    std::size_t vcl_cell = cells;
    for (std::size_t i = 0; i < cells; ++i) {
      const Lsn l = cell_lsn(i, hi);
      bar += l <= vdl ? '=' : l <= vcl ? '~' : '.';
      if (l <= vdl) vdl_cell = i;
      if (l <= vcl) vcl_cell = i;
    }
    const std::string prefix = "LSN |";
    line(str(prefix, paint_bar(bar), "| ", hi));

    std::string carets;  // columns counted from the end of the indent
    if (vdl_cell < cells && vdl_cell == vcl_cell) {
      carets = put_caret(carets, prefix.size() + vdl_cell, vdl == vcl ? "VDL=VCL" : "VDL,VCL", true);
    } else {
      if (vdl_cell < cells) carets = put_caret(carets, prefix.size() + vdl_cell, "VDL", true);
      if (vcl_cell < cells && carets.size() < prefix.size() + vcl_cell) {
        carets = put_caret(carets, prefix.size() + vcl_cell, "VCL", false);
      }
    }
    if (!carets.empty()) line(carets);

    // The values, and a key to the characters the bar shows.
    const std::string values = str("VDL ", vdl, "  VCL ", vcl, "  next ", next);
    std::string key_plain;
    std::string key;
    for (const auto& [glyph, meaning, c] :
         {std::tuple{'=', "= durable", Color::kGreen}, std::tuple{'~', "~ past the last CPL", Color::kYellow},
          std::tuple{'.', ". not durable", Color::kDim}}) {
      if (bar.find(glyph) == std::string::npos) continue;
      key_plain += str(key_plain.empty() ? "(" : "  ", meaning);
      key += str(key.empty() ? "(" : "  ", paint(meaning, c));
    }
    key_plain += ")";
    key += ")";
    if (kIndent.size() + values.size() + 3 + key_plain.size() <= kWidth) {
      line(str(values, "   ", key));
    } else {
      line(values);
      line(key);
    }
  }

  std::string paint_bar(const std::string& bar) const {
    std::string out;
    for (std::size_t i = 0; i < bar.size();) {  // a run of one character, one color
      std::size_t j = i;
      while (j < bar.size() && bar[j] == bar[i]) ++j;
      const Color c = bar[i] == '=' ? Color::kGreen
                      : bar[i] == '~' ? Color::kYellow
                      : bar[i] == 'x' ? Color::kRed
                                      : Color::kDim;
      out += paint(bar.substr(i, j - i), c);
      i = j;
    }
    return out;
  }

 private:
  explicit Step(bool color) : color_(color) {}
  bool color_;
  std::string text_;
};

Visualizer::Visualizer(std::ostream& out, bool color) : out_(out), color_(color) {}

void Visualizer::on_event(const Event& e) {
  if (e.kind == "wal.record") {  // drawn with the wal.append that follows
    const FieldView f(e.fields);
    mtr_.push_back(Record{.lsn = f.u("lsn"), .page = f.u("page"), .prev = f.u("prev"),
                          .offset = f.u("offset"), .len = f.u("len"), .cpl = f.b("cpl")});
    return;
  }
  if (NetView::follows(e.kind)) {
    // A network diagram shows the network after the event; an alert about a message names
    // its link, which the event ends.
    const std::string link = net_.link_of(FieldView(e.fields).u("id"));
    net_.follow(e);
    if (enabled_) draw_net(e, link);
    return;
  }
  if (enabled_) draw(e);
  follow_state(e);
}

// What the diagrams need to know from earlier events.
void Visualizer::follow_state(const Event& e) {
  const FieldView f(e.fields);
  const std::string_view k = e.kind;
  if (k == "wal.append") {
    mtr_.clear();
    next_ = std::max(next_, f.u("cpl") + 1);
  } else if (k == "wal.durable" || k == "recovery.done") {
    vcl_ = f.u("vcl");
    vdl_ = f.u("vdl");
    next_ = f.u("next");
    if (k == "recovery.done") segment_first_ = next_;  // recovery starts a segment there
  } else if (k == "shell.open") {
    vcl_ = f.u("vcl");
    vdl_ = f.u("vdl");
  } else if (k == "recovery.fresh_volume") {
    vcl_ = vdl_ = 0;
    next_ = segment_first_ = 1;
  } else if (k == "wal.rotate") {
    segment_first_ = f.u("next_first");
  } else if (k == "page.chain") {
    chain_ = Chain{.fiber = e.fiber, .page = f.u("page"), .version = f.u("version"),
                   .base = f.u("base"), .lsns = words(f.s("lsns"))};
  } else if (k == "shell.crash") {
    mtr_.clear();
  }
}

void Visualizer::draw(const Event& e) {
  const std::string_view k = e.kind;
  if (k.starts_with("shell.")) {
    draw_session_event(e);
  } else if (k == "wal.append") {
    draw_wal_append(e);
  } else if (k == "wal.durable") {
    draw_durable(e, vcl_, vdl_);
  } else if (k == "page.cache_hit" || k == "page.cache_miss" || k == "page.cache_insert") {
    draw_cache(e);
  } else if (k == "page.chain") {
    draw_chain(e);
  } else if (k == "page.materialize") {
    draw_materialize(e);
  } else if (k == "wal.rotate") {
    draw_rotation(e, segment_first_);
  } else if (k == "image.write") {
    draw_images(e);
  } else if (k == "wal.collected" || k == "image.compact" || k == "wal.tiered") {
    draw_gc(e);
  } else if (k.starts_with("recovery.")) {
    draw_recovery(e);
  } else if (k == "rpc.timeout") {
    draw_no_answer(e);
  } else if (k.starts_with("fault.") || k == "wal.stopped" || k == "wal.fsync_failed" ||
             k == "wal.write_retry" || k == "wal.lal_wait" || k == "storage.maintenance_failed" ||
             k == "image.ignored" || k == "image.skipped" || k == "page.read_retry" ||
             k.starts_with("server.retry_")) {
    draw_alert(e);
  }
  // Not drawn: scheduling, file I/O, the disk's own events, wal.flush (wal.durable says it).
}

void Visualizer::finish(Step& step) {
  out_ << step.text();
  out_.flush();
  ++steps_;
  if (on_step_) on_step_();
}

// --- the session's operations ------------------------------------------------------------

void Visualizer::draw_session_event(const Event& e) {
  const FieldView f(e.fields);
  const std::string_view k = e.kind;
  const std::string_view node = f.s("node");
  std::string text;
  std::string_view marker = ">>";
  Color c = Color::kBold;
  if (k == "shell.put") {
    const std::uint64_t off = f.u("offset");
    text = str(node, " put page ", f.u("page"), " bytes [", off, ",", off + f.u("len"),
               ")  (one MTR)");
  } else if (k == "shell.put_done") {
    marker = "<<";
    c = Color::kGreen;
    text = str(node, " put acknowledged: CPL ", f.u("cpl"), " <= VDL");
  } else if (k == "shell.get") {
    text = str(node, " get page ", f.u("page"), " at read point ", f.u("at"));
  } else if (k == "shell.refresh") {
    marker = "<<";
    text = str(node, " refresh: read point = VDL = ", f.u("read_point"));
  } else if (k == "shell.crash") {
    marker = "!!";
    c = Color::kRed;
    text = "CRASH: storage, A and B down; unsynced writes may be lost";
  } else if (k == "shell.open") {
    marker = "<<";
    c = Color::kGreen;
    text = str("storage open: VCL ", f.u("vcl"), ", VDL ", f.u("vdl"), ", epoch ", f.u("epoch"));
  } else if (k == "shell.fault") {
    marker = "!!";
    c = Color::kYellow;
    text = str("fault ", f.s("kind"), f.b("on") ? " on" : " off");
  } else if (k == "shell.put_unknown") {
    marker = "!!";
    c = Color::kRed;
    text = str(node, " put got no answer: its outcome is unknown (appended or not)");
  } else if (k == "shell.partition") {
    marker = "!!";
    c = Color::kYellow;
    text = str("partition ", f.s("from"), f.b("both_ways") ? " | " : " -> ", f.s("to"),
               f.b("both_ways") ? " (both ways)" : " (one way)");
  } else if (k == "shell.heal") {
    text = "heal the partition";
  } else if (k == "shell.net_fault") {
    marker = "!!";
    c = Color::kYellow;
    text = str("net fault ", f.s("kind"), f.b("on") ? " on" : " off");
  } else if (k == "shell.stuck") {
    marker = "!!";
    c = Color::kRed;
    text = str("stuck: ", f.s("why"));
  } else {
    text = str(k.substr(6), " ", describe_fields(e.fields));
  }
  Step step = Step::banner(color_, e, marker, text, c);
  finish(step);
}

// --- the log -----------------------------------------------------------------------------

// The MTR's records in LSN order: each with its page, the bytes it writes and its prev_lsn
// link (the page's previous version: what a chain walk follows back).
void Visualizer::draw_wal_append(const Event& e) {
  const FieldView f(e.fields);
  const Lsn first = f.u("first");
  const Lsn cpl = f.u("cpl");
  const std::uint64_t n = f.u("records");
  Step step(color_, e, str("WAL append: MTR ", first, "..", cpl, " (", n, n == 1 ? " record)" : " records)"));
  for (const Record& r : mtr_) {
    if (r.lsn < first || r.lsn > cpl) continue;
    std::string row = str(pad_right(str("LSN ", r.lsn), 12), pad_right(str("page ", r.page), 10),
                          pad_right(str("[", r.offset, ",", r.offset + r.len, ")"), 12),
                          step.paint(str(r.lsn, " --prev--> ", link(r.prev)), Color::kMagenta));
    if (r.prev == 0) row += "  (first version)";
    if (r.cpl) row += str("  ", step.paint("CPL", Color::kGreen));
    step.line(row);
  }
  step.line(str("acknowledged once VDL >= ", cpl, " (VDL now ", vdl_, ")"), Color::kDim);
  finish(step);
}

void Visualizer::draw_durable(const Event& e, Lsn old_vcl, Lsn old_vdl) {
  const FieldView f(e.fields);
  const Lsn vcl = f.u("vcl");
  const Lsn vdl = f.u("vdl");
  Step step(color_, e, str("VCL/VDL advance: VDL ", old_vdl, " -> ", vdl), Color::kGreen);
  if (vcl != vdl) step.line(str("VCL ", old_vcl, " -> ", vcl));
  step.lsn_line(vcl, vdl, f.u("next"));
  finish(step);
}

void Visualizer::draw_rotation(const Event& e, Lsn sealed_first) {
  const FieldView f(e.fields);
  constexpr std::size_t kBox = 24;
  Step step(color_, e, "segment rotation");
  const std::string rule = str("+", std::string(kBox, '-'), "+");
  step.line(str(rule, "     ", rule));
  step.line(str("|", pad_right(str(" segment ", sealed_first, "..", f.u("sealed_last")), kBox),
                "|     |", pad_right(str(" segment ", f.u("next_first"), ".."), kBox), "|"));
  step.line(str("|", pad_right(" sealed (read-only)", kBox), "| --> |",
                pad_right(" current (appending)", kBox), "|"));
  step.line(str(rule, "     ", rule));
  step.line("the new file and its control-file entry are durable before its first record",
            Color::kDim);
  finish(step);
}

// --- reads -------------------------------------------------------------------------------

void Visualizer::draw_cache(const Event& e) {
  const FieldView f(e.fields);
  const PageId page = f.u("page");
  const Lsn version = f.u("version");
  const std::string key = str("(page ", page, ", version ", version, ")");
  if (e.kind == "page.cache_insert") {
    Step step(color_, e, str("cache insert: page ", page, " @ ", version));
    step.line(str("cache ", key, " <- the materialized page"));
    step.line(str(f.u("cached"), " of ", f.u("capacity"),
                  " pages cached (the least recently used go first)"),
              Color::kDim);
    finish(step);
    return;
  }
  const bool hit = e.kind == "page.cache_hit";
  const Color c = hit ? Color::kGreen : Color::kYellow;
  Step step(color_, e, str(hit ? "cache hit: page " : "cache miss: page ", page, " @ ", version), c);
  step.line(str("read point ", f.u("at"), " -> the page's newest version <= it: LSN ", version));
  step.line(str("cache ", key, " ", step.paint(hit ? "HIT" : "MISS", c),
                hit ? ": served from memory, no log read"
                    : ": walk the chain back to a base, then replay"));
  finish(step);
}

// The walk goes back from the version through each record's prev_lsn to the base: the
// page's newest image at or below the version, or an empty page.
void Visualizer::draw_chain(const Event& e) {
  const FieldView f(e.fields);
  const Lsn base = f.u("base");
  const std::uint64_t replayed = f.u("replayed");
  Step step(color_, e, str("chain walk: page ", f.u("page"), " @ ", f.u("version")));
  std::vector<std::string> back = words(f.s("lsns"));
  std::reverse(back.begin(), back.end());
  back.push_back(base == 0 ? std::string("base: empty page") : str("base: image @", base));
  for (const std::string& l : wrap(back, " --prev--> ", "    ")) step.line(l, Color::kMagenta);
  if (replayed == 0) {
    step.line("the version is the base image itself: nothing to replay", Color::kDim);
  } else {
    step.line(str(replayed, replayed == 1 ? " record" : " records", " read from the log (",
                  f.u("first"), "..", f.u("last"), "), to replay oldest first"),
              Color::kDim);
  }
  finish(step);
}

void Visualizer::draw_materialize(const Event& e) {
  const FieldView f(e.fields);
  const PageId page = f.u("page");
  const Lsn version = f.u("version");
  const Lsn base = f.u("base");
  const Lsn at = f.u("at");
  Step step(color_, e, str("materialize: page ", page, " @ ", version));
  std::vector<std::string> parts{base == 0 ? std::string("[empty page]") : str("[image @", base, "]")};
  if (chain_.fiber == e.fiber && chain_.page == page && chain_.version == version) {
    parts.insert(parts.end(), chain_.lsns.begin(), chain_.lsns.end());
  } else if (f.u("walked") > 0) {
    parts.push_back(str(f.u("walked"), " records"));
  }
  std::vector<std::string> lines = wrap(parts, " + ", "    ");
  const std::string result = str("=> page ", page, " as of LSN ", version);
  if (kIndent.size() + lines.back().size() + 1 + result.size() > kWidth) {
    lines.push_back(str("    ", result));
  } else {
    lines.back() += str(" ", result);
  }
  for (const std::string& l : lines) step.line(l);
  step.line(str("for read point ", at, ": every record of the page <= ", at, ", none above"),
            Color::kDim);
  finish(step);
}

// --- background work --------------------------------------------------------------------

void Visualizer::draw_images(const Event& e) {
  const FieldView f(e.fields);
  const std::uint64_t count = f.u("count");
  const std::uint64_t first = f.u("first_slot");
  const std::uint64_t total = first + count;
  Step step(color_, e, str("page images written: ", count));
  // One cell per slot, or scaled to kBarCells keeping at least one new cell.
  const std::uint64_t cells = std::clamp<std::uint64_t>(total, 1, kBarCells);
  const std::uint64_t fresh = std::clamp<std::uint64_t>(count * cells / std::max<std::uint64_t>(total, 1), 1, cells);
  step.line(str("IMAGES |", step.paint(std::string(cells - fresh, '#'), Color::kDim),
                step.paint(std::string(fresh, '+'), Color::kGreen), "| ",
                count == 1 ? str("slot ", first) : str("slots ", first, "..", total - 1),
                " new (+)"));
  step.line("fsynced, then indexed: reads of these pages start here, not at a long chain",
            Color::kDim);
  finish(step);
}

void Visualizer::draw_gc(const Event& e) {
  const FieldView f(e.fields);
  if (e.kind == "wal.collected") {
    const Lsn floor = f.u("floor");
    Step step(color_, e, str("GC: log below LSN ", floor, " collected"), Color::kYellow);
    const Lsn hi = std::max({next_ > 0 ? next_ - 1 : 0, floor, Lsn{1}});
    std::string bar;
    for (std::size_t i = 0; i < kBarCells; ++i) bar += cell_lsn(i, hi) < floor ? 'x' : '=';
    const std::size_t gone = static_cast<std::size_t>(std::count(bar.begin(), bar.end(), 'x'));
    step.line(str("LSN |", step.paint_bar(bar), "| ", hi));
    step.line(put_caret("", 5 + gone, str("floor ", floor, " (x: collected)"), false));
    step.line(str(f.u("segments"), " segment file(s) deleted, all below LSN ", floor));
    step.line("each page's newest version below the floor lives on as its image", Color::kDim);
    step.line("reads below the floor are refused (out of range), never answered", Color::kDim);
    finish(step);
  } else if (e.kind == "image.compact") {
    Step step(color_, e, "GC: image file compacted", Color::kYellow);
    step.line(str(f.u("live"), " live images kept, ", f.u("reclaimed"), " dead slots reclaimed"));
    step.line("IMAGES.tmp -> fsync -> rename over IMAGES -> fsync the directory", Color::kDim);
    finish(step);
  } else {
    Step step(color_, e, str("tiering: segment ", f.u("first"), "..", f.u("last"), " goes cold"),
              Color::kYellow);
    step.line("wal/ --copy, fsync--> cold/ ; control file switched ; hot copy removed");
    finish(step);
  }
}

// --- the network ---------------------------------------------------------------------------

// The network's nodes as they join, its partitions, heals and clogs with the state of every
// link, and the messages it drops or rejects. Each message sent and delivered is only
// followed: a call is several of them, and the link rows count those in flight.
void Visualizer::draw_net(const Event& e, const std::string& link) {
  const FieldView f(e.fields);
  const std::string_view k = e.kind;
  if (k == "shell.net_node") {
    Step step = Step::banner(color_, e, "..",
                             str("network: node ", f.s("node"), " is number ", f.u("id"),
                                 ", in zone ", f.s("zone")),
                             Color::kDim);
    finish(step);
    return;
  }
  if (k == "net.drop" || k == "net.reject") {
    const std::string what =
        str("message ", f.u("id"), link.empty() ? std::string() : str(" ", link));
    Step step = Step::banner(color_, e, "!!",
                             k == "net.drop" ? str(what, " dropped: ", f.s("why"))
                                             : str(what, " rejected (checksum): ", f.s("why")),
                             Color::kRed);
    finish(step);
    return;
  }
  const bool healing = k == "net.heal" || k == "net.unclog";
  std::string title;
  if (k == "net.partition") {
    title = str("network: partition (", f.s("kind"), ")");
  } else if (k == "net.heal") {
    title = "network: partition healed";
  } else if (k == "net.clog") {
    title = "network: clog";
  } else if (k == "net.unclog") {
    title = "network: clogs end";
  } else {
    return;  // net.send, net.deliver, net.duplicate: followed, not drawn
  }
  Step step(color_, e, title, healing ? Color::kGreen : Color::kYellow);
  const auto until = [](Nanos at) {
    return at == Scheduler::kNoDeadline ? std::string("until healed")
                                        : str("until ", format_time(at));
  };
  const auto side = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += str(out.empty() ? "" : " ", n);
    return out;
  };
  if (const std::optional<NetView::Partition> p = net_.partition(e.at)) {
    step.line(str("partition: ", side(p->from), p->both_ways ? " | " : " -> ", side(p->to),
                  p->both_ways ? ", both ways, " : ", one way, ", until(p->until)));
  } else {
    step.line("partition: none");
  }
  if (k == "net.clog") {
    const bool whole = static_cast<std::int64_t>(f.u("to")) < 0;
    step.line(str("clog: ", net_.name(f.u("from")),
                  whole ? std::string(" (every link of it)") : str(" -> ", net_.name(f.u("to"))),
                  " ", until(static_cast<Nanos>(f.u("until")))));
  }
  step.line(str(pad_right("link", 22), pad_right("state", 16), "in flight"), Color::kDim);
  for (const NetView::Link& l : net_.links(e.at)) {
    const std::string state = l.cut && l.clogged ? "CUT, clogged"
                              : l.cut            ? "CUT"
                              : l.clogged        ? "clogged"
                                                 : "up";
    const Color c = l.cut ? Color::kRed : l.clogged ? Color::kYellow : Color::kGreen;
    step.line(str(pad_right(str(l.from, " -> ", l.to), 22), step.paint(pad_right(state, 16), c),
                  l.in_flight));
  }
  if (k == "net.partition") {
    step.line("a message on a cut link is dropped; a call without an answer times out",
              Color::kDim);
  }
  finish(step);
}

// A call of a node's link to the storage that got no answer before its deadline.
void Visualizer::draw_no_answer(const Event& e) {
  const FieldView f(e.fields);
  const auto method = static_cast<rpc::Method>(f.u("method"));
  Step step = Step::banner(color_, e, "!!",
                           str(net_.name(f.u("node")), ": no answer from ", net_.name(f.u("to")),
                               " in time to ", compute::wire::method_name(method), " (call ",
                               f.u("call"), ")"),
                           Color::kYellow);
  finish(step);
}

// --- recovery ----------------------------------------------------------------------------

void Visualizer::draw_recovery(const Event& e) {
  const FieldView f(e.fields);
  const std::string_view k = e.kind;
  if (k == "recovery.scanned") {
    const Lsn vcl = f.u("vcl");
    const Lsn vdl = f.u("vdl");
    const Lsn watermark = f.u("watermark");
    Step step(color_, e, "recovery: scan of the durable log", Color::kMagenta);
    step.line(str("found ", f.u("records"), " valid records, contiguous up to VCL ", vcl,
                  "; last CPL: VDL ", vdl));
    step.lsn_line(vcl, vdl, vcl + 1);
    step.line(str("persisted watermark ", watermark,
                  watermark <= vdl ? " <= VDL: nothing acknowledged is missing"
                                   : " > VDL: acknowledged records are missing"),
              watermark <= vdl ? Color::kDim : Color::kRed);
    if (f.b("hole")) {
      step.line(str("hole after LSN ", vcl, ": ", f.u("beyond_hole"),
                    " valid records beyond it are annulled too"),
                Color::kYellow);
    }
    finish(step);
  } else if (k == "recovery.annulled") {
    const Lsn from = f.u("from");
    const Lsn to = f.u("to");
    Step step(color_, e, str("recovery: truncation, epoch ", f.u("epoch")), Color::kMagenta);
    const std::string kept = from > 1 ? str(" kept 1..", from - 1, " ") : std::string(" kept: none ");
    const std::string annulled = str(" annulled ", from, "..", to, " ");
    step.line(str("|", step.paint(kept, Color::kGreen), "|", step.paint(annulled, Color::kRed),
                  "| new LSNs ", to + 1, ".. |"));
    step.line(str(pad_right("", kept.size() + 1), "^ VDL ", from - 1));
    step.line("annulled durably (control file) before any new LSN is allocated", Color::kDim);
    if (f.b("torn_tail")) {
      step.line("torn tail cut off: what lay past VDL was never acknowledged", Color::kYellow);
    }
    finish(step);
  } else if (k == "recovery.done") {
    Step step(color_, e, "recovery: done", Color::kMagenta);
    step.line(str("VCL ", f.u("vcl"), "  VDL ", f.u("vdl"), "  next LSN ", f.u("next"), "  epoch ",
                  f.u("epoch")));
    finish(step);
  } else if (k == "recovery.fresh_volume") {
    Step step(color_, e, "new volume", Color::kMagenta);
    step.line(str("epoch ", f.u("epoch"), "; the first LSN will be 1"));
    finish(step);
  } else {
    draw_alert(e);
  }
}

void Visualizer::draw_alert(const Event& e) {
  const bool bad = e.kind.starts_with("fault.") || e.kind == "wal.stopped" ||
                   e.kind.ends_with("failed");
  Step step = Step::banner(color_, e, bad ? "!!" : "..", str(e.kind, " ", describe_fields(e.fields)),
                           bad ? Color::kRed : Color::kYellow);
  finish(step);
}

}  // namespace aurora::shell
