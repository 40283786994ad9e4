// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: parse_cert_table() on untrusted bytes.
#include <algorithm>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "svsm/attestation.hpp"
#include "svsm_spec.h"

namespace {

uint32_t le32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

bool all_zero(const uint8_t *p, std::size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  std::vector<svsm::CertEntry> certs;
  try {
    certs = svsm::parse_cert_table(in);
  } catch (const svsm::ParseError &) {
    FUZZ_CHECK(size != 0);  // an empty buffer means "no certificates"
    return 0;
  }
  if (size == 0) {
    FUZZ_CHECK(certs.empty());
    return 0;
  }

  // The entries up to the first all-zero one, which lies inside the buffer.
  const std::size_t n = certs.size();
  const std::size_t table_end = (n + 1) * SVSM_GUID_ENTRY_SIZE;
  FUZZ_CHECK(table_end <= size);
  FUZZ_CHECK(all_zero(data + n * SVSM_GUID_ENTRY_SIZE, SVSM_GUID_ENTRY_SIZE));
  for (std::size_t i = 0; i < n; i++) {
    const auto &e = certs[i];
    const uint8_t *slot = data + i * SVSM_GUID_ENTRY_SIZE;
    FUZZ_CHECK(!all_zero(slot, SVSM_GUID_ENTRY_SIZE));
    FUZZ_CHECK(!e.guid.is_null());
    FUZZ_CHECK(e.guid == svsm::Guid::from_le_bytes(std::span<const uint8_t, 16>(slot, 16)));
    FUZZ_CHECK(e.offset == le32(slot + 16));
    FUZZ_CHECK(e.length == le32(slot + 20));
    // The data is a span of the buffer, after the entry table.
    FUZZ_CHECK(e.data.size() == e.length);
    FUZZ_CHECK(e.data.data() == data + e.offset);
    FUZZ_CHECK(e.offset >= table_end);
    FUZZ_CHECK(e.data.data() + e.data.size() <= data + size);
  }

  // Bytes after the last certificate's data do not matter: the buffer cut
  // just after the table and the furthest data parses the same.
  std::size_t end = table_end;
  for (const auto &e : certs) end = std::max<std::size_t>(end, std::size_t{e.offset} + e.length);
  const auto cut = svsm::parse_cert_table(in.first(end));
  FUZZ_CHECK(cut.size() == n);
  return 0;
}
