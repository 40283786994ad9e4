// SPDX-License-Identifier: GPL-2.0-only
// Sources: AMD pub. 58019 (SVSM spec rev 1.00) as summarised in
// shared/reference/svsm-protocol.md §2-§4, COCONUT-SVSM, Linux.
#include "svsm/results.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <span>

#include "svsm/numbers.hpp"
#include "svsm/protocols.hpp"
#include "svsm_spec.h"
#include "text_match.hpp"

namespace svsm {

namespace {

using detail::name_equals;
using detail::starts_with_nocase;

// Value and spelling of a svsm_spec.h macro, so that names cannot drift.
#define SVSM_NAMED(macro) macro, #macro

constexpr int64_t kAnyCall = -1;

std::string hex32(uint32_t v) {
  return fmt::format("{:#010x}", v);
}

// ---------------------------------------------------------------- result codes

struct Named {
  uint32_t code;
  std::string_view name;
  std::string_view meaning;
  std::string_view cause;
  std::string_view fix;
};

constexpr Named kGeneric[] = {
    {SVSM_NAMED(SVSM_SUCCESS), "The call completed successfully.", "", ""},
    {SVSM_NAMED(SVSM_ERR_INCOMPLETE),
     "The SVSM did part of the work and stopped early; the call is not finished.",
     "The SVSM splits long operations (such as large PVALIDATE lists) so that it does not hold the "
     "vCPU too long.",
     "Issue the same call again with the same registers (setting CALL_PENDING to 1 again). The "
     "Linux kernel "
     "retries automatically; if this code is what remains after the retries ran out, try again "
     "later."},
    {SVSM_NAMED(SVSM_ERR_UNSUPPORTED_PROTOCOL),
     "The SVSM does not offer the protocol in RAX bits 63:32 (to this vCPU, or at all).",
     "The protocol is optional and this SVSM was built or configured without it, or the protocol "
     "number is wrong.",
     "List the protocols the SVSM offers with core QUERY_PROTOCOL (protocol 0, call 6) and use "
     "only those."},
    {SVSM_NAMED(SVSM_ERR_UNSUPPORTED_CALL),
     "The protocol exists, but the SVSM does not implement this call in it.",
     "The call number is not defined for the protocol, was added in a newer protocol version than "
     "the SVSM "
     "supports, or is optional and this SVSM leaves it out.",
     "Check the call number and the version range QUERY_PROTOCOL reports; nothing in the guest can "
     "make the "
     "SVSM offer the call."},
    {SVSM_NAMED(SVSM_ERR_INVALID_ADDRESS),
     "A guest physical address passed to the call is not usable: it is not guest memory, cannot be "
     "accessed, "
     "or overlaps memory the SVSM protects (its own pages, a VMSA or a Calling Area).",
     "A GPA argument points outside guest RAM, into the SVSM's memory (SVSM_BASE to SVSM_BASE + "
     "SVSM_SIZE in "
     "the secrets page), or at a page already in use as a VMSA or Calling Area.",
     "Pass the GPA of ordinary private guest RAM, aligned as the call requires and not in use as a "
     "VMSA or "
     "Calling Area."},
    {SVSM_NAMED(SVSM_ERR_INVALID_FORMAT),
     "SVSM_CALL_PENDING in the Calling Area held a reserved value (neither 0 nor 1).",
     "The first byte of this vCPU's Calling Area was overwritten, or the caller wrote CALL_PENDING "
     "in a page "
     "that is not the vCPU's registered Calling Area.",
     "Issue calls only through this vCPU's registered Calling Area (Linux 6.11+ returns its GPA "
     "for a read of "
     "MSR 0xC001F000) and write exactly 1 to CALL_PENDING."},
    {SVSM_NAMED(SVSM_ERR_INVALID_PARAMETER),
     "A parameter is invalid: a value out of range, reserved bits set, or an address with the "
     "wrong alignment.",
     "An argument register or a field of a structure in guest memory does not follow the call's "
     "definition.",
     "Check every argument against the call's definition: alignment, reserved bits (which must be "
     "0) and "
     "value ranges."},
    {SVSM_NAMED(SVSM_ERR_INVALID_REQUEST),
     "The protocol handler cannot carry out this request, although its parameters are well formed.",
     "The SVSM does not support this operation in its current state or configuration.",
     "Changing the arguments will not help: the SVSM, or the way it was configured, does not allow "
     "the request."},
    {SVSM_NAMED(SVSM_ERR_BUSY), "The SVSM cannot handle the call right now; it did nothing.",
     "Another vCPU holds a resource the call needs (implementation-defined).",
     "Retry after a short delay. The Linux kernel retries BUSY without limit, with interrupts "
     "disabled."},
};

// Core protocol: PVALIDATE/RMPADJUST failures are SVSM_ERR_PROTOCOL_BASE + the
// instruction's return code (0x11 for any code above 0xF).
constexpr Named kCoreSpecific[] = {
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_INPUT),
     "PVALIDATE or RMPADJUST, run by the SVSM for this call, failed with FAIL_INPUT (1): invalid "
     "input.",
     "The page is not assigned to the guest in the RMP (for example it is still shared), or the "
     "address, page "
     "size or target VMPL is not valid for the instruction.",
     "Make sure the page is private (converted by a Page State Change to private) before it is "
     "validated, and "
     "that the entry's page size matches."},
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_PERMISSION),
     "RMPADJUST, run by the SVSM for this call, failed with FAIL_PERMISSION (2): the SVSM may not "
     "change the "
     "page's permissions.",
     "The page is a VMSA page, is not owned in a way the SVSM may adjust, or the requested "
     "permissions exceed "
     "the caller's.",
     "Use an ordinary private guest page; do not pass VMSA pages or pages a more privileged VMPL "
     "owns."},
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_INUSE),
     "FAIL_INUSE (3): the page is in use. For DELETE_VCPU this means the VMSA is still running.",
     "The vCPU that runs on this VMSA is executing, or the page is busy in another operation.",
     "Stop the vCPU first (take the CPU offline or wait for it to halt), then repeat the call."},
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH),
     "FAIL_SIZEMISMATCH (6): a 2 MiB PVALIDATE request hit a range that the RMP maps as 4 KiB "
     "pages.",
     "The hypervisor backs the 2 MiB range with 4 KiB RMP entries.",
     "Validate the range as 512 separate 4 KiB pages; the Linux kernel does this on its own."},
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_UNCHANGED),
     "FAIL_UNCHANGED (0x10): PVALIDATE left the page's validation state unchanged (CF=1) because "
     "the page was "
     "already validated (or already invalid), and the entry's ignore-CF bit (bit 3) was clear.",
     "The page was validated twice: a bookkeeping bug in the guest, or the hypervisor remapped a "
     "page behind "
     "the guest's back (a possible attack).",
     "Find out why the page was validated twice instead of setting ignore-CF. The Linux kernel "
     "treats any "
     "PVALIDATE failure as fatal and terminates the guest (GHCB_TERM_PVALIDATE)."},
    {SVSM_NAMED(SVSM_ERR_PVALIDATE_FAIL_OTHER),
     "PVALIDATE or RMPADJUST returned a code above 0xF, which the core protocol reports as "
     "0x80001011.",
     "An unexpected failure of the instruction in the SVSM.",
     "Note the call and the page involved and report it to the SVSM's maintainers."},
};

