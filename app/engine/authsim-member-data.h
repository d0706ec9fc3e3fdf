/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-member-data.h: the texts my.getOpenUserInfo and my.getPhoneNumber answer with
 * (SPEC §10.3, §11.2), byte for byte as Alipay writes them: the mini program receives them as
 * JSON strings, so their key order and escapes are part of the answer.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The business outcome of a member-data call (the "code" of its response). */
typedef enum
{
  AUTHSIM_MEMBER_SUCCESS,                  /* 10000 Success */
  AUTHSIM_MEMBER_INSUFFICIENT_CONDITIONS,  /* 40003 isv.invalid-auth-relations: no grant */
  AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS, /* 40006 isv.insufficient-isv-permissions */
  AUTHSIM_MEMBER_SERVICE_UNAVAILABLE,      /* 20000 aop.unknow-error: service busy */
  AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY,      /* 40001 isv.missing-encrypt-key: no AES key */
} AuthsimMemberResult;

/* The result's "code", e.g. "40003". */
const char *authsim_member_result_code      (AuthsimMemberResult  result);

/*
 * (transfer full): the `response` string of my.getOpenUserInfo's success, e.g.
 * {"response":{"code":"10000","msg":"Success","avatar":"…","city":"","countryCode":"",
 * "gender":"","nickName":"…","province":""}}. @nick_name and @avatar (nullable) only count for
 * SUCCESS; NULL or "" omits the key. Only SUCCESS, INSUFFICIENT_CONDITIONS and
 * INSUFFICIENT_PERMISSIONS apply.
 */
char       *authsim_member_user_info_text   (AuthsimMemberResult  result,
                                             const char          *nick_name,
                                             const char          *avatar);
/*
 * (transfer full): my.getPhoneNumber's content before encryption, e.g.
 * {"code":"10000","msg":"Success","mobile":"13800000000"}; @mobile (nullable) only counts for
 * SUCCESS, NULL gives "". MISSING_ENCRYPT_KEY gives the plain 40001 object of row 2.
 */
char       *authsim_member_phone_text       (AuthsimMemberResult  result,
                                             const char          *mobile);
/*
 * (transfer full): the envelope my.getPhoneNumber's `response` string holds. @ciphertext:
 * {"response":"<ciphertext>","sign":…,"sign_type":"RSA2","encrypt_type":"AES","charset":"UTF-8"};
 * otherwise @content is a plain object's text and goes in as it is, without encrypt_type.
 * @sign (nullable) is omitted when NULL.
 */
char       *authsim_member_phone_envelope   (const char          *content,
                                             gboolean             ciphertext,
                                             const char          *sign);

G_END_DECLS
