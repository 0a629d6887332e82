#include "tools/shell/scenario.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <utility>

#include "engine/storage/presets.h"
#include "engine/wal/format.h"
#include "sim/fault_injector.h"
#include "sim/net_config.h"
#include "tools/shell/topology.h"
// Read as workload specs are: the same TOML parsing, typed values and messages.
#include "workloads/spec/toml_input.h"

namespace aurora::shell {

static_assert(kMaxPageBytes == wal::kMaxPayload, "a put or expect cannot reach past a page");

std::string_view step_op_name(StepOp op) {
  switch (op) {
    case StepOp::kPut: return "put";
    case StepOp::kGet: return "get";
    case StepOp::kRefresh: return "refresh";
    case StepOp::kSleep: return "sleep_ms";
    case StepOp::kRepeat: return "repeat";
    case StepOp::kCrash: return "crash";
    case StepOp::kRecover: return "recover";
    case StepOp::kSync: return "sync";
    case StepOp::kExpect: return "expect";
    case StepOp::kFault: return "fault";
    case StepOp::kBg: return "bg";
    case StepOp::kBgStop: return "bg_stop";
    case StepOp::kPartition: return "partition";
    case StepOp::kHeal: return "heal";
    case StepOp::kNetFault: return "net_fault";
    case StepOp::kNet: return "net";
  }
  return "?";
}

namespace {

// How many steps running `s` takes: 1, or for a repeat 1 + count x its steps. Saturating:
// the parser refuses anything above kMaxStepsRun, but a Scenario built by hand may not.
std::uint64_t runs_of(const Step& s) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (s.op != StepOp::kRepeat) return 1;
  const std::uint64_t body = steps_to_run(s.steps);
  return (s.count != 0 && body > (kMax - 1) / s.count) ? kMax : 1 + body * s.count;
}

}  // namespace

std::uint64_t steps_to_run(const std::vector<Step>& steps) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t total = 0;
  for (const Step& s : steps) {
    const std::uint64_t n = runs_of(s);
    total = n > kMax - total ? kMax : total + n;
  }
  return total;
}

