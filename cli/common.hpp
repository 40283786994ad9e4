// SPDX-License-Identifier: GPL-2.0-only
// Helpers shared by the subcommands: opening the device, choosing CPUs,
// reading numbers, and rendering SVSM result codes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app.hpp"
#include "svsm/device.hpp"

namespace svsmctl {

[[nodiscard]] svsm::Device open_device(const GlobalOptions &g);

// The module's info, or svsm::Error(ENODEV) with the module's reason when
// there is no SVSM to talk to.
svsm::Info require_svsm(const svsm::Device &dev, std::string_view operation);

// For numeric options: decimal or 0x hex up to max, like parse_number_arg;
// rewrites the value in decimal so that CLI11 never reads "010" as octal.
[[nodiscard]] CLI::Validator number_validator(uint64_t max);

// --cpu N / --all-cpus, checked against the CPUs that exist and are online.
struct CpuChoice {
  std::optional<uint32_t> cpu;
  bool all = false;
};
void add_cpu_options(CLI::App *sub, CpuChoice &choice, std::string_view what);
[[nodiscard]] std::vector<uint32_t> select_cpus(const svsm::Device &dev, const CpuChoice &choice,
                                                bool default_all);

// What is wrong with a number argument (empty, negative, too large, not a
// number), or "" when it is a number from 0 to max.
[[nodiscard]] std::string number_problem(std::string_view text, uint64_t max);

// For arguments that take a name or a number: number_problem() when @text
// is empty or starts like a number, else "" (the caller names the choices).
[[nodiscard]] std::string numeric_problem(std::string_view text, uint64_t max);

// A number argument (decimal or 0x hex) or a UsageError naming the argument.
[[nodiscard]] uint64_t parse_number_arg(std::string_view arg, std::string_view text,
                                        uint64_t max = UINT64_MAX);

// "SVSM_ERR_BUSY (0x80000007)"
[[nodiscard]] std::string result_text(uint32_t code, std::optional<uint32_t> protocol = {},
                                      std::optional<uint32_t> call = {});
[[nodiscard]] nlohmann::ordered_json result_json(uint32_t code,
                                                 std::optional<uint32_t> protocol = {},
                                                 std::optional<uint32_t> call = {});
[[nodiscard]] std::string errno_name(int err);

}  // namespace svsmctl
