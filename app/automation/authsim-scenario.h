/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-scenario.h: scenario files (JSON steps with scripted answers and expectations), their
 * event-driven runner, and the recorder that turns a session's log into a scenario. GIO only. */
#pragma once

#include <gio/gio.h>

#include "authsim-engine.h"
#include "authsim-gateway.h"
#include "authsim-keys.h"
#include "authsim-log.h"
#include "authsim-options.h"
#include "authsim-responder.h"

G_BEGIN_DECLS

#define AUTHSIM_SCENARIO_STEP_TIMEOUT_MS 10000

#define AUTHSIM_TYPE_SCENARIO (authsim_scenario_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimScenario, authsim_scenario, AUTHSIM, SCENARIO, GObject)

/*
 * Parsing. A file that is not JSON fails with AUTHSIM_ERROR_INVALID_JSON (line:column); a
 * wrong shape with AUTHSIM_ERROR_INVALID and a one-line message naming the file and the JSON
 * path, e.g. `scenario.json: $.steps[3].answer: expected allow, reject or close, got "yes"`.
 * "profile" and "users" are resolved against the file's directory (@base_dir for data).
 */
AuthsimScenario    *authsim_scenario_new_from_file (const char       *path,
                                                    GError          **error);
AuthsimScenario    *authsim_scenario_new_from_data (const char       *data,
                                                    gssize            length,
                                                    const char       *source_name,
                                                    const char       *base_dir,
                                                    GError          **error);

const char         *authsim_scenario_get_name        (AuthsimScenario *self);
/* (nullable) */
const char         *authsim_scenario_get_description (AuthsimScenario *self);
/* (nullable): absolute paths of the scenario's profile and users files. */
const char         *authsim_scenario_get_profile     (AuthsimScenario *self);
const char         *authsim_scenario_get_users       (AuthsimScenario *self);
/* An AuthsimFirstScreenRule, -1 when the scenario does not set one. */
int                 authsim_scenario_get_first_screen_rule (AuthsimScenario *self);
guint               authsim_scenario_get_n_steps     (AuthsimScenario *self);
/* One line: the step's verb and value, e.g. `tap "Log in to order"`. */
const char         *authsim_scenario_get_step_description (AuthsimScenario *self,
                                                           guint            index);

/*
 * Makes @options (owned by the caller) use the scenario's profile, users and first-screen
 * rule, where the scenario names them. Call it before building the backend: the runner itself
 * sets the first-screen rule, but cannot swap the profile or the users of a running engine.
 */
void                authsim_scenario_apply_options   (AuthsimScenario *self,
                                                      AuthsimOptions  *options);

/* What a run acts on (borrowed: the run takes its own references). */
typedef struct
{
  AuthsimEngine    *engine;
  AuthsimStore     *store;      /* the engine's: grant and advanceClock steps, exchange codes */
  AuthsimLog       *log;        /* the engine's: what expectations look at */
  AuthsimResponder *responder;  /* takes the answer steps, in order */
  AuthsimGateway   *gateway;    /* (nullable): serves the exchange steps */
  AuthsimKeys      *keys;       /* (nullable): signs the exchange requests */
} AuthsimScenarioTarget;

/*
 * Runs the steps on @target, one at a time, each waiting (event-driven, no sleeping) for what
 * it expects, up to its timeout (default AUTHSIM_SCENARIO_STEP_TIMEOUT_MS). Expectations look
 * at the events logged from the start of the run. Answer steps are queued on the responder
 * (dropped when the run ends). @step_delay_ms pauses before each step (demos in the window;
 * 0 headless).
 * Signals, for a view or a printer:
 *   "step-started"  (guint index, const char *description)
 *   "step-finished" (guint index, const char *description, gboolean ok, const char *detail)
 *     @detail (nullable) says why a step failed.
 * A failing step does not stop the run. One run at a time per scenario object.
 */
void                authsim_scenario_run_async       (AuthsimScenario             *self,
                                                      const AuthsimScenarioTarget *target,
                                                      guint                        step_delay_ms,
                                                      GCancellable                *cancellable,
                                                      GAsyncReadyCallback          callback,
                                                      gpointer                     user_data);
/* TRUE when the run went to its end (steps may have failed: see the counts). */
gboolean            authsim_scenario_run_finish      (AuthsimScenario     *self,
                                                      GAsyncResult        *result,
                                                      guint               *n_passed,
                                                      guint               *n_failed,
                                                      GError             **error);

/*
 * Turns the events now in @log (the session: calls, answers, navigation, relaunches, user
 * switches, grant changes) into scenario JSON whose replay gives the same callback payloads,
 * authCode values aside ("*"). It starts by clearing the grants, restoring the grants the
 * session relied on, and relaunching. AUTHSIM_ERROR_NOT_FOUND when the log holds no call.
 */
char               *authsim_scenario_record          (AuthsimLog          *log,
                                                      GError             **error);

G_END_DECLS