namespace {

using workloads::toml_input::cat;
using workloads::toml_input::Entry;
using workloads::toml_input::entries_of;
using workloads::toml_input::fault_kind_names;
using workloads::toml_input::join;
using workloads::toml_input::kMaxInt;  // TOML integers are signed 64-bit: no value can be larger
using workloads::toml_input::Line;
using workloads::toml_input::line_of;
using workloads::toml_input::net_fault_kind_names;
using workloads::toml_input::quoted;
using workloads::toml_input::type_name;

// Another name a step's key may be given by. mini-aurora's scenario files (its README,
// "Writing your own") spell a put's and a get's page `page_id`, a put's text `data` and a
// sleep_ms's milliseconds `value`; accepting those names lets its files run as written.
// Only those: an expect or a bg step takes our names alone, as mini-aurora has neither.
struct Alias {
  std::string_view alias;
  std::string_view key;  // the key it stands for, which the rest of the parser reads
};
constexpr std::array<Alias, 2> kPutAliases = {{{"page_id", "page"}, {"data", "text"}}};
constexpr std::array<Alias, 1> kGetAliases = {{{"page_id", "page"}}};
constexpr std::array<Alias, 1> kSleepAliases = {{{"value", "ms"}}};
constexpr std::array<Alias, 0> kNoAliases = {};

// Each op and the keys its step may hold (besides `op`), with their other names. `node`
// is allowed only on the steps that act through a compute node, and on repeat (the
// default of its steps).
struct OpKeys {
  StepOp op;
  std::string_view name;
  std::span<const std::string_view> keys;
  std::span<const Alias> aliases = kNoAliases;
};
constexpr std::array<std::string_view, 5> kPutKeys = {"node", "page", "offset", "text", "mark"};
constexpr std::array<std::string_view, 3> kGetKeys = {"node", "page", "at"};
constexpr std::array<std::string_view, 2> kRefreshKeys = {"node", "mark"};
constexpr std::array<std::string_view, 1> kSleepKeys = {"ms"};
constexpr std::array<std::string_view, 3> kRepeatKeys = {"node", "count", "steps"};
constexpr std::array<std::string_view, 0> kNoKeys = {};
constexpr std::array<std::string_view, 5> kExpectKeys = {"node", "page", "offset", "text", "at"};
constexpr std::array<std::string_view, 3> kFaultKeys = {"kind", "on", "probability"};
constexpr std::array<std::string_view, 3> kBgKeys = {"node", "kind", "every_ms"};
constexpr std::array<std::string_view, 1> kBgStopKeys = {"node"};
constexpr std::array<std::string_view, 3> kPartitionKeys = {"from", "to", "one_way"};
constexpr std::array<std::string_view, 3> kNetFaultKeys = {"kind", "on", "probability"};
constexpr std::array<OpKeys, 16> kOps = {{
    {StepOp::kPut, "put", kPutKeys, kPutAliases},
    {StepOp::kGet, "get", kGetKeys, kGetAliases},
    {StepOp::kRefresh, "refresh", kRefreshKeys},
    {StepOp::kSleep, "sleep_ms", kSleepKeys, kSleepAliases},
    {StepOp::kRepeat, "repeat", kRepeatKeys},
    {StepOp::kCrash, "crash", kNoKeys},
    {StepOp::kRecover, "recover", kNoKeys},
    {StepOp::kSync, "sync", kNoKeys},
    {StepOp::kExpect, "expect", kExpectKeys},
    {StepOp::kFault, "fault", kFaultKeys},
    {StepOp::kBg, "bg", kBgKeys},
    {StepOp::kBgStop, "bg_stop", kBgStopKeys},
    {StepOp::kPartition, "partition", kPartitionKeys},
    {StepOp::kHeal, "heal", kNoKeys},
    {StepOp::kNetFault, "net_fault", kNetFaultKeys},
    {StepOp::kNet, "net", kNoKeys},
}};
constexpr std::array<std::string_view, 2> kTopLevel = {"meta", "steps"};
constexpr std::array<std::string_view, 3> kMetaKeys = {"name", "description", "preset"};
constexpr std::array<std::string_view, 3> kBgKinds = {"write", "read", "mixed"};

std::string op_names() {
  std::string out;
  for (const OpKeys& o : kOps) {
    if (!out.empty()) out += ", ";
    out += o.name;
  }
  return out;
}

// The key `written` stands for in a step of `op`: itself, or the key it is another name for.
std::string_view key_of(const OpKeys& op, std::string_view written) {
  for (const Alias& a : op.aliases) {
    if (a.alias == written) return a.key;
  }
  return written;
}

// A key as messages name it: "page", or "page or page_id" when it has another name.
std::string spellings(const OpKeys& op, std::string_view key) {
  std::string out(key);
  for (const Alias& a : op.aliases) {
    if (a.key == key) out = cat(out, " or ", a.alias);
  }
  return out;
}

// The keys of `op` for "(known: ...)": "node, page or page_id, offset, ..."; "none".
std::string known_keys(const OpKeys& op) {
  if (op.keys.empty()) return "none";
  std::string out;
  for (std::string_view k : op.keys) {
    if (!out.empty()) out += ", ";
    out += spellings(op, k);
  }
  return out;
}

// The typed values (integer, number, boolean, text) and error() come from FieldReader.
class Parser : private workloads::toml_input::FieldReader {
 public:
  explicit Parser(std::string_view source) : FieldReader(source) {}

