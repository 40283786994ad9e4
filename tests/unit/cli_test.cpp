// SPDX-License-Identifier: GPL-2.0-only
// svsmctl's renderers against hand-written golden files, the JSON keys the
// man page promises, the field printer, and the exit codes of command-line
// mistakes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "app.hpp"
#include "common.hpp"
#include "printer.hpp"
#include "render_status.hpp"
#include "svsm/version.hpp"

namespace {

using svsm::Fact;
using svsm::Source;

std::string golden(const std::string &name) {
  std::ifstream in(std::string(GOLDEN_DIR) + "/" + name);
  EXPECT_TRUE(in) << "missing golden file " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// An SEV-SNP guest at VMPL2 under a real SVSM, as root.
svsm::Status snp_guest() {
  svsm::Status s;
  s.verdict = svsm::Verdict::svsm;
  s.verdict_reason = "SEV-SNP guest at VMPL2 under an SVSM";
  s.cvm_type = Fact<std::string>::of("sev-snp", Source::module);
  s.sev_status = Fact<uint64_t>::of(0x7 | (1 << 7), Source::module);  // SEV, ES, SNP, DebugSwap
  s.vmpl = Fact<uint32_t>::of(2, Source::module);
  s.svsm_present = Fact<bool>::of(true, Source::module);
  s.svsm = Fact<svsm::SvsmDescription>::of({0x80000000, 0x400000, 0x80400000, 1}, Source::module);
  s.protocols = Fact<std::vector<svsm::ProtocolSupport>>::of({{0, 1, 1},
                                                              {1, 1, 1},
                                                              {2, 1, 1},
                                                              {3, std::nullopt, std::nullopt},
                                                              {4, std::nullopt, std::nullopt}},
                                                             Source::module);
  s.vtpm_commands = Fact<uint64_t>::of(0x100, Source::module);
  s.vtpm = Fact<bool>::of(true, Source::module);
  s.calling_areas = Fact<svsm::CaSummary>::of({4, 4, 4, 4, 0, false}, Source::module);
  s.liveness = Fact<svsm::Liveness>::of({4, {}, std::nullopt}, Source::module);
  for (uint32_t cpu = 0; cpu < 4; ++cpu) {
    svsm::CpuInfo c;
    c.cpu = cpu;
    c.online = true;
    c.calls = 25 + cpu;
    c.retries = cpu == 1 ? 3 : 0;
    c.errors = cpu == 2 ? 1 : 0;
    s.cpus.push_back(c);
  }
  s.collected_at = 1764625000.5;
  s.collect_seconds = 0.25;
  s.module.state = svsm::ModuleState::live;
  s.module.installed = true;
  s.module.version = "9.9.9";
  s.module.abi_version = 1;
  s.module.backend = svsm::Backend::snp;
  s.platform.kernel_release = Fact<std::string>::of("6.12.95+deb12-amd64", Source::kernel);
  s.platform.configfs_tsm = Fact<bool>::of(true, Source::configfs);
  s.platform.sev_guest_device = Fact<bool>::of(true, Source::devfs);
  s.platform.tpm_svsm = Fact<bool>::of(true, Source::sysfs);
  return s;
}

// The same guest seen by an unprivileged user without the module.
svsm::Status snp_guest_unprivileged() {
  svsm::Status s;
  s.verdict = svsm::Verdict::svsm;
  s.verdict_reason = "from sysfs (VMPL 2); /dev/svsm_diag: permission denied (run as root)";
  s.cvm_type = Fact<std::string>::of("sev-snp", Source::cpuinfo);
  s.cvm_type.note = "from CPU flags only: SEV_STATUS was not readable";
  s.sev_status =
      Fact<uint64_t>::missing(Source::module, "/dev/svsm_diag: permission denied (run as root)");
  s.vmpl = Fact<uint32_t>::of(2, Source::sysfs);
  s.svsm_present = Fact<bool>::of(true, Source::sysfs);
  s.svsm = Fact<svsm::SvsmDescription>::missing(Source::module,
                                                "/dev/svsm_diag: permission denied (run as root)");
  const std::string denied = "/dev/svsm_diag: permission denied (run as root)";
  s.protocols = Fact<std::vector<svsm::ProtocolSupport>>::missing(Source::module, denied);
  s.vtpm_commands = Fact<uint64_t>::missing(Source::module, denied);
  s.vtpm = Fact<bool>::missing(Source::module, denied);
  s.calling_areas = Fact<svsm::CaSummary>::missing(Source::module, denied);
  s.liveness = Fact<svsm::Liveness>::missing(Source::module, denied);
  s.module.state = svsm::ModuleState::live;
  s.module.installed = true;
  s.module.version = "9.9.9";
  s.module.device_error = "/dev/svsm_diag: permission denied (run as root)";
  s.platform.kernel_release = Fact<std::string>::of("6.12.95+deb12-amd64", Source::kernel);
  s.platform.configfs_tsm = Fact<bool>::of(false, Source::configfs);
  s.platform.sev_guest_device = Fact<bool>::of(false, Source::devfs);
  s.module.hint = "run svsmctl as root";
  s.needs_root = {"the module's view (SEV_STATUS, VMPL, SVSM, protocols, Calling Areas)"};
  return s;
}

svsmctl::Output plain() {
  return svsmctl::Output(false, false, false);
}

TEST(StatusText, SnpGuestMatchesGolden) {
  auto out = plain();
  EXPECT_EQ(svsmctl::render_status_text(snp_guest(), out), golden("status-snp.txt"));
}

TEST(StatusText, UnprivilegedMatchesGolden) {
  auto out = plain();
  EXPECT_EQ(svsmctl::render_status_text(snp_guest_unprivileged(), out),
            golden("status-unprivileged.txt"));
}

TEST(StatusText, ModuleNotLoadedSaysHowToLoadIt) {
  auto s = snp_guest_unprivileged();
  s.module.state = svsm::ModuleState::not_loaded;
  s.module.device_error = "the svsm_diag module is not loaded";
  s.module.hint = "load it with 'svsmctl module load' (or 'modprobe svsm_diag')";
  auto out = plain();
  auto text = svsmctl::render_status_text(s, out);
  EXPECT_NE(text.find("  Module:       svsm_diag 9.9.9 installed, not loaded: load it with "
                      "'svsmctl module load'"),
            std::string::npos)
      << text;
  EXPECT_EQ(svsmctl::render_status_json(s)["module"]["hint"], s.module.hint);
}

TEST(StatusText, ColourOnlyWhenAsked) {
  svsmctl::Output coloured(false, false, true);
  auto out = plain();
  EXPECT_NE(svsmctl::render_status_text(snp_guest(), coloured).find("\033[32m"), std::string::npos);
  EXPECT_EQ(svsmctl::render_status_text(snp_guest(), out).find('\033'), std::string::npos);
}

TEST(StatusPrometheus, SnpGuestMatchesGolden) {
  auto text = svsmctl::render_status_prometheus(snp_guest());
  // The version label comes from the build; the golden file says VERSION.
  auto pos = text.find(svsm::version);
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string(svsm::version).size(), "VERSION");
  EXPECT_EQ(text, golden("status-snp.prom"));
}

TEST(StatusPrometheus, UnknownFactsAreMarkedNotZero) {
  auto text = svsmctl::render_status_prometheus(snp_guest_unprivileged());
  EXPECT_EQ(text.find("svsmctl_protocol_supported{"), std::string::npos);
  EXPECT_NE(text.find("svsmctl_fact_unknown{fact=\"protocols\"} 1"), std::string::npos);
  EXPECT_NE(text.find("svsmctl_vmpl 2"), std::string::npos);
}

TEST(StatusPrometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(svsmctl::prometheus_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

// The keys svsmctl-status(8) documents; a rename must fail here first.
TEST(StatusJson, SchemaKeys) {
  auto doc = svsmctl::render_status_json(snp_guest());
  std::vector<std::string> keys;
  for (const auto &[k, v] : doc.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "schema_version", "command", "svsmctl_version", "verdict", "cvm_type", "sev_status",
                "vmpl", "svsm_present", "svsm", "protocols", "calling_areas", "vtpm",
                "vtpm_commands", "liveness", "attestation", "module", "platform", "needs_root"}));
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["sev_status"]["features"],
            (nlohmann::ordered_json{"SEV", "SEV-ES", "SEV-SNP", "DebugSwap"}));
  EXPECT_EQ(doc["svsm"]["value"]["initial_ca"], "0x80400000");
  EXPECT_EQ(doc["protocols"]["value"][1], (nlohmann::ordered_json{{"protocol", 1},
                                                                  {"name", "attest"},
                                                                  {"offered", true},
                                                                  {"min_version", 1},
                                                                  {"max_version", 1}}));
}

