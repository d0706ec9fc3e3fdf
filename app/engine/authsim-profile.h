/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-profile.h: the mini program being simulated (SPEC §1), loaded from JSON. */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-types.h"

G_BEGIN_DECLS

/* A page of the profile: immutable once loaded, owned by its profile. */
typedef struct _AuthsimPage AuthsimPage;

const char *authsim_page_get_path               (const AuthsimPage *page);
const char *authsim_page_get_title              (const AuthsimPage *page);
/* (nullable): a paragraph of page content shown in the preview. */
const char *authsim_page_get_body               (const AuthsimPage *page);
/* (nullable) (transfer none): the parameter object of the call fired on load / show. */
JsonNode   *authsim_page_get_on_load            (const AuthsimPage *page);
JsonNode   *authsim_page_get_on_show            (const AuthsimPage *page);
/* Whether the page has the hook @hook ("onLoad" or "onShow"), and the call it makes: its API
 * and (nullable, transfer none) parameter object. */
gboolean    authsim_page_get_hook               (const AuthsimPage  *page,
                                                 const char         *hook,
                                                 AuthsimApi         *api,
                                                 JsonNode          **params);
guint       authsim_page_get_n_buttons          (const AuthsimPage *page);
const char *authsim_page_get_button_label       (const AuthsimPage *page,
                                                 guint              index);
/* (nullable) (transfer none): parameters of a call button, NULL for a navigation button. */
JsonNode   *authsim_page_get_button_params      (const AuthsimPage *page,
                                                 guint              index);
/* Whether button @index makes a call ("params" and/or "api"), and which: its API
 * (getAuthCode unless "api" names another) and (nullable, transfer none) parameter object. */
gboolean    authsim_page_get_button_call        (const AuthsimPage  *page,
                                                 guint               index,
                                                 AuthsimApi         *api,
                                                 JsonNode          **params);
/* Whether button @index is a <button open-type="getAuthorize">, and (nullable, transfer none)
 * its scope attribute as written (NULL: missing; any JSON value). */
gboolean    authsim_page_get_button_authorize   (const AuthsimPage  *page,
                                                 guint               index,
                                                 JsonNode          **scope);
/* Whether that button's onGetAuthorize makes a call, and which. */
gboolean    authsim_page_get_button_on_authorize (const AuthsimPage *page,
                                                  guint              index,
                                                  AuthsimApi        *api,
                                                  JsonNode         **params);
/* (nullable): the target path of a navigation button (my.navigateTo). */
const char *authsim_page_get_button_navigate_to (const AuthsimPage *page,
                                                 guint              index);
/* (nullable): the target path of a relaunch button (my.reLaunch: first screen again). */
const char *authsim_page_get_button_relaunch    (const AuthsimPage *page,
                                                 guint              index);
/* The container a call button forces; FALSE when it uses the current one. */
gboolean    authsim_page_get_button_container   (const AuthsimPage *page,
                                                 guint              index,
                                                 AuthsimContainer  *container);

#define AUTHSIM_TYPE_PROFILE (authsim_profile_get_type ())

G_DECLARE_FINAL_TYPE (AuthsimProfile, authsim_profile, AUTHSIM, PROFILE, GObject)

/*
 * Loading. Errors are AUTHSIM_ERROR_INVALID_JSON (with line:column) or AUTHSIM_ERROR_INVALID,
 * whose message names the source (file name), the JSON path ($.pages[2].buttons[0].label) and
 * the problem, e.g. "demo.json: $.appId: expected 16 digits, got \"123\"".
 */
AuthsimProfile     *authsim_profile_new_from_file      (const char      *path,
                                                        GError         **error);
AuthsimProfile     *authsim_profile_new_from_data      (const char      *data,
                                                        gssize           length,
                                                        const char      *source_name,
                                                        GError         **error);
/* The built-in demo profile (a resource compiled into the engine). */
AuthsimProfile     *authsim_profile_new_default        (void);

