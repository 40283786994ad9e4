// SPDX-License-Identifier: GPL-2.0-only
// SHA-512 with OpenSSL. Built into svsmctl-crypto.so (see crypto_plugin.cpp),
// which only the commands that attest or verify load.
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "svsm/attestation.hpp"

namespace svsm {

namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX *ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

Sha512Digest sha512_parts(std::initializer_list<std::span<const uint8_t>> parts) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr) != 1)
    throw std::runtime_error("SHA-512: OpenSSL could not set up a digest");
  for (auto part : parts)
    if (!part.empty() && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
      throw std::runtime_error("SHA-512: OpenSSL digest update failed");
  Sha512Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
    throw std::runtime_error("SHA-512: OpenSSL digest final failed");
  return out;
}

}  // namespace

Sha512Digest sha512(std::span<const uint8_t> data) {
  return sha512_parts({data});
}

Sha512Digest sha512_concat(std::span<const uint8_t> nonce, std::span<const uint8_t> manifest) {
  return sha512_parts({nonce, manifest});
}

}  // namespace svsm
