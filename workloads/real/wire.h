// Observations as JSON lines: how a `sim real` incarnation (a child process that may be
// killed at any instant) tells the checking parent what it did. One line per observation,
// written with one write(2) of at most PIPE_BUF bytes, so a kill never leaves half of one;
// a line cut short anyway (no newline) is dropped by the reader.
//
//   {"o":"appended","node":"c0","first":5,"cpl":7,"vdl":4,"lal":100,
//    "writes":[[page,offset,"hexbytes"],...]}
//   {"o":"acked","node":"c0","cpl":7,"vdl":7}
//   {"o":"read","node":"c0","page":3,"at":7,"rp":true,"bytes":"hex"} or "error":"corruption"
//   {"o":"recovered","fresh":false,"epoch":2,"vcl":9,"vdl":7,"watermark":7,
//    "annul_from":8,"annul_to":107,"next_lsn":108}  or  {"o":"recovered","corruption":"..."}
//   {"o":"annulled","from":8,"to":107,"epoch":2,"watermark":7}
//   (with `sim real --processes`, from the compute processes:)
//   {"o":"session_started","node":"c0"}
//   {"o":"committed","node":"c0","cpl":7,"mtr":"n2.7.3"}   (an appended line carries "mtr" too)
//   {"o":"commit_unknown","node":"c0","mtr":"n2.7.4","error":"Timeout: ..."}
//   {"o":"commit_refused","node":"c0","mtr":"n2.7.5","error":"InvalidArgument: ..."}
//   {"o":"ready"}   (recovery checked: the parent may kill from now on)
#pragma once

#include <optional>
#include <string>

#include "workloads/check/history.h"

namespace aurora::workloads::real {

// The observation as one line, newline included.
std::string encode_observation(const check::Observation& o);
inline const std::string kReadyLine = "{\"o\":\"ready\"}\n";

// One decoded line: an observation, or the ready marker.
struct WireLine {
  std::optional<check::Observation> observation;
  bool ready = false;
};
// nullopt when the line is not one encode_observation writes (`error` says why).
std::optional<WireLine> decode_line(const std::string& line, std::string& error);

}  // namespace aurora::workloads::real
