/* sensor_reader.h - the SensorReader interface of the seed's section 6:
 * what the fusion stage and its filter see of a sensor. A reader turns one
 * raw message of its input into a measurement in physical terms; the stage
 * holds one reader per input as a type-erased object (sluice/erase.h: a
 * vtable plus inline storage), chosen by the input's message type from the
 * factory table, so neither the stage's dispatch nor the filter core
 * names a concrete sensor type or message schema. */
#ifndef FU_SENSOR_READER_H
#define FU_SENSOR_READER_H

#include <stddef.h>
#include <stdint.h>

#include <sluice/erase.h>

/* What a measurement measures (physical quantities, not sensors). */
enum fu_meas_kind {
	FU_MEAS_INERTIAL = 1, /* body-frame acceleration and yaw rate */
	FU_MEAS_POSITION = 2, /* horizontal position in the local ENU frame */
};

struct fu_meas {
	int kind;          /* enum fu_meas_kind */
	uint64_t stamp_ns; /* when it was measured (CLOCK_MONOTONIC) */
	/* FU_MEAS_INERTIAL */
	double accel[2];  /* body x (forward), y (left), m/s^2 */
	double gyro_z;    /* rad/s about up */
	double accel_var; /* per-sample noise variance, (m/s^2)^2 */
	double gyro_var;  /* (rad/s)^2 */
	/* FU_MEAS_POSITION */
	double pos[2];     /* east, north, m */
	double pos_cov[4]; /* row-major 2x2, m^2 */
};

/* The interface: erase ops first (size, destroy, ...), then the methods. */
struct fu_sensor_reader_ops {
	struct sluice_erase_ops base;
	/* Decodes (and verifies) one message: 1 when *out was filled, 0 for
	 * a valid message that carries no measurement (e.g. a GPS "no fix"),
	 * or a negative code for a malformed one. */
	int (*read)(void *self, const void *data, size_t size, struct fu_meas *out);
	/* Messages refused so far, for the stage's diagnostics. */
	uint64_t (*refused)(const void *self);
};

/* What a reader may need from the stage's parameters. */
struct fu_reader_config {
	double origin_lat_deg, origin_lon_deg, origin_alt_m; /* ENU origin */
	double accel_var, gyro_var; /* used when an IMU message has no covariance */
	double gps_var;             /* used when a fix has no covariance */
};

/* A factory builds a reader in place in e. */
struct fu_reader_factory {
	const char *msg_type; /* fully qualified, as the input port declares it */
	int (*make)(struct sluice_erased *e, const struct fu_reader_config *cfg);
};

/* The factories this build knows, ending with {NULL, NULL}. */
extern const struct fu_reader_factory fu_reader_factories[];

/* Makes the reader for msg_type in e: 0, -ENOENT for an unknown type, or
 * the factory's error. */
int fu_reader_make(struct sluice_erased *e, const char *msg_type,
                   const struct fu_reader_config *cfg);

/* Calls the erased reader's read method. */
static inline int fu_reader_read(struct sluice_erased *e, const void *data, size_t size,
                                 struct fu_meas *out)
{
	return SLUICE_ERASED_IFACE(e, const struct fu_sensor_reader_ops)
	    ->read(sluice_erased_get(e), data, size, out);
}

static inline uint64_t fu_reader_refused(const struct sluice_erased *e)
{
	return SLUICE_ERASED_IFACE(e, const struct fu_sensor_reader_ops)
	    ->refused(sluice_erased_get(e));
}

#endif
