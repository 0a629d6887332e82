#include "tools/sim/real_command.h"

#include <filesystem>
#include <iostream>

#include "tools/sim/real_cluster.h"

namespace aurora::tools {

int real_command(RealRunOptions o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.data_dir, ec)) {
    if (!fs::is_directory(o.data_dir, ec) || !fs::is_empty(o.data_dir, ec)) {
      std::cerr << "sim real: --data-dir '" << o.data_dir
                << "' must be an empty directory or not exist: the check starts from a new "
                   "volume (nothing there is touched)\n";
      return 2;
    }
  } else if (!fs::create_directories(o.data_dir, ec)) {
    std::cerr << "sim real: cannot create --data-dir '" << o.data_dir << "': " << ec.message() << "\n";
    return 2;
  }
  std::cout << "real: data_dir=" << o.data_dir << " kills=" << o.kills << " seed=" << o.seed
            << " spec=" << o.spec.name << " compute_nodes=" << o.spec.workload.compute_nodes
            << " durability=" << o.spec.storage.durability << " kill after "
            << o.min_before_kill / kMillisecond << ".." << o.max_before_kill / kMillisecond
            << " ms" << (o.processes ? " processes: storage and each compute node, over TCP" : "")
            << "\n";
  const RealRunReport r = o.processes ? run_real_cluster(o, std::cout) : run_real(o, std::cout);
  for (const workloads::Violation& v : r.violations) {
    std::cout << "VIOLATION " << v.invariant << ": " << v.message << "\n";
  }
  std::cout << "kills: " << r.kills << "  recoveries checked: " << r.recoveries
            << "  appended: " << r.appended << "  acknowledged: " << r.acknowledged
            << "  reads checked: " << r.reads_checked;
  if (o.processes) {
    std::cout << "  compute kills: " << r.compute_kills << "  outcomes unknown: " << r.unknown;
  }
  std::cout << "\n";
  std::cout << "crash-recover cycles: " << r.kills << " in " << r.wall_s << " s = "
            << r.cycles_per_s() << " per second\n";
  std::cout << "result: " << (r.violations.empty() ? "pass" : "fail") << "\n";
  return r.violations.empty() ? 0 : 1;
}

}  // namespace aurora::tools
