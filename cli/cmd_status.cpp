// SPDX-License-Identifier: GPL-2.0-only
// svsmctl status: is this guest under an SVSM, and what does it offer?
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "app.hpp"
#include "render_status.hpp"
#include "svsm/error.hpp"

namespace svsmctl {

namespace {

struct StatusOptions {
  std::string format = "text";
  std::string textfile_dir;
  bool no_query = false;
  bool all_cpus = false;
};

// node_exporter's textfile collector reads *.prom: write a temporary file in
// the same directory and rename it, so it never sees half a file.
void write_textfile(const std::string &dir, const std::string &text) {
  namespace fs = std::filesystem;
  const fs::path final_path = fs::path(dir) / "svsmctl.prom";
  std::string tmpl = (fs::path(dir) / ".svsmctl.prom.XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "write " + final_path.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  ok = ::fchmod(fd, 0644) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmpl.c_str(), final_path.c_str()) != 0) {
    err = err ? err : errno;
    ::unlink(tmpl.c_str());
    throw std::system_error(err, std::generic_category(), "write " + final_path.string());
  }
}

int status_exit_code(const svsm::Status &s) {
  // An SVSM that does not answer on some CPU is an SVSM failure.
  if (svsm::svsm_not_responding(s)) return exit_svsm_error;
  switch (s.verdict) {
    case svsm::Verdict::svsm:
    case svsm::Verdict::svsm_emulated: return exit_ok;
    case svsm::Verdict::snp_no_svsm:
    case svsm::Verdict::not_snp: return exit_not_svsm;
    case svsm::Verdict::unknown: return exit_unavailable;
  }
  return exit_failure;
}

int run_status(const StatusOptions &o, const GlobalOptions &g, Output &out) {
  std::string format = g.json ? "json" : o.format;
  if (g.json && o.format != "text" && o.format != "json")
    throw UsageError("--json and --format " + o.format + " contradict each other");

  svsm::StatusOptions so;
  so.device_path = g.device;
  so.query_svsm = !o.no_query;
  so.liveness_all_cpus = o.all_cpus;
  auto status = svsm::collect_status(so);

  if (!o.textfile_dir.empty()) write_textfile(o.textfile_dir, render_status_prometheus(status));
  if (format == "json")
    out.document(render_status_json(status));
  else if (format == "prometheus")
    out.print("{}", render_status_prometheus(status));
  else if (o.textfile_dir.empty() || format == "text")
    out.print("{}", render_status_text(status, out));
  return status_exit_code(status);
}

}  // namespace

void add_status(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<StatusOptions>();
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_status(*o, g, out); });
  if (!sub) return;  // a bare line: the defaults stand
  sub->add_option("-f,--format", o->format, "Output format: text, json or prometheus")
      ->check(CLI::IsMember({"text", "json", "prometheus"}))
      ->capture_default_str();
  sub->add_option("--textfile", o->textfile_dir,
                  "Also write DIR/svsmctl.prom for node_exporter's textfile collector (atomically)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
  auto *no_query = sub->add_flag("--no-query", o->no_query,
                                 "Make no SVSM calls (protocols and vTPM stay unknown)");
  sub->add_flag("--all-cpus", o->all_cpus,
                "Ask whether the SVSM responds on every online CPU, not only on svsmctl's own")
      ->excludes(no_query);
}

}  // namespace svsmctl
