// SPDX-License-Identifier: GPL-2.0-only
// Verification of SNP attestation evidence with OpenSSL. Facts used, all
// public: the ATTESTATION_REPORT layout and signature format of the AMD
// SEV-SNP Firmware ABI specification (56860), the VCEK certificate
// extensions of AMD's "Versioned Chip Endorsement Key (VCEK) Certificate and
// KDS Interface Specification" (57230), and AMD's root keys as published by
// its Key Distribution Service (KDS).
#include "svsm/verify.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <memory>

namespace svsm {

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T *p) const noexcept {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using AsnObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;

// VCEK extensions (AMD 57230): SPLs are DER INTEGERs, hwID is 64 raw bytes.
constexpr const char *kOidProductName = "1.3.6.1.4.1.3704.1.2";
constexpr const char *kOidBlSpl = "1.3.6.1.4.1.3704.1.3.1";
constexpr const char *kOidTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
constexpr const char *kOidSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
constexpr const char *kOidUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
constexpr const char *kOidFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
constexpr const char *kOidHwid = "1.3.6.1.4.1.3704.1.4";

constexpr std::size_t kSigComponentSize = 72;  // r and s, little-endian, zero-padded

X509Ptr parse_der(const CertFile &c) {
  const unsigned char *p = c.der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(c.der.size())));
  if (x && p != c.der.data() + c.der.size()) x.reset();  // trailing bytes: not one certificate
  return x;
}

// The DER contents of extension @oid, or nullopt.
std::optional<std::span<const uint8_t>> extension(X509 *x, const char *oid) {
  AsnObjPtr obj(OBJ_txt2obj(oid, 1));
  if (!obj) return std::nullopt;
  int at = X509_get_ext_by_OBJ(x, obj.get(), -1);
  if (at < 0) return std::nullopt;
  ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, at));
  return std::span<const uint8_t>(ASN1_STRING_get0_data(v),
                                  static_cast<std::size_t>(ASN1_STRING_length(v)));
}

std::optional<long> int_extension(X509 *x, const char *oid) {
  auto v = extension(x, oid);
  if (!v) return std::nullopt;
  const unsigned char *p = v->data();
  AsnIntPtr i(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(v->size())));
  if (!i) return std::nullopt;
  long out = ASN1_INTEGER_get(i.get());
  if (out < 0 || out > 255) return std::nullopt;
  return out;
}

// std::nullopt when the certificate's key cannot be decoded (a malformed
// or unsupported key: it is then nobody's root).
std::optional<std::array<uint8_t, 32>> spki_sha256(X509 *x) {
  std::array<uint8_t, 32> out{};
  EVP_PKEY *key = X509_get0_pubkey(x);
  if (!key) return std::nullopt;
  unsigned char *der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return std::nullopt;
  unsigned int n = 0;
  int ok = EVP_Digest(der, static_cast<std::size_t>(len), out.data(), &n, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) throw std::runtime_error("SHA-256: OpenSSL digest failed");
  return out;
}

std::string subject_cn(X509 *x) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf));
  return buf[0] ? std::string(buf) : std::string("(no CN)");
}

// Is @child signed by @parent's key, with @parent's subject as its issuer?
std::string check_link(X509 *child, X509 *parent, std::string_view child_name,
                       std::string_view parent_name) {
  if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(parent)) != 0)
    return fmt::format("the {}'s issuer is not the {}'s subject ({})", child_name, parent_name,
                       subject_cn(parent));
  EVP_PKEY *key = X509_get0_pubkey(parent);
  if (!key || X509_verify(child, key) != 1)
    return fmt::format("the {}'s signature does not verify with the {}'s key", child_name,
                       parent_name);
  if (X509_cmp_current_time(X509_get0_notBefore(child)) >= 0 ||
      X509_cmp_current_time(X509_get0_notAfter(child)) <= 0)
    return fmt::format("the {} is outside its validity period", child_name);
  return {};
}

