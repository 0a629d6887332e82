#include "engine/runtime/posix/tcp_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/frame.h"
#include "engine/runtime/sync.h"
#include "engine/util/coding.h"

namespace aurora {

namespace {

constexpr std::uint64_t kListenerToken = 0;
constexpr int kMaxEvents = 64;
constexpr int kAcceptBudget = 64;                    // per poll: the others' turn comes
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kReadBudget = 4 << 20;         // per connection and poll, likewise
constexpr std::size_t kKeepBuffer = 4 << 20;         // a larger one is let go once empty
constexpr std::size_t kMaxIov = 64;                  // frames handed to one sendmsg
constexpr Nanos kAcceptRetry = 10 * kMillisecond;    // out of descriptors: try again after

// FRAME_FORMAT.md: where the receiver's node and port sit in a frame.
constexpr std::size_t kToNodeAt = frame::kHeaderBytes + 6;
constexpr std::size_t kToPortAt = frame::kHeaderBytes + 10;

std::string errno_text(std::string what, int err) {
  return what.append(": ").append(std::strerror(err));
}

std::optional<sockaddr_in> ipv4(const TcpPeer& p) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(p.port);
  if (::inet_pton(AF_INET, p.host.c_str(), &a.sin_addr) != 1) return std::nullopt;
  return a;
}

std::string describe(const TcpPeer& p) {
  return std::string(p.host).append(":").append(std::to_string(p.port));
}

void close_fd(int fd) {
  // Nothing can be done about a failed close of a socket: the descriptor is gone anyway.
  (void)::close(fd);
}

}  // namespace

// --- receive buffers, connections, endpoints -----------------------------------------------

// The bytes read from an incoming connection and not yet split into frames.
class TcpNetwork::RecvBuffer {
 public:
  std::span<const std::byte> bytes() const { return {buf_.data() + head_, tail_ - head_}; }
  bool empty() const { return head_ == tail_; }
  void consume(std::size_t n) {
    AURORA_ASSERT(n <= tail_ - head_, "consuming bytes the buffer does not hold");
    head_ += n;
    if (head_ != tail_) return;
    head_ = tail_ = 0;
    if (buf_.size() > kKeepBuffer) std::vector<std::byte>().swap(buf_);
  }
  // Space for at least `want` more bytes after those held.
  std::span<std::byte> room(std::size_t want) {
    if (buf_.size() - tail_ < want && head_ > 0) {
      std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
      tail_ -= head_;
      head_ = 0;
    }
    if (buf_.size() - tail_ < want) buf_.resize(tail_ + want);
    return {buf_.data() + tail_, buf_.size() - tail_};
  }
  void commit(std::size_t n) { tail_ += n; }

 private:
  std::vector<std::byte> buf_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

struct TcpNetwork::Conn {
  int fd = -1;
  bool outgoing = false;
  NodeId node = 0;            // outgoing: the destination
  bool connecting = false;    // outgoing: connect() is still under way
  std::uint32_t events = 0;   // what epoll watches it for; 0 before it is registered
  std::deque<std::vector<std::byte>> queue;  // outgoing: frames not yet written whole
  std::size_t written = 0;                   // bytes of queue.front() already written
  std::size_t queued_bytes = 0;
  RecvBuffer in;  // incoming
};

class TcpNetwork::TcpEndpoint final : public Endpoint {
 public:
  TcpEndpoint(TcpNetwork& net, Address address)
      : net_(&net), sched_(net.sched_), address_(address) {}
  ~TcpEndpoint() override {
    if (net_ != nullptr) net_->unbind(address_.port);
  }

  Address address() const override { return address_; }
  const EndpointStats& stats() const override { return stats_; }

  Status send(Address to, std::span<const std::byte> payload) override {
    if (net_ == nullptr) return closed();
    AURORA_RETURN_IF_ERROR(net_->send(address_, to, payload));
    ++stats_.sent;
    return Status::ok();
  }

