/* error.c - names of sluice's error codes and the per-thread failure detail. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sluice/error.h"
#include "common/detail.h"

static _Thread_local char detail[512];

static const char *own_error(int code)
{
	switch (code) {
	case SLUICE_EBADNAME:
		return "invalid segment name";
	case SLUICE_EMAGIC:
		return "not a sluice segment (bad magic)";
	case SLUICE_EVERSION:
		return "incompatible sluice ABI version";
	case SLUICE_ELAYOUT:
		return "shared memory layout differs from this build";
	case SLUICE_EKIND:
		return "segment is of another kind";
	case SLUICE_ETRUNCATED:
		return "segment is smaller than its header says";
	case SLUICE_ECORRUPT:
		return "segment header is inconsistent";
	case SLUICE_ENOTREADY:
		return "segment was never completely initialised";
	case SLUICE_EOWNERDEAD:
		return "owner process died";
	case SLUICE_EOWNERLIVE:
		return "owner process is alive";
	case SLUICE_ETOOBIG:
		return "message larger than a slot";
	case SLUICE_EOWNER:
		return "segment is owned by another user";
	case SLUICE_ENOTREG:
		return "not a regular file (a FIFO, link or device is never a segment)";
	case SLUICE_EPIPELINE:
		return "invalid pipeline file";
	case SLUICE_ETORN:
		return "message was overwritten while it was read";
	case SLUICE_ETYPE:
		return "topic carries another message type";
	case SLUICE_EEVICTED:
		return "subscriber was evicted from the topic";
	case SLUICE_ENOTCOPYABLE:
		return "object cannot be copied (no clone operation)";
	case SLUICE_EPLUGIN_NOTSO:
		return "not a shared object";
	case SLUICE_EPLUGIN_DLOPEN:
		return "shared object could not be loaded";
	case SLUICE_EPLUGIN_NOENTRY:
		return "plugin entry symbol missing";
	case SLUICE_EPLUGIN_MAGIC:
		return "not a sluice plugin (bad descriptor magic)";
	case SLUICE_EPLUGIN_ABI:
		return "plugin built for a newer sluice plugin ABI";
	case SLUICE_EPLUGIN_LAYOUT:
		return "plugin's ABI struct layout differs from this build";
	case SLUICE_EPLUGIN_DESC:
		return "malformed plugin descriptor";
	case SLUICE_EPLUGIN_CALLBACK:
		return "plugin lacks a required callback";
	case SLUICE_EPLUGIN_PARAM:
		return "invalid plugin parameter declaration";
	case SLUICE_EPLUGIN_PORT:
		return "invalid plugin port declaration";
	case SLUICE_EPARAM_UNKNOWN:
		return "unknown parameter";
	case SLUICE_EPARAM_VALUE:
		return "parameter value does not match its type";
	case SLUICE_EFBFULL:
		return "message builder ran out of room";
	case SLUICE_EFBUSAGE:
		return "message builder used out of order or over a limit";
	case SLUICE_EFBTOOBIG:
		return "table or vtable exceeds a FlatBuffers 64 KiB limit";
	case SLUICE_EFBREQUIRED:
		return "required field not added to a table";
	case SLUICE_EFBBOUNDS:
		return "message offset or length out of bounds";
	case SLUICE_EFBALIGN:
		return "message value misaligned";
	case SLUICE_EFBVTABLE:
		return "message vtable malformed";
	case SLUICE_EFBFIELD:
		return "message field outside its table";
	case SLUICE_EFBSTRING:
		return "message string not zero-terminated";
	case SLUICE_EFBOVERFLOW:
		return "message vector size overflows";
	case SLUICE_EFBDEPTH:
		return "message nests too deep";
	case SLUICE_EFBTABLES:
		return "message has too many tables";
	case SLUICE_EFBUNION:
		return "message union type and value disagree";
	case SLUICE_EFBMISSING:
		return "message lacks a required field";
	case SLUICE_EFBIDENT:
		return "message file identifier differs";
	case SLUICE_EFBSCHEMA:
		return "invalid schema";
	case SLUICE_EFBJSON:
		return "invalid JSON for the schema";
	default:
		return NULL;
	}
}

const char *sluice_strerror(int err)
{
	static _Thread_local char buf[64];
	int code = err < 0 ? -err : err;
	const char *s;

	if (code == 0)
		return "success";
	if (code > SLUICE_EBASE) {
		s = own_error(code);
		if (s)
			return s;
		snprintf(buf, sizeof(buf), "unknown sluice error %d", code);
		return buf;
	}
	/* strerror_r (GNU flavour) never fails; it may return a static string. */
	return strerror_r(code, buf, sizeof(buf));
}

const char *sluice_errdetail(void)
{
	return detail;
}

int sluice__fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return err;
}

void sluice__clear_detail(void)
{
	detail[0] = '\0';
}
