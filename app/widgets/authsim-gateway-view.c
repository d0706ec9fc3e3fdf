/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "authsim-gateway-view.h"
#include "authsim-resources.h"

struct _AuthsimGatewayView
{
  GtkWidget        parent_instance;

  AuthsimBackend  *backend;
  AuthsimLog      *log;
  gboolean         started;

  GCancellable    *cancellable;
  GtkNativeDialog *chooser;

  /* Template children. */
  GtkLabel        *url_label;
  GtkLabel        *app_id_label;
  GtkWidget       *host_row;
  GtkLabel        *host_app_id_label;
  GtkLabel        *sign_mode_label;
  GtkWidget       *keys_box;
  GtkLabel        *aes_key_label;
  GtkLabel        *keys_dir_label;
  GtkWidget       *certs_note_label;
  GtkWidget       *certs_box;
  GtkLabel        *app_cert_sn_label;
  GtkLabel        *alipay_cert_sn_label;
  GtkLabel        *root_cert_sn_label;
  GtkLabel        *status_label;
};

G_DEFINE_FINAL_TYPE (AuthsimGatewayView, authsim_gateway_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_LOG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The key and certificate files the panel offers, and how the panel names them. */
static const char *
key_display_name (const char *file_name)
{
  if (g_strcmp0 (file_name, "app-private.pem") == 0)
    return _("the app private key");
  if (g_strcmp0 (file_name, "app-public.pem") == 0)
    return _("the app public key");
  if (g_strcmp0 (file_name, "gateway-public.pem") == 0)
    /* Translators: the gateway's public key, which Alipay's docs call 支付宝公钥. */
    return _("the Alipay public key");
  if (g_strcmp0 (file_name, "aes.key") == 0)
    /* Translators: the app's content encryption key (接口内容加密方式). */
    return _("the AES key");
  if (g_strcmp0 (file_name, AUTHSIM_CERTS_APP_FILE) == 0)
    /* Translators: 应用公钥证书 */
    return _("the app public key certificate");
  if (g_strcmp0 (file_name, AUTHSIM_CERTS_GATEWAY_FILE) == 0)
    /* Translators: 支付宝公钥证书 */
    return _("the Alipay public key certificate");
  if (g_strcmp0 (file_name, AUTHSIM_CERTS_ROOT_FILE) == 0)
    /* Translators: 支付宝根证书 */
    return _("the Alipay root certificate");
  return NULL;
}

static gboolean
is_certificate (const char *file_name)
{
  return g_str_has_suffix (file_name, ".crt");
}

/* (nullable): certificate mode's certificates, when the gateway runs in that mode. */
static AuthsimCerts *
get_certs (AuthsimGatewayView *self)
{
  AuthsimGateway *gateway = self->backend != NULL ? authsim_backend_get_gateway (self->backend)
                                                  : NULL;

  return gateway != NULL ? authsim_gateway_get_certs (gateway) : NULL;
}

/* (transfer full) (nullable): the text of a file the panel offers, with @error when there is
 * none (no keys yet, or no certificates in key mode). */
static char *
dup_file_text (AuthsimGatewayView  *self,
               const char          *file_name,
               GError             **error)
{
  AuthsimKeys *keys = self->backend != NULL ? authsim_backend_get_keys (self->backend) : NULL;
  AuthsimCerts *certs = get_certs (self);

  if (is_certificate (file_name))
    {
      if (certs != NULL)
        return authsim_certs_dup_pem (certs, file_name, error);
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                           _("Certificate mode is off: there are no certificates"));
      return NULL;
    }
  if (keys != NULL)
    return authsim_keys_dup_pem (keys, file_name, error);
  g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND, _("Loading the keys…"));
  return NULL;
}

static void
set_status (AuthsimGatewayView *self,
            const char         *status)
{
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
}

static AuthsimEngine *
get_engine (AuthsimGatewayView *self)
{
  return self->backend != NULL ? authsim_backend_get_engine (self->backend) : NULL;
}

