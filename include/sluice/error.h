/* sluice/error.h - error codes shared by every part of sluice.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative code on failure: -errno for what the system reported, or
 * -SLUICE_E* for sluice's own reasons.  sluice_strerror() names either kind;
 * sluice_errdetail() adds what differed in the last failure of this thread
 * (for example both layout fingerprints), since a code alone cannot say it.
 */
#ifndef SLUICE_ERROR_H
#define SLUICE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* sluice's own codes start above any errno value. Each part appends to its
 * own block; numbers never change once released. */
enum sluice_errcode {
	SLUICE_EBASE = 4096,

	/* segments and primitives (src/shm) */
	SLUICE_EBADNAME = 4097,  /* segment name empty, without '/', or too long */
	SLUICE_EMAGIC = 4098,    /* not a sluice segment */
	SLUICE_EVERSION = 4099,  /* made by an incompatible ABI version */
	SLUICE_ELAYOUT = 4100,   /* shared struct layout differs from this build's */
	SLUICE_EKIND = 4101,     /* a segment of another kind */
	SLUICE_ETRUNCATED = 4102, /* object smaller than its header says */
	SLUICE_ECORRUPT = 4103,  /* header fields inconsistent */
	SLUICE_ENOTREADY = 4104, /* creator never finished initialising */
	SLUICE_EOWNERDEAD = 4105, /* the owner or writer died */
	SLUICE_EOWNERLIVE = 4106, /* the owner is alive: not reclaimed */
	SLUICE_ETOOBIG = 4107,   /* message larger than a slot */
	SLUICE_EOWNER = 4108,    /* segment owned by another user (squatted name) */
	SLUICE_ENOTREG = 4109,   /* name in /dev/shm is a FIFO, link, ...: not a segment */

	/* channels (src/channel): 4200.. */
	SLUICE_ETORN = 4200,    /* a lossy message was overwritten while read */
	SLUICE_ETYPE = 4201,    /* the topic carries another message type */
	SLUICE_EEVICTED = 4202, /* this subscriber was evicted from its topic */
	/* messages (src/fb): 4300.. */
	SLUICE_EFBFULL = 4300, /* builder ran out of room in its buffer */
	SLUICE_EFBUSAGE = 4301, /* builder calls out of order or over a limit */
	SLUICE_EFBTOOBIG = 4302, /* a table or vtable passes a 64 KiB format limit */
	SLUICE_EFBREQUIRED = 4303, /* a required field was not added */
	SLUICE_EFBBOUNDS = 4304, /* an offset or length points outside the buffer */
	SLUICE_EFBALIGN = 4305, /* a value is not aligned to its size */
	SLUICE_EFBVTABLE = 4306, /* a vtable is malformed */
	SLUICE_EFBFIELD = 4307, /* a field lies outside its table */
	SLUICE_EFBSTRING = 4308, /* a string is not zero-terminated */
	SLUICE_EFBOVERFLOW = 4309, /* element count times size overflows */
	SLUICE_EFBDEPTH = 4310, /* tables nest deeper than the limit */
	SLUICE_EFBTABLES = 4311, /* more tables than the limit */
	SLUICE_EFBUNION = 4312, /* union type and value disagree */
	SLUICE_EFBMISSING = 4313, /* a required field is absent */
	SLUICE_EFBIDENT = 4314, /* file identifier differs */
	SLUICE_EFBSCHEMA = 4315, /* schema text is invalid */
	SLUICE_EFBJSON = 4316, /* JSON text does not match the schema */
	/* plugins and erasure (src/plugin, src/erase): 4400.. */
	SLUICE_ENOTCOPYABLE = 4400,    /* erased object has no clone operation */
	SLUICE_EPLUGIN_NOTSO = 4401,   /* file is not a shared object */
	SLUICE_EPLUGIN_DLOPEN = 4402,  /* dlopen refused the file */
	SLUICE_EPLUGIN_NOENTRY = 4403, /* the plugin entry symbol is missing */
	SLUICE_EPLUGIN_MAGIC = 4404,   /* descriptor has a wrong magic */
	SLUICE_EPLUGIN_ABI = 4405,     /* plugin ABI version newer than the host's */
	SLUICE_EPLUGIN_LAYOUT = 4406,  /* plugin's view of the ABI structs differs */
	SLUICE_EPLUGIN_DESC = 4407,    /* descriptor malformed (size, name, state) */
	SLUICE_EPLUGIN_CALLBACK = 4408, /* a required callback is missing */
	SLUICE_EPLUGIN_PARAM = 4409,   /* invalid parameter declaration */
	SLUICE_EPLUGIN_PORT = 4410,    /* invalid port declaration */
	SLUICE_EPARAM_UNKNOWN = 4411,  /* no such parameter */
	SLUICE_EPARAM_VALUE = 4412,    /* value does not parse as the parameter's type */
	/* runtime (src/runtime): 4500.. */
	SLUICE_EPIPELINE = 4500, /* the pipeline file is invalid (detail: file:line:col) */
};

/* A short English description of a negative (or positive) error code. */
const char *sluice_strerror(int err);

/* What differed or went wrong in this thread's most recent failure, in one
 * line ("" if the failing call left nothing). Valid until the thread's next
 * failing sluice call. */
const char *sluice_errdetail(void);

#ifdef __cplusplus
}
#endif
#endif