  Result<Message> receive(Nanos deadline) override {
    while (queue_.empty()) {
      if (net_ == nullptr) return closed();
      if (!waiters_.wait(sched_, "a message", deadline) && queue_.empty()) {
        return Status::timeout(std::string("no message for ").append(to_string(address_))
                                   .append(" in time"));
      }
    }
    Message m = std::move(queue_.front());
    queue_.pop_front();
    ++stats_.received;
    return m;
  }

  // Queues a message for receive(); false (it is dropped) when `bound` already wait.
  // Sets `woke` when a fiber waiting for it became runnable.
  bool push(Message m, std::size_t bound, bool& woke) {
    if (queue_.size() >= bound) return false;
    queue_.push_back(std::move(m));
    if (waiters_.notify_one(sched_) != 0) woke = true;
    return true;
  }
  void count_rejected() { ++stats_.rejected; }
  // The network goes away: what is queued can still be received, then receive() fails.
  void detach() {
    net_ = nullptr;
    waiters_.notify_all(sched_);
  }

 private:
  Status closed() const {
    return Status::stopped(std::string("the network of ").append(to_string(address_))
                               .append(" is closed"));
  }

  TcpNetwork* net_;
  Scheduler& sched_;
  Address address_;
  std::deque<Message> queue_;
  WaitQueue waiters_;
  EndpointStats stats_;
};

// --- opening and closing -------------------------------------------------------------------

Result<std::unique_ptr<TcpNetwork>> TcpNetwork::open(RealRuntime& rt, PeerTable peers,
                                                     TcpOptions options) {
  AURORA_ASSERT(rt.time().poller() == nullptr, "a second network on one real runtime");
  AURORA_ASSERT(options.max_queued_bytes >= frame::kHeaderBytes + frame::kAddressBytes +
                                                frame::kMaxPayload,
                "a queue bound under the largest frame would drop every large message");
  const NodeId self = rt.node();
  if (peers.count(self) == 0) {
    return Status::invalid_argument(std::string("the peer table has no entry for node ")
                                        .append(std::to_string(self)));
  }
  for (const auto& [node, peer] : peers) {
    if (!ipv4(peer)) {
      return Status::invalid_argument(std::string("node ").append(std::to_string(node))
                                          .append(": '").append(peer.host)
                                          .append("' is no IPv4 address"));
    }
  }
  std::unique_ptr<TcpNetwork> net(new TcpNetwork(rt, std::move(peers), options));
  AURORA_RETURN_IF_ERROR(net->listen());
  rt.time().set_poller(net.get());
  rt.attach_network(net.get());
  TcpNetwork* n = net.get();
  net->io_fiber_ = rt.scheduler().spawn(self, "net.io", [n] { n->io_loop(); }, /*daemon=*/true);
  return net;
}

TcpNetwork::TcpNetwork(RealRuntime& rt, PeerTable peers, TcpOptions options)
    : rt_(rt), sched_(rt.scheduler()), self_(rt.node()), peers_(std::move(peers)),
      options_(options) {}

Status TcpNetwork::listen() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status::io_error(errno_text("epoll_create1", errno));
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::io_error(errno_text("socket", errno));
  // A restarted process takes its port back while its old connections linger in TIME_WAIT.
  const int one = 1;
  if (::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    return Status::io_error(errno_text("setsockopt SO_REUSEADDR", errno));
  }
  const TcpPeer& mine = peers_.at(self_);
  const sockaddr_in addr = *ipv4(mine);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return Status::io_error(errno_text(std::string("bind ").append(describe(mine)), errno));
  }
  if (::listen(listen_fd_, SOMAXCONN) != 0) {
    return Status::io_error(errno_text(std::string("listen ").append(describe(mine)), errno));
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    return Status::io_error(errno_text("getsockname", errno));
  }
  listen_port_ = ntohs(bound.sin_port);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerToken;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) {
    return Status::io_error(errno_text("epoll_ctl", errno));
  }
  return Status::ok();
}