/* The sign mode, the certificates' SNs and the AES key. */
static void
refresh_modes (AuthsimGatewayView *self,
               AuthsimKeys        *keys,
               AuthsimGateway     *gateway)
{
  AuthsimCerts *certs = gateway != NULL ? authsim_gateway_get_certs (gateway) : NULL;
  const char *none = "—";

  if (gateway == NULL)
    gtk_label_set_text (self->sign_mode_label, none);
  else if (certs != NULL)
    /* Translators: the sign mode; "cert" is the value of --sign-mode. */
    gtk_label_set_text (self->sign_mode_label, _("Public-key certificates (cert)"));
  else
    /* Translators: the sign mode; "key" is the value of --sign-mode. */
    gtk_label_set_text (self->sign_mode_label, _("Public keys (key)"));

  gtk_label_set_text (self->aes_key_label,
                      keys != NULL ? authsim_keys_get_aes_key_text (keys) : none);

  gtk_widget_set_visible (self->certs_note_label, certs == NULL);
  gtk_widget_set_sensitive (self->certs_box, certs != NULL);
  gtk_label_set_text (self->app_cert_sn_label,
                      certs != NULL ? authsim_certs_get_app_cert_sn (certs) : none);
  gtk_label_set_text (self->alipay_cert_sn_label,
                      certs != NULL ? authsim_certs_get_gateway_cert_sn (certs) : none);
  gtk_label_set_text (self->root_cert_sn_label,
                      certs != NULL ? authsim_certs_get_root_cert_sn (certs) : none);
}

void
authsim_gateway_view_refresh (AuthsimGatewayView *self)
{
  AuthsimGateway *gateway = NULL;
  AuthsimKeys *keys = NULL;
  AuthsimEngine *engine = get_engine (self);
  AuthsimProfile *profile = engine != NULL ? authsim_engine_get_profile (engine) : NULL;
  const char *url = NULL;
  const char *host_app_id = NULL;

  g_return_if_fail (AUTHSIM_IS_GATEWAY_VIEW (self));

  if (self->backend != NULL)
    {
      gateway = authsim_backend_get_gateway (self->backend);
      keys = authsim_backend_get_keys (self->backend);
    }
  if (gateway != NULL)
    url = authsim_gateway_get_url (gateway);

  /* The keys are loaded first, then the gateway starts: keys without a gateway mean
   * --no-gateway (or a gateway that could not listen, which the log explains). */
  self->started = keys != NULL;

  if (url != NULL)
    gtk_label_set_text (self->url_label, url);
  else if (self->started)
    /* Translators: shown instead of the gateway URL with --no-gateway. */
    gtk_label_set_text (self->url_label, _("Gateway off"));
  else
    /* Translators: shown instead of the gateway URL while the keys load. */
    gtk_label_set_text (self->url_label, _("Starting…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gateway-view.copy-url", url != NULL);

  gtk_label_set_text (self->app_id_label,
                      profile != NULL ? authsim_profile_get_app_id (profile) : "");
  if (profile != NULL)
    host_app_id = authsim_profile_get_host_app_id (profile);
  gtk_label_set_text (self->host_app_id_label, host_app_id != NULL ? host_app_id : "");
  gtk_widget_set_visible (self->host_row, host_app_id != NULL);

  refresh_modes (self, keys, gateway);
  gtk_widget_set_sensitive (self->keys_box, keys != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gateway-view.copy-key", keys != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gateway-view.save-key", keys != NULL);
  gtk_label_set_text (self->keys_dir_label,
                      keys != NULL ? authsim_keys_get_dir (keys) : _("Loading the keys…"));
}

/* Copy -------------------------------------------------------------------------------------- */

static void
copy_url_cb (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (widget);
  AuthsimGateway *gateway = self->backend != NULL ? authsim_backend_get_gateway (self->backend)
                                                  : NULL;
  const char *url = gateway != NULL ? authsim_gateway_get_url (gateway) : NULL;

  if (url == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
  set_status (self, _("Copied the gateway URL"));
}

static void
copy_key_cb (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (widget);
  const char *file_name = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *message = NULL;

  if (key_display_name (file_name) == NULL)
    return;

  pem = dup_file_text (self, file_name, &error);
  if (pem == NULL)
    {
      set_status (self, error->message);
      return;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), pem);
  /* Translators: %s is "the app private key", "the app public key" or "the Alipay public
   * key". */
  message = g_strdup_printf (_("Copied %s (%s)"), key_display_name (file_name), file_name);
  set_status (self, message);
}

/* Save -------------------------------------------------------------------------------------- */

typedef struct
{
  AuthsimGatewayView *self;  /* a reference */
  char               *file_name;
  GFile              *file;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->file_name, g_free);
  g_clear_object (&data->file);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveData, save_data_free)

