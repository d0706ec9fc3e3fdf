/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "authsim-enums.h"
#include "authsim-gateway-enums.h"
#include "authsim-gateway.h"
#include "authsim-options.h"


AuthsimOptions *
authsim_options_new (void)
{
  AuthsimOptions *options = g_new0 (AuthsimOptions, 1);

  options->gateway_port = -1;
  options->gateway_address = g_strdup (AUTHSIM_GATEWAY_DEFAULT_ADDRESS);
  options->first_screen_rule = -1;
  options->sign_mode = -1;
  options->answer = -1;
  options->speed = 1.0;

  return options;
}

void
authsim_options_free (AuthsimOptions *options)
{
  if (options == NULL)
    return;

  g_free (options->profile);
  g_free (options->users);
  g_free (options->log);
  g_free (options->gateway_address);
  g_free (options->app_public_key);
  g_free (options->scenario);
  g_free (options->data_dir);
  g_free (options);
}

/* What GOptionContext fills in: every value as text, validated afterwards so that each
 * problem gets our own one-line message. */
typedef struct
{
  char    *profile;
  char    *users;
  char    *log;
  char    *gateway_port;
  char    *gateway_address;
  gboolean no_gateway;
  char    *app_public_key;
  char    *sign_mode;
  char    *first_screen_rule;
  gboolean headless;
  char    *scenario;
  char    *answer;
  char    *speed;
  char    *data_dir;
  gboolean version;
} RawOptions;

static void
raw_options_clear (RawOptions *raw)
{
  g_free (raw->profile);
  g_free (raw->users);
  g_free (raw->log);
  g_free (raw->gateway_port);
  g_free (raw->gateway_address);
  g_free (raw->app_public_key);
  g_free (raw->sign_mode);
  g_free (raw->first_screen_rule);
  g_free (raw->scenario);
  g_free (raw->answer);
  g_free (raw->speed);
  g_free (raw->data_dir);
}

static gboolean
set_error (GError     **error,
           const char  *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_error (GError     **error,
           const char  *format,
           ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID, message);
  g_free (message);
  return FALSE;
}

/* A file given on the command line must exist, be a regular file and be readable. */
static gboolean
check_readable_file (const char  *option,
                     const char  *path,
                     char       **out,
                     GError     **error)
{
  if (path == NULL)
    return TRUE;

  if (*path == '\0')
    /* Translators: %s is a command-line option such as --profile. */
    return set_error (error, _("%s: expected a file name"), option);

  if (g_access (path, R_OK) != 0)
    {
      int saved_errno = errno;

      /* Translators: e.g. --profile: cannot read "x.json": No such file or directory */
      return set_error (error, _("%s: cannot read \"%s\": %s"),
                        option, path, g_strerror (saved_errno));
    }

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return set_error (error, _("%s: \"%s\" is not a regular file"), option, path);

  g_free (*out);
  *out = g_canonicalize_filename (path, NULL);
  return TRUE;
}

static gboolean
parse_enum (const char  *option,
            GType        type,
            const char  *text,
            const char  *expected,
            int         *out,
            GError     **error)
{
  int value;

  if (text == NULL)
    return TRUE;

  if (!authsim_enum_from_nick (type, text, &value))
    /* Translators: e.g. --answer: expected allow, reject or close, got "yes" */
    return set_error (error, _("%s: expected %s, got \"%s\""), option, expected, text);

  *out = value;
  return TRUE;
}

/* --app-public-key must be what the gateway can trust: a PEM RSA key of 2048 bits or more. */
static gboolean
check_app_public_key (const char  *path,
                      GError     **error)
{
  g_autoptr(GError) key_error = NULL;

  if (path == NULL || authsim_keys_check_app_public_key (path, &key_error))
    return TRUE;
  /* Translators: e.g. --app-public-key: /home/me/k.pem: not a PEM public key */
  return set_error (error, _("%s: %s"), "--app-public-key", key_error->message);
}