TcpNetwork::~TcpNetwork() {
  if (rt_.network() == this) rt_.attach_network(nullptr);
  if (rt_.time().poller() == this) rt_.time().set_poller(nullptr);
  if (io_fiber_ != 0 && sched_.current() != io_fiber_) sched_.kill(io_fiber_);
  for (auto& [port, ep] : endpoints_) ep->detach();
  endpoints_.clear();
  for (auto& [token, c] : conns_) close_fd(c->fd);
  conns_.clear();
  if (listen_fd_ >= 0) close_fd(listen_fd_);
  if (epoll_fd_ >= 0) close_fd(epoll_fd_);
}

// --- endpoints -----------------------------------------------------------------------------

Result<std::unique_ptr<Endpoint>> TcpNetwork::bind(NodeId node, Port port) {
  AURORA_ASSERT(node == self_, "binding a port of another node: a TcpNetwork is one node's");
  if (port == 0) {
    // The next free ephemeral port, in order, wrapping round: a port just given up is the
    // last to be handed out again, so a late message for it is unlikely to find a new owner.
    for (std::uint32_t tries = 0; tries <= 65535u - kFirstEphemeral && port == 0; ++tries) {
      const Port p = next_port_;
      next_port_ = p == 65535 ? kFirstEphemeral : static_cast<Port>(p + 1);
      if (endpoints_.count(p) == 0) port = p;
    }
    if (port == 0) {
      return Status::busy(std::string("no free port on node ").append(std::to_string(self_)));
    }
  }
  if (endpoints_.count(port) != 0) {
    return Status::already_exists(std::string("port ").append(to_string({self_, port}))
                                      .append(" is bound"));
  }
  auto ep = std::make_unique<TcpEndpoint>(*this, Address{self_, port});
  endpoints_[port] = ep.get();
  return std::unique_ptr<Endpoint>(std::move(ep));
}

void TcpNetwork::unbind(Port port) { endpoints_.erase(port); }

Status TcpNetwork::set_peer(NodeId node, TcpPeer peer) {
  if (node == self_) {
    return Status::invalid_argument("this process's own entry is where it listens: fixed");
  }
  if (!ipv4(peer)) {
    return Status::invalid_argument(std::string("'").append(peer.host)
                                        .append("' is no IPv4 address"));
  }
  auto it = peers_.find(node);
  if (it != peers_.end() && it->second.host == peer.host && it->second.port == peer.port) {
    return Status::ok();
  }
  peers_[node] = std::move(peer);
  if (auto out = outgoing_.find(node); out != outgoing_.end()) close_conn(out->second);
  return Status::ok();
}

// --- sending -------------------------------------------------------------------------------

Status TcpNetwork::send(Address from, Address to, std::span<const std::byte> payload) {
  if (payload.size() > frame::kMaxPayload) {
    return Status::invalid_argument(std::string("a message of ")
                                        .append(std::to_string(payload.size()))
                                        .append(" bytes is over the frame's bound"));
  }
  if (to.node == self_) {
    ++stats_.local;
    deliver(Message{from, to, std::vector<std::byte>(payload.begin(), payload.end())});
    return Status::ok();
  }
  // From here on a failure loses the message, which the network may do: the caller learns
  // of it only as a missing answer, as it would of a message lost on the way.
  std::uint64_t token = 0;
  Conn* c = connection_to(to.node, token);
  if (c == nullptr) {
    ++stats_.dropped;
    return Status::ok();
  }
  const std::size_t size = frame::kHeaderBytes + frame::kAddressBytes + payload.size();
  if (c->queued_bytes + size > options_.max_queued_bytes) {
    ++stats_.dropped;
    return Status::ok();
  }
  // Frames already waiting mean the kernel's buffer was full: EPOLLOUT says when it is not.
  const bool write_now = !c->connecting && c->queue.empty();
  c->queue.push_back(frame::encode(from, to, payload));
  c->queued_bytes += size;
  ++stats_.sent;
  if (write_now) flush(token, *c);
  return Status::ok();
}

