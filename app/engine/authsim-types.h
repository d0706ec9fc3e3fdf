/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-types.h: enums and the error domain shared by the engine and its views. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define AUTHSIM_ERROR (authsim_error_quark ())

/**
 * AuthsimError:
 * Failures a user can cause: bad files, bad parameters, actions that do not apply now.
 */
typedef enum
{
  AUTHSIM_ERROR_INVALID_JSON, /* not JSON at all (message names line:column) */
  AUTHSIM_ERROR_INVALID,      /* JSON of the wrong shape (message names file and JSON path) */
  AUTHSIM_ERROR_NOT_FOUND,    /* no such page, user, button, … */
  AUTHSIM_ERROR_NO_REQUEST,   /* respond() with no popup open */
  AUTHSIM_ERROR_IO,           /* a file could not be read or written */
  AUTHSIM_ERROR_FAILED,
} AuthsimError;

GQuark authsim_error_quark (void);

/* The nick of each value is its spelling in JSON, on the command line and in D-Bus actions. */

typedef enum /*< prefix=AUTHSIM_TRIGGER >*/
{
  AUTHSIM_TRIGGER_TAP,       /*< nick=tap >*/
  AUTHSIM_TRIGGER_LIFECYCLE, /*< nick=lifecycle >*/
} AuthsimTrigger;

typedef enum /*< prefix=AUTHSIM_CONTAINER >*/
{
  AUTHSIM_CONTAINER_MINI_PROGRAM, /*< nick=mini-program >*/
  AUTHSIM_CONTAINER_PLUGIN,       /*< nick=plugin >*/
  AUTHSIM_CONTAINER_WEB_VIEW,     /*< nick=web-view >*/
} AuthsimContainer;

typedef enum /*< prefix=AUTHSIM_FIRST_SCREEN_RULE >*/
{
  AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, /*< nick=enforce >*/
  AUTHSIM_FIRST_SCREEN_RULE_WARN,    /*< nick=warn >*/
  AUTHSIM_FIRST_SCREEN_RULE_OFF,     /*< nick=off >*/
} AuthsimFirstScreenRule;

typedef enum /*< prefix=AUTHSIM_DECISION >*/
{
  AUTHSIM_DECISION_ALLOW,  /*< nick=allow >*/
  AUTHSIM_DECISION_REJECT, /*< nick=reject >*/
  AUTHSIM_DECISION_CLOSE,  /*< nick=close >*/
} AuthsimDecision;

/*
 * Who answered a consent popup: the "source" of its decision event. UI: a person in the
 * window; DBUS: the D-Bus `respond` action; SCENARIO: a scenario's scripted answer; STANDING:
 * the standing answer (`answer` action, --answer); API: a direct call (tests, tools).
 */
typedef enum /*< prefix=AUTHSIM_ANSWER_SOURCE >*/
{
  AUTHSIM_ANSWER_SOURCE_UI,       /*< nick=ui >*/
  AUTHSIM_ANSWER_SOURCE_DBUS,     /*< nick=dbus >*/
  AUTHSIM_ANSWER_SOURCE_SCENARIO, /*< nick=scenario >*/
  AUTHSIM_ANSWER_SOURCE_STANDING, /*< nick=standing >*/
  AUTHSIM_ANSWER_SOURCE_API,      /*< nick=api >*/
} AuthsimAnswerSource;

/*
 * The mini-program APIs AuthSim simulates (SPEC §2, §10–§12): the "api" of a call. The last
 * one is not called: it names the tap of a <button open-type="getAuthorize"> in the log
 * (authsim_engine_tap_authorize()).
 */
typedef enum /*< prefix=AUTHSIM_API >*/
{
  AUTHSIM_API_GET_AUTH_CODE,      /*< nick=getAuthCode >*/
  AUTHSIM_API_GET_OPEN_USER_INFO, /*< nick=getOpenUserInfo >*/
  AUTHSIM_API_GET_PHONE_NUMBER,   /*< nick=getPhoneNumber >*/
  AUTHSIM_API_GET_SETTING,        /*< nick=getSetting >*/
  AUTHSIM_API_OPEN_SETTING,       /*< nick=openSetting >*/
  AUTHSIM_API_GET_AUTHORIZE,      /*< nick=getAuthorize >*/
} AuthsimApi;

/* The APIs a call can name (all but AUTHSIM_API_GET_AUTHORIZE). */
#define AUTHSIM_API_N_CALLABLE 5

typedef enum /*< prefix=AUTHSIM_ID_MODE >*/
{
  AUTHSIM_ID_MODE_USER_ID, /*< nick=user_id >*/
  AUTHSIM_ID_MODE_OPEN_ID, /*< nick=open_id >*/
} AuthsimIdMode;

typedef enum /*< prefix=AUTHSIM_THIRD_PARTY >*/
{
  AUTHSIM_THIRD_PARTY_NONE,            /*< nick=none >*/
  AUTHSIM_THIRD_PARTY_WITH_PACKAGE,    /*< nick=with-package >*/
  AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE, /*< nick=without-package >*/
} AuthsimThirdParty;

typedef enum /*< prefix=AUTHSIM_APP_TYPE >*/
{
  AUTHSIM_APP_TYPE_PERSONAL,   /*< nick=personal >*/
  AUTHSIM_APP_TYPE_ENTERPRISE, /*< nick=enterprise >*/
} AuthsimAppType;

/* Converts between an enum value and its nick; FALSE/NULL when there is none. */
gboolean    authsim_enum_from_nick (GType       enum_type,
                                    const char *nick,
                                    int        *value);
const char *authsim_enum_to_nick   (GType       enum_type,
                                    int         value);

G_END_DECLS
