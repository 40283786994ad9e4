// SPDX-License-Identifier: GPL-2.0-only
#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "svsm/decode.hpp"
#include "svsm/error.hpp"

namespace svsmctl {

svsm::Device open_device(const GlobalOptions &g) {
  return svsm::Device::open(g.device);
}

svsm::Info require_svsm(const svsm::Device &dev, std::string_view operation) {
  const auto &info = dev.info();
  if (info.backend == svsm::Backend::none)
    throw svsm::Error(ENODEV, std::string(operation),
                      std::string(svsm::no_svsm_reason_text(info.reason)));
  return info;
}

std::string number_problem(std::string_view text, uint64_t max) {
  if (text.empty()) return "empty: give a number (decimal or 0x-prefixed hex)";
  if (text.front() == '-') return fmt::format("negative: give a number from 0 to {}", max);
  auto v = svsm::parse_u64(text);
  if (!v) {
    // All digits but no value: it overflowed 64 bits.
    std::string_view digits =
        text.substr(text.size() > 2 && (text[1] == 'x' || text[1] == 'X') ? 2 : 0);
    bool hex = digits.size() != text.size();
    bool all_digits = std::all_of(digits.begin(), digits.end(), [hex](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) ||
             (hex && std::isxdigit(static_cast<unsigned char>(c)));
    });
    if (all_digits && !digits.empty()) return fmt::format("too large: at most {}", max);
    return "not a number (use decimal or 0x-prefixed hex)";
  }
  if (*v > max) return fmt::format("too large: at most {}", max);
  return {};
}

CLI::Validator number_validator(uint64_t max) {
  return CLI::Validator(
      [max](std::string &text) -> std::string {
        std::string problem = number_problem(text, max);
        if (!problem.empty()) return fmt::format("'{}': {}", text, problem);
        text = std::to_string(*svsm::parse_u64(text));
        return {};
      },
      "");
}

void add_cpu_options(CLI::App *sub, CpuChoice &choice, std::string_view what) {
  auto *cpu = sub->add_option("--cpu", choice.cpu, fmt::format("CPU to {} on", what))
                  ->type_name("N")
                  ->transform(number_validator(UINT32_MAX));
  auto *all = sub->add_flag("--all-cpus", choice.all, fmt::format("{} on every online CPU", what));
  cpu->excludes(all);
}

std::vector<uint32_t> select_cpus(const svsm::Device &dev, const CpuChoice &choice,
                                  bool default_all) {
  const auto &info = dev.info();
  if (choice.cpu) {
    // One CPU named: ask about that one only (on SNP each GET_CPU is a
    // round trip worth saving).
    uint32_t c = *choice.cpu;
    if (c >= info.nr_cpu_ids)
      throw UsageError(
          fmt::format("--cpu {}: no such CPU (CPU ids here are 0-{})", c, info.nr_cpu_ids - 1));
    bool online = false;
    try {
      online = dev.cpu(c).online;
    } catch (const svsm::Error &e) {
      if (e.errno_value() != ENXIO) throw;  // not a possible CPU: as good as offline
    }
    if (!online)
      throw UsageError(fmt::format("--cpu {}: CPU {} is offline (see 'svsmctl cpus')", c, c));
    return {c};
  }
  auto online = dev.online_cpus();
  if (choice.all || default_all) return online;
  return {online.empty() ? 0U : online.front()};
}

std::string numeric_problem(std::string_view text, uint64_t max) {
  if (!text.empty() && !std::isdigit(static_cast<unsigned char>(text.front())) &&
      text.front() != '-' && text.front() != '+' &&
      !std::isspace(static_cast<unsigned char>(text.front())))
    return {};
  return number_problem(text, max);
}

uint64_t parse_number_arg(std::string_view arg, std::string_view text, uint64_t max) {
  std::string problem = number_problem(text, max);
  if (!problem.empty()) throw UsageError(fmt::format("{} '{}': {}", arg, text, problem));
  return *svsm::parse_u64(text);
}

std::string result_text(uint32_t code, std::optional<uint32_t> protocol,
                        std::optional<uint32_t> call) {
  auto rc = svsm::explain_result(code, protocol, call);
  return fmt::format("{} ({:#x})", rc.name, code);
}

nlohmann::ordered_json result_json(uint32_t code, std::optional<uint32_t> protocol,
                                   std::optional<uint32_t> call) {
  auto rc = svsm::explain_result(code, protocol, call);
  return {{"code", fmt::format("{:#x}", code)},
          {"name", rc.name},
          {"kind", svsm::kind_name(rc.kind)},
          {"meaning", rc.meaning}};
}

std::string errno_name(int err) {
  const char *n = strerrorname_np(err);
  return n ? n : std::to_string(err);
}

}  // namespace svsmctl