// Context-specific causes and fixes: {code, protocol, call or kAnyCall}.
// An empty fix keeps the generic one.
struct Note {
  uint32_t code;
  uint32_t protocol;
  int64_t call;
  std::string_view cause;
  std::string_view fix;
};

constexpr Note kNotes[] = {
    // INCOMPLETE
    {SVSM_ERR_INCOMPLETE, SVSM_PROTOCOL_CORE, SVSM_CORE_PVALIDATE,
     "The SVSM processed part of the PVALIDATE list; the list header's 'next' field holds the "
     "index of the "
     "first entry not yet done.",
     "Call PVALIDATE again with the same RCX; the SVSM continues at 'next'."},

    // UNSUPPORTED_PROTOCOL
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_CORE, kAnyCall,
     "Every SVSM must implement the core protocol, so the call did not reach a conforming SVSM: "
     "the hypervisor "
     "may have answered without running VMPL0, or the SVSM does not follow the spec.",
     "Check that an SVSM is present (secrets-page SVSM_SIZE not 0, guest VMPL above 0) and that "
     "the hypervisor "
     "can run VMPL0 for the guest (GHCB feature MULTI_VMPL)."},
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_ATTEST, kAnyCall,
     "The SVSM has no attestation protocol, or (COCONUT-SVSM) the call number is unknown: COCONUT "
     "answers "
     "UNSUPPORTED_PROTOCOL, not UNSUPPORTED_CALL, for an attestation call it does not know.",
     "Use ATTEST_SERVICES (call 0) or ATTEST_SINGLE_SERVICE (call 1), and check the protocol with "
     "QUERY_PROTOCOL."},
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_ATTEST, SVSM_ATTEST_SINGLE_SERVICE,
     "COCONUT-SVSM answers UNSUPPORTED_PROTOCOL when ATTEST_SINGLE_SERVICE names a service GUID it "
     "does not "
     "offer (or the service is not built in); some COCONUT versions implement only ATTEST_SERVICES "
     "and answer "
     "every single-service request this way.",
     "Attest all services with ATTEST_SERVICES and use a service GUID listed in the returned "
     "manifest (the "
     "vTPM is c476f1eb-0123-45a5-9641-b4e7dde5bfe3)."},
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_VTPM, kAnyCall,
     "The SVSM has no vTPM: COCONUT-SVSM offers protocol 2 only when it is built with the 'vtpm' "
     "feature.",
     "Use an SVSM build with vTPM support; without it the guest gets no tpm-svsm device (Linux "
     "6.16+)."},
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_APIC, kAnyCall,
     "COCONUT-SVSM answers every APIC-protocol call this way unless this vCPU uses APIC emulation "
     "(alternate "
     "injection, SEV_STATUS bit 6 \"AI\"); other SVSMs do not implement this COCONUT extension at "
     "all.",
     "Nothing to fix unless the guest was meant to use alternate injection; then launch it with "
     "that SEV "
     "feature enabled."},
    {SVSM_ERR_UNSUPPORTED_PROTOCOL, SVSM_PROTOCOL_UEFI_MM, kAnyCall,
     "COCONUT-SVSM offers the UEFI variable-store protocol only when built with the 'uefivars' "
     "feature; it is "
     "a COCONUT draft, not part of the spec.",
     "Use an SVSM build with uefivars support if the firmware should keep its UEFI variables in "
     "the SVSM."},

    // UNSUPPORTED_CALL
    {SVSM_ERR_UNSUPPORTED_CALL, SVSM_PROTOCOL_CORE, SVSM_CORE_DEPOSIT_MEM,
     "COCONUT-SVSM does not implement DEPOSIT_MEM: it manages its own memory and never asks the "
     "guest for more.",
     "Nothing to do: an SVSM that never returns a memory request does not need deposits."},
    {SVSM_ERR_UNSUPPORTED_CALL, SVSM_PROTOCOL_CORE, SVSM_CORE_WITHDRAW_MEM,
     "COCONUT-SVSM does not implement WITHDRAW_MEM: it never takes memory from the guest, so there "
     "is nothing "
     "to give back.",
     "Nothing to do."},

    // INVALID_ADDRESS
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA,
     "The new Calling Area is not guest RAM, lies in the SVSM's memory, or is a page in use as a "
     "VMSA or as a "
     "registered Calling Area, this CPU's current one included. COCONUT-SVSM (commit f4bc4bcd) "
     "checks this "
     "before it writes anything; only a remap it accepts zeroes the first 8 bytes of the new page.",
     "Do not remap the Calling Area: the kernel cannot learn of it, and the spec forbids "
     "independent components "
     "to issue REMAP_CA. A test that must do it should use a fresh page owned only by the caller "
     "and remap back "
     "to the kernel's Calling Area on the same CPU with interrupts disabled."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_PVALIDATE,
     "The list at RCX, or a page named in it, is not guest memory the SVSM may use: outside guest "
     "RAM, in the "
     "SVSM's memory, a VMSA page, or the first 8 bytes of a registered Calling Area (COCONUT-SVSM "
     "f4bc4bcd "
     "reads the list only through such checks).",
     "List only pages of ordinary guest RAM outside the SVSM region, and put the list itself in "
     "guest RAM."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_CREATE_VCPU,
     "The VMSA page (RCX) or the Calling Area (RDX) is not page aligned, is the same page as the "
     "other, or "
     "overlaps the SVSM's memory, an active VMSA or an active Calling Area. COCONUT-SVSM checks "
     "both pages "
     "before the APIC ID, so this answer wins over a bad APIC ID.",
     "Use fresh 4 KiB-aligned pages for the VMSA and the Calling Area; delete a vCPU's old VMSA "
     "before "
     "reusing its pages."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_DEPOSIT_MEM,
     "The list at RCX, or a page named in it, is not guest memory the SVSM can take.",
     "Deposit only private, validated guest pages the guest no longer uses."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_WITHDRAW_MEM,
     "The output area at RCX is not guest memory the SVSM can write.", ""},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_CORE, SVSM_CORE_CONFIGURE_VTOM,
     "The host cannot support the requested vTOM value.",
     "Use the query form (RCX = 1) first and pick a vTOM within the reported range and alignment."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_ATTEST, kAnyCall,
     "The operation structure at RCX, or a buffer it names (report, nonce, manifest or "
     "certificates), is not "
     "guest memory the SVSM can access.",
     "Put the operation structure and all buffers in private guest RAM; the report, manifest and "
     "certificate "
     "buffers must be page aligned."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_VTPM, SVSM_VTPM_CMD,
     "The 4 KiB from RCX are not all guest memory the SVSM can read and write (COCONUT-SVSM reads "
     "a whole "
     "page whatever the alignment).",
     "Pass the GPA of one page of private guest RAM."},
    {SVSM_ERR_INVALID_ADDRESS, SVSM_PROTOCOL_UEFI_MM, SVSM_UEFI_MM_REQUEST,
     "The buffer at RCX (RDX bytes) is not guest memory the SVSM can access.",
     "Pass a page-aligned buffer of private guest RAM."},

    // INVALID_PARAMETER
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA,
     "The new Calling Area's GPA (RCX) is not 4 KiB aligned.", "Pass a 4 KiB-aligned GPA."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_PVALIDATE,
     "The list is malformed: 'entries' is 0 or 'next' is not below 'entries', an entry has "
     "reserved bits 11:4 "
     "set or a page size other than 4K/2M, a 2M entry is not 2 MiB aligned, or the list is not "
     "8-byte aligned "
     "or crosses a 4 KiB page.",
     "Fix the list: header {u16 entries, u16 next, u32 0}, entries with bits 1:0 size, bit 2 "
     "validate, bit 3 "
     "ignore-CF, bits 11:4 zero, bits 63:12 the GFN."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_CREATE_VCPU,
     "The VMSA failed the SVSM's checks: its VMPL is 0 or more privileged than the caller's, "
     "EFER.SVME is "
     "clear, its SEV_FEATURES differ from the boot vCPU's, or R8 holds an unknown APIC ID.",
     "Build the VMSA at the caller's VMPL with EFER.SVME = 1 and SEV_FEATURES = SEV_STATUS >> 2, "
     "as Linux "
     "does, and pass an existing APIC ID."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_DELETE_VCPU,
     "RCX is not a VMSA the SVSM created, is the boot vCPU's VMSA, or belongs to a more privileged "
     "VMPL.",
     "Pass the GPA of a VMSA created earlier with CREATE_VCPU at the caller's VMPL."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_DEPOSIT_MEM,
     "The list is malformed: 'entries' is 0 or 'next' is not below 'entries', or an entry has "
     "reserved bits "
     "11:2 set or a bad page size.",
     ""},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_WITHDRAW_MEM,
     "The output area has no room for even one entry (its GPA is at page offset 0xFF8 or above).",
     "Pass an output area that starts early enough in its page to hold the header and at least one "
     "entry."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_CORE, SVSM_CORE_CONFIGURE_VTOM,
     "Reserved bits are set in RCX: the spec wants the query form to be exactly RCX = 1, and the "
     "configure "
     "form needs bits 11:5 clear. (COCONUT-SVSM ignores bits 63:1 of a query and answers RCX = 0.)",
     "Use RCX = 1 to query."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_ATTEST, kAnyCall,
     "Most often a buffer is too small: the SVSM then returns the sizes it needs in RCX (services "
     "manifest), "
     "RDX (certificates) and R8 (report). Other causes: a nonce length other than 64 or a nonce "
     "that crosses a "
     "page, a report, manifest or certificate buffer that is not page aligned, reserved fields not "
     "zero, a "
     "certificate buffer over 16 KiB (COCONUT-SVSM), or a service manifest version other than 0. "
     "When it has "
     "certificates, COCONUT-SVSM (f4bc4bcd) answers RDX = 16384, its whole certificate buffer, so "
     "only a "
     "16 KiB certificate buffer is large enough.",
     "Read RCX, RDX and R8 and retry with buffers at least that large, rounded up to whole pages "
     "(Linux's "
     "configfs-tsm does this up to 3 times); use a 64-byte nonce."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_VTPM, SVSM_VTPM_CMD,
     "RCX is 0 or not guest memory the SVSM can read, or the request is malformed: a platform "
     "command other "
     "than TPM_SEND_COMMAND (8; COCONUT-SVSM answers INVALID_PARAMETER, the spec "
     "UNSUPPORTED_CALL), a locality "
     "other than 0, or a command larger than the page allows (4087 bytes). An empty or malformed "
     "TPM command "
     "is not refused: the TPM answers it inside the response (for example TPM_RC_INSUFFICIENT).",
     "Check the request header: u32 command 8, u8 locality 0, u32 input size, then the TPM "
     "command."},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_APIC, SVSM_APIC_CONFIGURE,
     "RCX holds a value CONFIGURE does not define (COCONUT versions differ in the values they "
     "accept).",
     ""},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_APIC, SVSM_APIC_READ_REGISTER,
     "RCX names an APIC register the SVSM does not emulate.", ""},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_APIC, SVSM_APIC_WRITE_REGISTER,
     "RCX names an APIC register the SVSM does not emulate, or RDX is not a valid value for it.",
     ""},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_APIC, SVSM_APIC_CONFIGURE_VECTOR,
     "RCX has bits set above the vector (7:0) and enable (8) fields.", ""},
    {SVSM_ERR_INVALID_PARAMETER, SVSM_PROTOCOL_UEFI_MM, SVSM_UEFI_MM_REQUEST,
     "The buffer GPA (RCX) is not page aligned, or its size (RDX) is smaller than an "
     "EFI_MM_COMMUNICATE_HEADER "
     "or larger than 256 KiB.",
     ""},

    // INVALID_REQUEST
    {SVSM_ERR_INVALID_REQUEST, SVSM_PROTOCOL_CORE, SVSM_CORE_CONFIGURE_VTOM,
     "The configure form of CONFIGURE_VTOM was refused: COCONUT-SVSM never allows vTOM to be "
     "configured, and "
     "the spec refuses it once several vCPUs run.",
     "Use the query form (RCX = 1) to see whether configuration is supported at all."},
    {SVSM_ERR_INVALID_REQUEST, SVSM_PROTOCOL_ATTEST, kAnyCall,
     "The SVSM could not get a report from the AMD Secure Processor (its guest request to the "
     "firmware "
     "failed).",
     "Retry; if it persists, check the host's SEV firmware and the SVSM's log."},
    {SVSM_ERR_INVALID_REQUEST, SVSM_PROTOCOL_APIC, kAnyCall,
     "This vCPU does not use APIC emulation, so there is no emulated APIC to read, write or "
     "configure.",
     ""},
};

