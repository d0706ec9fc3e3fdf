/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-duration.h: the clock steps of the `advance-clock` action and the `advanceClock`
 * scenario step. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses a clock step such as "+3m", "-1h" or "90s" (units s, m, h, d; the sign is optional
 * and defaults to +) into seconds. FALSE for anything else. */
gboolean authsim_parse_duration (const char *text,
                                 gint64     *seconds);

G_END_DECLS
