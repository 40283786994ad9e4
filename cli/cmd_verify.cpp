// SPDX-License-Identifier: GPL-2.0-only
// svsmctl verify DIR: verify evidence written earlier by 'attest --out', or
// in the layouts snpguest and go-sev-guest write. Needs no module and no
// privileges: it only reads files.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "common.hpp"
#include "svsm/attestation.hpp"
#include "svsm/verify.hpp"
#include "verify_render.hpp"

namespace svsmctl {

namespace {

namespace fs = std::filesystem;

struct VerifyCmdOptions {
  std::string dir;
  std::string report;
  VerifyOptions v;
};

std::optional<std::vector<uint8_t>> read_optional(const fs::path &p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read it", p.string()));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int run_verify(const VerifyCmdOptions &o, const GlobalOptions &g, Output &out) {
  const fs::path dir(o.dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(fmt::format(
        "'{}' is not a directory: give the directory 'svsmctl attest --out' wrote", o.dir));
  const svsm::Expectations expect = parse_expectations(o.v);

  const fs::path report_path = o.report.empty() ? dir / "report.bin" : fs::path(o.report);
  auto report = read_optional(report_path);
  if (!report)
    throw UsageError(
        fmt::format("{}: no such file; give the report with --report FILE", report_path.string()));
  if (report->size() < svsm::kSnpReportSize)
    throw svsm::ParseError(
        fmt::format("{}: {} bytes is shorter than the {}-byte ATTESTATION_REPORT",
                    report_path.string(), report->size(), svsm::kSnpReportSize));

  auto nonce = read_optional(dir / "nonce.bin");
  auto manifest = read_optional(dir / "manifest.bin");
  if (nonce.has_value() != manifest.has_value())
    throw UsageError(fmt::format("{} has {} but not {}: REPORT_DATA needs both", o.dir,
                                 nonce ? "nonce.bin" : "manifest.bin",
                                 nonce ? "manifest.bin" : "nonce.bin"));

  // Certificates, first found wins: --certs DIR, then the files in DIR
  // (snpguest's layout), then certs.bin (svsmctl's), then a certificate
  // table after the report (go-sev-guest's "bin" layout).
  svsm::CertSet certs;
  if (!o.v.certs_dir.empty()) {
    if (!fs::is_directory(o.v.certs_dir, ec))
      throw UsageError(fmt::format("--certs '{}' is not a directory", o.v.certs_dir));
    certs = svsm::certs_from_dir(o.v.certs_dir);
  }
  certs.fill_from(svsm::certs_from_dir(dir));
  if (auto table = read_optional(dir / "certs.bin"))
    certs.fill_from(svsm::certs_from_table(*table));
  if (report->size() > svsm::kSnpReportSize)
    certs.fill_from(
        svsm::certs_from_table(std::span<const uint8_t>(*report).subspan(svsm::kSnpReportSize)));

  svsm::VerifyInput in;
  in.report = *report;
  if (nonce) {
    in.nonce = std::span<const uint8_t>(*nonce);
    in.manifest = std::span<const uint8_t>(*manifest);
  }
  in.certs = certs;
  in.expect = expect;
  const auto result = svsm::verify_evidence(in);
  const auto parsed = svsm::parse_snp_report(*report);

  std::optional<svsm::ServicesManifest> services;
  if (manifest && manifest->size() >= 16 &&
      svsm::Guid::from_le_bytes(std::span<const uint8_t>(*manifest).first<16>()) ==
          svsm::kServicesManifestGuid)
    services = svsm::parse_services_manifest(*manifest);

  Printer p(out, g.json, "verify");
  p.field({}, "directory", {}, o.dir, To::json);
  p.field({}, "report_file", {}, report_path.string(), To::json);
  // Its place in JSON; the text shows it last (print_verification fills it).
  p.field({}, "verification", {}, nullptr, To::json);
  p.text(fmt::format("Report {}: version {}, VMPL {}, policy {}, {}\n"
                     "  MEASUREMENT: {}\n"
                     "  REPORTED_TCB: {}\n",
                     report_path.string(), parsed.version, parsed.vmpl, hex(parsed.policy),
                     parsed.signed_() ? "signed" : p.tone("NOT signed", Tone::warn),
                     svsm::to_hex(parsed.measurement),
                     svsm::tcb_text(svsm::decode_tcb(parsed.reported_tcb, result.product))),
         "report", report_json(parsed, result.product));
  p.list("services");
  if (services) {
    p.text(fmt::format("Services manifest: {} service(s)\n", services->entries.size()));
    for (const auto &e : services->entries) {
      auto name = svsm::guid_name(e.guid);
      p.item();
      p.text(fmt::format("  {}{}: {} bytes\n", e.guid.to_string(),
                         name.empty() ? "" : fmt::format(" ({})", name), e.length),
             "guid", e.guid.to_string());
      p.field({}, "name", {}, name, To::json);
      p.field({}, "size", {}, e.length, To::json);
      p.end();
    }
  } else if (manifest) {
    p.text(fmt::format("Manifest: {} bytes, not a services table (a single service's manifest)\n",
                       manifest->size()));
  }
  p.end();
  print_verification(p, result);
  p.emit(out);
  return verification_exit(result);
}

}  // namespace

void add_verify(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<VerifyCmdOptions>();
  sub->add_option("DIR", o->dir, "The evidence directory")->required()->type_name("DIR");
  sub->add_option("--report", o->report, "The report file (default: DIR/report.bin)")
      ->type_name("FILE");
  add_verify_options(sub, o->v);
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_verify(*o, g, out); });
}

}  // namespace svsmctl
