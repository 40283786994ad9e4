// SPDX-License-Identifier: GPL-2.0-only
// svsmctl-crypto.so: the OpenSSL half of libsvsm (sha512.cpp, verify.cpp),
// built with hidden visibility; its one exported symbol hands svsmctl the
// table of functions (crypto_plugin.hpp).
#include "crypto_plugin.hpp"

#include "svsm/version.hpp"

namespace {

const svsm::crypto_plugin::Api kApi = {
    svsm::version,
    sizeof(svsm::crypto_plugin::Api),
    svsm::sha512,
    svsm::sha512_concat,
    svsm::is_der_certificate,
    svsm::certs_from_table,
    svsm::certs_from_dir,
    svsm::verify_evidence,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const svsm::crypto_plugin::Api *
svsmctl_crypto_plugin_v1() {
  return &kApi;
}
