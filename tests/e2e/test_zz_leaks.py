"""Last for each kernel (hence the name): after the whole suite has loaded
and unloaded the module again and again, kmemleak must find nothing of it.
Only the sanitizer kernel has kmemleak; Debian's kernels do not."""
import re

from figures import record


def test_kmemleak_finds_nothing_from_the_module(guest):
    have = guest.run("test -e /sys/kernel/debug/kmemleak").rc == 0
    if guest.kernel.sanitizer:
        assert have, "the sanitizer kernel was built without kmemleak"
    if not have:
        record("kmemleak", guest.kernel.name, {"available": False})
        return

    # Exercise the module once more and unload it; the suite before has
    # loaded and unloaded it hundreds of times. kmemleak reports an object
    # once a scan finds it unreferenced (and older than 5 s).
    guest.load("emulated")
    guest.ok("svsmctl status >/dev/null; svsmctl attest >/dev/null; svsmctl remap-ca >/dev/null")
    guest.ok("rmmod svsm_diag")
    # Chained: a scan refused (kmemleak switched itself off: EPERM) fails the test.
    out = guest.ok("sleep 6 && echo scan > /sys/kernel/debug/kmemleak && sleep 1 && "
                   "echo scan > /sys/kernel/debug/kmemleak && cat /sys/kernel/debug/kmemleak")
    reports = re.split(r"(?m)^unreferenced object", out)[1:]
    # svsm_diag is the only module these VMs load: a frame kallsyms cannot
    # name ("[<...>] 0xffffffffa0001234", the address itself maybe hashed
    # as ____ptrval____) was in it, now unloaded.
    unresolved = re.compile(r"(?m)^\s*\[<[^>]+>\] 0x[0-9a-f]+$")
    ours = [r for r in reports if "svsm_diag" in r or "svsm_emu" in r or unresolved.search(r)]
    record("kmemleak", guest.kernel.name, {"available": True, "unreferenced_objects": len(reports),
                                           "from_svsm_diag": len(ours)})
    assert not ours, "kmemleak:\n" + "\n".join("unreferenced object" + r for r in ours)


def test_sanitizers_stayed_on(guest):
    """At the end of the kernel's run: lockdep and kmemleak stop after their
    first report, so "no reports" counts only if they are still on."""
    if not guest.kernel.sanitizer:
        record("sanitizers", guest.kernel.name, {"sanitizer_kernel": False})
        return
    stats = guest.ok("cat /proc/lockdep_stats")
    debug_locks = re.search(r"(?m)^\s*debug_locks:\s*(\d+)", stats)
    kasan = guest.run("grep -c kasan_multi_shot /proc/cmdline").out.strip()
    scan = guest.run("echo scan > /sys/kernel/debug/kmemleak")
    record("sanitizers", guest.kernel.name, {
        "sanitizer_kernel": True, "debug_locks": int(debug_locks.group(1)) if debug_locks else None,
        "kmemleak_scan_rc": scan.rc, "kasan_multi_shot": kasan == "1"})
    assert debug_locks and debug_locks.group(1) == "1", f"lockdep turned itself off:\n{stats}"
    assert scan.rc == 0, f"kmemleak refused a scan (disabled?): {scan.err}"