TcpNetwork::Conn* TcpNetwork::connection_to(NodeId node, std::uint64_t& token) {
  if (auto it = outgoing_.find(node); it != outgoing_.end()) {
    token = it->second;
    return conns_.at(token).get();
  }
  auto peer = peers_.find(node);
  if (peer == peers_.end()) return nullptr;
  const std::optional<sockaddr_in> addr = ipv4(peer->second);
  AURORA_ASSERT(addr.has_value(), "a peer's host was checked when its entry was set");
  ++stats_.connects;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ++stats_.connect_failures;
    return nullptr;
  }
  // A frame is a whole message, written at once: nothing is gained by waiting for more.
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  bool connecting = false;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    if (errno != EINPROGRESS) {
      close_fd(fd);
      ++stats_.connect_failures;
      return nullptr;
    }
    connecting = true;
  }
  token = next_token_++;
  auto conn = std::make_unique<Conn>();
  conn->fd = fd;
  conn->outgoing = true;
  conn->node = node;
  conn->connecting = connecting;
  Conn* c = conn.get();
  conns_.emplace(token, std::move(conn));
  outgoing_[node] = token;
  // Readable, on a connection nobody writes to from the far end, means the peer closed it;
  // writable ends a connect under way.
  if (!watch(token, *c, EPOLLIN | EPOLLRDHUP | (connecting ? EPOLLOUT : 0u))) {
    ++stats_.connect_failures;
    close_conn(token);
    return nullptr;
  }
  return c;
}

void TcpNetwork::flush(std::uint64_t token, Conn& c) {
  while (!c.queue.empty()) {
    std::array<iovec, kMaxIov> iov{};
    std::size_t n = 0;
    for (auto it = c.queue.begin(); it != c.queue.end() && n < kMaxIov; ++it, ++n) {
      const std::size_t skip = n == 0 ? c.written : 0;
      iov[n].iov_base = it->data() + skip;
      iov[n].iov_len = it->size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n;
    // MSG_NOSIGNAL: a peer gone is an error to handle here, not a SIGPIPE for the process.
    const ssize_t w = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_conn(token);  // what it had queued is lost
      return;
    }
    for (std::size_t left = static_cast<std::size_t>(w); left > 0;) {
      const std::size_t rest = c.queue.front().size() - c.written;
      if (left < rest) {
        c.written += left;
        break;
      }
      left -= rest;
      c.queued_bytes -= c.queue.front().size();
      c.queue.pop_front();
      c.written = 0;
    }
  }
  if (!watch(token, c, EPOLLIN | EPOLLRDHUP | (c.queue.empty() ? 0u : EPOLLOUT))) {
    close_conn(token);
  }
}

bool TcpNetwork::watch(std::uint64_t token, Conn& c, std::uint32_t events) {
  if (c.events == events) return true;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  const int op = c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (::epoll_ctl(epoll_fd_, op, c.fd, &ev) != 0) return false;
  c.events = events;
  return true;
}