// ECDSA P-384 with SHA-384 over report[0, 0x2A0); r and s are stored
// little-endian in 72-byte fields at the start of the signature.
std::string check_signature(std::span<const uint8_t> report, const SnpReport &r, X509 *key_cert) {
  EVP_PKEY *key = X509_get0_pubkey(key_cert);
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384)
    return "the signing certificate's key is not an ECDSA P-384 key";
  std::array<uint8_t, kSigComponentSize> rb{}, sb{};
  std::reverse_copy(r.signature.begin(), r.signature.begin() + kSigComponentSize, rb.begin());
  std::reverse_copy(r.signature.begin() + kSigComponentSize,
                    r.signature.begin() + 2 * kSigComponentSize, sb.begin());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM *bn_r = BN_bin2bn(rb.data(), static_cast<int>(rb.size()), nullptr);
  BIGNUM *bn_s = BN_bin2bn(sb.data(), static_cast<int>(sb.size()), nullptr);
  if (!sig || !bn_r || !bn_s || ECDSA_SIG_set0(sig.get(), bn_r, bn_s) != 1) {
    BN_free(bn_r);
    BN_free(bn_s);
    throw std::runtime_error("OpenSSL could not build an ECDSA signature");
  }
  unsigned char *der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) throw std::runtime_error("OpenSSL could not encode an ECDSA signature");
  struct OpensslFree {
    void operator()(unsigned char *p) const noexcept { OPENSSL_free(p); }
  };
  std::unique_ptr<unsigned char, OpensslFree> der_owner(der);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) != 1)
    throw std::runtime_error("OpenSSL could not set up ECDSA verification");
  int ok = EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), report.data(),
                            kSnpSignedBytes);
  return ok == 1 ? std::string{}
                 : "the signature does not verify with the key of the signing certificate";
}

Product product_from_name(std::string_view name) {
  if (name.starts_with("Milan")) return Product::milan;
  if (name.starts_with("Genoa")) return Product::genoa;
  if (name.starts_with("Turin")) return Product::turin;
  return Product::unknown;
}

// The VCEK's productName extension is a DER IA5String such as "Milan-B0".
Product cert_product(X509 *x) {
  auto v = extension(x, kOidProductName);
  if (!v || v->size() < 2 || (*v)[0] != 0x16 || (*v)[1] != v->size() - 2) return Product::unknown;
  return product_from_name(
      std::string_view(reinterpret_cast<const char *>(v->data() + 2), v->size() - 2));
}

std::vector<uint8_t> read_file(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read it", p.string()));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// All certificates in a PEM or DER file, as DER.
std::vector<std::vector<uint8_t>> certs_in_file(const std::filesystem::path &p) {
  auto bytes = read_file(p);
  std::vector<std::vector<uint8_t>> out;
  static constexpr std::string_view kPem = "-----BEGIN";
  if (bytes.size() >= kPem.size() && std::equal(kPem.begin(), kPem.end(), bytes.begin())) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    while (X509 *raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      X509Ptr x(raw);
      unsigned char *der = nullptr;
      int len = i2d_X509(x.get(), &der);
      if (len <= 0) break;
      out.emplace_back(der, der + len);
      OPENSSL_free(der);
    }
    if (out.empty()) throw ParseError(fmt::format("{}: no PEM certificate in it", p.string()));
    return out;
  }
  CertFile c{bytes, p.string()};
  if (!parse_der(c))
    throw ParseError(fmt::format("{}: not a DER or PEM X.509 certificate", p.string()));
  out.push_back(std::move(bytes));
  return out;
}

Check pass(std::string name, std::string detail) {
  return {std::move(name), Outcome::pass, std::move(detail)};
}
Check fail(std::string name, std::string detail) {
  return {std::move(name), Outcome::fail, std::move(detail)};
}
Check skip(std::string name, std::string detail) {
  return {std::move(name), Outcome::skipped, std::move(detail)};
}

}  // namespace

// ---------------------------------------------------------------- certificates

bool is_der_certificate(std::span<const uint8_t> der) {
  return !der.empty() &&
         parse_der(CertFile{std::vector<uint8_t>(der.begin(), der.end()), {}}) != nullptr;
}

CertSet certs_from_table(std::span<const uint8_t> table) {
  CertSet s;
  for (const auto &e : parse_cert_table(table)) {
    CertFile c{std::vector<uint8_t>(e.data.begin(), e.data.end()),
               fmt::format("the certificate table's {} entry", guid_name(e.guid))};
    if (e.guid == kVcekGuid)
      s.vcek = std::move(c);
    else if (e.guid == kVlekGuid)
      s.vlek = std::move(c);
    else if (e.guid == kAskGuid)
      s.ask = std::move(c);
    else if (e.guid == kArkGuid)
      s.ark = std::move(c);
  }
  return s;
}