const Named *find_named(std::span<const Named> table, uint32_t code) noexcept {
  for (const auto &n : table)
    if (n.code == code) return &n;
  return nullptr;
}

const Note *find_note(uint32_t code, uint32_t protocol, std::optional<uint32_t> call) noexcept {
  const Note *any = nullptr;
  for (const auto &n : kNotes) {
    if (n.code != code || n.protocol != protocol) continue;
    if (n.call == kAnyCall)
      any = &n;
    else if (call && n.call == static_cast<int64_t>(*call))
      return &n;
  }
  return any;
}

std::string known_call_list(uint32_t protocol) {
  std::string out;
  for (const auto &c : known_calls()) {
    if (c.protocol != protocol) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", c.call, c.name);
  }
  return out;
}

// "core QUERY_PROTOCOL" style label for a protocol/call, for messages.
std::string context_label(uint32_t protocol, std::optional<uint32_t> call) {
  std::string_view pname = protocol_name(protocol);
  std::string p = pname.empty() ? fmt::format("protocol {}", protocol) : std::string(pname);
  if (!call) return p;
  std::string_view cname = call_name(protocol, *call);
  return cname.empty() ? fmt::format("{} call {}", p, *call) : fmt::format("{} {}", p, cname);
}

ResultCode explain_generic(const Named &g, std::optional<uint32_t> protocol,
                           std::optional<uint32_t> call) {
  ResultCode r;
  r.code = g.code;
  r.name = g.name;
  r.meaning = g.meaning;
  r.cause = g.cause;
  r.fix = g.fix;
  r.kind = g.code == SVSM_SUCCESS ? ResultCode::Kind::success : ResultCode::Kind::error;
  if (!protocol) return r;

  if (const Note *n = find_note(g.code, *protocol, call)) {
    r.cause = n->cause;
    if (!n->fix.empty()) r.fix = n->fix;
  }

  bool known_protocol = !protocol_name(*protocol).empty();
  if (g.code == SVSM_ERR_UNSUPPORTED_PROTOCOL && !known_protocol) {
    r.cause = fmt::format(
        "Protocol {} is not defined by the SVSM spec or by COCONUT-SVSM, so an SVSM that does not "
        "know it "
        "answers this way.{}",
        *protocol,
        *protocol >= 0x80000000 && *protocol <= 0x8000ffff
            ? " (The spec reserves 0x80000000-0x8000FFFF for AMD's reference implementation.)"
            : "");
  } else if (g.code == SVSM_ERR_UNSUPPORTED_CALL && known_protocol && call &&
             call_name(*protocol, *call).empty()) {
    r.cause = fmt::format("Call {} is not defined for the {} protocol (known calls: {}).", *call,
                          protocol_name(*protocol), known_call_list(*protocol));
  } else if (g.code == SVSM_ERR_UNSUPPORTED_CALL && *protocol == SVSM_PROTOCOL_ATTEST) {
    r.cause += " (COCONUT-SVSM itself answers UNSUPPORTED_PROTOCOL for unknown attestation calls.)";
  }
  return r;
}