  Status parse(const toml::table& root, Scenario& scenario) {
    const toml::table* meta = nullptr;
    const toml::array* steps = nullptr;
    Line steps_line = 0;
    for (const Entry& e : entries_of(root)) {
      if (e.key == "meta") {
        meta = e.node->as_table();
        if (meta == nullptr) {
          return error(e.line, cat("meta must be a table ([meta]), not ", type_name(*e.node)));
        }
        AURORA_RETURN_IF_ERROR(parse_meta(*meta, e.line, scenario));
      } else if (e.key == "steps") {
        steps = e.node->as_array();
        if (steps == nullptr) {
          return error(e.line, cat("steps must be an array of tables ([[steps]]), not ",
                                   type_name(*e.node)));
        }
        steps_line = e.line;
      } else {
        return error(e.line,
                     cat("unknown top-level key ", e.key, " (known: ", join(kTopLevel), ")"));
      }
    }
    if (meta == nullptr) {
      return error(1, "missing [meta] (a scenario needs [meta] with name = \"...\")");
    }
    if (steps == nullptr) {
      return error(1, "no [[steps]]: a scenario needs at least one step");
    }
    // The nesting starts at 0: the top level. Node A is the default.
    AURORA_RETURN_IF_ERROR(parse_steps(*steps, steps_line, "steps", 0, 0, scenario.steps));
    return Status::ok();
  }

 private:
  Status parse_meta(const toml::table& t, Line table_line, Scenario& scenario) {
    bool named = false;
    for (const Entry& e : entries_of(t)) {
      const std::string name = cat("meta.", e.key);
      if (e.key == "name") {
        AURORA_RETURN_IF_ERROR(text(e, name, scenario.name));
        if (scenario.name.empty()) return error(e.line, name + " must not be empty");
        named = true;
      } else if (e.key == "description") {
        AURORA_RETURN_IF_ERROR(text(e, name, scenario.description));
      } else if (e.key == "preset") {
        std::string preset;
        AURORA_RETURN_IF_ERROR(text(e, name, preset));
        if (storage::is_quorum_preset(preset)) {
          return error(e.line, cat(name, ": the quorum tier is not in the scenario runner yet",
                                   " (presets: ", storage::kSingleStoragePresetNames, ")"));
        }
        if (!storage::storage_preset(preset).is_ok()) {
          return error(e.line, cat(name, ": unknown preset ", quoted(preset),
                                   " (known: ", storage::kSingleStoragePresetNames, ")"));
        }
        scenario.preset = preset;
      } else {
        return error(e.line, cat("unknown key meta.", e.key, " (known: ", join(kMetaKeys), ")"));
      }
    }
    if (!named) return error(table_line, "meta.name is missing (a scenario needs a name)");
    return Status::ok();
  }

  // `array` is the steps of the top level or of a repeat (`what` names it in messages),
  // `default_node` the node of a step that names none.
  Status parse_steps(const toml::array& array, Line array_line, std::string_view what, int depth,
                     int default_node, std::vector<Step>& out) {
    if (depth > kMaxNesting) {
      return error(array_line, cat("repeats nested deeper than ", std::to_string(kMaxNesting)));
    }
    if (array.empty()) {
      return error(array_line, cat(what, " is empty: it needs at least one step"));
    }
    std::uint64_t total = 0;
    for (const toml::node& n : array) {
      const toml::table* t = n.as_table();
      if (t == nullptr) {
        return error(line_of(n), cat(what, " must hold tables (op = ...), not ", type_name(n)));
      }
      Step step;
      AURORA_RETURN_IF_ERROR(parse_step(*t, depth, default_node, step));
      total += runs_of(step);  // both <= kMaxStepsRun: no overflow
      if (total > kMaxStepsRun) {
        return error(step.line, cat("the scenario runs more than ", std::to_string(kMaxStepsRun),
                                    " steps by here (repeats expanded)"));
      }
      out.push_back(std::move(step));
    }
    return Status::ok();
  }

  Status parse_step(const toml::table& t, int depth, int default_node, Step& step) {
    step.line = line_of(t);
    step.node = default_node;
    const std::vector<Entry> entries = entries_of(t);
    const auto op_entry =
        std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return e.key == "op"; });
    if (op_entry == entries.end()) {
      return error(step.line, cat("a step needs op (known: ", op_names(), ")"));
    }
    std::string op_word;
    AURORA_RETURN_IF_ERROR(text(*op_entry, "op", op_word));
    const auto op =
        std::find_if(kOps.begin(), kOps.end(), [&](const OpKeys& o) { return o.name == op_word; });
    if (op == kOps.end()) {
      return error(op_entry->line,
                   cat("unknown op ", quoted(op_word), " (known: ", op_names(), ")"));
    }
    step.op = op->op;

