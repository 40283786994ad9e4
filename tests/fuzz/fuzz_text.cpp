// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the text parsers of libsvsm. The first input byte picks
// the parser, the rest is its input:
//   0 from_hex / to_hex           5 parse_result_code, explain_result
//   1 Guid::parse / to_string     6 parse_cpuinfo_sev_flags
//   2 parse_u64                   7 parse_sysfs_number (base 10 or 16)
//   3 parse_protocol              8 decode_sev_status, CPUID Fn8000_001F bits
//   4 parse_call
// Each result is checked against a simple reference implementation or by a
// round trip.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "svsm/attestation.hpp"
#include "svsm/decode.hpp"
#include "svsm/guid.hpp"
#include "svsm/platform.hpp"

namespace {

using svsm::Guid;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

int digit(char c, unsigned base) {
  int d = -1;
  if (c >= '0' && c <= '9')
    d = c - '0';
  else if (lower(c) >= 'a' && lower(c) <= 'f')
    d = lower(c) - 'a' + 10;
  return d >= 0 && static_cast<unsigned>(d) < base ? d : -1;
}

// Digits only in @base, at least one, no overflow.
std::optional<uint64_t> ref_number(std::string_view s, unsigned base) {
  if (s.empty()) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    int d = digit(c, base);
    if (d < 0) return std::nullopt;
    v = v * base + static_cast<unsigned>(d);
    if (v > UINT64_MAX) return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

// parse_u64's documented grammar: decimal, or hex after 0x/0X.
std::optional<uint64_t> ref_u64(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return ref_number(s.substr(2), 16);
  return ref_number(s, 10);
}

// Case-insensitive, '_' == '-'.
bool name_eq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); i++) {
    char x = a[i] == '_' ? '-' : lower(a[i]), y = b[i] == '_' ? '-' : lower(b[i]);
    if (x != y) return false;
  }
  return true;
}

void check_hex(std::string_view text) {
  const auto v = svsm::from_hex(text);
  std::string_view digits = text;
  bool prefix = digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  if (prefix) digits.remove_prefix(2);
  const bool ok =
      !(prefix && digits.empty()) && digits.size() % 2 == 0 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return digit(c, 16) >= 0; });
  FUZZ_CHECK(v.has_value() == ok);
  if (v) {
    FUZZ_CHECK(v->size() == digits.size() / 2);
    FUZZ_CHECK(svsm::to_hex(*v) == lowered(digits));
  }
  // Any bytes: to_hex then from_hex gives them back.
  std::span<const uint8_t> raw(reinterpret_cast<const uint8_t *>(text.data()), text.size());
  const std::string hex = svsm::to_hex(raw);
  FUZZ_CHECK(hex.size() == 2 * raw.size());
  const auto back = svsm::from_hex(hex);
  FUZZ_CHECK(back && std::equal(back->begin(), back->end(), raw.begin(), raw.end()));
}

bool ref_guid_text(std::string_view t) {
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : digit(t[i], 16) < 0) return false;
  }
  return true;
}

void check_guid(std::string_view text) {
  const auto g = Guid::parse(text);
  FUZZ_CHECK(g.has_value() == ref_guid_text(text));
  if (g) {
    const std::string s = g->to_string();
    std::string_view bare = text.size() == 38 ? text.substr(1, 36) : text;
    FUZZ_CHECK(s == lowered(bare));
    FUZZ_CHECK(Guid::parse(s) == g);
    FUZZ_CHECK(Guid::parse("{" + s + "}") == g);
    FUZZ_CHECK(Guid::from_le_bytes(g->le_bytes()) == *g);
    std::string_view name = svsm::guid_name(*g);
    if (!name.empty()) FUZZ_CHECK(svsm::guid_by_name(name) == g);
  }
  // Any 16 bytes: to_string then parse gives them back.
  if (text.size() >= 16) {
    const auto *bytes = reinterpret_cast<const uint8_t *>(text.data());
    const Guid raw = Guid::from_le_bytes(std::span<const uint8_t, 16>(bytes, 16));
    const std::string s = raw.to_string();
    FUZZ_CHECK(s.size() == 36);
    FUZZ_CHECK(Guid::parse(s) == raw);
    FUZZ_CHECK(raw.is_null() == (raw == Guid{}));
  }
  if (const auto byname = svsm::guid_by_name(text))
    FUZZ_CHECK(lowered(svsm::guid_name(*byname)) == lowered(text));
}

void check_u64(std::string_view text) {
  const auto v = svsm::parse_u64(text);
  FUZZ_CHECK(v == ref_u64(text));
  if (v) {
    FUZZ_CHECK(svsm::parse_u64(std::to_string(*v)) == v);
    char hex[32];
    std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(*v));
    FUZZ_CHECK(svsm::parse_u64(hex) == v);
  }
}

