/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-modes.c: what certificate mode and content encryption add to a request, for
 * v2 and v3 alike (SPEC §13). The wording of each error is production's (SPEC §13.2, §13.4).
 */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

gboolean
authsim_gateway_check_cert_sns (const AuthsimGatewaySnapshot *snapshot,
                                const char                   *app_cert_sn,
                                const char                   *root_cert_sn,
                                AuthsimGatewayOutcome        *o)
{
  AuthsimCerts *certs = snapshot->certs;

  if (certs == NULL)
    return TRUE;
  if (app_cert_sn == NULL)
    authsim_gateway_outcome_fail (o, "40002", "isv.missing-app-cert-sn", "缺少应用公钥证书序列号");
  else if (strcmp (app_cert_sn, authsim_certs_get_app_cert_sn (certs)) != 0)
    authsim_gateway_outcome_fail (o, "40002", "isv.app-cert-not-exist", "应用公钥证书不存在");
  else if (root_cert_sn == NULL)
    authsim_gateway_outcome_fail (o, "40002", "isv.missing-alipay-root-cert-sn",
                                  "缺少支付宝根证书序列号");
  else if (strcmp (root_cert_sn, authsim_certs_get_root_cert_sn (certs)) != 0)
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-alipay-root-cert-sn",
                                  "无效支付宝根证书序列号");
  return !authsim_gateway_outcome_failed (o);
}

gboolean
authsim_gateway_check_encryption (const AuthsimGatewaySnapshot *snapshot,
                                  const char                   *encrypt_type,
                                  AuthsimGatewayOutcome        *o)
{
  if (g_strcmp0 (encrypt_type, "AES") != 0)
    authsim_gateway_outcome_fail (o, "40002", "isv.decryption-error-not-valid-encrypt-type",
                                  "解密出错，不支持的加密算法");
  else if (!snapshot->aes_key)
    authsim_gateway_outcome_fail (o, "40002", "isv.decryption-error-not-valid-encrypt-key",
                                  "解密出错, 未配置加密密钥或加密密钥格式错误");
  return !authsim_gateway_outcome_failed (o);
}

char *
authsim_gateway_decrypt (AuthsimGateway        *self,
                         const char            *ciphertext,
                         gsize                 *length,
                         AuthsimGatewayOutcome *o)
{
  g_autofree char *plaintext = authsim_keys_aes_decrypt (self->keys, ciphertext, length, NULL);

  /* A wrong key passes the padding check about once in 256 tries; what comes out then is not
   * text. Either way the content did not decrypt. */
  if (plaintext == NULL || !g_utf8_validate_len (plaintext, *length, NULL))
    {
      authsim_gateway_outcome_fail (o, "40003", "isv.decryption-error-unknown",
                                    "解密出错, 未知错误");
      return NULL;
    }
  return g_steal_pointer (&plaintext);
}

char *
authsim_gateway_encrypt (AuthsimGateway        *self,
                         char                  *payload,
                         AuthsimGatewayOutcome *o)
{
  g_autoptr(GError) error = NULL;
  char *ciphertext = authsim_keys_aes_encrypt (self->keys, payload, -1, &error);

  g_free (payload);
  if (ciphertext == NULL)
    authsim_gateway_outcome_fail (o, "20000", "isp.unknow-error", "加密出错：%s", error->message);
  return ciphertext;
}
