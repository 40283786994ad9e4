// SPDX-License-Identifier: GPL-2.0-only
// svsmctl: diagnose AMD SEV-SNP guests running under an SVSM.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "run.hpp"

#ifdef __GLIBC__
// 'svsmctl --version' answers from the first ELF constructor, before C++
// static initialisation: the iostreams CLI11's headers set up cost more than
// the rest of the answer (docs/benchmarks.md). glibc, unlike the C and C++
// standards, passes main()'s arguments to constructors.
__attribute__((constructor(101))) static void answer_version_early(int argc, char **argv) {
  if (svsmctl::asks_version(argc, argv)) ::_exit(svsmctl::print_version());
}
#endif

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