TEST(StatusJson, UnknownHasReasonAndNullValue) {
  auto doc = svsmctl::render_status_json(snp_guest_unprivileged());
  EXPECT_TRUE(doc["protocols"]["value"].is_null());
  EXPECT_EQ(doc["protocols"]["unknown"], "/dev/svsm_diag: permission denied (run as root)");
  EXPECT_EQ(doc["vmpl"], (nlohmann::ordered_json{{"value", 2}, {"source", "sysfs"}}));
  EXPECT_EQ(doc["cvm_type"]["note"], "from CPU flags only: SEV_STATUS was not readable");
}

// A run of svsmctl through the real parser: exit status, stdout, stderr.
struct Answer {
  int rc;
  std::string out, err;
};

Answer answer(std::vector<std::string> args) {
  args.insert(args.begin(), "svsmctl");
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Answer a;
  a.rc = svsmctl::run(static_cast<int>(argv.size()), argv.data());
  a.out = testing::internal::GetCapturedStdout();
  a.err = testing::internal::GetCapturedStderr();
  return a;
}

// Exit codes of command-line mistakes.
int run(std::vector<std::string> args) {
  return answer(std::move(args)).rc;
}

TEST(ExitCodes, HelpAndVersionAreSuccess) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(run({"--version"}), 0);
  EXPECT_EQ(run({"call", "--help"}), 0);
}

