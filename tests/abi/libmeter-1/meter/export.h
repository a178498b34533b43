/* SPDX-License-Identifier: MIT */
/* The export macro: the library is built with hidden visibility, and only
 * declarations marked METER_API (all named meter_*) are exported. */
#ifndef METER_EXPORT_H
#define METER_EXPORT_H

#if defined(METER_BUILDING) && defined(__GNUC__)
#define METER_API __attribute__((visibility("default")))
#else
#define METER_API
#endif

#endif /* METER_EXPORT_H */
