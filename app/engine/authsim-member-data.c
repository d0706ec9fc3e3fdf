/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-member-data.c: the exact texts of SPEC §10.3 and §11.2. */
#include "config.h"

#include "authsim-json.h"
#include "authsim-member-data.h"

/* The error objects, as the documentation prints them. The 40006 subMsg of getPhoneNumber
 * escapes its slashes ("https:\/\/…"), the one of getOpenUserInfo does not (SPEC §11.2 and
 * §10.3 quote Alipay's samples): both decode to the same string. */
#define INSUFFICIENT_CONDITIONS \
  "{\"code\":\"40003\",\"msg\":\"Insufficient Conditions\"," \
  "\"subCode\":\"isv.invalid-auth-relations\",\"subMsg\":\"无效的授权关系\"}"
#define INSUFFICIENT_PERMISSIONS_HEAD \
  "{\"code\":\"40006\",\"msg\":\"Insufficient Permissions\"," \
  "\"subCode\":\"isv.insufficient-isv-permissions\"," \
  "\"subMsg\":\"ISV权限不足，建议在开发者中心检查对应功能是否已经添加，解决办法详见："
#define INSUFFICIENT_PERMISSIONS \
  INSUFFICIENT_PERMISSIONS_HEAD "https://docs.open.alipay.com/common/isverror\"}"
#define INSUFFICIENT_PERMISSIONS_ESCAPED \
  INSUFFICIENT_PERMISSIONS_HEAD "https:\\/\\/docs.open.alipay.com\\/common\\/isverror\"}"
#define SERVICE_UNAVAILABLE \
  "{\"code\":\"20000\",\"msg\":\"Service Currently Unavailable\"," \
  "\"subCode\":\"aop.unknow-error\",\"subMsg\":\"系统繁忙\"}"
#define MISSING_ENCRYPT_KEY \
  "{\"code\":\"40001\",\"msg\":\"Missing Required Arguments\"," \
  "\"subCode\":\"isv.missing-encrypt-key\",\"subMsg\":\"缺少加密配置\"}"

const char *
authsim_member_result_code (AuthsimMemberResult result)
{
  switch (result)
    {
    case AUTHSIM_MEMBER_SUCCESS:
      return "10000";
    case AUTHSIM_MEMBER_INSUFFICIENT_CONDITIONS:
      return "40003";
    case AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS:
      return "40006";
    case AUTHSIM_MEMBER_SERVICE_UNAVAILABLE:
      return "20000";
    case AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY:
    default:
      return "40001";
    }
}

/* "<key>":"<value>", after a comma. */
static void
append_member (GString    *out,
               const char *key,
               const char *value)
{
  g_string_append_c (out, ',');
  authsim_json_append_string (out, key);
  g_string_append_c (out, ':');
  authsim_json_append_string (out, value);
}

/* The 10000 node: since the 2022-06-13 change only avatar and nickName carry data, the other
 * keys are always "" (SPEC §10.3); keys in Alipay's (alphabetical) order after code and msg. */
static void
append_user_info (GString    *out,
                  const char *nick_name,
                  const char *avatar)
{
  g_string_append (out, "{\"code\":\"10000\",\"msg\":\"Success\"");
  if (avatar != NULL && *avatar != '\0')
    append_member (out, "avatar", avatar);
  g_string_append (out, ",\"city\":\"\",\"countryCode\":\"\",\"gender\":\"\"");
  if (nick_name != NULL && *nick_name != '\0')
    append_member (out, "nickName", nick_name);
  g_string_append (out, ",\"province\":\"\"}");
}

char *
authsim_member_user_info_text (AuthsimMemberResult  result,
                               const char          *nick_name,
                               const char          *avatar)
{
  GString *out;

  /* getOpenUserInfo is neither encrypted nor throttled: 20000 and 40001 are not its. */
  g_return_val_if_fail (result <= AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS, NULL);

  out = g_string_new ("{\"response\":");
  if (result == AUTHSIM_MEMBER_SUCCESS)
    append_user_info (out, nick_name, avatar);
  else if (result == AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS)
    g_string_append (out, INSUFFICIENT_PERMISSIONS);
  else
    g_string_append (out, INSUFFICIENT_CONDITIONS);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
authsim_member_phone_text (AuthsimMemberResult  result,
                           const char          *mobile)
{
  GString *out;

  switch (result)
    {
    case AUTHSIM_MEMBER_INSUFFICIENT_CONDITIONS:
      return g_strdup (INSUFFICIENT_CONDITIONS);
    case AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS:
      return g_strdup (INSUFFICIENT_PERMISSIONS_ESCAPED);
    case AUTHSIM_MEMBER_SERVICE_UNAVAILABLE:
      return g_strdup (SERVICE_UNAVAILABLE);
    case AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY:
      return g_strdup (MISSING_ENCRYPT_KEY);
    case AUTHSIM_MEMBER_SUCCESS:
    default:
      break;
    }

  out = g_string_new ("{\"code\":\"10000\",\"msg\":\"Success\"");
  append_member (out, "mobile", mobile != NULL ? mobile : "");
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
authsim_member_phone_envelope (const char *content,
                               gboolean    ciphertext,
                               const char *sign)
{
  GString *out = g_string_new ("{\"response\":");

  g_return_val_if_fail (content != NULL, NULL);

  if (ciphertext)
    authsim_json_append_string (out, content);
  else
    g_string_append (out, content);
  if (sign != NULL)
    append_member (out, "sign", sign);
  append_member (out, "sign_type", "RSA2");
  if (ciphertext)
    append_member (out, "encrypt_type", "AES");
  append_member (out, "charset", "UTF-8");
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