CertSet certs_from_dir(const std::filesystem::path &dir) {
  CertSet s;
  auto take = [&](CertFile &slot, std::string_view stem) {
    for (const char *ext : {".der", ".pem", ".crt", ".cer"}) {
      auto p = dir / fmt::format("{}{}", stem, ext);
      std::error_code ec;
      if (!slot.empty() || !std::filesystem::is_regular_file(p, ec)) continue;
      auto certs = certs_in_file(p);
      slot = CertFile{std::move(certs.front()), p.string()};
    }
  };
  take(s.vcek, "vcek");
  take(s.vlek, "vlek");
  take(s.ask, "ask");
  take(s.ask, "asvk");
  take(s.ark, "ark");
  // AMD KDS's cert_chain: the ASK (or ASVK) first, then the ARK.
  auto chain = dir / "cert_chain.pem";
  std::error_code ec;
  if (std::filesystem::is_regular_file(chain, ec)) {
    auto certs = certs_in_file(chain);
    if (certs.size() != 2)
      throw ParseError(fmt::format("{}: holds {} certificate(s), expected 2 (ASK then ARK)",
                                   chain.string(), certs.size()));
    if (s.ask.empty()) s.ask = CertFile{certs[0], chain.string() + " (ASK)"};
    if (s.ark.empty()) s.ark = CertFile{certs[1], chain.string() + " (ARK)"};
  }
  return s;
}

// ---------------------------------------------------------------- verification

