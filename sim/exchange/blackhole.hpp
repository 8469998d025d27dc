// exchange-sim --mode blackhole: a silent peer, for testing TestRequest-based
// dead-peer detection. It accepts TCP connections on 127.0.0.1, answers each
// Logon with a hand-built Logon (MsgSeqNum 1, CompIDs swapped, HeartBtInt
// echoed) and then never sends another byte while reading and discarding
// everything. QuickFIX cannot be told to stop heartbeating, hence raw sockets.
#pragma once

namespace riskgate {
namespace sim {

// Prints "exchange-sim listening on port N" once bound, then one line per
// event ("... blackhole logon answered ...", "... blackhole peer closed after
// X.Xs"). Returns the process exit code. Runs until SIGINT/SIGTERM or
// run_seconds (> 0) elapse.
int run_blackhole(int port, double run_seconds);

}  // namespace sim
}  // namespace riskgate
