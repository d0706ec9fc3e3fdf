/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-openapi.h: the rules of Alipay's OpenAPI that both ends of a call follow (SPEC §6):
 * what v2 and v3 sign, the form encoding of v2 and the time format of its parameters.
 *
 * The mock gateway checks requests and signs answers with them; a client (the scenario's
 * `exchange` step, as a backend with an SDK would) signs requests and checks answers with
 * the same functions, so the two ends cannot drift apart. Everything here is plain string
 * work, safe from any thread; the two functions taking AuthsimKeys add the RSA operation a
 * client does on top.
 */
#pragma once

#include "authsim-keys.h"

G_BEGIN_DECLS

#define AUTHSIM_OPENAPI_METHOD_TOKEN "alipay.system.oauth.token"
#define AUTHSIM_OPENAPI_METHOD_SHARE "alipay.user.info.share"
/* The media type of a v2 request body. */
#define AUTHSIM_OPENAPI_FORM_TYPE    "application/x-www-form-urlencoded"

/* Certificate mode (SPEC §13.2, §13.3): the v2 response member with the gateway certificate's
 * SN, and the v3 request and response headers. */
#define AUTHSIM_OPENAPI_V2_CERT_SN        "alipay_cert_sn"
#define AUTHSIM_OPENAPI_V3_ROOT_CERT_SN   "alipay-root-cert-sn"
#define AUTHSIM_OPENAPI_V3_SN             "alipay-sn"

/* ---- application/x-www-form-urlencoded ---- */

/* Decodes @length bytes of @text into @out (emptied first): '+' is a space, %XX a byte (either
 * case). FALSE on a '%' not followed by two hex digits. The result may hold any byte, NUL and
 * invalid UTF-8 included: callers judge it. */
gboolean    authsim_openapi_form_decode         (const char  *text,
                                                 gsize        length,
                                                 GString     *out);
/* Appends "key=value" to @form, after a '&' unless @form is empty. Both are percent-encoded
 * except the unreserved ASCII letters, digits and "-._~" (a space becomes %20, which every
 * decoder reads as a space). */
void        authsim_openapi_form_append         (GString     *form,
                                                 const char  *key,
                                                 const char  *value);

/* ---- v2: /gateway.do ---- */

/* (transfer full): the string a v2 request signs, from @params (char * → char *): every
 * parameter but `sign` (`sign_type` included) whose value is not empty, sorted by key
 * (byte order), "k=v" joined with '&', nothing encoded. */
char       *authsim_openapi_v2_sign_content     (GHashTable  *params);
/* (transfer full): the form body a client posts: every parameter of @params sorted by key,
 * then `sign` (nullable: left out), encoded by authsim_openapi_form_append(). */
char       *authsim_openapi_v2_form_body        (GHashTable  *params,
                                                 const char  *sign);
/* (transfer full): the signed form body of @params: signs their sign content with the app
 * private key and appends it as `sign`. NULL (and @error from the key) when signing fails. */
char       *authsim_openapi_v2_sign_form        (AuthsimKeys *keys,
                                                 GHashTable  *params,
                                                 GError     **error);
/* (transfer full): the member that holds a method's answer, "alipay.system.oauth.token" →
 * "alipay_system_oauth_token_response". */
char       *authsim_openapi_v2_response_key     (const char  *method);
/* (transfer full): a v2 response, {"<response_key>":<node>,"sign":"<sign>"}, with @node's
 * bytes exactly as they were signed: what SDKs cut out again and verify. In certificate mode
 * (@cert_sn, nullable, the gateway certificate's SN) {"<response_key>":<node>,
 * "alipay_cert_sn":"<cert_sn>","sign":"<sign>"} (SPEC §13.2). */
char       *authsim_openapi_v2_response_body    (const char  *response_key,
                                                 const char  *node,
                                                 const char  *cert_sn,
                                                 const char  *sign);
/* (nullable): the signed bytes of a v2 response @body, i.e. the value of @response_key up to
 * the last `,"sign"` (and before `,"alipay_cert_sn":"…"` when that comes last); *@length is
 * their length. NULL when @body has no such non-empty node. */
const char *authsim_openapi_v2_find_node        (const char  *body,
                                                 const char  *response_key,
                                                 gsize       *length);
/* Whether the node @response_key of a v2 response @body verifies against @sign (base64) with
 * the gateway public key, as a client checks an answer. */
gboolean    authsim_openapi_v2_verify_response  (AuthsimKeys *keys,
                                                 const char  *body,
                                                 const char  *response_key,
                                                 const char  *sign);

/* ---- content encryption (SPEC §13.4) ---- */

/* (transfer full): what an encrypted answer carries instead of its JSON object, and what its
 * signature covers: the base64 @ciphertext as a JSON string, "<ciphertext>" with its quotes
 * (base64 needs no escaping). v2 puts it as the method's node; a JSAPI result (getPhoneNumber's
 * response) is signed over it the same way. */
char       *authsim_openapi_encrypted_node      (const char  *ciphertext);

/* ---- v3: /v3/alipay/… ---- */

/* (transfer full): what a v3 request signs (alipay-sdk 4.x):
 * "{auth_string}\n{http_method}\n{path}[?{query}]\n{body}\n[{app_auth_token}\n]", where
 * @auth_string is the Authorization header's parameters before ",sign=". @query and
 * @app_auth_token are nullable; @body is @body_length bytes. */
char       *authsim_openapi_v3_request_content  (const char  *auth_string,
                                                 const char  *http_method,
                                                 const char  *path,
                                                 const char  *query,
                                                 const char  *body,
                                                 gsize        body_length,
                                                 const char  *app_auth_token);
/* (transfer full): what a v3 response signs: "{timestamp}\n{nonce}\n{body}\n". */
char       *authsim_openapi_v3_response_content (const char  *timestamp,
                                                 const char  *nonce,
                                                 const char  *body);

/* ---- time ---- */

/* (transfer full): @unix_seconds as "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai (+08:00, no DST
 * since 1991): the form of `auth_start` in answers and of `timestamp` in v2 requests. */
char       *authsim_openapi_format_time         (gint64       unix_seconds);
/* Whether @text is "yyyy-MM-dd HH:mm:ss" naming a real date and time. */
gboolean    authsim_openapi_time_is_valid       (const char  *text);

G_END_DECLS