Verification verify_evidence(const VerifyInput &in) {
  const SnpReport r = parse_snp_report(in.report);
  Verification v;
  v.emulated = r.emulated();
  auto &checks = v.checks;

  // The report itself.
  if (r.version < kSnpReportMinVersion || r.version > kSnpReportMaxVersion)
    checks.push_back(
        fail("report", fmt::format("report version {} is not one the SNP ABI defines ({} to {})",
                                   r.version, kSnpReportMinVersion, kSnpReportMaxVersion)));
  else if (r.signature_algo > 1)
    checks.push_back(
        fail("report", fmt::format("unknown signature algorithm {}", r.signature_algo)));
  else
    checks.push_back(pass("report", fmt::format("ATTESTATION_REPORT version {}", r.version)));

  if (in.nonce && in.manifest) {
    if (report_binds(r, *in.nonce, *in.manifest))
      checks.push_back(pass("report_data", "REPORT_DATA = SHA-512(nonce || manifest)"));
    else
      checks.push_back(fail("report_data",
                            "REPORT_DATA is not SHA-512(nonce || manifest): the report does "
                            "not bind this nonce and manifest"));
  } else {
    checks.push_back(skip("report_data", "no nonce and manifest to check REPORT_DATA against"));
  }

  const uint32_t want_vmpl = in.expect.vmpl.value_or(0);
  if (r.vmpl == want_vmpl)
    checks.push_back(
        pass("vmpl", fmt::format("VMPL {}{}", r.vmpl,
                                 in.expect.vmpl ? "" : ": made at VMPL0, as an SVSM has it made")));
  else
    checks.push_back(
        fail("vmpl", fmt::format("VMPL {}, expected {}{}", r.vmpl, want_vmpl,
                                 in.expect.vmpl ? "" : " (an SVSM has its report made at VMPL0)")));

  // Signature and chain.
  const bool is_signed = r.signed_();
  const std::string unsigned_why =
      v.emulated ? "unsigned (emulated SVSM)" : "the report is not signed";
  v.product = report_product(r);
  const char *crypto_checks[] = {"signature", "chain", "ark", "tcb", "hwid"};
  if (!is_signed) {
    for (const char *name : crypto_checks) checks.push_back(skip(name, unsigned_why));
  } else {
    const bool vlek = r.signing_key() == 1;
    const CertFile &key_file = vlek ? in.certs.vlek : in.certs.vcek;
    const char *key_name = vlek ? "VLEK" : "VCEK";
    const char *ca_name = vlek ? "ASVK" : "ASK";
    X509Ptr key = key_file.empty() ? nullptr : parse_der(key_file);
    X509Ptr ask = in.certs.ask.empty() ? nullptr : parse_der(in.certs.ask);
    X509Ptr ark = in.certs.ark.empty() ? nullptr : parse_der(in.certs.ark);

    // 1. The signature, with the VCEK or VLEK.
    if (r.signing_key() > 1) {
      checks.push_back(
          fail("signature",
               fmt::format("SIGNING_KEY is {}: neither VCEK (0) nor VLEK (1)", r.signing_key())));
      key.reset();
    } else if (key_file.empty()) {
      checks.push_back(
          fail("signature", fmt::format("no {} certificate: give one with --certs DIR", key_name)));
    } else if (!key) {
      checks.push_back(fail("signature", fmt::format("{} ({}) is not a DER X.509 certificate",
                                                     key_name, key_file.source)));
    } else if (auto err = check_signature(in.report, r, key.get()); !err.empty()) {
      checks.push_back(fail("signature", err));
    } else {
      checks.push_back(
          pass("signature", fmt::format("ECDSA P-384 signature verifies with the {}", key_name)));
    }

    // 2. The chain: VCEK/VLEK <- ASK/ASVK <- ARK (self-signed).
    std::string chain_err;
    if (!key)
      chain_err = fmt::format("no usable {} certificate", key_name);
    else if (!ask)
      chain_err = fmt::format("no usable {} certificate: give one with --certs DIR", ca_name);
    else if (!ark)
      chain_err = "no usable ARK certificate: give one with --certs DIR";
    if (chain_err.empty()) chain_err = check_link(key.get(), ask.get(), key_name, ca_name);
    if (chain_err.empty()) chain_err = check_link(ask.get(), ark.get(), ca_name, "ARK");
    if (chain_err.empty()) chain_err = check_link(ark.get(), ark.get(), "ARK", "ARK (self-signed)");
    if (chain_err.empty())
      checks.push_back(pass(
          "chain", fmt::format("{} <- {} <- ARK ({})", key_name, ca_name, subject_cn(ark.get()))));
    else
      checks.push_back(fail("chain", chain_err));

    // 3. The ARK is one of AMD's, for the report's product.
    if (!ark) {
      checks.push_back(fail("ark", "no usable ARK certificate"));
    } else {
      auto digest = spki_sha256(ark.get());
      auto root = std::find_if(in.roots.begin(), in.roots.end(), [&](const TrustedRoot &t) {
        return digest && t.spki_sha256 == *digest;
      });
      if (!digest) {
        checks.push_back(fail("ark", "the ARK's public key cannot be decoded"));
      } else if (root == in.roots.end()) {
        checks.push_back(
            fail("ark", fmt::format("the ARK's key (SHA-256 {}) is not AMD's root key for Milan, "
                                    "Genoa or Turin",
                                    to_hex(*digest))));
      } else if (v.product != Product::unknown && root->product != v.product) {
        checks.push_back(
            fail("ark", fmt::format("the ARK is AMD's root for {} but the report is from {}",
                                    product_name(root->product), product_name(v.product))));
      } else {
        if (v.product == Product::unknown) v.product = root->product;
        checks.push_back(
            pass("ark", fmt::format("AMD's root key for {}", product_name(root->product))));
      }
    }
    if (v.product == Product::unknown && key) v.product = cert_product(key.get());

    // 4. The VCEK's TCB extensions equal REPORTED_TCB.
    if (!key) {
      checks.push_back(fail("tcb", fmt::format("no usable {} certificate", key_name)));
    } else {
      Tcb reported = decode_tcb(r.reported_tcb, v.product);
      auto bl = int_extension(key.get(), kOidBlSpl), tee = int_extension(key.get(), kOidTeeSpl),
           snp = int_extension(key.get(), kOidSnpSpl), uc = int_extension(key.get(), kOidUcodeSpl),
           fmc = int_extension(key.get(), kOidFmcSpl);
      if (!bl || !tee || !snp || !uc || (v.product == Product::turin && !fmc)) {
        checks.push_back(fail(
            "tcb", fmt::format("the {} lacks a TCB extension (1.3.6.1.4.1.3704.1.3.x)", key_name)));
      } else {
        Tcb cert{fmc && v.product == Product::turin
                     ? std::optional<uint8_t>(static_cast<uint8_t>(*fmc))
                     : std::nullopt,
                 static_cast<uint8_t>(*bl), static_cast<uint8_t>(*tee), static_cast<uint8_t>(*snp),
                 static_cast<uint8_t>(*uc)};
        if (cert == reported)
          checks.push_back(pass(
              "tcb", fmt::format("REPORTED_TCB {} matches the {}", tcb_text(reported), key_name)));
        else
          checks.push_back(fail("tcb", fmt::format("REPORTED_TCB {} but the {} is for {}",
                                                   tcb_text(reported), key_name, tcb_text(cert))));
      }
    }

    // 5. The VCEK's hardware ID equals CHIP_ID (a VLEK has none).
    if (vlek) {
      checks.push_back(skip("hwid", "a VLEK is not bound to a chip"));
    } else if (r.mask_chip_id()) {
      checks.push_back(skip("hwid", "MASK_CHIP_ID is set: the report has no CHIP_ID"));
    } else if (!key) {
      checks.push_back(fail("hwid", "no usable VCEK certificate"));
    } else {
      auto hwid = extension(key.get(), kOidHwid);
      // Turin VCEKs carry the first 8 bytes of CHIP_ID only.
      if (!hwid || hwid->empty() || hwid->size() > r.chip_id.size())
        checks.push_back(fail("hwid", "the VCEK lacks the hwID extension (1.3.6.1.4.1.3704.1.4)"));
      else if (!std::equal(hwid->begin(), hwid->end(), r.chip_id.begin()))
        checks.push_back(fail(
            "hwid", "the VCEK's hwID is not the report's CHIP_ID: the VCEK is another chip's"));
      else
        checks.push_back(pass("hwid", "the VCEK's hwID equals CHIP_ID"));
    }
  }

  // The operator's expectations.
  if (in.expect.measurement) {
    if (*in.expect.measurement == r.measurement)
      checks.push_back(pass("expect_measurement", "MEASUREMENT is the expected one"));
    else
      checks.push_back(fail("expect_measurement",
                            fmt::format("MEASUREMENT is {}, expected {}", to_hex(r.measurement),
                                        to_hex(*in.expect.measurement))));
  }
  if (in.expect.policy) {
    if (*in.expect.policy == r.policy)
      checks.push_back(pass("expect_policy", fmt::format("POLICY {:#x}", r.policy)));
    else
      checks.push_back(fail("expect_policy", fmt::format("POLICY is {:#x}, expected {:#x}",
                                                         r.policy, *in.expect.policy)));
  }
  if (in.expect.min_tcb) {
    const Tcb got = decode_tcb(r.reported_tcb, v.product), &min = *in.expect.min_tcb;
    const bool ok = got.bootloader >= min.bootloader && got.tee >= min.tee && got.snp >= min.snp &&
                    got.microcode >= min.microcode && (!min.fmc || got.fmc.value_or(0) >= *min.fmc);
    if (ok)
      checks.push_back(pass(
          "min_tcb", fmt::format("REPORTED_TCB {} is at least {}", tcb_text(got), tcb_text(min))));
    else
      checks.push_back(fail(
          "min_tcb", fmt::format("REPORTED_TCB {} is below {}", tcb_text(got), tcb_text(min))));
  }
  const bool any_fail = std::any_of(checks.begin(), checks.end(),
                                    [](const Check &c) { return c.outcome == Outcome::fail; });
  if (any_fail) {
    v.verdict = EvidenceVerdict::failed;
    v.summary = "FAILED: do not trust this report";
  } else if (!is_signed) {
    v.verdict = EvidenceVerdict::unsigned_;
    v.summary =
        v.emulated ? "unsigned (emulated SVSM): nothing verified" : "unsigned: nothing verified";
  } else {
    v.verdict = EvidenceVerdict::verified;
    v.summary = fmt::format("verified ({}, {})", product_name(v.product),
                            r.signing_key() == 1 ? "VLEK" : "VCEK");
  }
  return v;
}

}  // namespace svsm