    // Each key given, by the key it stands for: the entry that gave it (two names of one
    // key in one step are an error, never one silently winning over the other).
    std::map<std::string_view, const Entry*> seen;
    const toml::array* nested = nullptr;
    Line nested_line = 0;
    for (const Entry& e : entries) {
      if (e.key == "op") continue;
      const std::string_view key = key_of(*op, e.key);
      if (std::find(op->keys.begin(), op->keys.end(), key) == op->keys.end()) {
        const std::string_view article = op->op == StepOp::kExpect ? " in an " : " in a ";
        return error(e.line, cat("unknown key ", e.key, article, op->name, " step (known: ",
                                 known_keys(*op), ")"));
      }
      if (const auto [first, fresh] = seen.emplace(key, &e); !fresh) {
        // Entries come in the order of the file: `first` is the earlier one.
        return error(e.line, cat(op->name, " step: ", e.key, " and ", first->second->key,
                                 " (line ", std::to_string(first->second->line),
                                 ") are two names of one key: give one of them"));
      }
      // Messages name the key as the file spells it.
      const std::string name = cat(op->name, ".", e.key);
      if (key == "node") {
        AURORA_RETURN_IF_ERROR(node(e, name, step.node));
      } else if (key == "page") {
        AURORA_RETURN_IF_ERROR(integer(e, name, 0, kMaxInt, step.page));
      } else if (key == "offset") {
        AURORA_RETURN_IF_ERROR(integer(e, name, 0, kMaxPageBytes - 1, step.offset));
      } else if (key == "text") {
        AURORA_RETURN_IF_ERROR(text(e, name, step.text));
        if (step.text.empty()) return error(e.line, name + " must not be empty");
      } else if (key == "at") {
        AURORA_RETURN_IF_ERROR(read_at(e, name, step.at));
      } else if (key == "mark") {
        AURORA_RETURN_IF_ERROR(text(e, name, step.mark));
        if (step.mark.empty()) return error(e.line, name + " must not be empty");
      } else if (key == "ms") {
        std::int64_t ms = 0;
        AURORA_RETURN_IF_ERROR(integer(e, name, 0, kMaxSleepMs, ms));
        step.duration = ms * kMillisecond;
      } else if (key == "every_ms") {
        std::int64_t ms = 0;
        AURORA_RETURN_IF_ERROR(integer(e, name, 1, kMaxBgEveryMs, ms));
        step.duration = ms * kMillisecond;
      } else if (key == "count") {
        AURORA_RETURN_IF_ERROR(integer(e, name, 1, kMaxRepeatCount, step.count));
      } else if (key == "steps") {
        nested = e.node->as_array();
        if (nested == nullptr) {
          return error(e.line, cat(name, " must be an array of tables ([[steps.steps]] or ",
                                   "[{ op = ... }]), not ", type_name(*e.node)));
        }
        nested_line = e.line;
      } else if (key == "kind" && step.op == StepOp::kFault) {
        AURORA_RETURN_IF_ERROR(text(e, name, step.fault_kind));
        if (!sim::parse_fault_kind(step.fault_kind)) {
          return error(e.line, cat(name, ": unknown fault kind ", quoted(step.fault_kind),
                                   " (known: ", fault_kind_names(), ")"));
        }
        if (step.fault_kind == sim::fault_kind_name(sim::FaultKind::kCrashPoint)) {
          return error(e.line, cat(name, ": crash_point is not a fault of the disk: a scenario "
                                         "crashes where its crash steps say"));
        }
      } else if (key == "kind" && step.op == StepOp::kNetFault) {
        AURORA_RETURN_IF_ERROR(text(e, name, step.fault_kind));
        if (!sim::parse_net_fault_kind(step.fault_kind)) {
          return error(e.line, cat(name, ": unknown network fault kind ", quoted(step.fault_kind),
                                   " (known: ", net_fault_kind_names(), ")"));
        }
      } else if (key == "from") {
        AURORA_RETURN_IF_ERROR(net_names(e, name, step.from));
      } else if (key == "to") {
        AURORA_RETURN_IF_ERROR(net_names(e, name, step.to));
      } else if (key == "one_way") {
        AURORA_RETURN_IF_ERROR(boolean(e, name, step.one_way));
      } else if (key == "kind") {
        AURORA_RETURN_IF_ERROR(text(e, name, step.bg_kind));
        if (std::find(kBgKinds.begin(), kBgKinds.end(), step.bg_kind) == kBgKinds.end()) {
          return error(e.line, cat(name, ": unknown worker kind ", quoted(step.bg_kind),
                                   " (known: ", join(kBgKinds), ")"));
        }
      } else if (key == "on") {
        AURORA_RETURN_IF_ERROR(boolean(e, name, step.on));
      } else if (key == "probability") {
        double p = 0;
        AURORA_RETURN_IF_ERROR(probability(e, name, p));
        step.probability = p;
      }
    }

