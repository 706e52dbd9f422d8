/* imu_reader.c - the SensorReader for sluice.msg.Imu: verifies the
 * message and hands on the planar part (forward/left acceleration, yaw
 * rate) with its noise variances. Small enough to live inline in its
 * erased object. */
#include <errno.h>

#include "imu_sluice.h"
#include "sensor_reader.h"

struct imu_reader {
	double accel_var, gyro_var; /* fallbacks */
	uint64_t refused;
};

static int imu_read(void *self, const void *data, size_t size, struct fu_meas *out)
{
	struct imu_reader *r = self;
	const uint8_t *m, *h;
	sluice_msg_Vec3 a, g;

	if (sluice_msg_Imu_verify(data, size) != 0) {
		r->refused++;
		return -EBADMSG;
	}
	m = sluice_msg_Imu_as_root(data);
	h = sluice_msg_Imu_header(m);
	if (!sluice_msg_Imu_accel_is_present(m) || !sluice_msg_Imu_gyro_is_present(m)) {
		r->refused++;
		return -EBADMSG;
	}
	a = sluice_msg_Imu_accel(m);
	g = sluice_msg_Imu_gyro(m);
	out->kind = FU_MEAS_INERTIAL;
	out->stamp_ns = sluice_msg_Header_stamp_ns(h);
	out->accel[0] = a.x;
	out->accel[1] = a.y;
	out->gyro_z = g.z;
	out->accel_var = r->accel_var;
	out->gyro_var = r->gyro_var;
	/* the sensor's own figures when it gives them */
	if (sluice_msg_Imu_accel_cov_is_present(m)) {
		sluice_msg_Cov3 c = sluice_msg_Imu_accel_cov(m);

		if (c.m[0] > 0 && c.m[4] > 0)
			out->accel_var = 0.5 * (c.m[0] + c.m[4]);
	}
	if (sluice_msg_Imu_gyro_cov_is_present(m)) {
		sluice_msg_Cov3 c = sluice_msg_Imu_gyro_cov(m);

		if (c.m[8] > 0)
			out->gyro_var = c.m[8];
	}
	return 1;
}

static uint64_t imu_refused(const void *self)
{
	return ((const struct imu_reader *)self)->refused;
}

static const struct fu_sensor_reader_ops imu_reader_ops = {
    {"imu_reader", sizeof(struct imu_reader), _Alignof(struct imu_reader), NULL, NULL, NULL},
    imu_read,
    imu_refused,
};

int fu_imu_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg);

int fu_imu_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg)
{
	struct imu_reader r = {cfg->accel_var, cfg->gyro_var, 0};

	return sluice_erased_make(e, &imu_reader_ops.base, &r);
}
