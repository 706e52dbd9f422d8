/* geodesy.c - WGS-84 conversions for the demo (see geodesy.h). */
#include "geodesy.h"

#include <errno.h>
#include <math.h>

#include "fu_math.h"

#define WGS84_A  6378137.0
#define WGS84_F  (1.0 / 298.257223563)
#define WGS84_E2 (WGS84_F * (2.0 - WGS84_F))

static void geodetic_to_ecef(double lat_deg, double lon_deg, double alt_m, double x[3])
{
	double la = lat_deg * FU_PI / 180.0, lo = lon_deg * FU_PI / 180.0;
	double sl = sin(la), n = WGS84_A / sqrt(1.0 - WGS84_E2 * sl * sl);

	x[0] = (n + alt_m) * cos(la) * cos(lo);
	x[1] = (n + alt_m) * cos(la) * sin(lo);
	x[2] = (n * (1.0 - WGS84_E2) + alt_m) * sl;
}

int fu_geo_origin_init(struct fu_geo_origin *o, double lat_deg, double lon_deg, double alt_m)
{
	if (!(lat_deg >= -89.0 && lat_deg <= 89.0) || !(lon_deg >= -180.0 && lon_deg <= 180.0) ||
	    !isfinite(alt_m))
		return -EINVAL;
	o->lat_deg = lat_deg;
	o->lon_deg = lon_deg;
	o->alt_m = alt_m;
	geodetic_to_ecef(lat_deg, lon_deg, alt_m, o->ecef);
	o->sin_lat = sin(lat_deg * FU_PI / 180.0);
	o->cos_lat = cos(lat_deg * FU_PI / 180.0);
	o->sin_lon = sin(lon_deg * FU_PI / 180.0);
	o->cos_lon = cos(lon_deg * FU_PI / 180.0);
	return 0;
}

void fu_geo_to_enu(const struct fu_geo_origin *o, double lat_deg, double lon_deg, double alt_m,
                   double enu[3])
{
	double x[3], d[3];

	geodetic_to_ecef(lat_deg, lon_deg, alt_m, x);
	for (int i = 0; i < 3; i++)
		d[i] = x[i] - o->ecef[i];
	enu[0] = -o->sin_lon * d[0] + o->cos_lon * d[1];
	enu[1] =
	    -o->sin_lat * o->cos_lon * d[0] - o->sin_lat * o->sin_lon * d[1] + o->cos_lat * d[2];
	enu[2] =
	    o->cos_lat * o->cos_lon * d[0] + o->cos_lat * o->sin_lon * d[1] + o->sin_lat * d[2];
}

void fu_geo_from_enu(const struct fu_geo_origin *o, const double enu[3], double *lat_deg,
                     double *lon_deg, double *alt_m)
{
	double e = enu[0], n = enu[1], u = enu[2], x, y, z, p, la, h = 0;

	/* ENU -> ECEF: the transpose of the rotation above */
	x = o->ecef[0] - o->sin_lon * e - o->sin_lat * o->cos_lon * n + o->cos_lat * o->cos_lon * u;
	y = o->ecef[1] + o->cos_lon * e - o->sin_lat * o->sin_lon * n + o->cos_lat * o->sin_lon * u;
	z = o->ecef[2] + o->cos_lat * n + o->sin_lat * u;
	/* ECEF -> geodetic: fixed-point iteration on latitude; away from the
	 * poles it gains several digits per step, 8 steps are far more than
	 * double precision needs */
	p = sqrt(x * x + y * y);
	la = atan2(z, p * (1.0 - WGS84_E2));
	for (int i = 0; i < 8; i++) {
		double sl = sin(la), nn = WGS84_A / sqrt(1.0 - WGS84_E2 * sl * sl);

		h = p / cos(la) - nn;
		la = atan2(z, p * (1.0 - WGS84_E2 * nn / (nn + h)));
	}
	*lat_deg = la * 180.0 / FU_PI;
	*lon_deg = atan2(y, x) * 180.0 / FU_PI;
	*alt_m = h;
}
