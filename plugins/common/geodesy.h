/* geodesy.h - WGS-84 geodetic <-> local east-north-up (ENU) coordinates
 * around a reference origin, through earth-centred earth-fixed (ECEF)
 * coordinates. gps_sim turns the ENU truth into latitude/longitude; fusion
 * and monitor turn fixes back into ENU metres with the same origin. */
#ifndef FU_GEODESY_H
#define FU_GEODESY_H

struct fu_geo_origin {
	double lat_deg, lon_deg, alt_m;
	double ecef[3];          /* the origin in ECEF, m */
	double sin_lat, cos_lat; /* of the origin */
	double sin_lon, cos_lon;
};

/* Returns 0, or -EINVAL for a latitude outside [-89, 89] or a longitude
 * outside [-180, 180] (the poles have no east). */
int fu_geo_origin_init(struct fu_geo_origin *o, double lat_deg, double lon_deg, double alt_m);

/* enu[3] (m) of a geodetic point. */
void fu_geo_to_enu(const struct fu_geo_origin *o, double lat_deg, double lon_deg, double alt_m,
                   double enu[3]);

/* The geodetic point at enu[3] (m). Exact to well under a millimetre near
 * the origin (the ECEF-to-geodetic step iterates to convergence). */
void fu_geo_from_enu(const struct fu_geo_origin *o, const double enu[3], double *lat_deg,
                     double *lon_deg, double *alt_m);

#endif