/* The files and directories: --profile, --users, --scenario, --app-public-key, --log,
 * --data-dir. */
static gboolean
validate_paths (const RawOptions *raw,
                AuthsimOptions   *options,
                GError          **error)
{
  if (!check_readable_file ("--profile", raw->profile, &options->profile, error) ||
      !check_readable_file ("--users", raw->users, &options->users, error) ||
      !check_readable_file ("--scenario", raw->scenario, &options->scenario, error) ||
      !check_readable_file ("--app-public-key", raw->app_public_key,
                            &options->app_public_key, error) ||
      !check_app_public_key (options->app_public_key, error))
    return FALSE;

  if (raw->log != NULL)
    {
      if (*raw->log == '\0')
        return set_error (error, _("%s: expected a file name"), "--log");
      if (g_file_test (raw->log, G_FILE_TEST_IS_DIR))
        return set_error (error, _("%s: \"%s\" is a directory"), "--log", raw->log);
      g_free (options->log);
      options->log = g_canonicalize_filename (raw->log, NULL);
    }

  if (raw->data_dir != NULL)
    {
      if (*raw->data_dir == '\0')
        return set_error (error, _("%s: expected a directory name"), "--data-dir");
      if (g_file_test (raw->data_dir, G_FILE_TEST_EXISTS) &&
          !g_file_test (raw->data_dir, G_FILE_TEST_IS_DIR))
        return set_error (error, _("%s: \"%s\" is not a directory"), "--data-dir", raw->data_dir);
      g_free (options->data_dir);
      options->data_dir = g_canonicalize_filename (raw->data_dir, NULL);
    }

  return TRUE;
}

static gboolean
validate_gateway (const RawOptions *raw,
                  AuthsimOptions   *options,
                  GError          **error)
{
  if (raw->gateway_port != NULL)
    {
      guint64 port;

      if (!g_ascii_string_to_unsigned (raw->gateway_port, 10, 0, 65535, &port, NULL))
        return set_error (error, _("%s: expected a number from 0 to 65535, got \"%s\""),
                          "--gateway-port", raw->gateway_port);
      options->gateway_port = (int) port;
    }

  if (raw->gateway_address != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (raw->gateway_address);

      if (address == NULL)
        return set_error (error,
                          _("%s: expected an IP address such as 127.0.0.1 or ::1, got \"%s\""),
                          "--gateway-address", raw->gateway_address);
      g_free (options->gateway_address);
      options->gateway_address = g_strdup (raw->gateway_address);
      options->gateway_address_given = TRUE;
    }

  return parse_enum ("--sign-mode", AUTHSIM_TYPE_SIGN_MODE, raw->sign_mode, _("key or cert"),
                     &options->sign_mode, error);
}

/* --first-screen-rule, --answer (headless only) and --speed. */
static gboolean
validate_behaviour (const RawOptions *raw,
                    AuthsimOptions   *options,
                    GError          **error)
{
  if (!parse_enum ("--first-screen-rule", AUTHSIM_TYPE_FIRST_SCREEN_RULE,
                   raw->first_screen_rule, _("enforce, warn or off"),
                   &options->first_screen_rule, error) ||
      !parse_enum ("--answer", AUTHSIM_TYPE_DECISION, raw->answer,
                   _("allow, reject or close"), &options->answer, error))
    return FALSE;

  if (raw->answer != NULL && !raw->headless)
    return set_error (error, _("%s only applies with %s"), "--answer", "--headless");

  if (raw->speed != NULL)
    {
      const char *end = NULL;
      double speed;

      errno = 0;
      speed = g_ascii_strtod (raw->speed, (char **) &end);
      if (errno != 0 || end == raw->speed || *end != '\0' ||
          !(speed >= 0.1 && speed <= 10.0))
        return set_error (error, _("%s: expected a number from 0.1 to 10, got \"%s\""),
                          "--speed", raw->speed);
      options->speed = speed;
    }

  return TRUE;
}

