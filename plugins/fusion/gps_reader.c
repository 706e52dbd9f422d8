/* gps_reader.c - the SensorReader for sluice.msg.GpsFix: verifies the
 * fix, turns latitude/longitude into east/north metres around the
 * configured origin, and takes the horizontal block of its ENU
 * covariance. It carries the origin's precomputed geometry, so it is
 * larger than the erased object's inline buffer and lives on the heap. */
#include <errno.h>

#include "geodesy.h"
#include "gps_sluice.h"
#include "sensor_reader.h"

struct gps_reader {
	struct fu_geo_origin origin;
	double var; /* fallback */
	uint64_t refused;
};

static int gps_read(void *self, const void *data, size_t size, struct fu_meas *out)
{
	struct gps_reader *r = self;
	const uint8_t *m;
	sluice_msg_GeoPoint p;
	double enu[3];

	if (sluice_msg_GpsFix_verify(data, size) != 0) {
		r->refused++;
		return -EBADMSG;
	}
	m = sluice_msg_GpsFix_as_root(data);
	if (sluice_msg_GpsFix_kind(m) == sluice_msg_FixKind_None ||
	    !sluice_msg_GpsFix_position_is_present(m))
		return 0; /* a receiver without a fix: nothing to fuse */
	p = sluice_msg_GpsFix_position(m);
	if (!(p.lat_deg >= -90 && p.lat_deg <= 90 && p.lon_deg >= -180 && p.lon_deg <= 180)) {
		r->refused++;
		return -EBADMSG;
	}
	fu_geo_to_enu(&r->origin, p.lat_deg, p.lon_deg, p.alt_m, enu);
	out->kind = FU_MEAS_POSITION;
	out->stamp_ns = sluice_msg_Header_stamp_ns(sluice_msg_GpsFix_header(m));
	out->pos[0] = enu[0];
	out->pos[1] = enu[1];
	out->pos_cov[0] = out->pos_cov[3] = r->var;
	out->pos_cov[1] = out->pos_cov[2] = 0;
	if (sluice_msg_GpsFix_covariance_is_present(m)) {
		sluice_msg_Cov3 c = sluice_msg_GpsFix_covariance(m);

		if (c.m[0] > 0 && c.m[4] > 0 && c.m[0] * c.m[4] > c.m[1] * c.m[3]) {
			out->pos_cov[0] = c.m[0];
			out->pos_cov[1] = c.m[1];
			out->pos_cov[2] = c.m[3];
			out->pos_cov[3] = c.m[4];
		}
	}
	return 1;
}

static uint64_t gps_refused(const void *self)
{
	return ((const struct gps_reader *)self)->refused;
}

static const struct fu_sensor_reader_ops gps_reader_ops = {
    {"gps_reader", sizeof(struct gps_reader), _Alignof(struct gps_reader), NULL, NULL, NULL},
    gps_read,
    gps_refused,
};

int fu_gps_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg);

int fu_gps_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg)
{
	struct gps_reader *r;
	void *where;
	int rc;

	rc = sluice_erased_emplace(e, &gps_reader_ops.base, &where);
	if (rc < 0)
		return rc;
	r = where;
	r->var = cfg->gps_var;
	r->refused = 0;
	rc = fu_geo_origin_init(&r->origin, cfg->origin_lat_deg, cfg->origin_lon_deg,
	                        cfg->origin_alt_m);
	if (rc < 0)
		sluice_erased_reset(e);
	return rc;
}