TEST(ExitCodes, VersionThatCannotBeWrittenIsAFailure) {
  int saved = ::dup(STDOUT_FILENO);
  int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(full, 0);
  ASSERT_EQ(::dup2(full, STDOUT_FILENO), STDOUT_FILENO);
  char arg0[] = "svsmctl", arg1[] = "--version";
  char *argv[] = {arg0, arg1, nullptr};
  testing::internal::CaptureStderr();
  int rc = svsmctl::run(2, argv);
  std::string err = testing::internal::GetCapturedStderr();
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(full);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("cannot print the version: No space left on device"), std::string::npos)
      << err;
}

TEST(ExitCodes, UsageErrorsAreTwo) {
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"nosuch"}), 2);
  EXPECT_EQ(run({"status", "--format", "xml"}), 2);
  EXPECT_EQ(run({"status", "--bogus"}), 2);
  EXPECT_EQ(run({"--color", "pink", "status"}), 2);
  EXPECT_EQ(run({"explain"}), 2);
  EXPECT_EQ(run({"explain", "0xnothex"}), 2);
  EXPECT_EQ(run({"explain", "1", "--call", "remap-ca"}), 2);  // --call needs --protocol
  EXPECT_EQ(run({"call", "core"}), 2);
  EXPECT_EQ(run({"call", "core", "query-protocol", "--cpu", "1", "--all-cpus"}), 2);
  EXPECT_EQ(run({"module", "load", "--backend", "kvm"}), 2);
  EXPECT_EQ(run({"module"}), 2);
}

TEST(NumberOptions, DecimalOrHexNeverOctal) {
  auto v = svsmctl::number_validator(100);
  std::string text = "010";
  EXPECT_EQ(v(text), "");
  EXPECT_EQ(text, "10");  // CLI11 alone would read 8
  text = "0x1f";
  EXPECT_EQ(v(text), "");
  EXPECT_EQ(text, "31");
  text = "101";
  EXPECT_NE(v(text).find("too large: at most 100"), std::string::npos);
  for (std::string bad : {"1e3", "0x", " 1", "abc"}) {
    std::string t = bad;
    EXPECT_NE(v(t).find("not a number"), std::string::npos) << bad;
  }
  text = "";
  EXPECT_NE(v(text).find("empty"), std::string::npos);
  text = "-1";
  EXPECT_NE(v(text).find("negative"), std::string::npos);
  EXPECT_EQ(run({"protocols", "--cpu", "one"}), 2);
  EXPECT_EQ(run({"check", "--timeout", "ten"}), 3);
}