std::optional<uint32_t> ref_u32(std::string_view text) {
  auto v = ref_u64(text);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

void check_protocol(std::string_view text) {
  std::optional<uint32_t> want;
  for (const auto &p : svsm::known_protocols())
    if (!want && name_eq(p.name, text)) want = p.number;
  if (!want && name_eq("attestation", text)) want = 1;
  if (!want) want = ref_u32(text);
  const auto got = svsm::parse_protocol(text);
  FUZZ_CHECK(got == want);
  if (got) (void)svsm::protocol_name(*got);
}

void check_call(uint32_t protocol, std::string_view text) {
  std::optional<uint32_t> want;
  for (const auto &c : svsm::known_calls())
    if (!want && c.protocol == protocol && name_eq(c.name, text)) want = c.call;
  if (!want) want = ref_u32(text);
  const auto got = svsm::parse_call(protocol, text);
  FUZZ_CHECK(got == want);
  if (got) {
    std::string_view name = svsm::call_name(protocol, *got);
    if (!name.empty()) FUZZ_CHECK(svsm::parse_call(protocol, name) == got);
  }
}

void check_explained(const svsm::ResultCode &r, uint32_t code, bool without_context = false) {
  using Kind = svsm::ResultCode::Kind;
  FUZZ_CHECK(r.code == code);
  FUZZ_CHECK(!r.name.empty());
  FUZZ_CHECK(!r.meaning.empty());
  if (code == 0)
    FUZZ_CHECK(r.kind == Kind::success);
  else if (code & 0x80000000U)
    FUZZ_CHECK(r.kind == Kind::error);
  else if (code >= 0x40000000U)
    FUZZ_CHECK(r.kind == Kind::memory_request && r.memory_pages == (code & 0x3fffffffU));
  else
    FUZZ_CHECK(r.kind == Kind::info);
  FUZZ_CHECK(r.retryable() == (code == 0x80000000U || code == 0x80000007U));
  FUZZ_CHECK(!svsm::kind_name(r.kind).empty());
  // Named codes parse back from their name (protocol-specific names only mean
  // something with their protocol, which parse_result_code does not take).
  if (without_context && r.name.substr(0, 5) == "SVSM_")
    FUZZ_CHECK(svsm::parse_result_code(r.name) == code);
}

void check_result_code(std::string_view text, std::span<const uint8_t> raw) {
  if (const auto c = svsm::parse_result_code(text)) {
    check_explained(svsm::explain_result(*c), *c, true);
    if (const auto v = ref_u64(text)) FUZZ_CHECK(*c == static_cast<uint32_t>(*v));
  } else {
    FUZZ_CHECK(!ref_u64(text));
  }
  // Any code, with any protocol and call.
  if (raw.size() >= 12) {
    uint32_t code, protocol, call;
    std::memcpy(&code, raw.data(), 4);
    std::memcpy(&protocol, raw.data() + 4, 4);
    std::memcpy(&call, raw.data() + 8, 4);
    protocol %= 8;  // mostly the known protocols, sometimes not
    if (raw.size() > 12 && raw[12] & 1) protocol = static_cast<uint32_t>(raw[12]) << 24 | protocol;
    check_explained(svsm::explain_result(code), code, true);
    check_explained(svsm::explain_result(code, protocol), code);
    check_explained(svsm::explain_result(code, protocol, call % 10), code);
    check_explained(svsm::explain_result(code, protocol, call), code);
  }
}

void check_cpuinfo(std::string_view text) {
  static constexpr std::string_view wanted[] = {"sev", "sev_es", "sev_snp", "svsm"};
  const auto flags = svsm::parse_cpuinfo_sev_flags(text);
  FUZZ_CHECK(std::is_sorted(flags.begin(), flags.end()));
  for (const auto &f : flags) {
    FUZZ_CHECK(std::find(std::begin(wanted), std::end(wanted), f) != std::end(wanted));
    FUZZ_CHECK(text.find(f) != std::string_view::npos);
  }
  if (text.find("flags") == std::string_view::npos) FUZZ_CHECK(flags.empty());
}

void check_sysfs(std::string_view text, int base) {
  const auto v = svsm::parse_sysfs_number(text, base);
  std::string_view t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  if (base == 16 && t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
  FUZZ_CHECK(v == ref_number(t, static_cast<unsigned>(base)));
}

void check_bits(std::span<const uint8_t> raw) {
  uint64_t v = 0;
  std::memcpy(&v, raw.data(), std::min<std::size_t>(raw.size(), 8));
  uint64_t seen = svsm::sev_status_reserved_bits(v);
  for (const auto &b : svsm::decode_sev_status(v)) {
    FUZZ_CHECK(b.bit < 64 && (v >> b.bit & 1));
    FUZZ_CHECK(!(seen >> b.bit & 1));
    seen |= uint64_t{1} << b.bit;
  }
  FUZZ_CHECK(seen == v);
  const auto eax = static_cast<uint32_t>(v);
  for (const auto &b : svsm::decode_cpuid_8000001f_eax(eax))
    FUZZ_CHECK(b.bit < 32 && (eax >> b.bit & 1));
  const svsm::Cpuid8000001f c{eax, static_cast<uint32_t>(v >> 32), 0, 0};
  FUZZ_CHECK(c.cbit() < 64 && c.num_vmpls() < 16);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> raw(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
  switch (data[0] % 9) {
    case 0: check_hex(text); break;
    case 1: check_guid(text); break;
    case 2: check_u64(text); break;
    case 3: check_protocol(text); break;
    case 4: check_call(data[0] / 9 % 6, text); break;
    case 5: check_result_code(text, raw); break;
    case 6: check_cpuinfo(text); break;
    case 7: check_sysfs(text, data[0] & 0x80 ? 16 : 10); break;
    default: check_bits(raw); break;
  }
  return 0;
}
