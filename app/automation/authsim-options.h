/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-options.h: the command line of SPEC §8, shared by the window and headless modes. */
#pragma once

#include <glib.h>

#include "authsim-types.h"

G_BEGIN_DECLS

typedef struct
{
  char    *profile;            /* --profile FILE (nullable: built-in demo) */
  char    *users;              /* --users FILE (nullable: built-in users) */
  char    *log;                /* --log FILE (nullable: $XDG_STATE_HOME/authsim/log.jsonl) */
  int      gateway_port;       /* --gateway-port N, 0..65535; -1 when not given (default 8930) */
  char    *gateway_address;    /* default 127.0.0.1 */
  gboolean gateway_address_given; /* --gateway-address was on the command line: it wins over
                                   * the settings even when it names the default */
  gboolean no_gateway;         /* --no-gateway */
  char    *app_public_key;     /* --app-public-key FILE (nullable): a PEM RSA public key of at
                                * least 2048 bits, checked at parse time */
  int      sign_mode;          /* --sign-mode key|cert: AuthsimSignMode, -1 when not given */
  int      first_screen_rule;  /* AuthsimFirstScreenRule, -1 when not given */
  gboolean headless;           /* --headless */
  char    *scenario;           /* --scenario FILE (nullable) */
  int      answer;             /* --answer allow|reject|close: AuthsimDecision, -1 when not given */
  double   speed;              /* --speed for scenarios in the window (1.0) */
  gboolean version;            /* --version */
  char    *data_dir;           /* state and keys: $XDG_DATA_HOME/authsim unless --data-dir */
} AuthsimOptions;

AuthsimOptions *authsim_options_new   (void);
void            authsim_options_free  (AuthsimOptions *options);
/*
 * Parses and validates the command line (consuming what it knows from argv). On failure
 * returns FALSE with a one-line, translated message in @error; callers print it and exit 2.
 */
gboolean        authsim_options_parse (AuthsimOptions *options,
                                       int            *argc,
                                       char         ***argv,
                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimOptions, authsim_options_free)

G_END_DECLS
