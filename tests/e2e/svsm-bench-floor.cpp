// SPDX-License-Identifier: GPL-2.0-only
// The start-up floor of a C++ program linked the way svsmctl is (libstdc++
// as SVSMCTL_STATIC_CXX says): one line built with std::string, nothing else.
// bench/bench.py runs it beside `svsmctl --version`.
#include <cstdio>
#include <string>

int main(int argc, char **argv) {
  std::string line = "svsm-bench-floor ";
  line += argc > 1 ? argv[1] : "0";
  std::puts(line.c_str());
  return 0;
}
