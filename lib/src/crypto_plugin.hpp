// SPDX-License-Identifier: GPL-2.0-only
// The interface between svsmctl and svsmctl-crypto.so, the shared object
// that holds everything needing OpenSSL (SHA-512, certificates, signature
// checks). Only the commands that attest or verify load it (dlopen), so no
// other command pays for loading and relocating libcrypto. Both sides come
// from the same build: the plugin says which version it is, and svsmctl
// refuses another.
#pragma once

#include "svsm/attestation.hpp"
#include "svsm/verify.hpp"

namespace svsm::crypto_plugin {

inline constexpr const char *kEntryPoint = "svsmctl_crypto_plugin_v1";

struct Api {
  const char *version;  // svsm::version of the build that made it
  unsigned size;        // sizeof(Api) there
  Sha512Digest (*sha512)(std::span<const uint8_t>);
  Sha512Digest (*sha512_concat)(std::span<const uint8_t>, std::span<const uint8_t>);
  bool (*is_der_certificate)(std::span<const uint8_t>);
  CertSet (*certs_from_table)(std::span<const uint8_t>);
  CertSet (*certs_from_dir)(const std::filesystem::path &);
  Verification (*verify_evidence)(const VerifyInput &);
};

}  // namespace svsm::crypto_plugin
