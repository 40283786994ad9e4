// SPDX-License-Identifier: GPL-2.0-only
#include "verify_render.hpp"

#include <fmt/format.h>

#include "common.hpp"

namespace svsmctl {

void add_verify_options(CLI::App *sub, VerifyOptions &o, CLI::Option *needs) {
  std::vector<CLI::Option *> opts = {
      sub->add_option(
             "--certs", o.certs_dir,
             "Read the VCEK or VLEK, ASK and ARK from DIR (vcek.der, ask.pem, cert_chain.pem, ...)")
          ->type_name("DIR"),
      sub->add_option("--expect-measurement", o.measurement,
                      "Fail unless MEASUREMENT is HEX (96 hex digits)")
          ->type_name("HEX"),
      sub->add_option("--expect-policy", o.policy, "Fail unless the guest POLICY is N")
          ->type_name("N"),
      sub->add_option("--min-tcb", o.min_tcb,
                      "Fail unless REPORTED_TCB is at least bl=N,tee=N,snp=N,ucode=N[,fmc=N]")
          ->type_name("SPEC"),
      sub->add_option("--expect-vmpl", o.vmpl, "Fail unless the report's VMPL is N (default 0)")
          ->type_name("N"),
  };
  if (needs)
    for (auto *opt : opts) opt->needs(needs);
}

svsm::Expectations parse_expectations(const VerifyOptions &o) {
  svsm::Expectations e;
  if (!o.measurement.empty()) {
    auto v = svsm::from_hex(o.measurement);
    if (!v || v->size() != 48)
      throw UsageError(fmt::format(
          "--expect-measurement: expected 48 bytes as 96 hex digits, got '{}'", o.measurement));
    e.measurement.emplace();
    std::copy(v->begin(), v->end(), e.measurement->begin());
  }
  if (!o.policy.empty()) e.policy = parse_number_arg("--expect-policy", o.policy);
  if (!o.min_tcb.empty()) {
    e.min_tcb = svsm::parse_tcb_spec(o.min_tcb);
    if (!e.min_tcb)
      throw UsageError(fmt::format(
          "--min-tcb '{}': use bl=N,tee=N,snp=N,ucode=N (and fmc=N on Turin), each 0-255",
          o.min_tcb));
  }
  if (!o.vmpl.empty()) e.vmpl = static_cast<uint32_t>(parse_number_arg("--expect-vmpl", o.vmpl, 3));
  return e;
}

nlohmann::ordered_json report_json(const svsm::SnpReport &r, svsm::Product p) {
  auto tcb = [p](uint64_t raw) {
    return nlohmann::ordered_json{{"raw", hex(raw)},
                                  {"text", svsm::tcb_text(svsm::decode_tcb(raw, p))}};
  };
  nlohmann::ordered_json j = {
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"policy", hex(r.policy)},
      {"family_id", svsm::to_hex(r.family_id)},
      {"image_id", svsm::to_hex(r.image_id)},
      {"vmpl", r.vmpl},
      {"signature_algo", r.signature_algo},
      {"current_tcb", tcb(r.current_tcb)},
      {"platform_info", hex(r.platform_info)},
      {"signing_key", r.signing_key() == 0   ? "vcek"
                      : r.signing_key() == 1 ? "vlek"
                                             : "none"},
      {"mask_chip_id", r.mask_chip_id()},
      {"author_key_en", r.author_key_en()},
      {"report_data", svsm::to_hex(r.report_data)},
      {"measurement", svsm::to_hex(r.measurement)},
      {"host_data", svsm::to_hex(r.host_data)},
      {"id_key_digest", svsm::to_hex(r.id_key_digest)},
      {"author_key_digest", svsm::to_hex(r.author_key_digest)},
      {"report_id", svsm::to_hex(r.report_id)},
      {"report_id_ma", svsm::to_hex(r.report_id_ma)},
      {"reported_tcb", tcb(r.reported_tcb)},
  };
  if (r.cpuid_family)
    j["cpuid"] = {{"family", hex(*r.cpuid_family)},
                  {"model", hex(*r.cpuid_model)},
                  {"stepping", hex(*r.cpuid_stepping)}};
  j["chip_id"] = svsm::to_hex(r.chip_id);
  j["committed_tcb"] = tcb(r.committed_tcb);
  j["current_version"] = fmt::format("{}.{}.{}", r.current_major, r.current_minor, r.current_build);
  j["committed_version"] =
      fmt::format("{}.{}.{}", r.committed_major, r.committed_minor, r.committed_build);
  j["launch_tcb"] = tcb(r.launch_tcb);
  if (r.launch_mit_vector) {
    j["launch_mit_vector"] = hex(*r.launch_mit_vector);
    j["current_mit_vector"] = hex(*r.current_mit_vector);
  }
  j["signed"] = r.signed_();
  j["emulated"] = r.emulated();
  return j;
}

void print_verification(Printer &p, const svsm::Verification &v) {
  Tone tone = v.verdict == svsm::EvidenceVerdict::verified ? Tone::good
              : v.verdict == svsm::EvidenceVerdict::failed ? Tone::bad
                                                           : Tone::warn;
  p.begin("verification");
  p.field({}, "verdict", {}, svsm::evidence_verdict_name(v.verdict), To::json);
  p.text(fmt::format("Verification: {}\n", p.tone(v.summary, tone)), "summary", v.summary);
  p.field({}, "emulated", {}, v.emulated, To::json);
  p.field({}, "product", {}, svsm::product_name(v.product), To::json);
  p.table("checks", "  {} {:<18} {}\n", {});
  for (const auto &c : v.checks) {
    Tone t = c.outcome == svsm::Outcome::pass   ? Tone::good
             : c.outcome == svsm::Outcome::fail ? Tone::bad
                                                : Tone::dim;
    p.cell({}, p.tone(fmt::format("{:<7}", svsm::outcome_name(c.outcome)), t), {}, To::text);
    p.cell("name", c.name, c.name);
    p.cell("result", {}, svsm::outcome_name(c.outcome), To::json);
    p.cell("detail", c.detail, c.detail);
    p.end_row();
  }
  p.end_table();
  p.end();
}

int verification_exit(const svsm::Verification &v) {
  switch (v.verdict) {
    case svsm::EvidenceVerdict::verified: return exit_ok;
    case svsm::EvidenceVerdict::unsigned_: return exit_unverified;
    case svsm::EvidenceVerdict::failed: break;
  }
  return exit_failure;
}

}  // namespace svsmctl
