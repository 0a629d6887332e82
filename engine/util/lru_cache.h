// A bounded least-recently-used map: the page cache of the storage and the buffer pool
// of each compute node. Iteration order never leaks out (lookups and inserts only).
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <utility>

namespace aurora {

template <typename Key, typename Value>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}

  // The cached value, now the most recently used; nullptr when absent.
  const Value* get(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  // Inserts (a present key keeps its value), evicting the least recently used entry
  // beyond capacity. A capacity of 0 caches nothing.
  void put(const Key& key, Value value) {
    if (capacity_ == 0 || index_.count(key) != 0) return;
    order_.emplace_front(key, std::move(value));
    index_[key] = order_.begin();
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  void clear() {
    order_.clear();
    index_.clear();
  }
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::list<std::pair<Key, Value>> order_;  // front = most recently used
  std::map<Key, typename std::list<std::pair<Key, Value>>::iterator> index_;
};

}  // namespace aurora