const char         *authsim_profile_get_source         (AuthsimProfile  *self);
const char         *authsim_profile_get_app_id         (AuthsimProfile  *self);
const char         *authsim_profile_get_name           (AuthsimProfile  *self);
/* (nullable): an icon: "resource:///…", an absolute file path, or NULL. */
const char         *authsim_profile_get_icon           (AuthsimProfile  *self);
/* (nullable): the host mini program, for plugin context. */
const char         *authsim_profile_get_host_app_id    (AuthsimProfile  *self);
const char         *authsim_profile_get_host_name      (AuthsimProfile  *self);
const char         *authsim_profile_get_host_icon      (AuthsimProfile  *self);

/* The switches Preferences can change; each notifies its property. */
AuthsimAppType      authsim_profile_get_app_type       (AuthsimProfile  *self);
void                authsim_profile_set_app_type       (AuthsimProfile  *self,
                                                        AuthsimAppType   app_type);
gboolean            authsim_profile_get_jsapi_base_package (AuthsimProfile *self);
void                authsim_profile_set_jsapi_base_package (AuthsimProfile *self,
                                                            gboolean        value);
AuthsimThirdParty   authsim_profile_get_third_party    (AuthsimProfile  *self);
void                authsim_profile_set_third_party    (AuthsimProfile  *self,
                                                        AuthsimThirdParty value);
AuthsimIdMode       authsim_profile_get_id_mode        (AuthsimProfile  *self);
void                authsim_profile_set_id_mode        (AuthsimProfile  *self,
                                                        AuthsimIdMode    id_mode);
/* camelCase field names (nickName, avatar, …), in profile order. */
const char * const *authsim_profile_get_user_info_fields (AuthsimProfile *self);
void                authsim_profile_set_user_info_fields (AuthsimProfile     *self,
                                                          const char * const *fields);
const char * const *authsim_profile_get_entitled_scopes (AuthsimProfile *self);
gboolean            authsim_profile_is_entitled        (AuthsimProfile  *self,
                                                        const char      *scope);

/* The products bound in the console (SPEC §10.1): "userInfo", "phoneNumber" (the default). */
const char * const *authsim_profile_get_products       (AuthsimProfile  *self);
gboolean            authsim_profile_has_product        (AuthsimProfile  *self,
                                                        const char      *product);
void                authsim_profile_set_products       (AuthsimProfile     *self,
                                                        const char * const *products);
/* An AES key is configured (接口内容加密方式; default TRUE, SPEC §11.1). */
gboolean            authsim_profile_get_aes_key        (AuthsimProfile  *self);
void                authsim_profile_set_aes_key        (AuthsimProfile  *self,
                                                        gboolean         value);
/* my.getPhoneNumber's envelope carries a sign (default TRUE). */
gboolean            authsim_profile_get_sign_responses (AuthsimProfile  *self);
void                authsim_profile_set_sign_responses (AuthsimProfile  *self,
                                                        gboolean         value);
/* (transfer none): deviceSettings, key → boolean in profile order; empty when none. Do not
 * modify. */
JsonObject         *authsim_profile_get_device_settings (AuthsimProfile *self);

guint               authsim_profile_get_n_pages        (AuthsimProfile  *self);
/* The launch page is page 0. */
const AuthsimPage  *authsim_profile_get_page           (AuthsimProfile  *self,
                                                        guint            index);
const AuthsimPage  *authsim_profile_find_page          (AuthsimProfile  *self,
                                                        const char      *path);

/* The user-info fields AuthSim knows (camelCase), and their user.info.share key
 * (snake_case: nickName → nick_name). NULL for an unknown field. */
const char * const *authsim_user_info_fields_known     (void);
const char         *authsim_user_info_field_to_key     (const char      *field);
/* The products AuthSim knows (the authSetting keys it simulates): userInfo, phoneNumber. */
const char * const *authsim_products_known             (void);
gboolean            authsim_product_is_known           (const char      *product);
/* The device settings a profile may list: album, audioRecord, bluetooth, camera, location. */
const char * const *authsim_device_settings_known      (void);

G_END_DECLS
