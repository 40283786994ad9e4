// SPDX-License-Identifier: GPL-2.0-only
// Reading the small files of /proc and /sys: open() and read(), no streams
// (whose code a command that reads a few files would otherwise load and run:
// docs/benchmarks.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace svsm::detail {

// Contents of a file, or the errno that stopped us.
struct ReadResult {
  std::optional<std::string> text;
  int error = 0;
};

// With @until, reading stops once the text holds it, in pieces small enough
// that a seq_file (/proc/cpuinfo: a record per CPU) makes little more than
// the records read.
ReadResult read_file(const std::string &p, std::string_view until = {});

// The first line, without its newline; nothing for an empty or unreadable file.
std::optional<std::string> read_line(const std::string &p);

// Paths on status's way are strings, joined here and stat()ed: no
// std::filesystem, whose path parsing was a third of the code status's
// probes ran (a profile in the TCG guest).

// @abs (absolute) in the tree at @root; root "/" (or "") is the real system.
std::string under(std::string_view root, std::string_view abs);

// @dir / @name as std::filesystem::path's operator/ makes it on Linux.
std::string join(std::string_view dir, std::string_view name);

// What stat() says of a path. ENOENT and ENOTDIR are no error, only absent
// (as std::filesystem::exists() has it); any other errno is an error.
struct PathKind {
  bool exists = false;
  bool directory = false;
  int error = 0;
};
PathKind path_kind(const std::string &p);

}  // namespace svsm::detail