    // Required keys, and checks across keys.
    const auto need = [&](std::string_view key, std::string_view what) -> Status {
      if (seen.count(key) != 0) return Status::ok();
      return error(step.line,
                   cat(op->name, " step: missing ", spellings(*op, key), " (", what, ")"));
    };
    switch (step.op) {
      case StepOp::kPut:
      case StepOp::kExpect:
        AURORA_RETURN_IF_ERROR(need("page", "an integer >= 0"));
        AURORA_RETURN_IF_ERROR(need("text", "a string"));
        if (step.offset + step.text.size() > kMaxPageBytes) {
          const Entry& text_entry = *seen.at("text");
          return error(
              text_entry.line,
              cat(op->name, ".", text_entry.key, " at offset ", std::to_string(step.offset),
                  " reaches past the largest page (", std::to_string(kMaxPageBytes), " bytes)"));
        }
        break;
      case StepOp::kGet:
        AURORA_RETURN_IF_ERROR(need("page", "an integer >= 0"));
        break;
      case StepOp::kSleep:
        AURORA_RETURN_IF_ERROR(need("ms", "an integer of milliseconds"));
        break;
      case StepOp::kRepeat:
        AURORA_RETURN_IF_ERROR(need("count", "an integer >= 1"));
        AURORA_RETURN_IF_ERROR(need("steps", "an array of tables"));
        AURORA_RETURN_IF_ERROR(
            parse_steps(*nested, nested_line, "repeat.steps", depth + 1, step.node, step.steps));
        if (runs_of(step) > kMaxStepsRun) {
          return error(step.line, cat("this repeat runs more than ", std::to_string(kMaxStepsRun),
                                      " steps (count times its steps, repeats expanded)"));
        }
        break;
      case StepOp::kFault:
      case StepOp::kNetFault:
        AURORA_RETURN_IF_ERROR(need(
            "kind", cat("a fault kind: ", step.op == StepOp::kFault ? fault_kind_names()
                                                                   : net_fault_kind_names())));
        AURORA_RETURN_IF_ERROR(need("on", "true or false"));
        if (!step.on && step.probability) {
          return error(step.line, cat(op->name,
                                      ".probability is given with on = false (it applies only "
                                      "when switching a fault on)"));
        }
        break;
      case StepOp::kPartition: {
        AURORA_RETURN_IF_ERROR(need("from", "a node or zone, or an array of them"));
        AURORA_RETURN_IF_ERROR(need("to", "a node or zone, or an array of them"));
        // A side may be a zone: compare the nodes the names stand for.
        const std::string_view both = topology_overlap(step.from, step.to);
        if (!both.empty()) {
          return error(seen.at("to")->line,
                       cat("partition: ", both, " is on both sides (from and to): a partition "
                                                "cuts one side off from the other"));
        }
        break;
      }
      case StepOp::kBg:
        AURORA_RETURN_IF_ERROR(need("kind", cat("a worker kind: ", join(kBgKinds))));
        AURORA_RETURN_IF_ERROR(need("every_ms", "an integer of milliseconds"));
        break;
      case StepOp::kRefresh:
      case StepOp::kCrash:
      case StepOp::kRecover:
      case StepOp::kSync:
      case StepOp::kBgStop:
      case StepOp::kHeal:
      case StepOp::kNet:
        break;
    }
    // Marks: set in the order of the file, so a mark is known to every step after the one
    // that sets it (at run time it may still be missing, when that step failed).
    if (!step.mark.empty()) marks_.insert(step.mark);
    return Status::ok();
  }

  // --- typed values of scenarios only (FieldReader reads the common ones) ---

  // A number in [0, 1]; an integer is accepted too (1 is 1.0).
  Status probability(const Entry& e, const std::string& name, double& out) const {
    return number(e, name, 0.0, 1.0, "in [0, 1]", out);
  }

  Status node(const Entry& e, const std::string& name, int& out) const {
    const toml::value<std::string>* v = e.node->as_string();
    if (v == nullptr) {
      return error(e.line, cat(name, " must be \"A\" or \"B\", not ", type_name(*e.node)));
    }
    if (v->get() == "A") {
      out = 0;
    } else if (v->get() == "B") {
      out = 1;
    } else {
      return error(e.line, cat(name, " must be \"A\" or \"B\" (got ", quoted(v->get()), ")"));
    }
    return Status::ok();
  }

  // One side of a partition: a node or zone name (topology.h), or a non-empty array of them.
  Status net_names(const Entry& e, const std::string& name, std::vector<std::string>& out) const {
    const auto one = [&](const toml::node& n, Line line) -> Status {
      const toml::value<std::string>* v = n.as_string();
      if (v == nullptr) {
        return error(line, cat(name, " must name nodes or zones (strings), not ", type_name(n)));
      }
      if (topology_nodes_named(v->get()).empty()) {
        return error(line, cat(name, ": unknown node or zone ", quoted(v->get()), " (",
                               topology_names(), ")"));
      }
      out.push_back(v->get());
      return Status::ok();
    };
    if (const toml::array* names = e.node->as_array()) {
      if (names->empty()) return error(e.line, name + " must name at least one node or zone");
      for (const toml::node& n : *names) AURORA_RETURN_IF_ERROR(one(n, line_of(n)));
      return Status::ok();
    }
    if (e.node->as_string() == nullptr) {
      return error(e.line, cat(name, " must be a node or zone name, or an array of them, not ",
                               type_name(*e.node)));
    }
    return one(*e.node, e.line);
  }

  // An LSN (an integer >= 0) or the name of a mark an earlier step sets.
  Status read_at(const Entry& e, const std::string& name, ReadAt& out) const {
    if (const toml::value<std::string>* mark = e.node->as_string()) {
      if (marks_.count(mark->get()) == 0) {
        return error(e.line, cat(name, ": no earlier step sets mark ", quoted(mark->get()),
                                 " (a put or refresh with mark = ", quoted(mark->get()), ")"));
      }
      out.mark = mark->get();
      return Status::ok();
    }
    if (e.node->as_integer() == nullptr) {
      return error(e.line, cat(name,
                               " must be an LSN (an integer >= 0) or the name of a mark, "
                               "not ",
                               type_name(*e.node)));
    }
    std::uint64_t lsn = 0;
    AURORA_RETURN_IF_ERROR(integer(e, name, 0, kMaxInt, lsn));
    out.lsn = lsn;
    return Status::ok();
  }

  std::set<std::string, std::less<>> marks_;  // set by the steps parsed so far
};

}  // namespace

Result<Scenario> parse_scenario(std::string_view text, std::string_view source) {
  Result<toml::table> root = workloads::toml_input::parse_toml(text, source);
  if (!root.is_ok()) return root.status();
  Scenario scenario;
  scenario.source = std::string(source);
  Parser parser(source);
  AURORA_RETURN_IF_ERROR(parser.parse(*root, scenario));
  return scenario;
}

Result<Scenario> load_scenario(const std::string& path) {
  Result<std::string> text = workloads::toml_input::read_file(path, "scenario");
  if (!text.is_ok()) return text.status();
  return parse_scenario(*text, path);
}

}  // namespace aurora::shell
