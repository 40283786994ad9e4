// SPDX-License-Identifier: GPL-2.0-only
// What svsmctl status concludes from what userspace can read, with fake
// /proc, /sys and CPUID: each fact's source, and "unknown" with a reason
// instead of a false "none".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "svsm/status.hpp"

namespace fs = std::filesystem;
using svsm::Source;
using svsm::Verdict;

namespace {

constexpr uint32_t kSevBits = (1U << 1) | (1U << 3) | (1U << 4);  // SEV, SEV-ES, SEV-SNP

class FakeMachine : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("svsmctl-fake-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    write("/proc/sys/kernel/osrelease", "6.12.0-test\n");
    write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n\n");
    cpuid_ = svsm::CpuidInfo{"AuthenticAMD", true, svsm::Cpuid8000001f{kSevBits, 51, 0, 0}};
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string &path, const std::string &text) {
    auto p = root_ / fs::path(path).relative_path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  svsm::Status status() {
    svsm::StatusOptions o;
    o.device_path = (root_ / "dev/svsm_diag").string();  // never there: no module
    o.platform.root = root_;
    auto cpuid = cpuid_;
    o.platform.cpuid = [cpuid] { return cpuid; };
    return svsm::collect_status(o);
  }

  fs::path root_;
  std::optional<svsm::CpuidInfo> cpuid_;
};

TEST_F(FakeMachine, SysfsVmplAboveZeroMeansAnSvsmEvenWithoutTheModule) {
  write("/sys/devices/system/cpu/sev/vmpl", "2\n");
  write("/proc/cpuinfo", "flags\t\t: fpu sev sev_es sev_snp svsm\n");
  auto s = status();
  EXPECT_EQ(s.verdict, Verdict::svsm);
  ASSERT_TRUE(s.vmpl.known());
  EXPECT_EQ(*s.vmpl.value, 2u);
  EXPECT_EQ(s.vmpl.source, Source::sysfs);
  ASSERT_TRUE(s.svsm_present.known());
  EXPECT_TRUE(*s.svsm_present.value);
  EXPECT_EQ(s.svsm_present.source, Source::sysfs);
  // SEV_STATUS is the module's (or newer sysfs): the CVM type falls back to
  // the CPU flags, and says so.
  EXPECT_FALSE(s.sev_status.known());
  ASSERT_TRUE(s.cvm_type.known());
  EXPECT_EQ(*s.cvm_type.value, "sev-snp");
  EXPECT_EQ(s.cvm_type.source, Source::cpuinfo);
  EXPECT_NE(s.cvm_type.note.find("CPU flags only"), std::string::npos);
  // What needs the module is unknown, with the reason.
  EXPECT_FALSE(s.protocols.known());
  EXPECT_NE(s.protocols.unknown.find("not installed"), std::string::npos) << s.protocols.unknown;
}

TEST_F(FakeMachine, TheSvsmCpuFlagAloneMeansAnSvsm) {
  write("/proc/cpuinfo", "flags\t\t: fpu sev sev_es sev_snp svsm\n");
  auto s = status();
  ASSERT_TRUE(s.svsm_present.known());
  EXPECT_TRUE(*s.svsm_present.value);
  EXPECT_EQ(s.svsm_present.source, Source::cpuinfo);
  EXPECT_FALSE(s.svsm.known());  // base, size, ...: the module's
  EXPECT_EQ(s.verdict, Verdict::svsm);
  EXPECT_NE(s.verdict_reason.find("svsm CPU flag"), std::string::npos) << s.verdict_reason;
}

TEST_F(FakeMachine, SysfsVmplZeroMeansSnpWithoutAnSvsm) {
  write("/sys/devices/system/cpu/sev/vmpl", "0\n");
  EXPECT_EQ(status().verdict, Verdict::snp_no_svsm);
}

TEST_F(FakeMachine, SysfsSevStatusGivesTheCvmTypeWithItsSource) {
  write("/sys/devices/system/cpu/sev/sev_status", "0x7\n");
  auto s = status();
  ASSERT_TRUE(s.sev_status.known());
  EXPECT_EQ(*s.sev_status.value, 0x7u);
  EXPECT_EQ(s.sev_status.source, Source::sysfs);
  EXPECT_EQ(*s.cvm_type.value, "sev-snp");
  EXPECT_NE(s.cvm_type.note.find("suggest none"), std::string::npos);  // cpuinfo disagrees
}

TEST_F(FakeMachine, AnAmdCpuWithSevButNothingElseIsUnknownNotNone) {
  auto s = status();
  EXPECT_EQ(s.verdict, Verdict::unknown);
  EXPECT_FALSE(s.vmpl.known());
  EXPECT_NE(s.vmpl.unknown.find("6.11"), std::string::npos) << s.vmpl.unknown;
  EXPECT_FALSE(s.svsm_present.known());
  EXPECT_FALSE(s.svsm_present.unknown.empty());
}

TEST_F(FakeMachine, NoSevLeafProvesThereIsNoSnp) {
  cpuid_->sev.reset();
  auto s = status();
  EXPECT_EQ(s.verdict, Verdict::not_snp);
  EXPECT_NE(s.verdict_reason.find("Fn8000_001F"), std::string::npos);
}

TEST_F(FakeMachine, AnotherVendorProvesThereIsNoSnp) {
  cpuid_ = svsm::CpuidInfo{"GenuineIntel", true, std::nullopt};
  auto s = status();
  EXPECT_EQ(s.verdict, Verdict::not_snp);
  EXPECT_NE(s.verdict_reason.find("GenuineIntel"), std::string::npos);
}

TEST_F(FakeMachine, WithoutSnpWhatOnlyAnSvsmHasDoesNotApply) {
  cpuid_ = svsm::CpuidInfo{"GenuineIntel", true, std::nullopt};
  auto s = status();
  ASSERT_EQ(s.verdict, Verdict::not_snp);
  for (bool applies : {s.vmpl.applies, s.protocols.applies, s.svsm.applies, s.liveness.applies,
                       s.calling_areas.applies, s.vtpm.applies, s.sev_status.applies})
    EXPECT_FALSE(applies);
  EXPECT_EQ(s.protocols.unknown, "not an SEV-SNP guest");
}

TEST_F(FakeMachine, WhenItCannotTellFactsStayUnknown) {
  auto s = status();  // an AMD CPU with SEV, nothing readable
  ASSERT_EQ(s.verdict, Verdict::unknown);
  EXPECT_TRUE(s.protocols.unknown_here());
  EXPECT_TRUE(s.vmpl.unknown_here());
  EXPECT_TRUE(s.liveness.unknown_here());
}

TEST_F(FakeMachine, ACpuWithoutTheSevBitProvesThereIsNoSnp) {
  cpuid_->sev->eax = 0;  // the leaf exists, the SEV bit is clear
  EXPECT_EQ(status().verdict, Verdict::not_snp);
}

TEST_F(FakeMachine, GarbageInSysfsIsUnknownWithTheFileNamed) {
  write("/sys/devices/system/cpu/sev/vmpl", "two\n");
  auto s = status();
  EXPECT_FALSE(s.vmpl.known());
  EXPECT_NE(s.vmpl.unknown.find("/sys/devices/system/cpu/sev/vmpl: unexpected contents"),
            std::string::npos)
      << s.vmpl.unknown;
}

// /proc/cpuinfo is read to the end of the first CPU's record only, so the
// kernel formats no record for each of hundreds of CPUs. A FIFO stands in
// for it: its writer holds it open after one record, and a reader that
// wanted more would wait until the writer gives up and closes it.
TEST_F(FakeMachine, CpuinfoIsReadToTheFirstRecordsEndOnly) {
  const auto path = root_ / "proc/cpuinfo";
  fs::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::promise<void> done;
  std::atomic<bool> gave_up{false};
  std::thread writer([&path, &gave_up, finished = done.get_future()] {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    const std::string record = "processor\t: 0\nflags\t\t: fpu sev sev_es sev_snp svsm\n\n";
    if (::write(fd, record.data(), record.size()) < 0) std::perror("write");
    if (finished.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) gave_up = true;
    ::close(fd);
  });
  auto s = status();
  done.set_value();
  writer.join();
  EXPECT_FALSE(gave_up) << "status read /proc/cpuinfo past the first record";
  ASSERT_TRUE(s.platform.cpu_flags.known());
  EXPECT_EQ(*s.platform.cpu_flags.value,
            (std::vector<std::string>{"sev", "sev_es", "sev_snp", "svsm"}));
}

TEST_F(FakeMachine, UnreadableCpuinfoIsUnknown) {
  fs::remove(root_ / "proc/cpuinfo");
  fs::create_directories(root_ / "proc/cpuinfo");  // a directory cannot be read as a file
  auto s = status();
  EXPECT_FALSE(s.platform.cpu_flags.known());
  EXPECT_FALSE(s.platform.cpu_flags.unknown.empty());
}

TEST_F(FakeMachine, AttestationPathsAndVtpmDevice) {
  write("/dev/sev-guest", "");
  fs::create_directories(root_ / "sys/kernel/config/tsm/report");
  fs::create_directories(root_ / "sys/bus/platform/devices/tpm-svsm");
  auto s = status();
  EXPECT_TRUE(*s.platform.sev_guest_device.value);
  EXPECT_TRUE(*s.platform.configfs_tsm.value);
  ASSERT_TRUE(s.vtpm.known());
  EXPECT_TRUE(*s.vtpm.value);
  EXPECT_EQ(s.vtpm.source, Source::sysfs);
}

TEST_F(FakeMachine, ConfigfsNotMountedIsUnknownNotNo) {
  write("/proc/mounts", "sysfs /sys sysfs rw 0 0\n");
  fs::create_directories(root_ / "sys/kernel/config");  // the empty mount point
  auto s = status();
  EXPECT_FALSE(s.platform.configfs_tsm.known());
  EXPECT_NE(s.platform.configfs_tsm.unknown.find("configfs is not mounted"), std::string::npos);
}

TEST_F(FakeMachine, ConfigfsMountedWithoutTsmIsNo) {
  write("/proc/mounts", "sysfs /sys sysfs rw 0 0\nconfigfs /sys/kernel/config configfs rw 0 0\n");
  auto s = status();
  ASSERT_TRUE(s.platform.configfs_tsm.known());
  EXPECT_FALSE(*s.platform.configfs_tsm.value);
}

TEST(CpuinfoFlags, OnlyTheSevFlagsOfTheFirstCpu) {
  auto flags = svsm::parse_cpuinfo_sev_flags(
      "processor : 0\nflags : fpu sev_snp svsm sev sse sev_es\n\nprocessor : 1\nflags : fpu\n");
  EXPECT_EQ(flags, (std::vector<std::string>{"sev", "sev_es", "sev_snp", "svsm"}));
  EXPECT_TRUE(svsm::parse_cpuinfo_sev_flags("flags : fpu sev_snpx xsev\n").empty());
}

TEST(SysfsNumber, DecimalHexAndJunk) {
  EXPECT_EQ(svsm::parse_sysfs_number("2\n"), 2u);
  EXPECT_EQ(svsm::parse_sysfs_number("0x1f\n", 16), 0x1fu);
  EXPECT_EQ(svsm::parse_sysfs_number("1f", 16), 0x1fu);
  EXPECT_FALSE(svsm::parse_sysfs_number(""));
  EXPECT_FALSE(svsm::parse_sysfs_number("2 3"));
  EXPECT_FALSE(svsm::parse_sysfs_number("-1"));
  EXPECT_FALSE(svsm::parse_sysfs_number("99999999999999999999"));
}

}  // namespace
