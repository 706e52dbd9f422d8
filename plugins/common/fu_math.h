/* fu_math.h - the few math helpers the demo's plugins share (strict C11
 * has no M_PI). */
#ifndef FU_MATH_H
#define FU_MATH_H

#include <math.h>

#define FU_PI 3.14159265358979323846

/* An angle brought into (-pi, pi]. */
static inline double fu_wrap_pi(double a)
{
	a = fmod(a + FU_PI, 2.0 * FU_PI);
	if (a <= 0)
		a += 2.0 * FU_PI;
	return a - FU_PI;
}

#endif
