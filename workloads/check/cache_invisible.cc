// 4.9: caches are invisible: reads with every cache cold give the same bytes as with
// caches warm, and both equal the model's replay.
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class CacheInvisible final : public Checker {
 public:
  std::string_view name() const override { return "cache_invisible"; }
  std::string_view invariant() const override {
    return "4.9: Caches are invisible: reads with every cache cold give the same bytes.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* c = std::get_if<obs::ColdWarm>(&o);
    if (c == nullptr) return std::nullopt;
    const std::string what = "page " + std::to_string(c->page) + " at LSN " + std::to_string(c->at);
    if (c->warm != c->cold) {
      const std::size_t at = *first_difference(c->cold, c->warm);
      return what + ": the warm-cache read differs from the cold-cache read at byte " +
             std::to_string(at) + ": expected (cold) [" + hex_around(c->cold, at) +
             "], got (warm) [" + hex_around(c->warm, at) + "]";
    }
    if (c->at < model.horizon()) return below_horizon("a cold-cache read of " + what, model);
    const Bytes& expected = model.page_at(c->page, c->at);
    if (c->warm == expected) return std::nullopt;
    return what + ": warm and cold reads agree but differ from the model's replay; " +
           describe_page_difference(model, c->page, c->at, expected, c->warm);
  }
};

}  // namespace

std::unique_ptr<Checker> make_cache_invisible() { return std::make_unique<CacheInvisible>(); }

}  // namespace aurora::workloads::check
