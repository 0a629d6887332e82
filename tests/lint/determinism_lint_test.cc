// The determinism lint (DESIGN.md sections 2 and 6): a test that scans engine/, sim/ and
// workloads/ and fails on code that could reach the world around the seam or make a run
// depend on something other than its seed: wall and monotonic clocks, OS randomness,
// OS threads, file streams, POSIX headers (all allowed only in the POSIX implementation
// of the seam, engine/runtime/posix/), iteration-prone unordered containers, and
// catch (...) (which would swallow the forced_unwind that kills fibers).
//
// Matching is textual, one line at a time, after comments and string/character literals
// have been blanked out, so prose that names a banned API does not trip it. Each rule is
// a row of kRules; lint_text() is the one matcher, used both on the tree and on the
// snippets that prove every rule can fail.

// GCC 12 reports a false -Wmaybe-uninitialized inside std::regex's std::function members
// when optimizing with -fsanitize=address (the asan-ubsan preset; GCC bug 105616). The
// warning points into libstdc++ headers that gtest.h includes first, so it is turned off
// for this whole file, before any include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace aurora::lint {
namespace {

struct Rule {
  std::string_view name;
  // A literal that every match contains: lines without it skip the (slow) regex.
  std::string_view needle;
  // ECMAScript regex, searched in one line with comments and literals blanked.
  std::string_view regex;
  std::string_view explanation;
  // Allowed under engine/runtime/posix/, the real implementation of the seam.
  bool posix_exempt = true;
  // A comment that documents an allowed use: on the same line, or alone on the line above.
  std::string_view waiver = {};
};

constexpr std::string_view kPosixDir = "engine/runtime/posix/";
constexpr std::string_view kPosixDirInside = "/engine/runtime/posix/";  // a longer path
constexpr std::string_view kLookupOnly = "// lint: lookup-only";
constexpr std::string_view kTapesOwn = "// lint: the choice tape's own";

const std::vector<Rule> kRules = {
    {"wall-clock", "_clock", R"(\b(system|steady|high_resolution|utc|tai|gps|file)_clock\b)",
     "real clocks make runs depend on the machine; take time from Clock (engine/runtime/clock.h)"},
    {"gettimeofday", "gettimeofday", R"(\bgettimeofday\b)",
     "wall clock; take time from Clock (engine/runtime/clock.h)"},
    {"clock_gettime", "clock_gettime", R"(\bclock_gettime\b)",
     "OS clock; take time from Clock (engine/runtime/clock.h)"},
    {"time(nullptr)", "time", R"((^|[^\w.>:])(::|std::)?time\s*\(\s*(nullptr|NULL|0)\s*\))",
     "wall clock; take time from Clock (engine/runtime/clock.h)"},
    {"random_device", "random_device", R"(\brandom_device\b)",
     "OS entropy breaks reproducibility; draw from a named stream of the seed (sim/rng.h)"},
    {"rand()", "rand", R"((^|[^\w.>:])(::|std::)?(rand|rand_r|drand48|lrand48|mrand48)\s*\()",
     "global C randomness; draw from a named stream of the seed (sim/rng.h)"},
    {"srand()", "srand", R"((^|[^\w.>:])(::|std::)?(srand|srand48|srandom)\s*\()",
     "global C randomness; draw from a named stream of the seed (sim/rng.h)"},
    {"std::thread", "thread", R"(\bstd::j?thread\b)",
     "OS threads are scheduled by the OS, not the seed; spawn a fiber (Scheduler::spawn)"},
    {"std::async", "async", R"(\bstd::async\b)",
     "runs work on OS threads; spawn a fiber (Scheduler::spawn)"},
    {"this_thread", "this_thread", R"(\bthis_thread\b)",
     "sleeps or yields the OS thread; use Clock::sleep_for or Scheduler::yield"},
    {"thread/future/fstream header", "include", R"(^\s*#\s*include\s*<(thread|future|fstream)>)",
     "OS threads and direct file access bypass the seam (engine/runtime/runtime.h)"},
    {"std::fstream", "fstream", R"(\bstd::(i|o)?fstream\b)",
     "direct file access bypasses the seam; use FileSystem (engine/runtime/file_system.h)"},
    {"posix header", "include",
     R"(^\s*#\s*include\s*<(unistd\.h|fcntl\.h|sys/[^>]+|dirent\.h|pthread\.h)>)",
     "POSIX calls bypass the seam; only engine/runtime/posix/ may use them"},
    {"unordered container", "unordered_", R"(^(?!\s*#).*\bunordered_(multimap|multiset|map|set)\b)",
     "iteration order is unspecified and can reach behaviour or the trace; use std::map/set, "
     "or mark a container that is never iterated with '// lint: lookup-only'",
     /*posix_exempt=*/false, kLookupOnly},
    {"rng off the tape", "Rng",
     R"((\bRng\s+\w+\s*[({])|(make_unique\s*<\s*(sim::)?Rng\s*>)|((^|\W)(sim::)?Rng\s*\())",
     "a stream made outside the choice tape escapes --record-choices, --replay-choices and "
     "sim shrink; take it from the run's tape (World::stream, ChoiceTape::stream)",
     /*posix_exempt=*/false, kTapesOwn},
    {"catch (...)", "catch", R"(\bcatch\s*\(\s*\.\.\.\s*\))",
     "swallows boost::context's forced_unwind, which kills fibers; catch specific types",
     /*posix_exempt=*/false},
};

struct Hit {
  std::string path;
  std::size_t line = 0;  // 1-based
  std::string rule;
  std::string text;  // the raw line, trimmed
};

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The identifier or number token that ends just before position `i` of `text`.
// Apostrophes and dots count as part of it so 1'000'000 and 0x1'0.5 stay one token.
std::string_view token_before(std::string_view text, std::size_t i, bool allow_separators) {
  std::size_t start = i;
  while (start > 0) {
    const char c = text[start - 1];
    if (is_ident_char(c) || (allow_separators && (c == '\'' || c == '.'))) {
      --start;
    } else {
      break;
    }
  }
  return text.substr(start, i - start);
}

// Returns `text` with the contents of comments and of string, raw string and character
// literals replaced by spaces. Newlines are kept, so line numbers do not move.
std::string blank_comments_and_literals(std::string_view text) {
  enum class State { kCode, kLineComment, kBlockComment, kString, kChar, kRawString };
  State state = State::kCode;
  std::string out;
  out.reserve(text.size());
  std::string raw_end;  // for raw strings: )delimiter"
  const auto blank = [](char c) { return c == '\n' ? '\n' : ' '; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case State::kCode:
        if (c == '/' && next == '/') {
          state = State::kLineComment;
          out += "  ";
          ++i;
        } else if (c == '/' && next == '*') {
          state = State::kBlockComment;
          out += "  ";
          ++i;
        } else if (c == '"') {
          const std::string_view prefix = token_before(text, i, /*allow_separators=*/false);
          if (prefix == "R" || prefix == "u8R" || prefix == "uR" || prefix == "UR" ||
              prefix == "LR") {
            const std::size_t open = text.find('(', i + 1);
            if (open != std::string_view::npos && open - i - 1 <= 16) {
              // Built char by char: `raw_end = ")"` trips GCC 12's false -Wrestrict.
              raw_end.clear();
              raw_end.push_back(')');
              raw_end.append(text.substr(i + 1, open - i - 1));
              raw_end.push_back('"');
              state = State::kRawString;
              out += '"';
              out.append(open - i, ' ');  // the delimiter and '('
              i = open;
              break;
            }
          }
          state = State::kString;
          out += '"';
        } else if (c == '\'') {
          // A digit separator (1'000'000) is part of a number token; anything else opens
          // a character literal (including u8'x', L'x').
          const std::string_view token = token_before(text, i, /*allow_separators=*/true);
          if (!token.empty() && std::isdigit(static_cast<unsigned char>(token.front())) != 0) {
            out += c;
          } else {
            state = State::kChar;
            out += '\'';
          }
        } else {
          out += c;
        }
        break;
      case State::kLineComment:
        if (c == '\\' && next == '\n') {  // a continued // comment goes on
          out += " \n";
          ++i;
        } else if (c == '\n') {
          state = State::kCode;
          out += '\n';
        } else {
          out += ' ';
        }
        break;
      case State::kBlockComment:
        if (c == '*' && next == '/') {
          state = State::kCode;
          out += "  ";
          ++i;
        } else {
          out += blank(c);
        }
        break;
      case State::kString:
      case State::kChar: {
        const char quote = state == State::kString ? '"' : '\'';
        if (c == '\\' && next != '\0') {
          out += ' ';
          out += blank(next);
          ++i;
        } else if (c == quote) {
          state = State::kCode;
          out += quote;
        } else if (c == '\n') {  // unterminated: recover at the end of the line
          state = State::kCode;
          out += '\n';
        } else {
          out += ' ';
        }
        break;
      }
      case State::kRawString:
        if (text.substr(i, raw_end.size()) == raw_end) {
          out.append(raw_end.size() - 1, ' ');
          out += '"';
          i += raw_end.size() - 1;
          state = State::kCode;
        } else {
          out += blank(c);
        }
        break;
    }
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

const std::vector<std::regex>& compiled_rules() {
  static const std::vector<std::regex> compiled = [] {
    std::vector<std::regex> out;
    for (const Rule& rule : kRules) {
      out.emplace_back(std::string(rule.regex), std::regex::ECMAScript | std::regex::optimize);
    }
    return out;
  }();
  return compiled;
}

const Rule* find_rule(std::string_view name) {
  for (const Rule& rule : kRules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

// A waiver comment covers its own line, or the next line when it stands alone on its
// line (a trailing waiver documents the code it trails, not the line after it).
bool waived(std::string_view waiver, const std::vector<std::string_view>& raw_lines,
            const std::vector<std::string_view>& code_lines, std::size_t n) {
  if (raw_lines[n].find(waiver) != std::string_view::npos) return true;
  return n > 0 && raw_lines[n - 1].find(waiver) != std::string_view::npos &&
         code_lines[n - 1].find_first_not_of(" \t") == std::string_view::npos;
}

// `path` is relative to the repository root ("sim/world.cc"); it decides the exemption
// of engine/runtime/posix/.
std::vector<Hit> lint_text(std::string_view path, std::string_view text) {
  const bool in_posix_dir =
      path.starts_with(kPosixDir) || path.find(kPosixDirInside) != std::string_view::npos;
  const std::string code = blank_comments_and_literals(text);
  const std::vector<std::string_view> raw_lines = split_lines(text);
  const std::vector<std::string_view> code_lines = split_lines(code);
  const std::vector<std::regex>& regexes = compiled_rules();
  std::vector<Hit> hits;
  for (std::size_t n = 0; n < code_lines.size() && n < raw_lines.size(); ++n) {
    const std::string_view line = code_lines[n];
    for (std::size_t r = 0; r < kRules.size(); ++r) {
      const Rule& rule = kRules[r];
      if (in_posix_dir && rule.posix_exempt) continue;
      if (line.find(rule.needle) == std::string_view::npos) continue;
      if (!std::regex_search(line.begin(), line.end(), regexes[r])) continue;
      if (!rule.waiver.empty() && waived(rule.waiver, raw_lines, code_lines, n)) continue;
      hits.push_back({std::string(path), n + 1, std::string(rule.name), trimmed(raw_lines[n])});
    }
  }
  return hits;
}

std::string format(const std::vector<Hit>& hits) {
  std::ostringstream out;
  for (const Hit& hit : hits) {
    const Rule* rule = find_rule(hit.rule);
    out << hit.path << ":" << hit.line << ": " << hit.text << "\n    [" << hit.rule << "] "
        << (rule ? rule->explanation : "") << "\n";
  }
  return out.str();
}

bool has_rule(const std::vector<Hit>& hits, std::string_view rule) {
  return std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.rule == rule; });
}

// --- The tree -----------------------------------------------------------------------

TEST(DeterminismLint, SourceTreeFollowsTheRules) {
  namespace stdfs = std::filesystem;
  const stdfs::path root = AURORA_SOURCE_DIR;
  const std::set<std::string> extensions = {".h", ".hpp", ".cc", ".cpp"};
  std::vector<stdfs::path> files;
  for (const char* tree : {"engine", "sim", "workloads"}) {
    const stdfs::path dir = root / tree;
    std::error_code ec;
    if (!stdfs::is_directory(dir, ec)) continue;
    for (auto it = stdfs::recursive_directory_iterator(dir, ec);
         !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && extensions.count(it->path().extension().string()) != 0) {
        files.push_back(it->path());
      }
    }
    ASSERT_FALSE(ec) << "walking " << dir << ": " << ec.message();
  }
  std::sort(files.begin(), files.end());  // stable report order
  // Guard against a vacuous pass (a wrong root, a renamed tree).
  ASSERT_NE(std::find(files.begin(), files.end(), root / "engine/runtime/scheduler.h"), files.end())
      << "the scan did not find engine/runtime/scheduler.h under " << root;

  std::vector<Hit> hits;
  for (const stdfs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<Hit> found = lint_text(file.lexically_relative(root).generic_string(), text);
    hits.insert(hits.end(), found.begin(), found.end());
  }
  EXPECT_TRUE(hits.empty()) << hits.size() << " determinism rule violation(s) in " << files.size()
                            << " files (DESIGN.md section 6):\n"
                            << format(hits);
}

// --- The matcher can fail -----------------------------------------------------------

struct BadCase {
  std::string_view path;
  std::string_view text;
  std::string_view rule;
};

const std::vector<BadCase> kBadCases = {
    {"sim/a.cc", "auto t = std::chrono::system_clock::now();", "wall-clock"},
    {"sim/a.cc", "auto t = std::chrono::steady_clock::now();", "wall-clock"},
    {"workloads/a.h", "using C = std::chrono::high_resolution_clock;", "wall-clock"},
    {"engine/a.cc", "gettimeofday(&tv, nullptr);", "gettimeofday"},
    {"engine/a.cc", "clock_gettime(CLOCK_MONOTONIC, &ts);", "clock_gettime"},
    {"sim/a.cc", "seed = time(nullptr);", "time(nullptr)"},
    {"sim/a.cc", "seed = std::time(NULL);", "time(nullptr)"},
    {"sim/a.cc", "seed = ::time(0);", "time(nullptr)"},
    {"sim/a.cc", "std::random_device rd;", "random_device"},
    {"sim/a.cc", "int x = rand() % 6;", "rand()"},
    {"sim/a.cc", "int x = std::rand();", "rand()"},
    {"sim/a.cc", "srand(42);", "srand()"},
    {"engine/a.cc", "std::thread worker(run);", "std::thread"},
    {"engine/a.cc", "std::jthread worker(run);", "std::thread"},
    {"engine/a.cc", "auto f = std::async(std::launch::async, work);", "std::async"},
    {"engine/a.cc", "std::this_thread::sleep_for(d);", "this_thread"},
    {"engine/a.cc", "#include <thread>", "thread/future/fstream header"},
    {"engine/a.cc", "#include <future>", "thread/future/fstream header"},
    {"workloads/a.cc", "#include <fstream>", "thread/future/fstream header"},
    {"workloads/a.cc", "std::ofstream out(path);", "std::fstream"},
    {"workloads/a.cc", "std::ifstream in(path);", "std::fstream"},
    {"engine/a.cc", "#include <unistd.h>", "posix header"},
    {"engine/a.cc", "#include <fcntl.h>", "posix header"},
    {"engine/a.cc", "#  include <sys/stat.h>", "posix header"},
    {"engine/a.cc", "#include <dirent.h>", "posix header"},
    {"engine/a.cc", "#include <pthread.h>", "posix header"},
    {"sim/a.h", "std::unordered_map<int, int> m;", "unordered container"},
    {"sim/a.h", "std::unordered_set<int> s;", "unordered container"},
    {"sim/a.h", "std::unordered_multimap<int, int> m;", "unordered container"},
    {"sim/a.h", "void f(const std::unordered_map<int, int>& m);", "unordered container"},
    {"sim/a.cc", "} catch (...) {", "catch (...)"},
    {"sim/a.cc", "catch(...){}", "catch (...)"},
    {"workloads/a.cc", "sim::Rng swarm(seed, \"swarm\");", "rng off the tape"},
    {"workloads/a.cc", "Rng r{seed, name};", "rng off the tape"},
    {"sim/a.cc", "auto r = std::make_unique<Rng>(seed, name);", "rng off the tape"},
    {"engine/a.cc", "x = sim::Rng(seed, \"t\").next();", "rng off the tape"},
    // The POSIX exemption covers the world, not these two.
    {"engine/runtime/posix/x.cc", "} catch (...) {", "catch (...)"},
    {"engine/runtime/posix/x.cc", "std::unordered_map<int, int> fds;", "unordered container"},
    // Literals and comments end where they should: code after them is still checked.
    {"sim/a.cc", "/* a note */ std::thread t(f);", "std::thread"},
    {"sim/a.cc", "char q = '\"'; std::thread t(f);", "std::thread"},
    {"sim/a.cc", "int n = 1'000'000; std::thread t(f);", "std::thread"},
    {"sim/a.cc", "auto s = \"a \\\" quote\"; std::thread t(f);", "std::thread"},
    {"sim/a.cc", "auto s = R\"x(raw \" text)x\"; std::thread t(f);", "std::thread"},
    {"sim/a.cc", "/* a\n   b */ std::thread t(f);", "std::thread"},
    // A trailing marker covers its own line only.
    {"sim/a.h", "std::unordered_map<int, int> a;  // lint: lookup-only\nstd::unordered_set<int> b;",
     "unordered container"},
};

TEST(DeterminismLint, EveryBannedPatternIsFlagged) {
  for (const BadCase& c : kBadCases) {
    const std::vector<Hit> hits = lint_text(c.path, c.text);
    EXPECT_TRUE(has_rule(hits, c.rule))
        << "expected [" << c.rule << "] for " << c.path << ": " << c.text << "\ngot:\n"
        << format(hits);
  }
}

TEST(DeterminismLint, EveryRuleHasAFailingExample) {
  for (const Rule& rule : kRules) {
    const bool covered = std::any_of(kBadCases.begin(), kBadCases.end(),
                                     [&](const BadCase& c) { return c.rule == rule.name; });
    EXPECT_TRUE(covered) << "rule [" << rule.name << "] has no case in kBadCases";
  }
}

TEST(DeterminismLint, HitsCarryTheLineNumberAndText) {
  const std::vector<Hit> hits = lint_text("sim/x.cc",
                                          "// lint: lookup-only\n"
                                          "int unrelated = 0;\n"
                                          "  std::unordered_map<int, int> m;  \n");
  ASSERT_EQ(hits.size(), 1u) << format(hits);
  EXPECT_EQ(hits[0].path, "sim/x.cc");
  EXPECT_EQ(hits[0].line, 3u) << "the marker covers only the line right below it";
  EXPECT_EQ(hits[0].rule, "unordered container");
  EXPECT_EQ(hits[0].text, "std::unordered_map<int, int> m;");
}

struct AllowedCase {
  std::string_view path;
  std::string_view text;
  std::string_view why;
};

const std::vector<AllowedCase> kAllowedCases = {
    {"engine/runtime/posix/real_runtime.cc",
     "#include <thread>\n#include <unistd.h>\n#include <sys/stat.h>\n"
     "auto t = std::chrono::steady_clock::now();\nstd::this_thread::sleep_for(d);\n",
     "the POSIX implementation of the seam may use the world"},
    {"sim/a.cc", "// std::thread, rand(), steady_clock and catch (...) are banned",
     "a line comment"},
    {"sim/a.cc", "/* std::thread\n   #include <thread>\n   steady_clock::now() */ int x;",
     "a block comment over several lines"},
    {"sim/a.cc", "int x = 1;  // std::random_device would break replay", "a trailing comment"},
    {"sim/a.cc", "const char* s = \"std::random_device and gettimeofday\";", "a string literal"},
    {"sim/a.cc", "auto s = R\"(std::thread\n#include <thread>\n catch (...))\";",
     "a raw string literal over several lines"},
    {"sim/a.cc", "// a continued comment \\\nstd::thread t;", "a // comment continued by \\"},
    {"sim/a.h", "std::unordered_map<int, int> index;  // lint: lookup-only",
     "the lookup-only marker on the same line"},
    {"sim/a.h", "// lint: lookup-only (never iterated)\nstd::unordered_set<int> ids;",
     "the lookup-only marker on the line above"},
    {"sim/a.h", "#include <unordered_map>", "including the header declares nothing"},
    {"engine/a.cc",
     "SchedulerClock clock(sched);\nrng.rand();\nRng::rand(3);\nmy_rand(3);\n"
     "operand(2);\nruntime(nullptr);\nt.time(0);\nthread_count = 1;\nstd::thread_local_x;\n"
     "catch (const std::exception& e) {}\nclock_gettime_fake();\nsteady_clock_like x;\n",
     "names that only look like banned ones"},
    {"workloads/a.cc",
     "sim::Rng& rng = world.stream(\"workload\");\nexplicit S(Rng& rng);\nstd::unique_ptr<Rng> r;\n"
     "void f(sim::Rng& r, Rng* p);\n",
     "streams taken from the tape, by reference or pointer"},
    {"sim/a.cc", "auto r = std::make_unique<Rng>(seed, name);  // lint: the choice tape's own",
     "the tape's own factory, marked"},
    {"engine/a.cc", "constexpr Nanos kSecond = 1'000'000'000;\nint y = 0x1'0;\n",
     "digit separators are not character literals"},
};

TEST(DeterminismLint, AllowedFormsAreNotFlagged) {
  for (const AllowedCase& c : kAllowedCases) {
    const std::vector<Hit> hits = lint_text(c.path, c.text);
    EXPECT_TRUE(hits.empty()) << "allowed (" << c.why << ") but flagged:\n" << format(hits);
  }
}

TEST(DeterminismLint, BlankingKeepsLinesAndCode) {
  const std::string_view text =
      "int a; // c1\n/* c2\n c3 */ int b = '\\''; auto s = \"x\\\"y\";\nint c = 1'0;\n";
  const std::string blanked = blank_comments_and_literals(text);
  EXPECT_EQ(blanked.size(), text.size());
  EXPECT_EQ(std::count(blanked.begin(), blanked.end(), '\n'), 4);
  EXPECT_EQ(blanked,
            "int a;      \n     \n       int b = '  '; auto s = \"    \";\nint c = 1'0;\n");
}

}  // namespace
}  // namespace aurora::lint