ResultCode explain_protocol_specific(uint32_t code, std::optional<uint32_t> protocol) {
  const uint32_t n = code - SVSM_ERR_PROTOCOL_BASE;
  ResultCode r;
  r.code = code;
  r.kind = ResultCode::Kind::error;
  r.name = "protocol-defined error";

  const bool core_or_unknown = !protocol || *protocol == SVSM_PROTOCOL_CORE;
  if (core_or_unknown) {
    if (const Named *c = find_named(kCoreSpecific, code)) {
      r.name = c->name;
      r.meaning = c->meaning;
      r.cause = c->cause;
      r.fix = c->fix;
      if (!protocol)
        r.cause +=
            " (This assumes a core-protocol call; other protocols may give the value another "
            "meaning.)";
      return r;
    }
  }

  if (protocol && *protocol == SVSM_PROTOCOL_APIC && n <= 1) {
    if (n == 0) {
      r.name = "SVSM_ERR_APIC_CANNOT_REGISTER";
      r.meaning =
          "APIC protocol error 0: the SVSM cannot register (newer COCONUT-SVSM: cannot disable) "
          "APIC emulation "
          "for this vCPU.";
      r.cause = "The APIC emulation state cannot change now, for example because it was locked.";
      r.fix =
          "Query the registration state with CONFIGURE first; the state may be fixed for the "
          "guest's life.";
    } else {
      r.name = "SVSM_ERR_APIC_CANNOT_LOCK";
      r.meaning =
          "APIC protocol error 1 (newer COCONUT-SVSM): the SVSM cannot lock APIC emulation.";
      r.cause = "The platform does not allow APIC emulation to be locked in its current state.";
      r.fix = "Leave APIC emulation unlocked, or check the SVSM's log for the reason.";
    }
    return r;
  }

  r.meaning = fmt::format(
      "Protocol-specific error {:#x} (result codes 0x80001000 and above belong to the "
      "protocol that was called).",
      n);
  if (!protocol) {
    r.cause = n <= 0xf
                  ? fmt::format(
                        "For a core-protocol call: PVALIDATE or RMPADJUST in the SVSM returned "
                        "{}, a code with no name in the spec.{}",
                        n,
                        n == 0 ? " For an APIC-protocol call (COCONUT): APIC emulation could not "
                                 "be registered."
                               : "")
                  : "Which error this is depends on the protocol that was called.";
    r.fix = "Explain the code again together with the protocol and call that returned it.";
  } else if (*protocol == SVSM_PROTOCOL_CORE) {
    r.cause = n <= 0xf
                  ? fmt::format(
                        "PVALIDATE or RMPADJUST in the SVSM returned {}, a code with no name in "
                        "the spec.",
                        n)
                  : "The core protocol defines no such code: the SVSM does not follow the spec.";
    r.fix = "Note the call and its arguments and report it to the SVSM's maintainers.";
  } else if (*protocol == SVSM_PROTOCOL_ATTEST) {
    r.cause =
        "The spec defines no attestation-specific errors; COCONUT-SVSM reports some internal "
        "attestation "
        "failures (for example a report or manifest that does not fit) as protocol-specific "
        "errors.";
    r.fix = "Retry with larger buffers; if it persists, check the SVSM's log.";
  } else {
    r.cause = fmt::format("The {} protocol defines no such code as far as svsmctl knows.",
                          context_label(*protocol, std::nullopt));
    r.fix = "Check the SVSM's documentation for this protocol.";
  }
  return r;
}

}  // namespace

