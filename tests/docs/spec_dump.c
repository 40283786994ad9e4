// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prints svsm_spec.h's protocol and call tables as tab-separated rows, so
 * that check_man_facts.py compares the man pages with the header itself
 * rather than with a copy of it.
 */
#include <stdio.h>

#include "svsm_spec.h"

#define PROTOCOL_ROW(number, name, defined_by, desc) \
	printf("protocol\t%u\t%s\t%s\n", (unsigned int)(number), name, defined_by);
#define CALL_ROW(protocol, call, name, access, desc) \
	printf("call\t%u\t%u\t%s\t%s\n", (unsigned int)(protocol), (unsigned int)(call), name, \
	       access_word(access));

static const char *access_word(int access)
{
	switch (access) {
	case SVSM_CALL_READS:
		return "reads";
	case SVSM_CALL_READS_IF_RCX1:
		return "reads-if-rcx1";
	default:
		return "writes";
	}
}

int main(void)
{
	SVSM_PROTOCOLS(PROTOCOL_ROW)
	SVSM_CALLS(CALL_ROW)
	return 0;
}