TEST(ExitCodes, CheckReportsBadArgumentsAsUnknown) {
  EXPECT_EQ(run({"check", "--expect-vmpl", "9"}), 3);
  EXPECT_EQ(run({"check", "--require-protocol", "warp"}), 3);
  EXPECT_EQ(run({"check", "--nonsense"}), 3);
}

// Monitoring plugins print one line on stdout whatever happens.
std::string check_stdout(std::vector<std::string> args, int &rc) {
  args.insert(args.begin(), "svsmctl");
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  rc = svsmctl::run(static_cast<int>(argv.size()), argv.data());
  auto out = testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  return out;
}

TEST(CheckUsage, OneUnknownLineOnStdout) {
  for (auto args : std::vector<std::vector<std::string>>{{"check", "--expect-vmpl", "9"},
                                                         {"check", "--require-protocol", "warp"},
                                                         {"check", "--nonsense"},
                                                         {"check", "--timeout"}}) {
    int rc = 0;
    auto out = check_stdout(args, rc);
    EXPECT_EQ(rc, 3) << args.back();
    EXPECT_EQ(out.rfind("SVSM UNKNOWN - usage error: ", 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  int rc = 0;
  auto doc =
      nlohmann::json::parse(check_stdout({"--json", "check", "--require-protocol", "warp"}, rc));
  EXPECT_EQ(rc, 3);
  EXPECT_EQ(doc["state"], "UNKNOWN");
  EXPECT_TRUE(doc["perfdata"].is_array());
}

// A guest whose SVSM answers on no CPU, or on some.
svsm::Status not_responding(uint32_t failing) {
  auto s = snp_guest();
  svsm::Liveness l{4, {}, std::nullopt};
  for (uint32_t cpu = 0; cpu < failing; ++cpu)
    l.failures.push_back(
        {cpu, ECOMM, std::nullopt, "not serviced", "look in the hypervisor's log"});
  s.liveness = Fact<svsm::Liveness>::of(l, Source::module);
  if (failing == 4) {
    s.protocols = Fact<std::vector<svsm::ProtocolSupport>>::missing(Source::module,
                                                                    "the SVSM is not responding");
    s.vtpm_commands = Fact<uint64_t>::missing(Source::module, "the SVSM is not responding");
    s.vtpm = Fact<bool>::missing(Source::module, "the SVSM is not responding");
  }
  return s;
}

TEST(StatusText, NotRespondingSaysSoWithCauseAndHint) {
  auto out = plain();
  auto text = svsmctl::render_status_text(not_responding(4), out);
  EXPECT_EQ(text.rfind("SVSM: NOT RESPONDING - ", 0), 0u) << text;
  EXPECT_NE(text.find("  Responding:   NO: QUERY_PROTOCOL failed on 4 of 4 CPUs: not serviced\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Hint:         look in the hypervisor's log\n"), std::string::npos) << text;
  text = svsmctl::render_status_text(not_responding(1), out);
  EXPECT_EQ(text.rfind("SVSM: present - ", 0), 0u) << text;
  EXPECT_NE(text.find("Responding:   on 3 of 4 CPUs; QUERY_PROTOCOL failed on CPU 0: not serviced"),
            std::string::npos)
      << text;
}

// status without --all-cpus asks the caller's CPU only, and says so.
TEST(StatusText, OneCpuAskedSaysWhichAndHowToAskEach) {
  auto out = plain();
  auto s = snp_guest();
  s.liveness = Fact<svsm::Liveness>::of({1, {}, 2}, Source::module);
  auto text = svsmctl::render_status_text(s, out);
  EXPECT_NE(text.find("  Responding:   yes, on CPU 2 (the only one asked; --all-cpus asks each) "
                      "(module)\n"),
            std::string::npos)
      << text;
  auto doc = svsmctl::render_status_json(s);
  EXPECT_EQ(doc["liveness"]["value"]["all_cpus"], false);
  EXPECT_EQ(doc["liveness"]["value"]["cpus_probed"], 1);
  EXPECT_EQ(doc["verdict"]["svsm_responding"], true);

  s.liveness.value->failures.push_back({2, ECOMM, std::nullopt, "not serviced", "look"});
  text = svsmctl::render_status_text(s, out);
  EXPECT_EQ(text.rfind("SVSM: NOT RESPONDING - ", 0), 0u) << text;
  EXPECT_NE(
      text.find(
          "Responding:   NO: QUERY_PROTOCOL failed on CPU 2 (the only one asked): not serviced"),
      std::string::npos)
      << text;
  EXPECT_EQ(svsmctl::render_status_json(not_responding(1))["liveness"]["value"]["all_cpus"], true);
}

TEST(StatusPrometheus, NotRespondingIsAValueAndUnknownFactsAreOne) {
  auto text = svsmctl::render_status_prometheus(not_responding(4));
  EXPECT_NE(text.find("\nsvsmctl_svsm_responding 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nsvsmctl_svsm_cpus_not_responding 4\n"), std::string::npos);
  EXPECT_NE(text.find("svsmctl_fact_unknown{fact=\"protocols\"} 1"), std::string::npos);
  EXPECT_NE(text.find("svsmctl_fact_unknown{fact=\"svsm_responding\"} 0"), std::string::npos);
  text = svsmctl::render_status_prometheus(not_responding(1));
  EXPECT_NE(text.find("\nsvsmctl_svsm_responding 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nsvsmctl_svsm_cpus_not_responding 1\n"), std::string::npos);
  auto doc = svsmctl::render_status_json(not_responding(1));
  EXPECT_EQ(doc["verdict"]["svsm_responding"], false);
  EXPECT_EQ(doc["liveness"]["value"]["failures"][0]["errno_name"], "ECOMM");
}

TEST(StatusPrometheus, NotApplicableIsNotUnknown) {
  auto s = snp_guest_unprivileged();
  s.verdict = svsm::Verdict::not_snp;
  s.protocols = Fact<std::vector<svsm::ProtocolSupport>>::not_applicable(Source::module,
                                                                         "not an SEV-SNP guest");
  auto text = svsmctl::render_status_prometheus(s);
  EXPECT_NE(text.find("svsmctl_fact_unknown{fact=\"protocols\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("svsmctl_fact_unknown{fact=\"calling_areas\"} 1"), std::string::npos) << text;
  auto doc = svsmctl::render_status_json(s);
  EXPECT_EQ(doc["protocols"]["not_applicable"], "not an SEV-SNP guest");
  EXPECT_FALSE(doc["protocols"].contains("unknown"));
  auto out = plain();
  EXPECT_NE(
      svsmctl::render_status_text(s, out).find("  Protocols:    n/a (not an SEV-SNP guest)\n"),
      std::string::npos);
}

TEST(ExitCodes, ExplainWorksOffline) {
  EXPECT_EQ(run({"explain", "0x80000007"}), 0);
  EXPECT_EQ(
      run({"--json", "explain", "INVALID_ADDRESS", "--protocol", "core", "--call", "remap-ca"}), 0);
}

TEST(ExitCodes, MissingDeviceIsUnavailable) {
  EXPECT_EQ(run({"--device", "/nonexistent/svsm_diag", "cpus"}), 4);
  EXPECT_EQ(run({"--device", "/nonexistent/svsm_diag", "remap-ca"}), 4);
}

}  // namespace

namespace {

// Shell words: split at spaces, '' is an empty argument.
std::vector<std::string> words(const std::string &line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w == "''" ? "" : w);
  return out;
}

TEST(NumberOptions, EveryRowOfTheCliNumbersTable) {
  std::ifstream in(CLI_NUMBERS_TABLE);
  ASSERT_TRUE(in) << CLI_NUMBERS_TABLE;
  std::string line;
  int rows = 0;
  bool head = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (head) {
      head = false;
      continue;
    }
    std::vector<std::string> cells;
    std::istringstream cs(line);
    for (std::string c; std::getline(cs, c, '\t');) cells.push_back(c);
    ASSERT_EQ(cells.size(), 4u) << line;
    SCOPED_TRACE(cells[0] + ": svsmctl " + cells[1]);
    auto r = answer(words(cells[1]));
    EXPECT_EQ(r.rc, std::stoi(cells[2]));
    EXPECT_NE(r.err.find(cells[3]), std::string::npos) << r.err;
    rows++;
  }
  EXPECT_GE(rows, 100);
}

// A command named alone runs without the parser when app.cpp's table calls
// it bare; "--color auto" (the default) sends the same line through CLI11.
// A command wrongly called bare would run with no arguments where the parser
// refuses the line.
TEST(BareCommand, AnswersAsTheParserWould) {
  for (std::string name : {"status", "cpus", "protocols", "call", "remap-ca", "attest", "verify",
                           "explain", "check", "module", "completion"}) {
    SCOPED_TRACE(name);
    auto bare = answer({name});
    auto parsed = answer({"--color", "auto", name});
    EXPECT_EQ(bare.rc, parsed.rc);
    EXPECT_EQ(bare.out, parsed.out);
    EXPECT_EQ(bare.err, parsed.err);
  }
}

TEST(Messages, EmptyRegisterIsNotReadAsZero) {
  auto r = answer({"call", "core", "query-protocol", "--rcx", ""});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--rcx '': empty"), std::string::npos) << r.err;
}

TEST(Messages, DeviceGivenIsTheDeviceNamed) {
  auto r = answer({"--device", "/nonexistent/svsm_diag", "cpus"});
  EXPECT_EQ(r.rc, 4);
  EXPECT_NE(r.err.find("open /nonexistent/svsm_diag: No such file or directory"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("hint: --device /nonexistent/svsm_diag: no such file"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("/dev/svsm_diag"), std::string::npos) << r.err;
}

TEST(Messages, DeviceThatIsNotSvsmDiag) {
  auto r = answer({"--device", "/dev/null", "cpus"});
  EXPECT_EQ(r.rc, 4);
  EXPECT_NE(r.err.find("/dev/null: not an svsm_diag device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: --device /dev/null"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Inappropriate ioctl"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("GET_INFO"), std::string::npos) << r.err;
}

TEST(Messages, EmptyDeviceIsAUsageError) {
  auto r = answer({"--device", "", "cpus"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--device '': empty"), std::string::npos) << r.err;
}

TEST(Messages, UsageErrorsPointAtTheCommandsManPage) {
  auto r = answer({"call", "core", "frobnicate"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("svsmctl-call(8)"), std::string::npos) << r.err;
  r = answer({"explain", "1", "--call", "remap-ca"});
  EXPECT_NE(r.err.find("svsmctl-explain(8)"), std::string::npos) << r.err;
  r = answer({"protocols", "--cpu", "x"});  // caught by the parser
  EXPECT_NE(r.err.find("svsmctl-protocols(8)"), std::string::npos) << r.err;
}

TEST(Messages, RefusedCallIsNamedInWords) {
  auto r = answer({"call", "9", "0"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(
      r.err.find("protocol 9 call 0, which svsmctl does not know, can change guest or SVSM state"),
      std::string::npos)
      << r.err;
  r = answer({"call", "core", "77"});
  EXPECT_NE(r.err.find("core call 77, which svsmctl does not know,"), std::string::npos) << r.err;
  r = answer({"call", "core", "pvalidate"});
  EXPECT_NE(r.err.find("core pvalidate can change"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// ---- the field printer: one walk, text and JSON ----

// Walks a small table and a fact once, into the given printer.
void walk_sample(svsmctl::Printer &p) {
  p.field({}, "cpu", {}, 3, svsmctl::To::json);
  p.table("rows", "{:>3}  {:<6} {}\n", {"NR", "NAME", "NOTE"});
  for (uint32_t i : {0u, 1u}) {
    p.cell("nr", std::to_string(i), i);
    p.cell("name", i ? "attest" : "core", i ? "attest" : "core");
    p.cell("hidden", {}, i == 1, svsmctl::To::json);
    p.cell({}, i ? "second" : "first", {}, svsmctl::To::text);
    p.end_row();
  }
  p.end_table();
  p.fact(
      "VMPL", "vmpl", Fact<uint32_t>::of(2, Source::sysfs),
      [](uint32_t v) { return std::to_string(v); }, svsmctl::as_is);
  p.fact(
      "vTPM", "vtpm", Fact<bool>::missing(Source::module, "no module"),
      [](bool) { return std::string("x"); }, svsmctl::as_is);
}

TEST(Printer, OneWalkGivesTheText) {
  svsmctl::Output out(false, false, false);
  svsmctl::Printer p(out, false, "sample");
  walk_sample(p);
  EXPECT_EQ(p.str(),
            " NR  NAME   NOTE\n"
            "  0  core   first\n"
            "  1  attest second\n"
            "  VMPL:         2 (sysfs)\n"
            "  vTPM:         unknown (no module)\n");
}

TEST(Printer, OneWalkGivesTheJson) {
  svsmctl::Output out(true, false, false);
  svsmctl::Printer p(out, true, "sample");
  walk_sample(p);
  EXPECT_TRUE(p.str().empty());
  auto doc = p.doc();
  doc.erase("svsmctl_version");
  EXPECT_EQ(
      doc.dump(),
      R"({"schema_version":1,"command":"sample","cpu":3,)"
      R"("rows":[{"nr":0,"name":"core","hidden":false},{"nr":1,"name":"attest","hidden":true}],)"
      R"("vmpl":{"value":2,"source":"sysfs"},)"
      R"("vtpm":{"value":null,"source":"module","unknown":"no module"}})");
}

// A list of items, each a headline and a table of its own (remap-ca's
// CPUs and their steps): text lines as given, one object per item.
void walk_items(svsmctl::Printer &p, svsmctl::Output &out) {
  p.list("cpus");
  for (int cpu : {0, 2}) {
    p.item();
    p.text(fmt::format("CPU {}:\n", cpu), "cpu", cpu);
    p.table("steps", "  {}. {}\n", {});
    for (int i = 0; i < 2; ++i) {
      p.cell({}, std::to_string(i + 1), {}, svsmctl::To::text);
      p.cell("step", i ? "back" : "there", i ? "back" : "there");
      p.end_row();
    }
    p.end_table();
    p.end();
    p.flush(out);
  }
  p.end();
  p.field({}, "done", {}, true, svsmctl::To::json);
}

TEST(Printer, ItemsWithTablesAndFlush) {
  svsmctl::Output text_out(false, false, false);
  svsmctl::Printer t(text_out, false, "items");
  testing::internal::CaptureStdout();
  walk_items(t, text_out);
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "CPU 0:\n  1. there\n  2. back\nCPU 2:\n  1. there\n  2. back\n");
  EXPECT_TRUE(t.str().empty());  // flushed

  svsmctl::Output json_out(true, false, false);
  svsmctl::Printer j(json_out, true, "items");
  testing::internal::CaptureStdout();
  walk_items(j, json_out);
  EXPECT_TRUE(testing::internal::GetCapturedStdout().empty());  // JSON is never flushed
  auto doc = j.doc();
  doc.erase("svsmctl_version");
  EXPECT_EQ(doc.dump(), R"({"schema_version":1,"command":"items","cpus":[)"
                        R"({"cpu":0,"steps":[{"step":"there"},{"step":"back"}]},)"
                        R"({"cpu":2,"steps":[{"step":"there"},{"step":"back"}]}],"done":true})");
}

std::string run_stdout(std::vector<std::string> args) {
  args.insert(args.begin(), "svsmctl");
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  EXPECT_EQ(svsmctl::run(static_cast<int>(argv.size()), argv.data()), 0);
  return testing::internal::GetCapturedStdout();
}

// explain's text and JSON come from one walk: the same facts, in the
// documented order, with the text's labels aligned.
TEST(Printer, ExplainTextAndJsonAgree) {
  auto text =
      run_stdout({"explain", "INVALID_ADDRESS", "--protocol", "core", "--call", "remap-ca"});
  auto doc = nlohmann::ordered_json::parse(run_stdout(
      {"--json", "explain", "INVALID_ADDRESS", "--protocol", "core", "--call", "remap-ca"}));
  std::vector<std::string> keys;
  for (const auto &[k, v] : doc.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema_version", "command", "svsmctl_version", "code",
                                            "name", "kind", "meaning", "cause", "fix"}));
  std::string want = fmt::format("SVSM_ERR_INVALID_ADDRESS (0x80000003): {}\n  meaning: {}\n",
                                 doc["kind"].get<std::string>(), doc["meaning"].get<std::string>());
  if (!doc["cause"].get<std::string>().empty())
    want += "  cause:   " + doc["cause"].get<std::string>() + "\n";
  if (!doc["fix"].get<std::string>().empty())
    want += "  fix:     " + doc["fix"].get<std::string>() + "\n";
  EXPECT_EQ(text, want);
  EXPECT_EQ(doc["code"], "0x80000003");
  EXPECT_EQ(doc["name"], "SVSM_ERR_INVALID_ADDRESS");
}

}  // namespace
