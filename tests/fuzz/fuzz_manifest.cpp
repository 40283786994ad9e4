// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: parse_services_manifest() on untrusted bytes.
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "svsm/attestation.hpp"
#include "svsm_spec.h"

namespace {

uint32_t le32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  svsm::ServicesManifest m;
  try {
    m = svsm::parse_services_manifest(in);
  } catch (const svsm::ParseError &) {
    return 0;
  }

  // The header.
  FUZZ_CHECK(size >= SVSM_GUID_ENTRY_SIZE);
  FUZZ_CHECK(m.guid == svsm::kServicesManifestGuid);
  FUZZ_CHECK(m.total_length == le32(data + 16));
  FUZZ_CHECK(m.total_length <= size);
  FUZZ_CHECK(m.trailing_bytes == size - m.total_length);
  FUZZ_CHECK(m.entries.size() == le32(data + 20));
  FUZZ_CHECK(m.entries.size() <= svsm::kMaxManifestEntries);
  const std::size_t list_end = (m.entries.size() + 1) * SVSM_GUID_ENTRY_SIZE;
  FUZZ_CHECK(list_end <= m.total_length);

  // Every entry is the bytes of its slot, and its data a span of the table,
  // after the entry list.
  const uint8_t *table_end = data + m.total_length;
  for (std::size_t i = 0; i < m.entries.size(); i++) {
    const auto &e = m.entries[i];
    const uint8_t *slot = data + (i + 1) * SVSM_GUID_ENTRY_SIZE;
    FUZZ_CHECK(e.guid == svsm::Guid::from_le_bytes(std::span<const uint8_t, 16>(slot, 16)));
    FUZZ_CHECK(e.offset == le32(slot + 16));
    FUZZ_CHECK(e.length == le32(slot + 20));
    FUZZ_CHECK(e.offset >= list_end);
    FUZZ_CHECK(e.data.size() == e.length);
    FUZZ_CHECK(e.data.data() == data + e.offset);
    FUZZ_CHECK(e.data.data() >= data + list_end);
    FUZZ_CHECK(e.data.data() + e.data.size() <= table_end);
    const svsm::ManifestEntry *found = m.find(e.guid);
    FUZZ_CHECK(found != nullptr && found <= &e && found->guid == e.guid);
  }

  // The bytes after total_length play no part: the table alone parses the same.
  const svsm::ServicesManifest t = svsm::parse_services_manifest(in.first(m.total_length));
  FUZZ_CHECK(t.trailing_bytes == 0);
  FUZZ_CHECK(t.entries.size() == m.entries.size());
  for (std::size_t i = 0; i < t.entries.size(); i++) {
    FUZZ_CHECK(t.entries[i].guid == m.entries[i].guid);
    FUZZ_CHECK(t.entries[i].data.data() == m.entries[i].data.data());
    FUZZ_CHECK(t.entries[i].data.size() == m.entries[i].data.size());
  }
  return 0;
}
