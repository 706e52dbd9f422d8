/* sluice/fb.h - the FlatBuffers runtime that sluicec-generated code calls:
 * reading (fb_read.h), building in place (fb_builder.h) and verifying
 * (fb_verify.h), and printing any message as JSON from its binary schema
 * (fb_json.h). The wire format is FlatBuffers, byte for byte. */
#ifndef SLUICE_FB_H
#define SLUICE_FB_H

#include "sluice/error.h"
#include "sluice/fb_read.h"
#include "sluice/fb_builder.h"
#include "sluice/fb_verify.h"
#include "sluice/fb_json.h"

#endif
