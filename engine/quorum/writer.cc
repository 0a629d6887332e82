#include "engine/quorum/writer.h"

#include <algorithm>
#include <string>

#include "engine/runtime/assert.h"

namespace aurora::quorum {

namespace {

std::string pg_name(PgId pg) { return "PG " + std::to_string(pg); }

}  // namespace

QuorumWriter::QuorumWriter(Runtime rt, WriterOptions options)
    : rt_(rt), options_(std::move(options)) {}

Result<std::unique_ptr<QuorumWriter>> QuorumWriter::open(Runtime rt, WriterOptions options) {
  AURORA_ASSERT(options.lal >= 1 && options.lal <= wal::kMaxLal, "LAL out of range");
  std::unique_ptr<QuorumWriter> w(new QuorumWriter(rt, std::move(options)));
  Result<std::unique_ptr<rpc::RpcClient>> reader = rpc::RpcClient::open(rt);
  if (!reader.is_ok()) return reader.status();
  w->reader_ = std::move(reader).value();
  AURORA_RETURN_IF_ERROR(w->recover());
  AURORA_RETURN_IF_ERROR(w->start_senders());
  return w;
}

QuorumWriter::~QuorumWriter() {
  stop(Status::stopped("writer closed"));
  // The senders reference this object: they must never run again.
  for (auto& [id, s] : senders_) {
    if (s->fiber != 0) rt_.sched.kill(s->fiber);
  }
}

Epochs QuorumWriter::epochs_for(PgId pg) const {
  return Epochs{epoch_, options_.layout.members.at(pg).epoch};
}

Result<wire::Bytes> QuorumWriter::call(rpc::RpcClient& c, SegmentId s, rpc::Method m,
                                       const wire::Bytes& body) {
  return c.call(options_.layout.address_of(s), m, body,
                rt_.clock.now() + options_.attempt_timeout);
}

// --- recovery ------------------------------------------------------------------------------

namespace {

using Answers = std::map<SegmentId, Result<wire::Bytes>>;

// Calls every segment of `segs` at once (a fiber each, so that a down segment's timeout
// does not hold up the others) and returns the answers once all are in, or as soon as
// `enough` says the answers so far are enough (a recovery needs a read quorum, not the
// slowest segment): `request(s)` is the call to segment s. The fibers own all they use (a
// crash unwinds the caller first, then them), and stop consulting `enough`, which belongs
// to the caller, once the caller has its answers.
Answers call_all(Runtime rt, const std::shared_ptr<rpc::RpcClient>& client,
                 const VolumeLayout& layout, Nanos timeout, const std::vector<SegmentId>& segs,
                 const std::function<std::pair<rpc::Method, wire::Bytes>(SegmentId)>& request,
                 const std::function<bool(const Answers&)>& enough = nullptr) {
  struct Round {
    explicit Round(Scheduler& sched) : done(sched) {}
    Answers out;
    std::size_t left = 0;
    bool returned = false;
    const std::function<bool(const Answers&)>* enough = nullptr;
    Event done;
  };
  auto round = std::make_shared<Round>(rt.sched);
  round->left = segs.size();
  round->enough = enough ? &enough : nullptr;
  for (SegmentId s : segs) {
    auto [method, body] = request(s);
    rt.spawn("writer.recovery_call",
             [round, client, s, method = method, body = std::move(body),
              to = layout.address_of(s), deadline = rt.clock.now() + timeout] {
               Result<wire::Bytes> r = client->call(to, method, body, deadline);
               if (round->returned) return;
               round->out.emplace(s, std::move(r));
               if (--round->left == 0 || (round->enough && (*round->enough)(round->out))) {
                 round->done.set();
               }
             });
  }
  if (round->left > 0) round->done.wait("writer.recovery_calls");
  round->returned = true;
  return std::move(round->out);
}

// The status of every segment of `segs` that answered.
std::map<SegmentId, wire::SegmentStatus> statuses(
    Runtime rt, const std::shared_ptr<rpc::RpcClient>& client, const VolumeLayout& layout,
    Nanos timeout, const std::vector<SegmentId>& segs) {
  std::map<SegmentId, wire::SegmentStatus> out;
  const auto got = call_all(rt, client, layout, timeout, segs, [](SegmentId s) {
    return std::pair{wire::kStatus, wire::encode(wire::Header{s, {0, 0}})};
  });
  for (const auto& [s, r] : got) {
    if (!r.is_ok()) continue;
    if (Result<wire::SegmentStatus> st = wire::decode_status(*r); st.is_ok()) out[s] = *st;
  }
  return out;
}

}  // namespace

Status QuorumWriter::recover() {
  const VolumeLayout& layout = options_.layout;
  std::vector<SegmentId> everyone;
  for (const auto& [pg, m] : layout.members) {
    for (SegmentId s : all_segments(m)) everyone.push_back(s);
  }
  auto has_read_quorums = [&](const std::set<SegmentId>& have) {
    for (const auto& [pg, m] : layout.members) {
      const std::vector<SegmentId> v(have.begin(), have.end());
      if (!is_read_quorum(m, v)) return false;
    }
    return true;
  };

  std::map<PgId, std::vector<SegmentReport>> reports;
  for (std::uint64_t round = 1;; ++round) {
    if (stopped()) return stop_reason_;
    // 1. The epochs a read quorum of every PG has seen: any epoch a writer installed is on a
    // write quorum, so the highest here is the highest there is.
    std::set<SegmentId> answered;
    Epoch top = 0;
    for (const auto& [s, st] :
         statuses(rt_, reader_, layout, options_.attempt_timeout, everyone)) {
      answered.insert(s);
      top = std::max(top, st.epochs.volume);
    }
    if (!has_read_quorums(answered)) {
      rt_.clock.sleep_for(options_.retry_delay);
      continue;
    }
    // 2. Fence at top + 1 and collect the reports.
    const Epoch fence = top + 1;
    reports.clear();
    std::set<SegmentId> fenced;
    bool overtaken = false;
    for (int attempt = 0; attempt < 8 && !has_read_quorums(fenced); ++attempt) {
      std::vector<SegmentId> ask;
      for (SegmentId s : everyone) {
        if (!fenced.contains(s)) ask.push_back(s);
      }
      const auto got = call_all(rt_, reader_, layout, options_.attempt_timeout, ask,
                                [&](SegmentId s) {
                                  const PgId pg = layout.pg_of_segment(s);
                                  return std::pair{
                                      wire::kFence,
                                      wire::encode(wire::Header{
                                          s, {fence, layout.members.at(pg).epoch}})};
                                },
                                [&](const Answers& so_far) {
                                  // A suspect report among them only costs another attempt.
                                  std::set<SegmentId> have = fenced;
                                  for (const auto& [s, r] : so_far) {
                                    if (r.is_ok()) have.insert(s);
                                  }
                                  return has_read_quorums(have);
                                });
      for (const auto& [s, r] : got) {
        if (r.kind() == ErrorKind::kFenced) overtaken = true;
        if (!r.is_ok()) continue;
        Result<SegmentReport> report = wire::decode_report(*r);
        if (!report.is_ok()) continue;
        if (!report->suspect) fenced.insert(s);
        reports[layout.pg_of_segment(s)].push_back(std::move(*report));
      }
      if (overtaken) break;  // another writer fenced higher: start over
      if (!has_read_quorums(fenced)) rt_.clock.sleep_for(options_.retry_delay);
    }
    if (!overtaken && has_read_quorums(fenced)) break;
    rt_.events.emit("quorum.recovery_retry", {{"round", round}, {"fence", fence}});
  }

  // 3. The plan, and its annulment on a write quorum of every PG.
  Result<RecoveryPlan> plan = plan_recovery(layout.members, reports, options_.lal);
  if (!plan.is_ok()) return plan.status();
  plan_ = std::move(*plan);
  epoch_ = plan_.epoch;
  rt_.events.emit("quorum.recovery_plan", {{"epoch", epoch_},
                                           {"vcl", plan_.vcl},
                                           {"vdl", plan_.vdl},
                                           {"annul_from", plan_.annul->from},
                                           {"annul_to", plan_.annul->to}});
  // From the first annul request on, the annulment may be durable somewhere (the same event
  // as the base log's, for the same observers).
  if (plan_.annul->to >= plan_.annul->from) {
    rt_.events.emit("recovery.annulling", {{"from", plan_.annul->from},
                                           {"to", plan_.annul->to},
                                           {"epoch", epoch_},
                                           {"watermark", std::uint64_t{0}}});
  }
  std::set<SegmentId> installed;
  auto has_write_quorums = [&](const std::set<SegmentId>& have) {
    const std::vector<SegmentId> v(have.begin(), have.end());
    return std::all_of(layout.members.begin(), layout.members.end(),
                       [&](const auto& e) { return is_write_quorum(e.second, v); });
  };
  while (!has_write_quorums(installed)) {
    if (stopped()) return stop_reason_;
    std::vector<SegmentId> ask;
    for (SegmentId s : everyone) {
      if (!installed.contains(s)) ask.push_back(s);
    }
    const auto got = call_all(rt_, reader_, layout, options_.attempt_timeout, ask,
                              [&](SegmentId s) {
                                const PgId pg = layout.pg_of_segment(s);
                                return std::pair{wire::kAnnul,
                                                 wire::encode(wire::AnnulRequest{
                                                     {s, epochs_for(pg)}, plan_.annulled})};
                              });
    for (const auto& [s, r] : got) {
      if (r.kind() == ErrorKind::kFenced) {
        stop(Status::fenced("recovery of epoch " + std::to_string(epoch_) +
                            " overtaken: " + r.status().message()));
        return stop_reason_;
      }
      if (!r.is_ok()) continue;
      const Result<Lsn> scl = wire::decode_lsn(*r);
      if (!scl.is_ok()) continue;
      installed.insert(s);
      scl_[s] = *scl;
      ++stats_.annulments_sent;
    }
    if (!has_write_quorums(installed)) rt_.clock.sleep_for(options_.retry_delay);
  }

  // 4. Everything up to the recovered VDL on a write quorum of every PG (gossip fills).
  for (;;) {
    bool complete = true;
    for (const auto& [pg, m] : layout.members) {
      pgcl_[pg] = quorum::pgcl(m, scl_);
      if (pgcl_[pg] < plan_.pg_tail.at(pg)) complete = false;
    }
    if (complete) break;
    if (stopped()) return stop_reason_;
    rt_.clock.sleep_for(options_.status_interval);
    for (const auto& [s, st] :
         statuses(rt_, reader_, layout, options_.attempt_timeout, everyone)) {
      if (st.epochs.volume == epoch_) scl_[s] = in_this_log(s, st.scl);
    }
  }

  // Open: the annulment's end is the consistency point, as in the base log.
  vcl_ = vdl_ = floor_ = highest_allocated_ = plan_.annul->to;
  next_lsn_ = plan_.next_lsn;
  pg_tail_ = plan_.pg_tail;
  std::map<PageId, std::set<Lsn>> versions;
  for (const auto& [pg, list] : reports) {
    for (const SegmentReport& r : list) {
      for (const RecordMeta& m : r.records) {
        if (m.lsn <= plan_.vdl && !is_annulled(plan_.annulled, m.lsn, m.epoch)) {
          versions[m.page].insert(m.lsn);
        }
      }
    }
  }
  for (auto& [page, set] : versions) versions_[page].assign(set.begin(), set.end());
  for (const auto& [pg, m] : layout.members) pending_[pg];
  rt_.events.emit("quorum.recovered", {{"epoch", epoch_}, {"vdl", vdl_}});
  return Status::ok();
}

// --- writing -------------------------------------------------------------------------------

Status QuorumWriter::start_senders() {
  for (const auto& [pg, m] : options_.layout.members) {
    for (SegmentId s : all_segments(m)) {
      auto sender = std::make_unique<Sender>();
      sender->segment = s;
      sender->pg = pg;
      sender->work = std::make_unique<Event>(rt_.sched);
      Result<std::unique_ptr<rpc::RpcClient>> c = rpc::RpcClient::open(rt_);
      if (!c.is_ok()) return c.status();
      sender->client = std::move(c).value();
      Sender* raw = sender.get();
      senders_[s] = std::move(sender);
      raw->fiber = rt_.spawn("writer.send_" + std::to_string(s), [this, raw] { send_loop(*raw); },
                             /*daemon=*/true);
    }
  }
  return Status::ok();
}

Status QuorumWriter::install_annulment(Sender& s) {
  ++stats_.annulments_sent;
  Result<wire::Bytes> r =
      call(*s.client, s.segment, wire::kAnnul,
           wire::encode(wire::AnnulRequest{{s.segment, epochs_for(s.pg)}, plan_.annulled}));
  if (!r.is_ok()) return r.status();
  const Result<Lsn> scl = wire::decode_lsn(*r);
  if (!scl.is_ok()) return scl.status();
  on_scl(s.segment, *scl);
  return Status::ok();
}

void QuorumWriter::send_loop(Sender& s) {
  while (!stopped()) {
    if (s.queue.empty()) {
      s.work->reset();
      const bool woke = s.work->wait_until(rt_.clock.now() + options_.status_interval,
                                           "writer.segment_queue");
      if (woke || stopped() || scl_[s.segment] >= pg_tail_[s.pg]) continue;
      // Idle, and the segment may be behind its PG: gossip may have filled it since.
      Result<wire::Bytes> r = call(*s.client, s.segment, wire::kStatus,
                                   wire::encode(wire::Header{s.segment, {0, 0}}));
      if (!r.is_ok()) continue;
      const Result<wire::SegmentStatus> st = wire::decode_status(*r);
      if (!st.is_ok()) continue;
      if (st->epochs.volume > epoch_) {
        stop(Status::fenced("segment " + std::to_string(s.segment) + " has seen epoch " +
                            std::to_string(st->epochs.volume)));
        return;
      }
      if (st->epochs.volume == epoch_) on_scl(s.segment, st->scl);
      continue;
    }
    const std::size_t n = std::min(options_.batch_records, s.queue.size());
    const std::vector<SegmentRecord> batch(s.queue.begin(),
                                           s.queue.begin() + static_cast<std::ptrdiff_t>(n));
    const Lsn last = batch.back().meta.lsn;
    ++stats_.appends;
    Result<wire::Bytes> r = call(*s.client, s.segment, wire::kAppend,
                                 wire::encode(wire::AppendRequest{{s.segment, epochs_for(s.pg)},
                                                                  batch}));
    const Result<Lsn> scl = r.is_ok() ? wire::decode_lsn(*r) : Result<Lsn>(r.status());
    if (scl.is_ok()) {
      while (!s.queue.empty() && s.queue.front().meta.lsn <= last) s.queue.pop_front();
      stats_.records_sent += n;
      on_scl(s.segment, *scl);
      continue;
    }
    ++stats_.append_failures;
    if (scl.kind() == ErrorKind::kFenced) {
      stop(Status::fenced("writer of epoch " + std::to_string(epoch_) + " fenced: " +
                          scl.status().message()));
      return;
    }
    if (scl.kind() == ErrorKind::kBusy && install_annulment(s).is_ok()) continue;
    rt_.clock.sleep_for(options_.retry_delay);
  }
}

void QuorumWriter::on_scl(SegmentId s, Lsn scl) {
  scl_[s] = in_this_log(s, scl);
  advance();
}

// A segment fenced under this epoch that has not applied its annulment yet (a status answer
// comes from memory) may still count records of the annulled range in its SCL. Those are no
// records of this log. Its chain being complete up to there, it holds every record of its PG
// at or below the recovered VDL: here its SCL is its PG's last record there, as it will be
// once the annulment is applied (sim --seed 624 --spec quorum and --seed 685 --spec
// stale_writer: SCLs the segment then lowered).
Lsn QuorumWriter::in_this_log(SegmentId s, Lsn scl) const {
  if (!plan_.annul || scl <= plan_.vdl || scl > plan_.annul->to) return scl;
  const auto tail = plan_.pg_tail.find(options_.layout.pg_of_segment(s));
  return tail == plan_.pg_tail.end() ? plan_.vdl : tail->second;
}

void QuorumWriter::advance() {
  std::vector<PgProgress> progress;
  for (const auto& [pg, m] : options_.layout.members) {
    const Lsn p = quorum::pgcl(m, scl_);
    pgcl_[pg] = p;
    std::set<Lsn>& pending = pending_[pg];
    pending.erase(pending.begin(), pending.upper_bound(p));
    progress.push_back({p, pending.empty() ? kNoLsn : *pending.begin()});
  }
  vcl_ = std::max(vcl_, quorum::vcl(progress, highest_allocated_, floor_));
  const Lsn d = quorum::vdl(cpls_, vcl_, vdl_);
  if (d <= vdl_) return;
  vdl_ = d;
  if (feed_) feed_->advanced(vdl_);
  cpls_.erase(cpls_.begin(), cpls_.upper_bound(d));
  vdl_waiters_.notify_all(rt_.sched);
  lal_waiters_.notify_all(rt_.sched);
}

Result<Lsn> QuorumWriter::commit(std::span<const wal::Redo> mtr,
                                 const storage::CommitHooks& hooks) {
  AURORA_ASSERT(!mtr.empty(), "an MTR has at least one record");
  AURORA_ASSERT(mtr.size() <= options_.lal, "an MTR larger than the LAL can never fit");
  for (const wal::Redo& r : mtr) {
    if (std::uint64_t{r.offset} + r.bytes.size() > options_.page_size) {
      return Status::invalid_argument("redo of page " + std::to_string(r.page) +
                                      " does not fit the page");
    }
  }
  const Lsn n = mtr.size();
  while (!stopped() && next_lsn_ + n - 1 > vdl_ + options_.lal) {
    ++stats_.lal_waits;
    lal_waiters_.wait(rt_.sched, "writer.lal");
  }
  if (stopped()) return stop_reason_;
  const Lsn first = next_lsn_;
  next_lsn_ += n;
  highest_allocated_ = first + n - 1;
  const Lsn cpl = highest_allocated_;
  for (Lsn i = 0; i < n; ++i) {
    const wal::Redo& redo = mtr[i];
    const PgId pg = options_.layout.pg_of(redo.page);
    const Lsn lsn = first + i;
    SegmentRecord rec{RecordMeta{lsn, pg_tail_[pg], lsn == cpl, epoch_, redo.page}, redo.offset,
                      redo.bytes};
    pg_tail_[pg] = lsn;
    pending_[pg].insert(lsn);
    versions_[redo.page].push_back(lsn);
    for (SegmentId s : all_segments(options_.layout.members.at(pg))) {
      Sender& sender = *senders_.at(s);
      if (sender.queue.size() >= options_.max_queue) {
        sender.queue.pop_front();
        ++stats_.records_left_to_gossip;
      }
      sender.queue.push_back(rec);
      sender.work->set();
    }
  }
  cpls_.insert(cpl);
  if (feed_) feed_->appended(first, mtr, vdl_);
  if (hooks.appended) hooks.appended(cpl);
  const Nanos start = rt_.clock.now();
  while (!stopped() && vdl_ < cpl) vdl_waiters_.wait(rt_.sched, "writer.vdl");
  if (vdl_ < cpl) return stop_reason_;
  stats_.commit_ns.record(static_cast<std::uint64_t>(rt_.clock.now() - start));
  if (hooks.acknowledged) hooks.acknowledged(cpl);
  return cpl;
}

Status QuorumWriter::sync() {
  while (!stopped() && vdl_ < highest_allocated_) vdl_waiters_.wait(rt_.sched, "writer.sync");
  return vdl_ >= highest_allocated_ ? Status::ok() : stop_reason_;
}

// --- reading -------------------------------------------------------------------------------

Lsn QuorumWriter::version_at(PageId page, Lsn at) const {
  const auto it = versions_.find(page);
  if (it == versions_.end()) return kNoLsn;
  const auto v = std::upper_bound(it->second.begin(), it->second.end(), at);
  return v == it->second.begin() ? kNoLsn : *std::prev(v);
}

Result<std::vector<std::byte>> QuorumWriter::read(PageId page, Lsn at) {
  if (at > vdl_) {
    return Status::invalid_argument("read point " + std::to_string(at) + " is above VDL " +
                                    std::to_string(vdl_));
  }
  const PgId pg = options_.layout.pg_of(page);
  std::vector<SegmentId> segs = all_segments(options_.layout.members.at(pg));
  // Those whose SCL covers the read point first, from a turn that moves on with each read so
  // that reads spread over the PG; the others after (their SCL may have moved on unseen).
  std::rotate(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(read_turn_++ % segs.size()),
              segs.end());
  // The page's newest version at or below the read point reads the same bytes, and a segment
  // need only have completed its PG up to it (the PG may have no record up to `at`).
  const Lsn version = version_at(page, at);
  if (version == kNoLsn) return std::vector<std::byte>(options_.page_size);
  std::stable_partition(segs.begin(), segs.end(),
                        [&](SegmentId s) { return scl_[s] >= version; });
  Status last = Status::timeout("no segment of " + pg_name(pg) + " to read from");
  for (SegmentId s : segs) {
    Result<wire::Bytes> r =
        call(*reader_, s, wire::kRead,
             wire::encode(wire::ReadRequest{{s, epochs_for(pg)}, page, version}));
    if (r.is_ok() && r->size() == options_.page_size) return std::move(*r);
    last = r.is_ok() ? Status::corruption("segment " + std::to_string(s) + " sent " +
                                          std::to_string(r->size()) + " bytes for a page")
                     : r.status();
    ++stats_.read_fallbacks;
  }
  return Status(last.kind() == ErrorKind::kBusy ? ErrorKind::kTimeout : last.kind(),
                "no segment of " + pg_name(pg) + " served page " + std::to_string(page) +
                    " at " + std::to_string(at) + ": " + last.message());
}

// --- read points and stopping --------------------------------------------------------------

storage::ReadPointId QuorumWriter::pin(Lsn at) {
  const storage::ReadPointId id = next_pin_++;
  pins_[id] = at;
  return id;
}

void QuorumWriter::move(storage::ReadPointId id, Lsn at) {
  if (auto it = pins_.find(id); it != pins_.end()) it->second = at;
}

void QuorumWriter::unpin(storage::ReadPointId id) { pins_.erase(id); }

Lsn QuorumWriter::min_read_point() const {
  Lsn out = vdl_;
  for (const auto& [id, at] : pins_) out = std::min(out, at);
  return out;
}

void QuorumWriter::attach_feed(std::unique_ptr<ReplicaFeed> feed) {
  feed_ = std::move(feed);
  if (feed_) feed_->advanced(vdl_);
}

void QuorumWriter::stop(Status why) {
  if (stopped()) return;
  AURORA_ASSERT(!why.is_ok(), "stop needs a reason");
  fenced_ = why.kind() == ErrorKind::kFenced;
  stop_reason_ = Status(why.kind() == ErrorKind::kFenced ? ErrorKind::kStopped : why.kind(),
                        why.message());
  rt_.events.emit("quorum.writer_stopped", {{"epoch", epoch_}, {"why", stop_reason_.message()}});
  vdl_waiters_.notify_all(rt_.sched);
  lal_waiters_.notify_all(rt_.sched);
  for (auto& [id, s] : senders_) s->work->set();
}

}  // namespace aurora::quorum