static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = g_file_get_parse_name (data->file);

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: the first %s is a file name, the second the system's reason. */
      message = g_strdup_printf (_("Could not save %s: %s"), name, error->message);
    }
  else
    {
      /* Translators: the first %s is "the app private key" or another key, the second a
       * file name. */
      message = g_strdup_printf (_("Saved %s to %s"), key_display_name (data->file_name), name);
    }

  set_status (data->self, message);
}

void
authsim_gateway_view_save_key_to (AuthsimGatewayView *self,
                                  const char         *file_name,
                                  GFile              *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *pem;
  SaveData *data;
  GFileCreateFlags flags = G_FILE_CREATE_REPLACE_DESTINATION;

  g_return_if_fail (AUTHSIM_IS_GATEWAY_VIEW (self));
  g_return_if_fail (file_name != NULL);
  g_return_if_fail (G_IS_FILE (file));

  if (key_display_name (file_name) == NULL)
    return;

  pem = dup_file_text (self, file_name, &error);
  if (pem == NULL)
    {
      set_status (self, error->message);
      return;
    }
  bytes = g_bytes_new_take (pem, strlen (pem));

  /* A private or secret key stays private (mode 0600) wherever the user saves it. */
  if (g_str_has_suffix (file_name, "-private.pem") || g_strcmp0 (file_name, "aes.key") == 0)
    flags |= G_FILE_CREATE_PRIVATE;

  data = g_new0 (SaveData, 1);
  data->self = g_object_ref (self);
  data->file_name = g_strdup (file_name);
  data->file = g_object_ref (file);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, flags, self->cancellable,
                                       save_done_cb, data);
}

static void
chooser_response_cb (GtkNativeDialog    *chooser,
                     int                 response,
                     AuthsimGatewayView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *file_name = g_object_get_data (G_OBJECT (chooser), "authsim-key-file");

      if (file != NULL)
        authsim_gateway_view_save_key_to (self, file_name, file);
    }

  gtk_native_dialog_destroy (chooser);
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

static void
save_key_cb (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (widget);
  const char *file_name = g_variant_get_string (parameter, NULL);
  const char *display_name = key_display_name (file_name);
  g_autofree char *title = NULL;
  GtkFileChooserNative *chooser;
  GtkRoot *root;

  if (display_name == NULL)
    return;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }

  /* Translators: the title of a save dialog; %s is "the app private key" or another key. */
  title = g_strdup_printf (_("Save %s"), display_name);
  root = gtk_widget_get_root (widget);
  chooser = gtk_file_chooser_native_new (title,
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), file_name);
  g_object_set_data_full (G_OBJECT (chooser), "authsim-key-file", g_strdup (file_name), g_free);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

/* Backend ----------------------------------------------------------------------------------- */

static void
log_items_changed_cb (GListModel         *model,
                      guint               position,
                      guint               removed,
                      guint               added,
                      AuthsimGatewayView *self)
{
  /* The backend announces no "started": its first events (the gateway's "listening", then
   * the mini program's launch) say that the keys and the gateway are there. */
  if (!self->started && added > 0)
    authsim_gateway_view_refresh (self);
}

static void
backend_notify_cb (GObject            *object,
                   GParamSpec         *pspec,
                   AuthsimGatewayView *self)
{
  authsim_gateway_view_refresh (self);
}

