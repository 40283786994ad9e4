// SPDX-License-Identifier: GPL-2.0-only
#include "output.hpp"

#include "svsm/version.hpp"

namespace svsmctl {

void Output::document(nlohmann::ordered_json doc) {
  if (!quiet_) fmt::print(out_, "{}\n", doc.dump(2));
}

void Output::error(std::string_view message, std::string_view hint) {
  if (quiet_) return;
  fmt::print(err_, "svsmctl: {}\n", message);
  if (!hint.empty()) fmt::print(err_, "hint: {}\n", hint);
}

void Output::warning(std::string_view message) {
  if (!quiet_) fmt::print(err_, "svsmctl: warning: {}\n", message);
}

std::string Output::tone(std::string_view text, Tone t) const {
  if (!color_ || t == Tone::plain) return std::string(text);
  std::string_view code = t == Tone::good   ? "32"
                          : t == Tone::warn ? "33"
                          : t == Tone::bad  ? "31"
                                            : "2";
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

nlohmann::ordered_json json_header(std::string_view command) {
  return {{"schema_version", json_schema_version},
          {"command", command},
          {"svsmctl_version", svsm::version}};
}

std::string hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}

}  // namespace svsmctl