static gboolean
validate (const RawOptions *raw,
          AuthsimOptions   *options,
          GError          **error)
{
  if (!validate_paths (raw, options, error) ||
      !validate_gateway (raw, options, error) ||
      !validate_behaviour (raw, options, error))
    return FALSE;

  options->no_gateway = raw->no_gateway;
  options->headless = raw->headless;
  options->version = raw->version;

  return TRUE;
}

gboolean
authsim_options_parse (AuthsimOptions *options,
                       int            *argc,
                       char         ***argv,
                       GError        **error)
{
  RawOptions raw = { 0 };
  const GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &raw.profile,
      N_("Simulate the mini program described in this profile (JSON)"), N_("FILE") },
    { "users", 0, 0, G_OPTION_ARG_FILENAME, &raw.users,
      N_("Load the test users from this file (JSON)"), N_("FILE") },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &raw.log,
      N_("Append the event log to this JSON Lines file"), N_("FILE") },
    { "gateway-port", 0, 0, G_OPTION_ARG_STRING, &raw.gateway_port,
      N_("Port of the mock OpenAPI gateway (default 8930; 0 picks a free port)"), N_("N") },
    { "gateway-address", 0, 0, G_OPTION_ARG_STRING, &raw.gateway_address,
      N_("Address the gateway listens on (default 127.0.0.1)"), N_("ADDRESS") },
    { "no-gateway", 0, 0, G_OPTION_ARG_NONE, &raw.no_gateway,
      N_("Do not start the mock OpenAPI gateway"), NULL },
    { "app-public-key", 0, 0, G_OPTION_ARG_FILENAME, &raw.app_public_key,
      N_("Make the gateway trust this app public key (PEM) instead of its own"), N_("FILE") },
    { "sign-mode", 0, 0, G_OPTION_ARG_STRING, &raw.sign_mode,
      N_("How the gateway names its keys: key (public keys, the default) or cert (public-key certificates)"),
      N_("MODE") },
    { "first-screen-rule", 0, 0, G_OPTION_ARG_STRING, &raw.first_screen_rule,
      N_("What a consent call on the first screen does: enforce, warn or off"), N_("RULE") },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &raw.headless,
      N_("Run without a window: the engine, the gateway and the D-Bus actions only"), NULL },
    { "scenario", 0, 0, G_OPTION_ARG_FILENAME, &raw.scenario,
      N_("Run this scenario file (JSON)"), N_("FILE") },
    { "answer", 0, 0, G_OPTION_ARG_STRING, &raw.answer,
      N_("With --headless: answer every consent popup with allow, reject or close"), N_("ANSWER") },
    { "speed", 0, 0, G_OPTION_ARG_STRING, &raw.speed,
      N_("Speed of scenario steps in the window, from 0.1 to 10 (default 1)"), N_("X") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &raw.data_dir,
      N_("Keep grants, keys and settings in this directory"), N_("DIR") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &raw.version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  gboolean ok;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (argc != NULL && argv != NULL, FALSE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Simulates the Alipay mini-program my.getAuthCode flow and a "
                                  "mock OpenAPI gateway."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* No GTK options: GTK 4 takes none, and every argument is ours to check. */
  g_option_context_set_help_enabled (context, TRUE);

  ok = g_option_context_parse (context, argc, argv, error);
  if (ok)
    {
      if (*argc > 1)
        ok = set_error (error, _("unexpected argument \"%s\""), (*argv)[1]);
      else
        ok = validate (&raw, options, error);
    }
  else if (error != NULL && *error != NULL && (*error)->domain != AUTHSIM_ERROR)
    {
      /* GOptionError: keep its (GLib-translated) message, in our domain. */
      g_autoptr(GError) option_error = g_steal_pointer (error);

      set_error (error, "%s", option_error->message);
    }

  raw_options_clear (&raw);
  return ok;
}
