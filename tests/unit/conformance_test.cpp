// SPDX-License-Identifier: GPL-2.0-only
// Runs every row of tests/conformance/coconut.tsv against the userspace
// emulated SVSM. The format is in tests/conformance/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "emu_fixture.hpp"
#include "svsm/decode.hpp"

namespace emu_test {
namespace {

constexpr uint64_t kPagesBuffer = kScratch + 0x20000;  // where "pages" buffers go

struct Row {
  int line = 0;
  std::map<std::string, std::string> f;
  const std::string &operator[](const std::string &k) const { return f.at(k); }
};

std::vector<std::string> Split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<Row> LoadTable() {
  std::ifstream in(CONFORMANCE_TABLE);
  if (!in) throw std::runtime_error("cannot read " CONFORMANCE_TABLE);
  std::vector<std::string> head;
  std::vector<Row> rows;
  std::string text;
  for (int line = 1; std::getline(in, text); line++) {
    if (text.empty() || text[0] == '#') continue;
    auto cells = Split(text, '\t');
    if (head.empty()) {
      head = cells;
      continue;
    }
    if (cells.size() != head.size())
      throw std::runtime_error("coconut.tsv line " + std::to_string(line) +
                               ": wrong number of columns");
    Row r;
    r.line = line;
    for (size_t i = 0; i < head.size(); i++) r.f[head[i]] = cells[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

uint32_t ResultCode(const std::string &name) {
  static const std::map<std::string, uint32_t> codes = {
      {"SUCCESS", SVSM_SUCCESS},
      {"INCOMPLETE", SVSM_ERR_INCOMPLETE},
      {"UNSUPPORTED_PROTOCOL", SVSM_ERR_UNSUPPORTED_PROTOCOL},
      {"UNSUPPORTED_CALL", SVSM_ERR_UNSUPPORTED_CALL},
      {"INVALID_ADDRESS", SVSM_ERR_INVALID_ADDRESS},
      {"INVALID_FORMAT", SVSM_ERR_INVALID_FORMAT},
      {"INVALID_PARAMETER", SVSM_ERR_INVALID_PARAMETER},
      {"INVALID_REQUEST", SVSM_ERR_INVALID_REQUEST},
      {"BUSY", SVSM_ERR_BUSY},
      {"PVALIDATE_FAIL_UNCHANGED", SVSM_ERR_PVALIDATE_FAIL_UNCHANGED},
      {"PVALIDATE_FAIL_SIZEMISMATCH", SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH},
  };
  auto it = codes.find(name);
  if (it != codes.end()) return it->second;
  return static_cast<uint32_t>(std::stoull(name, nullptr, 0));
}

svsm_emu_config ConfigNamed(const std::string &name) {
  svsm_emu_config cfg = DefaultConfig();
  if (name == "certs") {
    cfg.certs = true;
  } else if (name == "novtpm") {
    cfg.protocols[SVSM_PROTOCOL_VTPM] = {0, 0};
  } else if (name == "ext") {
    cfg.protocols[SVSM_PROTOCOL_APIC] = {1, 1};
    cfg.protocols[SVSM_PROTOCOL_UEFI_MM] = {1, 1};
  } else if (name != "base") {
    throw std::runtime_error("unknown config " + name);
  }
  return cfg;
}

class Conformance : public EmuTest {
 protected:
  void SetUp() override {}  // Init() runs per config

  uint64_t Eval(const std::string &expr, unsigned cpu, uint64_t buf) {
    std::string sym = expr;
    uint64_t add = 0;
    auto plus = expr.find('+');
    if (plus != std::string::npos) {
      sym = expr.substr(0, plus);
      add = std::stoull(expr.substr(plus + 1), nullptr, 0);
    }
    uint64_t base;
    if (sym.empty() || sym[0] != '@') {
      base = std::stoull(sym, nullptr, 0);
    } else if (sym == "@ca") {
      base = svsm_emu_registered_caa(&emu, cpu);
    } else if (sym.rfind("@ca", 0) == 0) {
      base = svsm_emu_registered_caa(&emu, static_cast<unsigned>(std::stoul(sym.substr(3))));
    } else if (sym == "@svsm") {
      base = kSvsmBase;
    } else if (sym == "@pool") {
      base = kPoolGpa;
    } else if (sym == "@unmapped") {
      base = kUnmapped;
    } else if (sym == "@buf") {
      base = buf;
    } else {
      throw std::runtime_error("unknown symbol " + sym);
    }
    return base + add;
  }

  std::vector<uint8_t> Buffer(const std::string &spec, unsigned cpu, uint64_t buf) {
    std::vector<uint8_t> b;
    auto put = [&](std::vector<uint8_t> &v, size_t off, const std::string &type, uint64_t val) {
      size_t n = type == "u8"                      ? 1
                 : type == "u16" || type == "be16" ? 2
                 : type == "u32" || type == "be32" ? 4
                                                   : 8;
      if (v.size() < off + n) v.resize(off + n);
      for (size_t i = 0; i < n; i++) {
        size_t shift = type.rfind("be", 0) == 0 ? 8 * (n - 1 - i) : 8 * i;
        v[off + i] = static_cast<uint8_t>(val >> shift);
      }
    };
    for (const auto &tok : Split(spec, ' ')) {
      auto parts = Split(tok, ':');
      const std::string &kind = parts.at(0);
      if (kind == "hex") {
        for (size_t i = 0; i + 1 < parts.at(1).size(); i += 2)
          b.push_back(static_cast<uint8_t>(std::stoul(parts[1].substr(i, 2), nullptr, 16)));
      } else if (kind == "zero") {
        b.resize(b.size() + std::stoull(parts.at(1), nullptr, 0));
      } else if (kind == "fill") {
        b.insert(b.end(), std::stoull(parts.at(1), nullptr, 0),
                 static_cast<uint8_t>(std::stoul(parts.at(2), nullptr, 0)));
      } else if (kind == "pad") {
        size_t n = std::stoull(parts.at(1), nullptr, 0);
        if (b.size() < n) b.resize(n);
      } else if (kind == "at") {
        put(b, std::stoull(parts.at(1), nullptr, 0), parts.at(2), Eval(parts.at(3), cpu, buf));
      } else {
        put(b, b.size(), kind, Eval(parts.at(1), cpu, buf));
      }
    }
    return b;
  }

  void RunRow(const Row &row) {
    SCOPED_TRACE("coconut.tsv line " + std::to_string(row.line) + ": " + row["id"]);
    unsigned cpu = static_cast<unsigned>(std::stoul(row["cpu"]));
    uint64_t ca = svsm_emu_registered_caa(&emu, cpu);
    const std::string &where = row["buffer_in"];
    uint64_t buf = where == "ca" ? ca + SVSM_CA_BUFFER : where == "pages" ? kPagesBuffer : 0;
    mem.transient = where == "pages" ? kPagesBuffer : 0;

    std::map<std::string, uint64_t> in;
    for (const char *reg : {"rcx", "rdx", "r8"}) in[reg] = Eval(row[reg], cpu, buf);
    std::vector<uint8_t> bytes;
    if (where != "-") {
      bytes = Buffer(row["buffer"], cpu, buf);
      ASSERT_LE(bytes.size(), where == "ca" ? SVSM_CA_BUFFER_SIZE : 16384u);
      std::memcpy(At(buf, bytes.size()), bytes.data(), bytes.size());
      if (row["buffer_reg"] != "r9") in[row["buffer_reg"]] = buf;
    }

    uint64_t rax =
        SVSM_RAX(std::stoull(row["protocol"], nullptr, 0), std::stoull(row["call"], nullptr, 0));
    Result r = Call(cpu, rax, in["rcx"], in["rdx"], in["r8"]);
    EXPECT_EQ(r.pending, 0) << "not serviced";
    EXPECT_EQ(static_cast<uint32_t>(r.rax), ResultCode(row["rax"])) << std::hex << r.rax;
    std::map<std::string, uint64_t> out = {{"rcx", r.rcx}, {"rdx", r.rdx}, {"r8", r.r8}};
    for (const char *reg : {"rcx", "rdx", "r8"}) {
      const std::string &want = row[std::string("out_") + reg];
      uint64_t expected = want == "=" ? in[reg] : Eval(want, cpu, buf);
      EXPECT_EQ(out[reg], expected)
          << reg << std::hex << " 0x" << out[reg] << " wanted 0x" << expected;
    }
    if (row["out_buffer"] != "-") {
      for (const auto &check : Split(row["out_buffer"], ' ')) {
        auto parts = Split(check, ':');
        std::vector<uint8_t> want;
        std::string type = parts.at(1);
        size_t off = std::stoull(parts.at(0), nullptr, 0);
        size_t n = type == "u8"                      ? 1
                   : type == "u16" || type == "be16" ? 2
                   : type == "u32" || type == "be32" ? 4
                                                     : 8;
        uint64_t val = Eval(parts.at(2), cpu, buf), got = 0;
        for (size_t i = 0; i < n; i++) {
          size_t shift = type.rfind("be", 0) == 0 ? 8 * (n - 1 - i) : 8 * i;
          got |= static_cast<uint64_t>(Get8(buf + off + i)) << shift;
        }
        EXPECT_EQ(got, val) << "buffer check " << check;
      }
    }
    // The module undoes a REMAP_CA that succeeded; so does the table's runner.
    if (row["protocol"] == "0" && row["call"] == "0" && r.rax == SVSM_SUCCESS) {
      mem.transient = 0;
      ASSERT_EQ(Call(cpu, SVSM_RAX(0, SVSM_CORE_REMAP_CA), ca).rax, SVSM_SUCCESS);
    }
    mem.transient = 0;
  }
};

TEST_F(Conformance, EveryRowOfTheTable) {
  std::vector<Row> rows = LoadTable();
  ASSERT_GT(rows.size(), 150u);
  for (const char *config : {"base", "certs", "novtpm", "ext"}) {
    cfg = ConfigNamed(config);
    std::fill(mem.bytes.begin(), mem.bytes.end(), uint8_t{0});
    Init();
    for (const Row &row : rows)
      if (row["config"] == config) RunRow(row);
  }
  for (const Row &row : rows) {
    SCOPED_TRACE(row["id"]);
    EXPECT_NO_THROW(ConfigNamed(row["config"]));
    EXPECT_NE(row["coconut"], "-") << "every row cites its source";
    EXPECT_TRUE(row["e2e"] == "yes" || row["e2e"].rfind("no:", 0) == 0);
  }
}

}  // namespace
}  // namespace emu_test

namespace emu_test {
namespace {

// Every result code svsmctl explain names has a row that produces it, or a
// reason why no row can.
TEST(ConformanceCoverage, EveryNamedResultCodeHasARowOrAReason) {
  const std::map<std::string, std::string> reasons = {
      {"INCOMPLETE",
       "only the emulator's pvalidate_batch setting and fault injection produce it, and the "
       "module retries it (tests/unit/emu_test.cpp EmuPvalTest.Batch*, tests/e2e/test_svsm.py)"},
      {"BUSY", "COCONUT never answers BUSY; fault injection covers it (tests/e2e/test_svsm.py)"},
      {"INVALID_FORMAT",
       "CALL_PENDING other than 1 cannot be set through svsmctl call; emu_test.cpp "
       "ReservedPendingValueIsInvalidFormat (COCONUT takes any non-zero value as a call)"},
      {"PVALIDATE_FAIL_INPUT",
       "a PVALIDATE instruction failure the emulator's pool cannot produce"},
      {"PVALIDATE_FAIL_PERMISSION",
       "an RMPADJUST/PVALIDATE failure the emulator's pool cannot produce"},
      {"PVALIDATE_FAIL_INUSE",
       "a PVALIDATE instruction failure the emulator's pool cannot produce"},
      {"PVALIDATE_FAIL_OTHER",
       "a PVALIDATE instruction failure the emulator's pool cannot produce"},
      {"APIC_CANNOT_REGISTER", "the emulator has no APIC emulation whose registration could fail"},
      {"APIC_CANNOT_LOCK", "not in COCONUT f4bc4bcd (protocols/errors.rs defines error 0 only)"},
  };
  const std::map<std::string, uint32_t> named = {
      {"SUCCESS", SVSM_SUCCESS},
      {"INCOMPLETE", SVSM_ERR_INCOMPLETE},
      {"UNSUPPORTED_PROTOCOL", SVSM_ERR_UNSUPPORTED_PROTOCOL},
      {"UNSUPPORTED_CALL", SVSM_ERR_UNSUPPORTED_CALL},
      {"INVALID_ADDRESS", SVSM_ERR_INVALID_ADDRESS},
      {"INVALID_FORMAT", SVSM_ERR_INVALID_FORMAT},
      {"INVALID_PARAMETER", SVSM_ERR_INVALID_PARAMETER},
      {"INVALID_REQUEST", SVSM_ERR_INVALID_REQUEST},
      {"BUSY", SVSM_ERR_BUSY},
      {"PVALIDATE_FAIL_INPUT", SVSM_ERR_PVALIDATE_FAIL_INPUT},
      {"PVALIDATE_FAIL_PERMISSION", SVSM_ERR_PVALIDATE_FAIL_PERMISSION},
      {"PVALIDATE_FAIL_INUSE", SVSM_ERR_PVALIDATE_FAIL_INUSE},
      {"PVALIDATE_FAIL_SIZEMISMATCH", SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH},
      {"PVALIDATE_FAIL_UNCHANGED", SVSM_ERR_PVALIDATE_FAIL_UNCHANGED},
      {"PVALIDATE_FAIL_OTHER", SVSM_ERR_PVALIDATE_FAIL_OTHER},
  };
  std::set<std::string> used;
  for (const Row &row : LoadTable()) used.insert(row["rax"]);
  for (const auto &[name, code] : named) {
    // The name is the one explain gives (for PVALIDATE codes: with the call).
    auto rc = svsm::explain_result(code, SVSM_PROTOCOL_CORE, SVSM_CORE_PVALIDATE);
    EXPECT_EQ(rc.name, (code == SVSM_SUCCESS ? "SVSM_" : "SVSM_ERR_") + name);
    EXPECT_TRUE(used.count(name) || reasons.count(name)) << name << ": no row and no reason";
    EXPECT_FALSE(used.count(name) && reasons.count(name))
        << name << ": a row exists, drop the reason";
  }
  for (uint32_t n : {0u, 1u}) {
    auto rc =
        svsm::explain_result(SVSM_ERR_PROTOCOL_BASE + n, SVSM_PROTOCOL_APIC, SVSM_APIC_CONFIGURE);
    std::string name(rc.name.substr(rc.name.rfind("ERR_") + 4));
    EXPECT_TRUE(used.count(name) || reasons.count(name)) << rc.name;
  }
}

}  // namespace
}  // namespace emu_test
