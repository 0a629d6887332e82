#include "tools/shell/demo.h"

#include <ostream>
#include <string>

#include "tools/shell/show.h"

namespace aurora::shell {

namespace {

// The script's narrator: numbered steps, and a check of each answer.
class Tour {
 public:
  Tour(Session& s, std::ostream& out) : s_(s), out_(out) {}

  void step(std::string_view what) { out_ << "\n" << ++n_ << ". " << what << "\n"; }
  void say(std::string_view what) { out_ << "   " << what << "\n"; }

  Lsn put(NodeIndex node, PageId page, std::uint32_t offset, std::string_view text) {
    Result<Lsn> cpl = s_.put(node, page, offset, as_bytes(text));
    if (!expect(cpl.is_ok(), cpl.is_ok() ? "" : cpl.status().to_string())) return 0;
    say(std::string(node_name(node)).append(" put \"").append(text).append("\" at offset ")
            .append(std::to_string(offset)).append(" of page ").append(std::to_string(page))
            .append(": acknowledged at CPL ").append(std::to_string(*cpl))
            .append(" (VDL ").append(std::to_string(s_.state().vdl)).append(")"));
    return *cpl;
  }

  void get(NodeIndex node, PageId page, std::optional<Lsn> at, std::string_view want) {
    Result<std::vector<std::byte>> got = s_.get(node, page, at);
    if (!expect(got.is_ok(), got.is_ok() ? "" : got.status().to_string())) return;
    const std::string shown = show_page(*got);
    const Lsn where = at.value_or(s_.state().read_point[node]);
    say(std::string(node_name(node)).append(" get page ").append(std::to_string(page))
            .append(at ? " at LSN " : " at its read point ").append(std::to_string(where))
            .append(": ").append(shown));
    expect(shown == want, std::string("expected ").append(want));
  }

  bool expect(bool ok, std::string_view what) {
    if (!ok) {
      out_ << "   unexpected: " << what << "\n";
      failed_ = true;
    }
    return ok;
  }

  void state() {
    const SessionState st = s_.state();
    say(std::string("VCL ").append(std::to_string(st.vcl)).append(", VDL ")
            .append(std::to_string(st.vdl)).append(", next LSN ").append(std::to_string(st.next_lsn))
            .append(", epoch ").append(std::to_string(st.epoch)).append("; read points A ")
            .append(std::to_string(st.read_point[0])).append(", B ")
            .append(std::to_string(st.read_point[1])));
  }

  bool failed() const { return failed_; }
  Session& session() { return s_; }

 private:
  Session& s_;
  std::ostream& out_;
  int n_ = 0;
  bool failed_ = false;
};

}  // namespace

int run_demo(Session& session, std::ostream& out) {
  Tour t(session, out);
  out << "aurora-sim demo: the log is the database. Two compute nodes, A and B, share one\n"
         "storage volume; the only thing either ever writes is redo records to its log.\n";

  t.step("A writes a page. A mini-transaction (MTR) becomes redo records in the log, and\n"
         "   the commit returns once VDL, the durable consistent end of the log, reaches it.");
  const Lsn first = t.put(0, 1, 0, "hello");

  t.step("A writes the same page again: a second version, linked to the first.");
  t.put(0, 1, 5, " world");

  t.step("A reads the page. Nothing stores the page itself: the engine walks its chain of\n"
         "   records back and replays them (materialization), then caches the result.");
  t.get(0, 1, std::nullopt, "\"hello world\"");

  t.step("A reads the page as of the first version's LSN: every version stays readable.");
  t.get(0, 1, first, "\"hello\"");

  t.step("B reads the page. B's read point is older than A's writes: B does not see them.");
  t.get(1, 1, std::nullopt, "(empty)");

  t.step("B refreshes: its read point moves to VDL. Now it sees A's writes.");
  if (Result<Lsn> rp = session.refresh(1); t.expect(rp.is_ok(), "refresh failed")) {
    t.say(std::string("B's read point is now ").append(std::to_string(*rp)));
  }
  t.get(1, 1, std::nullopt, "\"hello world\"");

  t.step("B writes another page; the log interleaves both nodes' records.");
  t.put(1, 2, 0, "from B");
  t.state();

  t.step("The storage crashes. Whatever was acknowledged is durable; the rest may be lost.");
  t.expect(session.crash().is_ok(), "crash failed");
  t.say("storage down");

  t.step("Recovery: the log is scanned for the end of its durable records (VCL), cut back\n"
         "   to the last complete MTR (VDL), and everything above is annulled in a new epoch.");
  const Status rec = session.recover();
  t.expect(rec.is_ok(), rec.to_string());
  if (rec.is_ok()) {
    const wal::RecoveryReport& r = session.storage()->log().recovery();
    std::string found = std::string("recovery found VCL ").append(std::to_string(r.vcl_found))
                            .append(" and VDL ").append(std::to_string(r.vdl_found));
    if (r.annulled) {
      found.append("; it annulled LSNs ").append(std::to_string(r.annulled->from)).append("..")
          .append(std::to_string(r.annulled->to)).append(" (VDL + LAL: any LSN a lost write")
          .append(" could hold) in epoch ").append(std::to_string(r.annulled->epoch));
    }
    t.say(found);
    t.say("so VDL is now the end of that range, and new LSNs start above it:");
  }
  t.state();

  t.step("After recovery every acknowledged write is still there.");
  t.get(0, 1, std::nullopt, "\"hello world\"");
  t.get(1, 2, std::nullopt, "\"from B\"");

  out << "\nMetrics (virtual time):\n" << session.metrics().render();
  out << (t.failed() ? "\ndemo: the engine did not answer as expected\n" : "\ndemo: done\n");
  return t.failed() ? 1 : 0;
}

}  // namespace aurora::shell