void
authsim_gateway_view_set_backend (AuthsimGatewayView *self,
                                  AuthsimBackend     *backend)
{
  AuthsimEngine *engine;

  g_return_if_fail (AUTHSIM_IS_GATEWAY_VIEW (self));
  g_return_if_fail (backend == NULL || AUTHSIM_IS_BACKEND (backend));

  if (self->backend == backend)
    return;

  if (self->backend != NULL)
    g_signal_handlers_disconnect_by_data (self->backend, self);
  engine = get_engine (self);
  if (engine != NULL)
    g_signal_handlers_disconnect_by_data (engine, self);

  g_set_object (&self->backend, backend);
  engine = get_engine (self);

  if (self->backend != NULL)
    g_signal_connect_object (self->backend, "notify",
                             G_CALLBACK (backend_notify_cb), self, 0);
  if (engine != NULL)
    g_signal_connect_object (engine, "notify::profile",
                             G_CALLBACK (backend_notify_cb), self, 0);

  authsim_gateway_view_refresh (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}

void
authsim_gateway_view_set_log (AuthsimGatewayView *self,
                              AuthsimLog         *log)
{
  g_return_if_fail (AUTHSIM_IS_GATEWAY_VIEW (self));
  g_return_if_fail (log == NULL || AUTHSIM_IS_LOG (log));

  if (self->log == log)
    return;

  if (self->log != NULL)
    g_signal_handlers_disconnect_by_data (self->log, self);
  g_set_object (&self->log, log);
  if (self->log != NULL)
    g_signal_connect_object (self->log, "items-changed",
                             G_CALLBACK (log_items_changed_cb), self, 0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG]);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_gateway_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (authsim_gateway_view_parent_class)->map (widget);

  authsim_gateway_view_refresh (AUTHSIM_GATEWAY_VIEW (widget));
}

static void
authsim_gateway_view_dispose (GObject *object)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (object);
  GtkWidget *child;
  AuthsimEngine *engine = get_engine (self);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  if (engine != NULL)
    g_signal_handlers_disconnect_by_data (engine, self);
  if (self->backend != NULL)
    g_signal_handlers_disconnect_by_data (self->backend, self);
  if (self->log != NULL)
    g_signal_handlers_disconnect_by_data (self->log, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_GATEWAY_VIEW);
  /* The template's root box is not a bound child: unparent it too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->log);
  g_clear_object (&self->backend);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (authsim_gateway_view_parent_class)->dispose (object);
}

static void
authsim_gateway_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;
    case PROP_LOG:
      g_value_set_object (value, self->log);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_gateway_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  AuthsimGatewayView *self = AUTHSIM_GATEWAY_VIEW (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      authsim_gateway_view_set_backend (self, g_value_get_object (value));
      break;
    case PROP_LOG:
      authsim_gateway_view_set_log (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_gateway_view_class_init (AuthsimGatewayViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_gateway_view_dispose;
  object_class->get_property = authsim_gateway_view_get_property;
  object_class->set_property = authsim_gateway_view_set_property;
  widget_class->map = authsim_gateway_view_map;

  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL, AUTHSIM_TYPE_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG] =
    g_param_spec_object ("log", NULL, NULL, AUTHSIM_TYPE_LOG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-gateway-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, url_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, app_id_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, host_row);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, host_app_id_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, sign_mode_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, keys_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, aes_key_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, keys_dir_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, certs_note_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, certs_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, app_cert_sn_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, alipay_cert_sn_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, root_cert_sn_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGatewayView, status_label);

  gtk_widget_class_install_action (widget_class, "gateway-view.copy-url", NULL,
                                   copy_url_cb);
  gtk_widget_class_install_action (widget_class, "gateway-view.copy-key", "s",
                                   copy_key_cb);
  gtk_widget_class_install_action (widget_class, "gateway-view.save-key", "s",
                                   save_key_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gatewayview");
}

static void
authsim_gateway_view_init (AuthsimGatewayView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  authsim_gateway_view_refresh (self);
}

GtkWidget *
authsim_gateway_view_new (AuthsimBackend *backend,
                          AuthsimLog     *log)
{
  g_return_val_if_fail (backend == NULL || AUTHSIM_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (log == NULL || AUTHSIM_IS_LOG (log), NULL);

  return g_object_new (AUTHSIM_TYPE_GATEWAY_VIEW, "backend", backend, "log", log, NULL);
}