void TcpNetwork::close_conn(std::uint64_t token) {
  auto it = conns_.find(token);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  // Deregistered by hand: a forked child sharing the socket would keep it registered.
  if (c.events != 0) (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close_fd(c.fd);
  if (c.outgoing) {
    stats_.dropped += c.queue.size();  // a frame cut short is discarded by the receiver
    outgoing_.erase(c.node);
  } else {
    --incoming_;
  }
  conns_.erase(it);
}

// --- polling -------------------------------------------------------------------------------

bool TcpNetwork::poll(Nanos timeout) {
  Nanos wait = timeout;
  if (listener_paused_) {
    const Nanos until_retry = accept_retry_at_ - sched_.now();
    if (until_retry <= 0) {
      watch_listener(true);
    } else {
      wait = std::min(wait, until_retry);
    }
  }
  std::array<epoll_event, kMaxEvents> events{};
  const int n = wait_ready(events.data(), kMaxEvents, wait);
  woke_ = false;
  for (int i = 0; i < n; ++i) {
    const epoll_event& e = events[static_cast<std::size_t>(i)];
    const std::uint64_t token = e.data.u64;
    if (token == kListenerToken) {
      on_listener();
      continue;
    }
    auto it = conns_.find(token);
    if (it == conns_.end()) continue;  // closed while an earlier event of this batch was handled
    if (it->second->outgoing) {
      on_outgoing(token, e.events);
    } else {
      on_incoming(token, e.events);
    }
  }
  last_poll_ = sched_.now();
  // The scheduler's idle wait is over (a fiber woke, or its timer is due): fibers are about
  // to run, and the daemon must be among them to service the sockets while they do.
  if (timeout > 0 && parked_ && (woke_ || (n == 0 && wait == timeout))) {
    sched_.wake(io_fiber_);
    woke_ = true;
  }
  return woke_;
}

int TcpNetwork::wait_ready(void* events, int capacity, Nanos timeout) {
  auto* ev = static_cast<epoll_event*>(events);
  int n = 0;
  if (timeout <= 0) {
    n = ::epoll_wait(epoll_fd_, ev, capacity, 0);
  } else {
    if (have_pwait2_) {
      const timespec ts{static_cast<time_t>(timeout / kSecond),
                        static_cast<long>(timeout % kSecond)};
      n = ::epoll_pwait2(epoll_fd_, ev, capacity, &ts, nullptr);
      if (n < 0 && errno == ENOSYS) have_pwait2_ = false;
    }
    if (!have_pwait2_) {
      // Whole milliseconds, rounded up: waking before the timer would only wait again.
      const Nanos ms = timeout / kMillisecond + (timeout % kMillisecond != 0 ? 1 : 0);
      n = ::epoll_wait(epoll_fd_, ev, capacity, static_cast<int>(std::min<Nanos>(ms, INT_MAX)));
    }
  }
  // A signal may cut the wait short (n < 0, EINTR): the caller waits again.
  AURORA_ASSERT(n >= 0 || errno == EINTR, errno_text("epoll_wait", errno));
  return n;
}

void TcpNetwork::io_loop() {
  for (;;) {
    if (sched_.now() - last_poll_ >= options_.busy_poll_interval) poll(0);
    const std::uint64_t before = sched_.steps();
    sched_.yield();
    if (sched_.steps() - before > 1) {
      // Others ran, and may run on without a pause: come back to the sockets in a while.
      // A timer, not a yield per round of the run queue, so busy fibers pay next to nothing.
      sched_.sleep_for(options_.busy_poll_interval);
      continue;
    }
    // Nobody else was runnable: the scheduler is about to wait in epoll. Park until that
    // wait ends (poll() wakes us), or `idle_park` at the latest: the timer that keeps a
    // process whose fibers all wait on the network from looking deadlocked.
    parked_ = true;
    (void)sched_.block("network idle", sched_.now() + options_.idle_park);
    parked_ = false;
  }
}

void TcpNetwork::on_listener() {
  for (int i = 0; i < kAcceptBudget; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors or memory: the connection stays in the backlog, and the
      // listener stays readable. Stop watching it for a while, or every wait would return
      // at once and spin.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        watch_listener(false);
        accept_retry_at_ = sched_.now() + kAcceptRetry;
      }
      return;  // none left (EAGAIN)
    }
    if (incoming_ >= options_.max_incoming) {
      close_fd(fd);
      ++stats_.refused;
      continue;
    }
    const std::uint64_t token = next_token_++;
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    Conn* c = conn.get();
    conns_.emplace(token, std::move(conn));
    ++incoming_;
    ++stats_.accepted;
    if (!watch(token, *c, EPOLLIN | EPOLLRDHUP)) close_conn(token);
  }
}