// ---------------------------------------------------------------- public: result codes

bool ResultCode::retryable() const noexcept {
  return code == SVSM_ERR_INCOMPLETE || code == SVSM_ERR_BUSY;
}

std::string_view kind_name(ResultCode::Kind kind) noexcept {
  switch (kind) {
    case ResultCode::Kind::success: return "success";
    case ResultCode::Kind::info: return "info";
    case ResultCode::Kind::memory_request: return "memory-request";
    case ResultCode::Kind::error: return "error";
  }
  return "error";
}

ResultCode explain_result(uint32_t code, std::optional<uint32_t> protocol,
                          std::optional<uint32_t> call) {
  if (const Named *g = find_named(kGeneric, code)) return explain_generic(*g, protocol, call);

  ResultCode r;
  r.code = code;

  if (code < 0x1000) {  // 0x1-0xfff
    r.kind = ResultCode::Kind::info;
    r.name = "reserved";
    r.meaning = fmt::format(
        "{} is a reserved value in the success half of the result space (0x1-0xFFF); the "
        "spec gives it no meaning.",
        hex32(code));
    r.cause =
        "The SVSM does not follow the spec, or the value never came from an SVSM: if the call was "
        "not "
        "executed (CALL_PENDING still 1 afterwards), RAX still holds the call number that was "
        "sent.";
    r.fix =
        "Check that the call was executed (CALL_PENDING read back as 0); if it was, report the "
        "value to "
        "the SVSM's maintainers.";
  } else if (code < SVSM_RESULT_MEMORY_MIN) {  // 0x1000-0x3fffffff
    r.kind = ResultCode::Kind::info;
    r.name = "protocol-defined success";
    r.meaning = fmt::format("Success, with protocol-specific information {} (0x1000-0x3FFFFFFF).",
                            hex32(code));
    r.cause =
        "No protocol in the spec or in COCONUT-SVSM defines such a value, so its detail is "
        "unknown.";
    r.fix = "Treat the call as successful; see the protocol's documentation for the value.";
  } else if (code <= SVSM_RESULT_MEMORY_MAX) {  // 0x40000000-0x7fffffff
    r.kind = ResultCode::Kind::memory_request;
    r.name = "memory request";
    r.memory_pages = code & 0x3fffffffU;
    const uint64_t kib = uint64_t{r.memory_pages} * 4;
    r.meaning =
        r.memory_pages == 0
            ? std::string("The SVSM asks for more memory, but the page count (bits 29:0) is 0.")
            : fmt::format("The SVSM needs {} more 4 KiB page{} ({} KiB) to complete the call.",
                          r.memory_pages, r.memory_pages == 1 ? "" : "s", kib);
    r.cause =
        "The SVSM ran out of its own memory for this call. The call left no half-done state, so it "
        "can "
        "be repeated.";
    if (protocol && *protocol == SVSM_PROTOCOL_CORE && call && *call == SVSM_CORE_QUERY_PROTOCOL)
      r.cause +=
          " (The spec forbids QUERY_PROTOCOL to ask for memory: this SVSM does not follow the "
          "spec.)";
    r.fix = fmt::format(
        "Give the SVSM at least {} page{} with core DEPOSIT_MEM (call 4), then repeat the call. "
        "The Linux kernel never deposits memory, so in a Linux guest the call fails (-EINVAL).",
        r.memory_pages, r.memory_pages == 1 ? "" : "s");
  } else if (code < SVSM_ERR_PROTOCOL_BASE) {  // 0x80000008-0x80000fff
    r.kind = ResultCode::Kind::error;
    r.name = "reserved";
    r.meaning = fmt::format(
        "{} is a reserved value in the generic-error range (0x80000008-0x80000FFF); spec "
        "revision 1.00 gives it no meaning.",
        hex32(code));
    r.cause =
        "The SVSM uses a generic error defined after spec revision 1.00, or does not follow the "
        "spec.";
    r.fix = "Check the SVSM's documentation for the value and treat the call as failed.";
  } else {
    return explain_protocol_specific(code, protocol);
  }
  return r;
}

