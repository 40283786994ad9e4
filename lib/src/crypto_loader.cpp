// SPDX-License-Identifier: GPL-2.0-only
// svsmctl's side of svsmctl-crypto.so (crypto_plugin.hpp): the functions of
// libsvsm that need OpenSSL, each loading the plugin on its first call.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "crypto_plugin.hpp"
#include "svsm/version.hpp"

namespace svsm {

namespace {

// Where the package installs it (CMake: ${LIBDIR}/svsmctl/). Tests and a
// build tree point SVSMCTL_CRYPTO_PLUGIN at theirs; secure_getenv ignores
// it in set-user-ID and similar processes.
const char *plugin_path() {
  const char *env = secure_getenv("SVSMCTL_CRYPTO_PLUGIN");
  return env && *env ? env : SVSMCTL_CRYPTO_PLUGIN_PATH;
}

const crypto_plugin::Api &api() {
  static const crypto_plugin::Api *loaded = [] {
    const char *path = plugin_path();
    const std::string fix =
        " (it comes with svsmctl and must be the same version: reinstall the svsmctl package)";
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      throw std::runtime_error(std::string("cannot load the attestation helper: ") + dlerror() +
                               fix);
    using Entry = const crypto_plugin::Api *(*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, crypto_plugin::kEntryPoint));
    const crypto_plugin::Api *a = entry ? entry() : nullptr;
    if (!a || a->size != sizeof(crypto_plugin::Api) || std::strcmp(a->version, version) != 0)
      throw std::runtime_error(std::string(path) + " is not the attestation helper of svsmctl " +
                               version + fix);
    return a;
  }();
  return *loaded;
}

}  // namespace

Sha512Digest sha512(std::span<const uint8_t> data) {
  return api().sha512(data);
}

Sha512Digest sha512_concat(std::span<const uint8_t> nonce, std::span<const uint8_t> manifest) {
  return api().sha512_concat(nonce, manifest);
}

bool is_der_certificate(std::span<const uint8_t> der) {
  return api().is_der_certificate(der);
}

CertSet certs_from_table(std::span<const uint8_t> table) {
  return api().certs_from_table(table);
}

CertSet certs_from_dir(const std::filesystem::path &dir) {
  return api().certs_from_dir(dir);
}

Verification verify_evidence(const VerifyInput &in) {
  return api().verify_evidence(in);
}

}  // namespace svsm