void TcpNetwork::watch_listener(bool on) {
  epoll_event ev{};
  ev.events = on ? EPOLLIN : 0u;
  ev.data.u64 = kListenerToken;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev) == 0) listener_paused_ = !on;
}

void TcpNetwork::on_outgoing(std::uint64_t token, std::uint32_t ready) {
  Conn& c = *conns_.at(token);
  if (c.connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0 || (ready & (EPOLLERR | EPOLLHUP)) != 0) {
      ++stats_.connect_failures;
      close_conn(token);
      return;
    }
    c.connecting = false;
  }
  // The far end never writes on this connection: readable means it closed or reset it (or
  // broke the protocol). Either way the connection is over; the next send makes another.
  if ((ready & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    close_conn(token);
    return;
  }
  flush(token, c);
}

void TcpNetwork::on_incoming(std::uint64_t token, std::uint32_t /*ready*/) {
  // Level-triggered: reading tells everything (bytes, the end of the stream, an error), and
  // what is left past the budget is reported again by the next poll.
  Conn& c = *conns_.at(token);
  for (std::size_t budget = kReadBudget; budget > 0;) {
    // Room for the rest of a large frame at once, when its header has come.
    std::size_t want = kReadChunk;
    const std::span<const std::byte> held = c.in.bytes();
    if (Result<std::optional<std::size_t>> next = frame::size_of_next(held);
        next.is_ok() && next->has_value() && **next > held.size()) {
      want = std::max(want, **next - held.size());
    }
    const std::span<std::byte> room = c.in.room(want);
    const ssize_t r = ::read(c.fd, room.data(), room.size());
    if (r > 0) {
      const auto got = static_cast<std::size_t>(r);
      c.in.commit(got);
      budget -= std::min(budget, got);
      if (!split_frames(token, c)) return;
      // A short read emptied the socket: asking again would only return EAGAIN, and
      // whatever comes next (bytes, or the end) makes the next poll report it.
      if (got < room.size()) return;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // The peer closed the stream (r == 0), or it broke: a frame cut short delivers nothing.
    if (!c.in.empty()) ++stats_.truncated;
    close_conn(token);
    return;
  }
}

bool TcpNetwork::split_frames(std::uint64_t token, Conn& c) {
  for (;;) {
    const std::span<const std::byte> held = c.in.bytes();
    Result<std::optional<std::size_t>> size = frame::size_of_next(held);
    if (!size.is_ok()) {
      // A length out of bounds: where this frame ends, and the next begins, is lost, and
      // nothing in it (its receiver's address neither) can be believed.
      ++stats_.rejected;
      close_conn(token);
      return false;
    }
    if (!size->has_value() || **size > held.size()) return true;
    const std::span<const std::byte> whole = held.first(**size);
    Result<Message> m = frame::decode(whole);
    if (!m.is_ok()) {
      reject(whole);
      close_conn(token);
      return false;
    }
    ++stats_.received;
    c.in.consume(whole.size());
    deliver(std::move(m).value());
  }
}

void TcpNetwork::reject(std::span<const std::byte> f) {
  // The frame failed its checksum, so the receiver it names may be damaged too: it only
  // decides whose count goes up, never where anything is delivered.
  const auto node = coding::get<std::uint32_t>(f, kToNodeAt);
  const auto port = coding::get<std::uint16_t>(f, kToPortAt);
  auto it = endpoints_.find(port);
  if (node == self_ && it != endpoints_.end()) {
    it->second->count_rejected();
  } else {
    ++stats_.rejected;
  }
}

void TcpNetwork::deliver(Message m) {
  auto it = m.to.node == self_ ? endpoints_.find(m.to.port) : endpoints_.end();
  if (it == endpoints_.end()) {
    ++stats_.unroutable;
    return;
  }
  if (!it->second->push(std::move(m), options_.max_endpoint_queue, woke_)) ++stats_.dropped;
}

}  // namespace aurora