std::optional<uint32_t> parse_result_code(std::string_view text) noexcept {
  if (auto v = parse_u64(text)) return static_cast<uint32_t>(*v);  // upper half of RAX ignored

  std::string_view t = text;
  for (std::string_view prefix : {"SVSM_ERR_", "SVSM_"}) {
    if (starts_with_nocase(t, prefix)) {
      t.remove_prefix(prefix.size());
      break;
    }
  }
  if (t.empty()) return std::nullopt;
  auto match = [&](std::string_view name) {
    for (std::string_view prefix : {"SVSM_ERR_", "SVSM_"})
      if (name.substr(0, prefix.size()) == prefix) {
        name.remove_prefix(prefix.size());
        break;
      }
    return name_equals(name, t);
  };
  for (const auto &g : kGeneric)
    if (match(g.name)) return g.code;
  for (const auto &c : kCoreSpecific)
    if (match(c.name)) return c.code;
  // Bare instruction names: "FAIL_INPUT" etc.
  for (const auto &c : kCoreSpecific) {
    std::string_view name = c.name.substr(std::string_view("SVSM_ERR_PVALIDATE_").size());
    if (name_equals(name, t)) return c.code;
  }
  return std::nullopt;
}

std::string_view call_failure_text(int err) noexcept {
  switch (err) {
    case EIO: return "the SVSM returned an error";
    case EBUSY: return "the SVSM kept answering BUSY/INCOMPLETE past the retry bound (max_retries)";
    case ECOMM: return "not serviced: CALL_PENDING was still set, the SVSM never saw the call";
    case EREMOTEIO: return "the hypervisor refused to run VMPL0 (GHCB MSR VMPL response)";
    case EAGAIN:
      return "interrupted: every exchange lost its VMPL0 request to an NMI before the SVSM saw it; "
             "nothing ran";
    case EHOSTDOWN:
      return "this CPU's Calling Area is lost: the SVSM listens on a page the kernel does not use";
    default: return "";
  }
}

}  // namespace svsm
