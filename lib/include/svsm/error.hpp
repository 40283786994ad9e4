// SPDX-License-Identifier: GPL-2.0-only
// libsvsm errors: one exception type, carrying errno, the operation that
// failed and, when the SVSM answered, its result code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace svsm {

class Error : public std::system_error {
 public:
  Error(int err, std::string operation, std::string detail = {},
        std::optional<uint32_t> svsm_result = {});

  [[nodiscard]] int errno_value() const noexcept { return code().value(); }
  [[nodiscard]] const std::string &operation() const noexcept { return operation_; }
  [[nodiscard]] const std::string &detail() const noexcept { return detail_; }
  [[nodiscard]] std::optional<uint32_t> svsm_result() const noexcept { return svsm_result_; }

 private:
  std::string operation_;
  std::string detail_;
  std::optional<uint32_t> svsm_result_;
};

}  // namespace svsm
