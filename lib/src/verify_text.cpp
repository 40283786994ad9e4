// SPDX-License-Identifier: GPL-2.0-only
// The parts of svsm/verify.hpp without OpenSSL: names, TCB fields, AMD's
// roots. They stay in svsmctl; verify.cpp goes into svsmctl-crypto.so.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "svsm/verify.hpp"

namespace svsm {

namespace {

// AMD's ARKs: SHA-256 of each ARK's SubjectPublicKeyInfo, computed from the
// certificate chains AMD publishes at https://kdsintf.amd.com/vcek/v1/<product>/cert_chain
// (the same ARK signs the VLEK chain at .../vlek/v1/<product>/cert_chain).
constexpr std::array<uint8_t, 32> from_hex32(std::string_view h) {
  std::array<uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; i++)
    out[i] =
        static_cast<uint8_t>(detail::hex_digit(h[2 * i]) << 4 | detail::hex_digit(h[2 * i + 1]));
  return out;
}
constexpr TrustedRoot kAmdRoots[] = {
    // CN=ARK-Milan, https://kdsintf.amd.com/vcek/v1/Milan/cert_chain
    {Product::milan,
     from_hex32("9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9")},
    // CN=ARK-Genoa, https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain
    {Product::genoa,
     from_hex32("429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831")},
    // CN=ARK-Turin, https://kdsintf.amd.com/vcek/v1/Turin/cert_chain
    {Product::turin,
     from_hex32("4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08")},
};

}  // namespace

// ---------------------------------------------------------------- products and TCB

std::string_view product_name(Product p) noexcept {
  switch (p) {
    case Product::milan: return "Milan";
    case Product::genoa: return "Genoa";
    case Product::turin: return "Turin";
    case Product::unknown: break;
  }
  return "";
}

Product report_product(const SnpReport &r) noexcept {
  if (!r.cpuid_family) return Product::unknown;
  // Family 19h: models 0xh are Milan, 1xh and Axh Genoa (and Bergamo/Siena,
  // which use Genoa's keys); family 1Ah is Turin.
  if (*r.cpuid_family == 0x19) {
    if ((*r.cpuid_model >> 4) == 0) return Product::milan;
    if ((*r.cpuid_model >> 4) == 1 || (*r.cpuid_model >> 4) == 0xa) return Product::genoa;
  }
  if (*r.cpuid_family == 0x1a) return Product::turin;
  return Product::unknown;
}

Tcb decode_tcb(uint64_t raw, Product p) noexcept {
  auto byte = [raw](int n) { return static_cast<uint8_t>(raw >> (8 * n)); };
  Tcb t;
  if (p == Product::turin) {
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

std::string tcb_text(const Tcb &t) {
  return fmt::format("{}bl={} tee={} snp={} ucode={}", t.fmc ? fmt::format("fmc={} ", *t.fmc) : "",
                     t.bootloader, t.tee, t.snp, t.microcode);
}

std::optional<Tcb> parse_tcb_spec(std::string_view text) {
  Tcb t;
  bool seen[5] = {};
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // trailing comma
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = item.substr(0, eq), val = item.substr(eq + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
    if (val.empty() || ec != std::errc{} || end != val.data() + val.size() || v > 255)
      return std::nullopt;
    const auto b = static_cast<uint8_t>(v);
    int idx;
    if (key == "bl")
      idx = 0, t.bootloader = b;
    else if (key == "tee")
      idx = 1, t.tee = b;
    else if (key == "snp")
      idx = 2, t.snp = b;
    else if (key == "ucode")
      idx = 3, t.microcode = b;
    else if (key == "fmc")
      idx = 4, t.fmc = b;
    else
      return std::nullopt;
    if (seen[idx]) return std::nullopt;
    seen[idx] = true;
  }
  if (!std::any_of(std::begin(seen), std::end(seen), [](bool s) { return s; })) return std::nullopt;
  return t;
}

std::span<const TrustedRoot> amd_roots() noexcept {
  return kAmdRoots;
}

std::string_view outcome_name(Outcome o) noexcept {
  switch (o) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::skipped: break;
  }
  return "skipped";
}

std::string_view evidence_verdict_name(EvidenceVerdict v) noexcept {
  switch (v) {
    case EvidenceVerdict::verified: return "verified";
    case EvidenceVerdict::unsigned_: return "unsigned";
    case EvidenceVerdict::failed: break;
  }
  return "failed";
}

void CertSet::fill_from(const CertSet &other) {
  for (auto [mine, theirs] : {std::pair{&vcek, &other.vcek}, std::pair{&vlek, &other.vlek},
                              std::pair{&ask, &other.ask}, std::pair{&ark, &other.ark}})
    if (mine->empty()) *mine = *theirs;
}

}  // namespace svsm
