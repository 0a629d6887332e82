// The examples' checker: a model of every put attempted and acknowledged, kept outside the
// store's node so crashes do not touch it, and sharing no code with the stores.
//
// After a recovery, for every key, the recovered value must be the value of the key's
// last acknowledged put, or the value of a put of that key attempted after it (a put in
// flight at the crash, or one that failed, may or may not have survived). A key never
// acknowledged may be absent or hold the value of any put of it attempted so far.
// Anything else is a lost acknowledged put (or a value no put wrote).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aurora::examples {

class DurabilityModel {
 public:
  // Put number `op` (1, 2, ... in issue order) of `value` under `key` was issued.
  void attempted(std::uint64_t op, std::uint32_t key, std::uint32_t value);
  // Put number `op`, attempted before, returned OK.
  void acknowledged(std::uint64_t op);

  // nullopt when `recovered` is allowed for `key`, else what is wrong, naming the key,
  // the values and the put numbers: "key 3: acknowledged value 17 (put #42) lost;
  // recovered 9 (put #12)".
  std::optional<std::string> check(std::uint32_t key, std::optional<std::uint32_t> recovered) const;

  // The last acknowledged put's value of `key`, if any.
  std::optional<std::uint32_t> acknowledged_value(std::uint32_t key) const;

 private:
  struct Put {
    std::uint64_t op = 0;
    std::uint32_t value = 0;
    bool acknowledged = false;
  };
  // Every put of each key, in issue order.
  std::map<std::uint32_t, std::vector<Put>> puts_;
  // The key of every attempted put, by put number.
  std::map<std::uint64_t, std::uint32_t> key_of_;
};

}  // namespace aurora::examples
