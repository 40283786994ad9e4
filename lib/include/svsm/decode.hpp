// SPDX-License-Identifier: GPL-2.0-only
// Offline decoding, all in one include: SVSM result codes, protocol and call
// names, SEV_STATUS and CPUID Fn8000_001F, and number parsing.
#pragma once

#include "svsm/cpu_bits.hpp"
#include "svsm/numbers.hpp"
#include "svsm/protocols.hpp"
#include "svsm/results.hpp"
