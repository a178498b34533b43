/* SPDX-License-Identifier: MIT */
/* What the IEC 62056-21 simulator saw, for tests: every byte a client sent
 * (after the 7E1 of a TCP link is stripped) and the client's line speed when
 * the last readout went out. Read them after meter_sim_run() returned. */
#ifndef MTR_SIM_IEC_H
#define MTR_SIM_IEC_H

#include <stddef.h>
#include <stdint.h>

#include "meter/sim.h"

/** Bytes received since the simulator started; *n gets their number. */
const uint8_t *mtr_sim_iec_received(const meter_sim_t *s, size_t *n);
/** The client's speed (pty termios) when the last readout was sent; 0 on TCP or none. */
unsigned mtr_sim_iec_readout_baud(const meter_sim_t *s);
/** Readouts and programming sessions served. */
unsigned mtr_sim_iec_readouts(const meter_sim_t *s);

#endif /* MTR_SIM_IEC_H */
