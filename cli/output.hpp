// SPDX-License-Identifier: GPL-2.0-only
// Where svsmctl writes: data on stdout, diagnostics on stderr, colour only
// on a terminal, nothing at all with --quiet.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace svsmctl {

// Version of the JSON documents; bumped only for incompatible changes.
inline constexpr int json_schema_version = 1;

enum class Tone { plain, good, warn, bad, dim };

class Output {
 public:
  Output(bool json, bool quiet, bool color, std::FILE *out = stdout, std::FILE *err = stderr)
      : json_(json), quiet_(quiet), color_(color), out_(out), err_(err) {}

  [[nodiscard]] bool json() const { return json_; }
  [[nodiscard]] bool quiet() const { return quiet_; }

  // Data for humans (not in JSON mode).
  template <typename... Args>
  void print(fmt::format_string<Args...> f, Args &&...args) {
    if (!quiet_) fmt::print(out_, f, std::forward<Args>(args)...);
  }
  // A JSON document on stdout.
  void document(nlohmann::ordered_json doc);
  // Diagnostics on stderr, even in JSON mode, never with --quiet.
  void error(std::string_view message, std::string_view hint = {});
  void warning(std::string_view message);

  [[nodiscard]] std::string tone(std::string_view text, Tone t) const;

 private:
  bool json_;
  bool quiet_;
  bool color_;
  std::FILE *out_;
  std::FILE *err_;
};

// The top of every JSON document.
[[nodiscard]] nlohmann::ordered_json json_header(std::string_view command);

[[nodiscard]] std::string hex(uint64_t v);

}  // namespace svsmctl
