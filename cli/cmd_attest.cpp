// SPDX-License-Identifier: GPL-2.0-only
// svsmctl attest: SVSM attestation, with REPORT_DATA checked against
// SHA-512(nonce || manifest).
#include <fmt/format.h>
#include <sys/random.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>

#include "common.hpp"
#include "svsm/attestation.hpp"
#include "svsm/decode.hpp"
#include "svsm/error.hpp"
#include "svsm/tsm_report.hpp"
#include "svsm/verify.hpp"
#include "verify_render.hpp"

namespace svsmctl {

namespace {

namespace fs = std::filesystem;

struct AttestOptions {
  std::string service;
  std::string manifest_version;
  bool manifest_version_given = false;  // given empty is an error, not "not given"
  std::string nonce_hex, nonce_file, out_dir;
  bool no_certs = false;
  std::optional<uint32_t> cpu;
  bool verify = false;
  VerifyOptions v;
  std::string via;  // "", "configfs-tsm" or "module"
  std::optional<uint32_t> privlevel;
};

// What either path brings back.
struct Evidence {
  std::string via;
  std::vector<uint8_t> report, manifest, certificates;
  std::optional<uint32_t> attempts;  // module only
  std::string provider;              // configfs-tsm only
  std::optional<uint32_t> privlevel_floor;
};

// Auto: configfs-tsm when the kernel offers SVSM attestation through it,
// else the module. --cpu needs the module, --privlevel configfs-tsm.
std::string choose_via(const AttestOptions &o) {
  if (o.via == "module" && o.privlevel)
    throw UsageError("--privlevel is a configfs-tsm attribute: it needs --via configfs-tsm");
  if (o.via == "configfs-tsm" && o.cpu)
    throw UsageError("--cpu needs --via module: configfs-tsm does not choose the CPU");
  if (!o.via.empty()) return o.via;
  if (o.privlevel) return "configfs-tsm";
  if (o.cpu) return "module";
  try {
    auto info = svsm::tsm_probe();
    if (info.present && info.service_provider) return "configfs-tsm";
  } catch (const svsm::Error &) {
    // Not usable (not root, say): the module path says what is wrong.
  }
  return "module";
}

Evidence attest_configfs(const AttestOptions &o, const svsm::AttestRequest &req) {
  svsm::TsmRequest t;
  t.nonce = req.nonce;
  t.service = req.service;
  t.manifest_version = req.manifest_version;
  t.certificates = req.certificates;
  t.privlevel = o.privlevel;
  svsm::TsmResult r;
  try {
    r = svsm::tsm_attest(t);
  } catch (const svsm::TsmPrivlevelError &e) {
    throw UsageError(fmt::format("--privlevel {}: {}; use --privlevel {} or more, or leave it out",
                                 e.privlevel, e.detail(), e.floor));
  } catch (const svsm::Error &e) {
    // The provider's SVSM call failed: exit 5 with what its errno means
    // (configfs-tsm passes no SVSM result code; --via module shows it).
    // Anything else is about configfs-tsm itself: no module hints.
    const int err = e.errno_value();
    if (e.operation() == svsm::kTsmOutblobOperation && !svsm::call_failure_text(err).empty())
      throw svsm::Error(err, "ATTEST through configfs-tsm",
                        fmt::format("{}; for the SVSM's result code use --via module",
                                    svsm::call_failure_text(err)));
    throw std::runtime_error(e.what());
  }
  return {"configfs-tsm", std::move(r.report), std::move(r.manifest), std::move(r.certificates),
          std::nullopt,   r.provider,          r.privlevel_floor};
}

std::array<uint8_t, 64> make_nonce(const AttestOptions &o) {
  std::array<uint8_t, 64> nonce{};
  std::vector<uint8_t> bytes;
  if (!o.nonce_hex.empty()) {
    auto v = svsm::from_hex(o.nonce_hex);
    if (!v || v->size() != nonce.size())
      throw UsageError(fmt::format("--nonce: expected exactly 64 bytes as 128 hex digits, got '{}'",
                                   o.nonce_hex));
    bytes = std::move(*v);
  } else if (!o.nonce_file.empty()) {
    std::ifstream in(o.nonce_file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && !in)
      throw UsageError(fmt::format("--nonce-file '{}': cannot read it", o.nonce_file));
    if (bytes.size() != nonce.size())
      throw UsageError(fmt::format("--nonce-file '{}': holds {} bytes, the nonce is exactly 64",
                                   o.nonce_file, bytes.size()));
  } else {
    if (getrandom(nonce.data(), nonce.size(), 0) != static_cast<ssize_t>(nonce.size()))
      throw std::system_error(errno, std::generic_category(), "getrandom");
    return nonce;
  }
  std::copy(bytes.begin(), bytes.end(), nonce.begin());
  return nonce;
}

void write_file(const fs::path &p, std::span<const uint8_t> data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char *>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f)
    throw std::system_error(errno ? errno : EIO, std::generic_category(), "write " + p.string());
}

std::string guid_label(const svsm::Guid &g) {
  auto name = svsm::guid_name(g);
  return name.empty() ? g.to_string() : fmt::format("{} ({})", name, g.to_string());
}

int run_attest(const AttestOptions &o, const GlobalOptions &g, Output &out) {
  svsm::AttestRequest req;
  req.nonce = make_nonce(o);
  req.certificates = !o.no_certs;
  if (!o.service.empty()) {
    auto guid = svsm::guid_by_name(o.service);
    if (!guid) guid = svsm::Guid::parse(o.service);
    if (!guid)
      throw UsageError(
          fmt::format("--service '{}': use vtpm, uefi-mm or a GUID such as "
                      "c476f1eb-0123-45a5-9641-b4e7dde5bfe3",
                      o.service));
    req.service = *guid;
  }
  if (o.manifest_version_given) {
    if (!req.service) throw UsageError("--manifest-version needs --service");
    req.manifest_version = static_cast<uint32_t>(
        parse_number_arg("--manifest-version", o.manifest_version, UINT32_MAX));
  }

  const svsm::Expectations expect = parse_expectations(o.v);
  svsm::CertSet given_certs;
  if (!o.v.certs_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.v.certs_dir, ec))
      throw UsageError(fmt::format("--certs '{}' is not a directory", o.v.certs_dir));
    given_certs = svsm::certs_from_dir(o.v.certs_dir);
  }

  const std::string via = choose_via(o);
  Evidence r;
  if (via == "configfs-tsm") {
    r = attest_configfs(o, req);
  } else {
    auto dev = open_device(g);
    (void)require_svsm(dev, "ATTEST");
    if (o.cpu) {
      CpuChoice choice{o.cpu, false};
      (void)select_cpus(dev, choice, false);  // checks the CPU id
      req.cpu = o.cpu;
    }
    auto m = dev.attest(req);
    const uint32_t call = req.service ? 1 : 0;
    if (m.error && !m.status.serviced)
      throw svsm::Error(m.error, "ATTEST", std::string(svsm::call_failure_text(m.error)));
    if (m.error) {
      auto rc = svsm::explain_result(m.result, 1, call);
      throw svsm::Error(m.error, "ATTEST",
                        fmt::format("{}: {}", result_text(m.result, 1, call), rc.cause), m.result);
    }
    r = {"module",
         std::move(m.report),
         std::move(m.manifest),
         std::move(m.certificates),
         m.attempts,
         {},
         {}};
  }

  // The certificates the SVSM returned, for the hand-off files and --verify.
  const svsm::CertSet table_certs = svsm::certs_from_table(r.certificates);

  // The evidence first: what svsmctl cannot parse, a verifier still may.
  // Besides svsmctl's own files: the report and DER certificates named as
  // snpguest and go-sev-guest read them (report.bin, vcek.der or vlek.der,
  // ask.der, ark.der). Table entries that are not certificates (the
  // emulated SVSM's placeholder) get no .der file.
  std::vector<std::string> written;
  if (!o.out_dir.empty()) {
    fs::create_directories(o.out_dir);
    auto put = [&](const std::string &name, std::span<const uint8_t> data) {
      write_file(fs::path(o.out_dir) / name, data);
      written.push_back(name);
    };
    put("report.bin", r.report);
    put("manifest.bin", r.manifest);
    put("nonce.bin", req.nonce);
    if (!r.certificates.empty()) put("certs.bin", r.certificates);
    for (auto [name, cert] :
         {std::pair{"vcek.der", &table_certs.vcek}, std::pair{"vlek.der", &table_certs.vlek},
          std::pair{"ask.der", &table_certs.ask}, std::pair{"ark.der", &table_certs.ark}})
      if (svsm::is_der_certificate(cert->der)) put(name, cert->der);
  }

  std::optional<svsm::Verification> verification;
  if (o.verify) {
    svsm::VerifyInput in;
    in.report = r.report;
    in.nonce = std::span<const uint8_t>(req.nonce);
    in.manifest = std::span<const uint8_t>(r.manifest);
    in.certs = given_certs;
    in.certs.fill_from(table_certs);
    in.expect = expect;
    verification = svsm::verify_evidence(in);
  }

  auto report = svsm::parse_snp_report(r.report);
  bool binds = svsm::report_binds(report, req.nonce, r.manifest);
  std::optional<svsm::ServicesManifest> manifest;
  if (!req.service) manifest = svsm::parse_services_manifest(r.manifest);
  auto certs = svsm::parse_cert_table(r.certificates);

  using json = nlohmann::ordered_json;
  Printer p(out, g.json, "attest");
  p.field({}, "call", {}, req.service ? "attest-single-service" : "attest-services", To::json);
  if (req.service) p.field({}, "service", {}, req.service->to_string(), To::json);
  p.field({}, "nonce", {}, svsm::to_hex(req.nonce), To::json);
  std::string head = fmt::format("Attestation report: {} bytes, version {}, VMPL {}, {}\n",
                                 r.report.size(), report.version, report.vmpl,
                                 report.signed_() ? "signed" : p.tone("NOT signed", Tone::warn));
  if (r.via == "configfs-tsm")
    head += fmt::format(
        "  via configfs-tsm, provider {}{}\n", r.provider.empty() ? "(unknown)" : r.provider,
        r.privlevel_floor ? fmt::format(", privlevel_floor {}", *r.privlevel_floor) : "");
  else
    head += "  via the svsm_diag module\n";
  if (report.emulated())
    head +=
        "  " +
        p.tone("EMULATED: made by the svsm_diag emulated SVSM, not by AMD hardware", Tone::warn) +
        "\n";
  head += fmt::format("  REPORT_DATA: {}\n", svsm::to_hex(report.report_data));
  p.text(head, "report",
         {{"size", r.report.size()},
          {"version", report.version},
          {"vmpl", report.vmpl},
          {"signed", report.signed_()},
          {"emulated", report.emulated()},
          {"report_data", svsm::to_hex(report.report_data)},
          {"measurement", svsm::to_hex(report.measurement)}});
  p.text(fmt::format("  REPORT_DATA = SHA-512(nonce || manifest): {}\n",
                     binds ? p.tone("yes", Tone::good) : p.tone("NO", Tone::bad)),
         "report_data_matches", binds);
  // Services and certificates: a line and an object each.
  auto guids = [&p](std::string_view key, const auto &entries) {
    p.list(key);
    for (const auto &e : entries) {
      p.item();
      p.text(fmt::format("  {}: {} bytes\n", guid_label(e.guid), e.length), "guid",
             e.guid.to_string());
      p.field({}, "name", {}, svsm::guid_name(e.guid), To::json);
      p.field({}, "size", {}, e.length, To::json);
      p.end();
    }
    p.end();
  };
  if (manifest) {
    p.text(fmt::format("Services manifest: {} bytes, {} service(s)\n", r.manifest.size(),
                       manifest->entries.size()));
    guids("services", manifest->entries);
  } else {
    p.text(fmt::format("Service manifest of {}: {} bytes\n", guid_label(*req.service),
                       r.manifest.size()));
    p.list("services");
    p.end();
  }
  p.field({}, "manifest_size", {}, r.manifest.size(), To::json);
  p.text(fmt::format("Certificates: {}\n", certs.size()));
  guids("certificates", certs);
  p.field({}, "via", {}, r.via, To::json);
  if (!r.provider.empty()) p.field({}, "provider", {}, r.provider, To::json);
  if (r.privlevel_floor) p.field({}, "privlevel_floor", {}, *r.privlevel_floor, To::json);
  p.field({}, "attempts", {}, r.attempts ? json(*r.attempts) : json(nullptr), To::json);
  if (!o.out_dir.empty()) {
    p.text(fmt::format("Written to {}: {}\n", o.out_dir, fmt::join(written, " ")), "out",
           o.out_dir);
    p.field({}, "files", {}, written, To::json);
  }
  if (verification) print_verification(p, *verification);
  p.emit(out);
  if (verification) {
    if (verification->verdict == svsm::EvidenceVerdict::failed)
      out.error("verification failed: " + verification->summary, "see the failed checks above");
    return verification_exit(*verification);
  }
  if (!binds) {
    out.error(
        "REPORT_DATA does not equal SHA-512(nonce || manifest): the report does not bind this "
        "manifest",
        "do not trust this report; compare the files written with --out");
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

void add_attest(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<AttestOptions>();
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_attest(*o, g, out); });
  if (!sub) return;  // a bare line: the defaults stand
  sub->add_option("--service", o->service,
                  "Attest one service: vtpm, uefi-mm or a GUID (default: all services)");
  sub->add_option("--manifest-version", o->manifest_version,
                  "Manifest version of the service (with --service)")
      ->type_name("N")
      ->each([o](const std::string &) { o->manifest_version_given = true; });
  auto *nonce = sub->add_option("--nonce", o->nonce_hex,
                                "The 64-byte nonce as 128 hex digits (default: random)")
                    ->type_name("HEX");
  auto *nonce_file =
      sub->add_option("--nonce-file", o->nonce_file, "Read the 64-byte nonce from FILE")
          ->type_name("FILE");
  nonce->excludes(nonce_file);
  sub->add_option(
         "--out", o->out_dir,
         "Write the evidence (report.bin, manifest.bin, nonce.bin, certs.bin, *.der) to DIR")
      ->type_name("DIR");
  sub->add_flag("--no-certs", o->no_certs, "Do not ask for the certificate table");
  sub->add_option("--cpu", o->cpu, "CPU to issue the call on (default: any)")
      ->type_name("N")
      ->transform(number_validator(UINT32_MAX));
  sub->add_option("--via", o->via,
                  "configfs-tsm or module (default: configfs-tsm when the kernel offers SVSM "
                  "attestation there)")
      ->check(CLI::IsMember({"configfs-tsm", "module"}));
  sub->add_option("--privlevel", o->privlevel,
                  "configfs-tsm privlevel to ask for, 0-3 (default: not set)")
      ->type_name("N")
      ->transform(number_validator(3));
  auto *verify =
      sub->add_flag("--verify", o->verify,
                    "Verify the report: REPORT_DATA, signature, AMD chain, TCB, expectations");
  add_verify_options(sub, o->v, verify);
}

}  // namespace svsmctl
