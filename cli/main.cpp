// SPDX-License-Identifier: GPL-2.0-only
// svsmctl: diagnose AMD SEV-SNP guests running under an SVSM.
#include <cstdio>
#include <exception>

#include "run.hpp"

int main(int argc, char **argv) noexcept {
  try {
    return svsmctl::run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "svsmctl: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "svsmctl: internal error\n");
  }
  return svsmctl::exit_failure;
}
