// SPDX-License-Identifier: GPL-2.0-only
#include "read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace svsm::detail {

ReadResult read_file(const std::filesystem::path &p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {std::nullopt, errno};
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      int err = errno;  // e.g. EISDIR, or EIO from a sysfs attribute
      ::close(fd);
      return {std::nullopt, err};
    }
  }
  ::close(fd);
  return {std::move(text), 0};
}

std::optional<std::string> read_line(const std::filesystem::path &p) {
  auto r = read_file(p);
  if (!r.text || r.text->empty()) return std::nullopt;
  r.text->resize(std::min(r.text->find('\n'), r.text->size()));
  return std::move(r.text);
}

}  // namespace svsm::detail
