// SPDX-License-Identifier: GPL-2.0-only
// svsmctl's entry point and exit statuses: all that main() needs, without
// CLI11 (whose headers construct a set of validators in every file that
// includes them, at start-up).
#pragma once

namespace svsmctl {

// Documented in svsmctl(8), EXIT STATUS. check uses the Nagios codes instead.
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,      // anything else that went wrong
  exit_usage = 2,        // bad command line
  exit_not_svsm = 3,     // this is not a guest running under an SVSM
  exit_unavailable = 4,  // module missing, device missing, or not privileged
  exit_svsm_error = 5,   // the SVSM call failed or was not serviced
  exit_unverified = 6,   // verify, attest --verify: nothing failed, but the report is unsigned
};

// The whole program, without exit(): returns the exit status.
int run(int argc, char **argv);

// A line that only asks for the version ("svsmctl --version" or "-V"), and
// its answer on stdout, with the exit status. Neither needs C++ static
// initialisation: main.cpp answers before it.
bool asks_version(int argc, char **argv);
int print_version();

}  // namespace svsmctl
