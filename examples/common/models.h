/* SPDX-License-Identifier: MIT */
/* Model look-ups shared by the tools: a name or alias to the model's entry,
 * and a model's quantities without a meter (meter_model_quantities()). */
#ifndef EXAMPLES_MODELS_H
#define EXAMPLES_MODELS_H

#include <stddef.h>

#include "meter/meter.h"

/** The model named @p name (canonical name or one of its aliases), or NULL. */
const meter_model_info_t *mdl_find(const char *name);

/** The quantities model @p name has, malloc'd in *out (free it). @return 0, or -1
 *  with a message in @p err. */
int mdl_quantities(const char *name, meter_quantity_t **out, size_t *n, char *err, size_t errlen);

#endif
