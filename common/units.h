/*
 * units.h - numbers in human units, as the report, the verdicts ingest
 * stores and the CLI's text all print them.
 *
 * Every function writes a NUL-terminated string into (dst, cap) and
 * returns dst, so calls nest inside printf-style argument lists. Output is
 * truncated to fit; UNITS_BUF is always enough. Bytes use binary units
 * (KiB, MiB, GiB) with three significant digits; counts are exact with
 * thousands separators unless "short" is asked for. NaN means "no value"
 * and prints as an en dash.
 */
#ifndef MEMLEDGER_COMMON_UNITS_H
#define MEMLEDGER_COMMON_UNITS_H

#include <stddef.h>

#define UNITS_BUF 48

/** 1536 -> "1.50 KiB"; 0 -> "0 B". */
char *units_bytes(char *dst, size_t cap, double bytes);
/** Like units_bytes with an explicit sign: "+1.50 KiB", "−512 B", "±0 B". */
char *units_bytes_delta(char *dst, size_t cap, double bytes);
/** 1234567 -> "1,234,567". */
char *units_count(char *dst, size_t cap, double n);
/** "+1,234", "−5", "±0". */
char *units_count_delta(char *dst, size_t cap, double n);
/** 1234567 -> "1.23 M"; below 10000 exact. For axes and rates. */
char *units_count_short(char *dst, size_t cap, double n);
/** Nanoseconds -> "850 ns", "12.3 µs", "4.56 ms", "1.23 s", "2 min 03 s". */
char *units_duration(char *dst, size_t cap, double ns);
/** A fraction 0..1 -> "12.5%", "0.21%", "<0.01%"; 0 -> "0%". */
char *units_percent(char *dst, size_t cap, double fraction);
/**
 * A rise against a baseline, as a fraction of it, in words a person reads
 * at a glance: "+45.2%" up to +200%, then "3.4 times as much", "233 times
 * as much" (never "+23166%").
 */
char *units_growth(char *dst, size_t cap, double fraction);
/** Bytes per second -> "1.50 MiB/s". */
char *units_byte_rate(char *dst, size_t cap, double bytes_per_s);
/** Events per second -> "12.3 k/s". */
char *units_count_rate(char *dst, size_t cap, double per_s);

/**
 * Nice axis ticks: a step of 1, 2 or 5 times a power of ten (of "base",
 * so 1024 gives binary steps for bytes) such that [0, max] needs at most
 * about "want" steps. Returns the step; max <= 0 gives 1.
 */
double units_nice_step(double max, int want, double base);

#endif
