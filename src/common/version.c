/* version.c - the library's version and the versions of the binary
 * interfaces behind private headers, for `--version` and for bindings. */
#include "sluice/version.h"
#include "channel/chan.h"
#include "shm/layout.h"

const char *sluice_version(void)
{
	return SLUICE_VERSION_STRING;
}

unsigned sluice_segment_abi_version(void)
{
	return SLUICE_SHM_ABI_VERSION;
}

unsigned sluice_channel_protocol(void)
{
	return CHAN_PROTOCOL;
}
