#include "tools/shell/viz_net.h"

#include <charconv>

namespace aurora::shell {
namespace {

const Field* find(std::span<const Field> fields, std::string_view key) {
  for (const Field& f : fields) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

// A number field (a missing one reads as 0); an int's bits as they are (-1: none).
std::uint64_t u(std::span<const Field> fields, std::string_view key) {
  const Field* f = find(fields, key);
  return f == nullptr || f->type == Field::Type::kStr ? 0 : f->u;
}

std::string_view s(std::span<const Field> fields, std::string_view key) {
  const Field* f = find(fields, key);
  return f == nullptr || f->type != Field::Type::kStr ? std::string_view() : f->s;
}

// "1,2,3" (sim/sim_net.cc's lists of nodes) as numbers.
std::vector<std::uint64_t> numbers(std::string_view list) {
  std::vector<std::uint64_t> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc() && end == item.data() + item.size()) out.push_back(v);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return out;
}

constexpr std::uint64_t kWholeNode = static_cast<std::uint64_t>(-1);  // net.clog's to = -1

}  // namespace

bool NetView::follows(std::string_view kind) {
  return kind == "shell.net_node" || kind.starts_with("net.");
}

void NetView::follow(const Event& e) {
  const std::span<const Field> f = e.fields;
  const std::string_view k = e.kind;
  if (k == "shell.net_node") {
    nodes_[u(f, "id")] = Node{std::string(s(f, "node")), std::string(s(f, "zone"))};
  } else if (k == "net.send") {
    flights_[u(f, "id")] = Flight{u(f, "from"), u(f, "to"), 1};
  } else if (k == "net.duplicate") {
    if (auto it = flights_.find(u(f, "id")); it != flights_.end()) ++it->second.copies;
  } else if (k == "net.deliver" || k == "net.drop" || k == "net.reject") {
    auto it = flights_.find(u(f, "id"));
    if (it != flights_.end() && --it->second.copies == 0) flights_.erase(it);
  } else if (k == "net.partition") {
    const std::vector<std::uint64_t> from = numbers(s(f, "from"));
    const std::vector<std::uint64_t> to = numbers(s(f, "to"));
    const bool both_ways = u(f, "both_ways") != 0;
    cut_.clear();
    for (const std::uint64_t a : from) {
      for (const std::uint64_t b : to) {
        if (a == b) continue;
        cut_.insert({a, b});
        if (both_ways) cut_.insert({b, a});
      }
    }
    partition_ = Partition{std::string(s(f, "kind")), names(s(f, "from")), names(s(f, "to")),
                           both_ways, static_cast<Nanos>(u(f, "until"))};
  } else if (k == "net.heal") {
    cut_.clear();
    partition_.reset();
  } else if (k == "net.clog") {
    const auto until = static_cast<Nanos>(u(f, "until"));
    if (u(f, "to") == kWholeNode) {
      node_clogs_[u(f, "from")] = until;
    } else {
      link_clogs_[{u(f, "from"), u(f, "to")}] = until;
    }
  } else if (k == "net.unclog") {
    link_clogs_.clear();
    node_clogs_.clear();
  }
}

std::string NetView::name(std::uint64_t node) const {
  const auto it = nodes_.find(node);
  return it != nodes_.end() ? it->second.name : std::string("n").append(std::to_string(node));
}

std::string NetView::link_of(std::uint64_t message) const {
  const auto it = flights_.find(message);
  if (it == flights_.end()) return {};
  return name(it->second.from).append(" -> ").append(name(it->second.to));
}

std::vector<std::string> NetView::names(std::string_view list) const {
  std::vector<std::string> out;
  for (const std::uint64_t n : numbers(list)) out.push_back(name(n));
  return out;
}

bool NetView::cut(std::uint64_t from, std::uint64_t to, Nanos now) const {
  return partition_ && now < partition_->until && cut_.count({from, to}) != 0;
}

bool NetView::clogged(std::uint64_t from, std::uint64_t to, Nanos now) const {
  const auto held = [now](const auto& clogs, const auto& key) {
    const auto it = clogs.find(key);
    return it != clogs.end() && now < it->second;
  };
  return held(link_clogs_, std::make_pair(from, to)) || held(node_clogs_, from) ||
         held(node_clogs_, to);
}

std::vector<NetView::Link> NetView::links(Nanos now) const {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> load;
  for (const auto& [id, flight] : flights_) load[{flight.from, flight.to}] += flight.copies;
  std::vector<Link> out;
  for (const auto& [a, node_a] : nodes_) {
    for (const auto& [b, node_b] : nodes_) {
      if (a == b) continue;
      const auto it = load.find({a, b});
      out.push_back(Link{node_a.name, node_b.name, cut(a, b, now), clogged(a, b, now),
                         it == load.end() ? 0 : it->second});
    }
  }
  return out;
}

std::optional<NetView::Partition> NetView::partition(Nanos now) const {
  if (!partition_ || now >= partition_->until) return std::nullopt;
  return partition_;
}

std::string NetView::nodes() const {
  std::string out;
  for (const auto& [id, n] : nodes_) {
    out.append(out.empty() ? "" : ", ").append(n.name).append(" (zone ").append(n.zone).append(")");
  }
  return out;
}

}  // namespace aurora::shell
