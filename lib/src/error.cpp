// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/error.hpp"

#include <utility>

namespace svsm {

namespace {
std::string what_text(const std::string &operation, const std::string &detail) {
  return detail.empty() ? operation : operation + ": " + detail;
}
}  // namespace

Error::Error(int err, std::string operation, std::string detail,
             std::optional<uint32_t> svsm_result)
    : std::system_error(err, std::generic_category(), what_text(operation, detail)),
      operation_(std::move(operation)),
      detail_(std::move(detail)),
      svsm_result_(svsm_result) {}

}  // namespace svsm
