// SPDX-License-Identifier: GPL-2.0-only
// installed_module_path() reads depmod's modules.dep.bin without libkmod:
// checked against libkmod itself on every module of the installed kernels,
// and against a fresh depmod run on svsm_diag.ko.
#include <gtest/gtest.h>
#include <libkmod.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "svsm/module.hpp"

namespace fs = std::filesystem;

namespace {

// Every /lib/modules/<release>/ that depmod indexed.
std::vector<fs::path> indexed_module_dirs() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator("/lib/modules", ec))
    if (fs::exists(e.path() / "modules.dep.bin")) dirs.push_back(e.path());
  return dirs;
}

// The module names modules.dep lists: the file name up to ".ko", '-' as '_'.
std::vector<std::string> module_names(const fs::path &dir) {
  std::vector<std::string> names;
  std::ifstream in(dir / "modules.dep");
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    auto file = line.substr(0, colon);
    auto slash = file.rfind('/');
    auto name = file.substr(slash == std::string::npos ? 0 : slash + 1);
    name = name.substr(0, name.find(".ko"));
    for (char &c : name)
      if (c == '-') c = '_';
    names.push_back(name);
  }
  return names;
}

struct CtxUnref {
  void operator()(kmod_ctx *c) const { kmod_unref(c); }
};

std::optional<std::string> libkmod_path(kmod_ctx *ctx, const std::string &name) {
  kmod_module *mod = nullptr;
  if (kmod_module_new_from_name(ctx, name.c_str(), &mod) < 0) return std::nullopt;
  const char *path = kmod_module_get_path(mod);
  std::optional<std::string> out = path ? std::optional<std::string>(path) : std::nullopt;
  kmod_module_unref(mod);
  return out;
}

TEST(InstalledModulePath, AgreesWithLibkmodOnEveryInstalledModule) {
  auto dirs = indexed_module_dirs();
  if (dirs.empty()) GTEST_SKIP() << "no /lib/modules/*/modules.dep.bin on this machine";
  for (const auto &dir : dirs) {
    std::unique_ptr<kmod_ctx, CtxUnref> ctx(kmod_new(dir.c_str(), nullptr));
    ASSERT_TRUE(ctx);
    auto names = module_names(dir);
    ASSERT_GT(names.size(), 100U) << dir;
    for (const auto &name : names)
      ASSERT_EQ(svsm::installed_module_path(name, dir), libkmod_path(ctx.get(), name))
          << name << " in " << dir;
    // Prefixes and extensions of a module's name are no module.
    EXPECT_EQ(svsm::installed_module_path(names.front() + "x", dir), std::nullopt);
    EXPECT_EQ(svsm::installed_module_path(names.front().substr(0, 1), dir),
              libkmod_path(ctx.get(), names.front().substr(0, 1)));
    EXPECT_EQ(svsm::installed_module_path("", dir), std::nullopt);
  }
}

class FreshDepmod : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("svsmctl-depmod-" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(FreshDepmod, FindsSvsmDiagWhereDepmodPutIt) {
  const fs::path built = SVSM_DIAG_KO_DIR;
  std::error_code ec;
  fs::path ko;
  for (const auto &e : fs::directory_iterator(built, ec))
    if (fs::exists(e.path() / "svsm_diag.ko")) ko = e.path() / "svsm_diag.ko";
  if (ko.empty()) GTEST_SKIP() << "no svsm_diag.ko built under " << built;
  const std::string release = ko.parent_path().filename();
  const fs::path dir = root_ / "lib/modules" / release;
  fs::create_directories(dir / "updates/dkms");
  fs::copy_file(ko, dir / "updates/dkms/svsm_diag.ko");
  const std::string depmod = std::string(DEPMOD) + " -b '" + root_.string() + "' '" + release + "'";
  ASSERT_EQ(std::system(depmod.c_str()), 0) << depmod;

  EXPECT_EQ(svsm::installed_module_path("svsm_diag", dir),
            (dir / "updates/dkms/svsm_diag.ko").string());
  EXPECT_EQ(svsm::installed_module_path("svsm-diag", dir),
            (dir / "updates/dkms/svsm_diag.ko").string());
  EXPECT_EQ(svsm::installed_module_path("svsm", dir), std::nullopt);
  EXPECT_EQ(svsm::installed_module_path("svsm_diag", root_), std::nullopt);  // no index there

  // A truncated or damaged index is no module, and no crash.
  const auto index = dir / "modules.dep.bin";
  const auto size = fs::file_size(index);
  for (auto keep : {size / 2, uintmax_t{13}, uintmax_t{3}, uintmax_t{0}}) {
    fs::resize_file(index, keep);
    EXPECT_EQ(svsm::installed_module_path("svsm_diag", dir), std::nullopt) << keep;
  }
}

}  // namespace
