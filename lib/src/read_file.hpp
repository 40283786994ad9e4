// SPDX-License-Identifier: GPL-2.0-only
// Reading the small files of /proc and /sys: open() and read(), no streams
// (whose code a command that reads a few files would otherwise load and run:
// docs/benchmarks.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace svsm::detail {

// Contents of a file, or the errno that stopped us.
struct ReadResult {
  std::optional<std::string> text;
  int error = 0;
};

ReadResult read_file(const std::filesystem::path &p);

// The first line, without its newline; nothing for an empty or unreadable file.
std::optional<std::string> read_line(const std::filesystem::path &p);

}  // namespace svsm::detail
