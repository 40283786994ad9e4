// SPDX-License-Identifier: GPL-2.0-only
#include "read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace svsm::detail {

ReadResult read_file(const std::string &p, std::string_view until) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {std::nullopt, errno};
  std::string text;
  char buf[4096];
  const size_t piece = until.empty() ? sizeof(buf) : 1024;
  for (;;) {
    ssize_t n = ::read(fd, buf, piece);
    if (n > 0) {
      const size_t from = text.size() < until.size() ? 0 : text.size() - until.size();
      text.append(buf, static_cast<size_t>(n));
      if (!until.empty() && text.find(until, from) != std::string::npos) break;
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

std::optional<std::string> read_line(const std::string &p) {
  auto r = read_file(p);
  if (!r.text || r.text->empty()) return std::nullopt;
  r.text->resize(std::min(r.text->find('\n'), r.text->size()));
  return std::move(r.text);
}

std::string under(std::string_view root, std::string_view abs) {
  if (root.ends_with('/')) root.remove_suffix(1);
  std::string p(root);
  return p.append(abs);
}

std::string join(std::string_view dir, std::string_view name) {
  if (name.starts_with('/')) return std::string(name);
  std::string p(dir);
  if (!p.empty() && p.back() != '/') p += '/';
  return p.append(name);
}

PathKind path_kind(const std::string &p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) return {true, S_ISDIR(st.st_mode), 0};
  return {false, false, errno == ENOENT || errno == ENOTDIR ? 0 : errno};
}

}  // namespace svsm::detail
