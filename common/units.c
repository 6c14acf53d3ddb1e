/*
 * units.c - numbers in human units. See units.h.
 */
#include "common/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* U+2212 MINUS SIGN and U+00B1 PLUS-MINUS SIGN read better than '-'. */
#define MINUS "\xe2\x88\x92"
#define PLUSMINUS "\xc2\xb1"
#define DASH "\xe2\x80\x93"

static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

/* Three significant digits: 1.23, 12.3, 123. */
static int sig3_decimals(double v)
{
	v = fabs(v);
	if (v < 9.995)
		return 2;
	if (v < 99.95)
		return 1;
	return 0;
}

char *units_bytes(char *dst, size_t cap, double bytes)
{
	double v = fabs(bytes);
	size_t u = 0;

	if (isnan(bytes)) {
		snprintf(dst, cap, DASH);
		return dst;
	}
	while (v >= 1023.5 && u + 1 < sizeof byte_units / sizeof byte_units[0]) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(dst, cap, "%s%.0f B", bytes < 0 ? MINUS : "", v);
	else
		snprintf(dst, cap, "%s%.*f %s", bytes < 0 ? MINUS : "", sig3_decimals(v), v,
			 byte_units[u]);
	return dst;
}

/* A change: a dash for none, "±0..." for zero, else signed through fmt. */
static char *units_delta(char *dst, size_t cap, double v, const char *zero,
			 char *(*fmt)(char *, size_t, double))
{
	char b[UNITS_BUF];

	if (isnan(v))
		snprintf(dst, cap, DASH);
	else if (v == 0)
		snprintf(dst, cap, "%s", zero);
	else
		snprintf(dst, cap, "%s%s", v > 0 ? "+" : "", fmt(b, sizeof b, v));
	return dst;
}

char *units_bytes_delta(char *dst, size_t cap, double bytes)
{
	return units_delta(dst, cap, bytes, PLUSMINUS "0 B", units_bytes);
}

char *units_count(char *dst, size_t cap, double n)
{
	char digits[32], out[48];
	size_t len, i, o = 0;
	int neg = n < 0;

	if (isnan(n)) {
		snprintf(dst, cap, DASH);
		return dst;
	}
	snprintf(digits, sizeof digits, "%.0f", fabs(n));
	len = strlen(digits);
	if (neg) {
		memcpy(out, MINUS, 3);
		o = 3;
	}
	for (i = 0; i < len && o + 2 < sizeof out; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(dst, cap, "%s", out);
	return dst;
}

char *units_count_delta(char *dst, size_t cap, double n)
{
	return units_delta(dst, cap, n, PLUSMINUS "0", units_count);
}

char *units_count_short(char *dst, size_t cap, double n)
{
	static const char *const sfx[] = { "", " k", " M", " G", " T" };
	double v = fabs(n);
	size_t u = 0;

	if (isnan(n) || v < 10000)
		return units_count(dst, cap, n);
	while (v >= 999.5 && u + 1 < sizeof sfx / sizeof sfx[0]) {
		v /= 1000.0;
		u++;
	}
	snprintf(dst, cap, "%s%.*f%s", n < 0 ? MINUS : "", sig3_decimals(v), v, sfx[u]);
	return dst;
}

char *units_duration(char *dst, size_t cap, double ns)
{
	double v = fabs(ns);
	const char *sign = ns < 0 ? MINUS : "";

	if (isnan(ns))
		snprintf(dst, cap, DASH);
	else if (v < 999.5)
		snprintf(dst, cap, "%s%.0f ns", sign, v);
	else if (v < 999.5e3)
		snprintf(dst, cap, "%s%.*f \xc2\xb5s", sign, sig3_decimals(v / 1e3), v / 1e3);
	else if (v < 999.5e6)
		snprintf(dst, cap, "%s%.*f ms", sign, sig3_decimals(v / 1e6), v / 1e6);
	else if (v < 59.995e9)
		snprintf(dst, cap, "%s%.*f s", sign, sig3_decimals(v / 1e9), v / 1e9);
	else if (v < 3600e9) {
		long long s = (long long)(v / 1e9 + 0.5);
		snprintf(dst, cap, "%s%lld min %02lld s", sign, s / 60, s % 60);
	} else {
		long long m = (long long)(v / 60e9 + 0.5);
		snprintf(dst, cap, "%s%lld h %02lld min", sign, m / 60, m % 60);
	}
	return dst;
}

char *units_percent(char *dst, size_t cap, double f)
{
	double p = f * 100.0;

	if (isnan(f))
		snprintf(dst, cap, DASH);
	else if (p == 0)
		snprintf(dst, cap, "0%%");
	else if (fabs(p) < 0.01)
		snprintf(dst, cap, "%s0.01%%", p < 0 ? ">" MINUS : "<");
	else
		snprintf(dst, cap, "%s%.*f%%", p < 0 ? MINUS : "",
			 fabs(p) >= 99.95 ? 0 : fabs(p) >= 0.995 ? 1 : 2, fabs(p));
	return dst;
}

char *units_growth(char *dst, size_t cap, double f)
{
	char b[UNITS_BUF];
	double times = 1 + f;

	if (isnan(f))
		snprintf(dst, cap, DASH);
	else if (f < 2)
		snprintf(dst, cap, "%s%s", f > 0 ? "+" : "", units_percent(b, sizeof b, f));
	else if (times < 9.95)
		snprintf(dst, cap, "%.1f times as much", times);
	else
		snprintf(dst, cap, "%s times as much", units_count(b, sizeof b, round(times)));
	return dst;
}

char *units_byte_rate(char *dst, size_t cap, double bps)
{
	char b[UNITS_BUF];

	if (isnan(bps))
		snprintf(dst, cap, DASH);
	else
		snprintf(dst, cap, "%s/s", units_bytes(b, sizeof b, bps));
	return dst;
}

char *units_count_rate(char *dst, size_t cap, double per_s)
{
	char b[UNITS_BUF];

	if (isnan(per_s))
		snprintf(dst, cap, DASH);
	else if (fabs(per_s) < 10 && per_s != 0)
		snprintf(dst, cap, "%.2f/s", per_s);
	else
		snprintf(dst, cap, "%s/s", units_count_short(b, sizeof b, per_s < 10000 ? floor(per_s + 0.5) : per_s));
	return dst;
}

double units_nice_step(double max, int want, double base)
{
	double unit = 1, raw, mag, norm, step;

	if (!(max > 0) || want < 1)
		return 1;
	if (base > 1)
		while (max / unit >= base)
			unit *= base;
	raw = max / unit / want;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	if (norm <= 1)
		step = 1;
	else if (norm <= 2)
		step = 2;
	else if (norm <= 5)
		step = 5;
	else
		step = 10;
	return step * mag * unit;
}
