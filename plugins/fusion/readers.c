/* readers.c - the table that maps an input's message type to the factory
 * of its SensorReader: the one place that lists concrete sensor types. */
#include <errno.h>
#include <string.h>

#include "sensor_reader.h"

int fu_imu_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg);
int fu_gps_reader_make(struct sluice_erased *e, const struct fu_reader_config *cfg);

const struct fu_reader_factory fu_reader_factories[] = {
    {"sluice.msg.Imu", fu_imu_reader_make},
    {"sluice.msg.GpsFix", fu_gps_reader_make},
    {NULL, NULL},
};

int fu_reader_make(struct sluice_erased *e, const char *msg_type,
                   const struct fu_reader_config *cfg)
{
	for (const struct fu_reader_factory *f = fu_reader_factories; f->msg_type; f++)
		if (strcmp(f->msg_type, msg_type) == 0)
			return f->make(e, cfg);
	return -ENOENT;
}
