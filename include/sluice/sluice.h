/* sluice/sluice.h - everything public in sluice, one include. */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include "sluice/version.h"
#include "sluice/error.h"
#include "sluice/erase.h"
#include "sluice/plugin.h"
#include "sluice/loader.h"
#include "sluice/shm.h"
#include "sluice/seqlock.h"
#include "sluice/ring.h"
#include "sluice/channel.h"
#include "sluice/fb.h"
#include "sluice/plugin_fb.h"
#include "sluice/pipeline.h"
#include "sluice/record.h"

#endif
