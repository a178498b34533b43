/* SPDX-License-Identifier: MIT */
/* The version of the library that is actually linked. */
#include "meter/version.h"

unsigned meter_version(void)
{
    return METER_VERSION_HEX;
}

const char *meter_version_string(void)
{
    return METER_VERSION_STRING;
}
