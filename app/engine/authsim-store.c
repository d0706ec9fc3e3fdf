/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-store.c: grants, auth codes, tokens, call ids and the virtual clock (SPEC §5, §6, §8),
 * kept in SQLite (authsim-store-db.c).
 *
 * Threading. One GMutex (`mutex`) guards the database connection and every cached value, so
 * codes and tokens may be issued, redeemed and looked up from the gateway's thread. The grants
 * GListStore is different: it is only changed from the thread that created the store (grant,
 * refuse, revoke and clear_grants are only ever called from that thread), because its
 * items-changed signal runs the views' handlers synchronously. A mirror of the grants
 * (`grant_list`, same order as the model) sits under the mutex so that other threads can read
 * granted scopes. Signals (notify, items-changed) are always emitted with the mutex released:
 * handlers may call back in.
 *
 * Persistence. Each mutation is one transaction, committed before the function returns: the
 * engine logs "granted" after authsim_store_grant and the success callback after
 * authsim_store_issue_code (call ids too are committed before they are used); the gateway
 * answers oauth.token after authsim_store_exchange_code, which spends the code and issues the
 * token in one commit. So nothing a log event or a response announced is lost by a crash of
 * the process (see authsim-store-db.c for what a power cut may lose).
 *
 * Memory. Codes and tokens live only in the database (read back per request by their primary
 * key); the grants, the decided scopes, the clock offset, the code lifetime and the call
 * counter are also cached in memory, written through. Expired codes and tokens are purged (see
 * authsim_store_purge), so the database holds the live ones, the spent codes until they
 * expire, and tokens up to TOKEN_PURGE_GRACE after their refresh expiry.
 */
#include "config.h"

#include <string.h>

#include "authsim-store-db.h"
#include "authsim-store.h"
#include "authsim-types.h"

#define CODE_LENGTH      32
#define TOKEN_RAND_CHARS 32
#define OPEN_ID_LENGTH   47

#define SCOPE_AUTH_USER  "auth_user"
#define PREFIX_USER      "authusrB"
#define PREFIX_BASE      "authbseB"

#define LIFETIME_USER          G_GINT64_CONSTANT (1296000)   /* 15 days */
#define REFRESH_LIFETIME_USER  G_GINT64_CONSTANT (2592000)   /* 30 days */
#define LIFETIME_BASE          G_GINT64_CONSTANT (31536000)  /* 365 days */
#define REFRESH_LIFETIME_BASE  G_GINT64_CONSTANT (31536000)

/* A token stays this long (virtual seconds) after its refresh token expired, so that a tester
 * who moves the clock past it is told "expired" (aop.auth-token-time-out,
 * isv.refresh-token-time-out) and not "invalid"; then it is purged. */
#define TOKEN_PURGE_GRACE      G_GINT64_CONSTANT (2592000)   /* 30 days */
/* Purges run this often (real seconds), and delete at most this many rows per transaction so
 * that the gateway thread never waits long for the mutex. */
#define PURGE_PERIOD_SECONDS   60
#define PURGE_CHUNK            2000

static const char alphanumerics[] =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

G_DEFINE_QUARK (authsim-store-error-quark, authsim_store_error)

/* Saturating arithmetic: offsets come from users and files, and UBSan rejects overflow. */
static gint64
add_saturating (gint64 a,
                gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

static GStrv
strv_dup_or_empty (const char * const *strv)
{
  if (strv == NULL)
    return g_new0 (char *, 1);
  return g_strdupv ((char **) strv);
}

/* Plain copies and frees of the two record types. */

AuthsimCode *
authsim_code_copy (const AuthsimCode *code)
{
  AuthsimCode *copy;

  g_return_val_if_fail (code != NULL, NULL);

  copy = g_new0 (AuthsimCode, 1);
  copy->code = g_strdup (code->code);
  copy->app_id = g_strdup (code->app_id);
  copy->user_id = g_strdup (code->user_id);
  copy->scopes = strv_dup_or_empty ((const char * const *) code->scopes);
  copy->call = code->call;
  copy->issued_at = code->issued_at;
  copy->expires_at = code->expires_at;
  return copy;
}

static void
code_clear (gpointer data)
{
  AuthsimCode *code = data;

  g_free (code->code);
  g_free (code->app_id);
  g_free (code->user_id);
  g_strfreev (code->scopes);
}

void
authsim_code_free (AuthsimCode *code)
{
  if (code == NULL)
    return;
  code_clear (code);
  g_free (code);
}

AuthsimToken *
authsim_token_copy (const AuthsimToken *token)
{
  AuthsimToken *copy;

  g_return_val_if_fail (token != NULL, NULL);

  copy = g_new0 (AuthsimToken, 1);
  copy->access_token = g_strdup (token->access_token);
  copy->refresh_token = g_strdup (token->refresh_token);
  copy->app_id = g_strdup (token->app_id);
  copy->user_id = g_strdup (token->user_id);
  copy->scopes = strv_dup_or_empty ((const char * const *) token->scopes);
  copy->call = token->call;
  copy->auth_start = token->auth_start;
  copy->expires_at = token->expires_at;
  copy->re_expires_at = token->re_expires_at;
  return copy;
}

static void
token_clear (gpointer data)
{
  AuthsimToken *token = data;

  g_free (token->access_token);
  g_free (token->refresh_token);
  g_free (token->app_id);
  g_free (token->user_id);
  g_strfreev (token->scopes);
}

void
authsim_token_free (AuthsimToken *token)
{
  if (token == NULL)
    return;
  token_clear (token);
  g_free (token);
}

static gboolean
scopes_have_auth_user (const char * const *scopes)
{
  return scopes != NULL && g_strv_contains (scopes, SCOPE_AUTH_USER);
}

/* SPEC §6 (observed in production): auth_user tokens live 15 days, auth_base ones a year. */
gint64
authsim_token_lifetime (const char * const *scopes)
{
  return scopes_have_auth_user (scopes) ? LIFETIME_USER : LIFETIME_BASE;
}

gint64
authsim_token_refresh_lifetime (const char * const *scopes)
{
  return scopes_have_auth_user (scopes) ? REFRESH_LIFETIME_USER : REFRESH_LIFETIME_BASE;
}

/* Bytes from the store's random source (OpenSSL's CSPRNG in the app), drawn RANDOM_POOL_SIZE at
 * a time: each RAND_bytes() call costs ~7,000 instructions whatever its size, which was a third
 * of what issuing a token cost. */
#define RANDOM_POOL_SIZE 4096

typedef struct
{
  unsigned char bytes[RANDOM_POOL_SIZE];
  gsize         pos;  /* the next unused byte; RANDOM_POOL_SIZE when empty */
} RandomPool;

/*
 * Fills @out with @n characters [0-9a-zA-Z] drawn from @pool. Rejection sampling: bytes >= 248
 * (= 4 × 62) are thrown away so that `byte % 62` is exactly uniform. Each byte is used once.
 */
static void
random_alphanumerics (RandomPool        *pool,
                      AuthsimRandomFunc  random_bytes,
                      char              *out,
                      gsize              n)
{
  const guint limit = 256 - (256 % (sizeof alphanumerics - 1));
  gsize i = 0;

  while (i < n)
    {
      unsigned char byte;

      if (pool->pos == RANDOM_POOL_SIZE)
        {
          /* Without a working CSPRNG there is nothing sound to hand out. */
          if (!random_bytes (pool->bytes, sizeof pool->bytes))
            g_error ("no cryptographic random source");
          pool->pos = 0;
        }
      byte = pool->bytes[pool->pos];
      pool->bytes[pool->pos++] = 0;
      if (byte < limit)
        out[i++] = alphanumerics[byte % (sizeof alphanumerics - 1)];
    }
  out[n] = '\0';
}

/* ---------------------------------------------------------------------------------------- */
/* AuthsimStore */

struct _AuthsimStore
{
  GObject       parent_instance;

  char         *state_dir;     /* NULL: memory only */
  GMainContext *context;       /* where the periodic purge runs */
  GSource      *purge_source;
  GListStore   *grants;        /* of AuthsimGrant; creator thread only */

  GMutex        mutex;         /* guards everything below */
  AuthsimStoreDb *db;          /* in memory until authsim_store_load opens the file */
  AuthsimRandomFunc random_bytes; /* the cryptographic source @random is filled from */
  RandomPool    random;        /* for codes and tokens */
  GPtrArray    *grant_list;    /* mirror of @grants, same order */
  GHashTable   *decided;       /* "user\x1fapp" → GPtrArray of scopes, first decision first */
  gint64        clock_offset;
  guint         code_lifetime;
  guint         last_call;     /* the last call id this store handed out */
};

G_DEFINE_FINAL_TYPE (AuthsimStore, authsim_store, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CODE_LIFETIME,
  PROP_CLOCK_OFFSET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gint64
now_locked (AuthsimStore *self)
{
  return add_saturating (g_get_real_time () / G_USEC_PER_SEC, self->clock_offset);
}

static void
authsim_store_dispose (GObject *object)
{
  AuthsimStore *self = AUTHSIM_STORE (object);

  if (self->purge_source != NULL)
    {
      g_source_destroy (self->purge_source);
      g_clear_pointer (&self->purge_source, g_source_unref);
    }

  G_OBJECT_CLASS (authsim_store_parent_class)->dispose (object);
}

static void
authsim_store_finalize (GObject *object)
{
  AuthsimStore *self = AUTHSIM_STORE (object);

  g_clear_pointer (&self->db, authsim_store_db_free);
  g_clear_pointer (&self->grant_list, g_ptr_array_unref);
  g_clear_pointer (&self->decided, g_hash_table_unref);
  g_clear_object (&self->grants);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->state_dir, g_free);
  explicit_bzero (&self->random, sizeof self->random);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (authsim_store_parent_class)->finalize (object);
}

static void
authsim_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthsimStore *self = AUTHSIM_STORE (object);

  switch (prop_id)
    {
    case PROP_CODE_LIFETIME:
      g_value_set_uint (value, authsim_store_get_code_lifetime (self));
      break;
    case PROP_CLOCK_OFFSET:
      g_value_set_int64 (value, authsim_store_get_clock_offset (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  AuthsimStore *self = AUTHSIM_STORE (object);

  switch (prop_id)
    {
    case PROP_CODE_LIFETIME:
      authsim_store_set_code_lifetime (self, g_value_get_uint (value));
      break;
    case PROP_CLOCK_OFFSET:
      authsim_store_set_clock_offset (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_store_class_init (AuthsimStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authsim_store_dispose;
  object_class->finalize = authsim_store_finalize;
  object_class->get_property = authsim_store_get_property;
  object_class->set_property = authsim_store_set_property;

  properties[PROP_CODE_LIFETIME] =
    g_param_spec_uint ("code-lifetime", NULL, NULL,
                       AUTHSIM_CODE_LIFETIME_MIN, AUTHSIM_CODE_LIFETIME_MAX,
                       AUTHSIM_CODE_LIFETIME_DEFAULT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLOCK_OFFSET] =
    g_param_spec_int64 ("clock-offset", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_store_init (AuthsimStore *self)
{
  g_mutex_init (&self->mutex);
  self->random.pos = RANDOM_POOL_SIZE;
  self->grants = g_list_store_new (AUTHSIM_TYPE_GRANT);
  self->grant_list = g_ptr_array_new_with_free_func (g_object_unref);
  self->decided = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->code_lifetime = AUTHSIM_CODE_LIFETIME_DEFAULT;
  self->db = authsim_store_db_open_memory ();
  /* The context of the creating thread: the periodic purge runs there. */
  self->context = g_main_context_ref_thread_default ();
}

static gboolean
purge_timeout_cb (gpointer data)
{
  g_autoptr(AuthsimStore) self = g_weak_ref_get ((GWeakRef *) data);

  if (self == NULL)
    return G_SOURCE_REMOVE;
  authsim_store_purge (self);
  return G_SOURCE_CONTINUE;
}

static void
weak_ref_free (gpointer data)
{
  GWeakRef *ref = data;

  g_weak_ref_clear (ref);
  g_free (ref);
}

/* The periodic purge holds a weak reference: it never keeps the store alive. */
static void
start_purge_timer (AuthsimStore *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  self->purge_source = g_timeout_source_new_seconds (PURGE_PERIOD_SECONDS);
  g_source_set_static_name (self->purge_source, "[authsim] purge expired codes and tokens");
  g_source_set_callback (self->purge_source, purge_timeout_cb, ref, weak_ref_free);
  g_source_attach (self->purge_source, self->context);
}

AuthsimStore *
authsim_store_new (const char        *state_dir,
                   AuthsimRandomFunc  random_bytes)
{
  AuthsimStore *self;

  g_return_val_if_fail (random_bytes != NULL, NULL);

  self = g_object_new (AUTHSIM_TYPE_STORE, NULL);
  self->random_bytes = random_bytes;
  self->state_dir = g_strdup (state_dir);
  start_purge_timer (self);
  return self;
}

/* ---------------------------------------------------------------------------------------- */
/* Loading and purging */

/* Makes @db the store's database and its contents the store's state; @db is taken. */
static void
adopt_database (AuthsimStore   *self,
                AuthsimStoreDb *db)
{
  g_autoptr(GPtrArray) grants = authsim_store_db_read_grants (db);
  g_autoptr(GHashTable) decided = authsim_store_db_read_decisions (db);
  gint64 offset = 0, lifetime = AUTHSIM_CODE_LIFETIME_DEFAULT, last_call = 0;
  gboolean offset_changed, lifetime_changed;
  AuthsimStoreDb *old_db;
  guint n_old;

  authsim_store_db_get_meta (db, AUTHSIM_STORE_META_CLOCK_OFFSET, &offset);
  authsim_store_db_get_meta (db, AUTHSIM_STORE_META_CODE_LIFETIME, &lifetime);
  authsim_store_db_get_meta (db, AUTHSIM_STORE_META_LAST_CALL, &last_call);
  lifetime = CLAMP (lifetime, AUTHSIM_CODE_LIFETIME_MIN, AUTHSIM_CODE_LIFETIME_MAX);

  g_mutex_lock (&self->mutex);
  old_db = g_steal_pointer (&self->db);
  self->db = db;
  offset_changed = self->clock_offset != offset;
  lifetime_changed = self->code_lifetime != (guint) lifetime;
  self->clock_offset = offset;
  self->code_lifetime = (guint) lifetime;
  self->last_call = (guint) CLAMP (last_call, 0, G_MAXUINT);
  g_ptr_array_unref (self->grant_list);
  self->grant_list = g_ptr_array_ref (grants);
  g_hash_table_unref (self->decided);
  self->decided = g_steal_pointer (&decided);
  g_mutex_unlock (&self->mutex);

  authsim_store_db_free (old_db);

  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->grants));
  if (n_old > 0 || grants->len > 0)
    g_list_store_splice (self->grants, 0, n_old, grants->pdata, grants->len);
  if (offset_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
  if (lifetime_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE_LIFETIME]);
}

gboolean
authsim_store_load (AuthsimStore  *self,
                    char         **warning,
                    GError       **error)
{
  g_autoptr(GString) warnings = g_string_new (NULL);
  AuthsimStoreDb *db;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), FALSE);
  g_return_val_if_fail (warning == NULL || *warning == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state_dir == NULL)
    return TRUE;

  db = authsim_store_db_open (self->state_dir, warnings, error);
  if (db == NULL)
    return FALSE;
  if (!authsim_store_db_import_json (db, self->state_dir, warnings, error))
    {
      authsim_store_db_free (db);
      return FALSE;
    }
  adopt_database (self, db);
  authsim_store_purge (self);

  if (warning != NULL && warnings->len > 0)
    *warning = g_strdup (warnings->str);
  return TRUE;
}

guint
authsim_store_purge (AuthsimStore *self)
{
  guint total = 0, n;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  /* In chunks, each its own transaction, releasing the mutex in between. */
  do
    {
      gint64 now;

      g_mutex_lock (&self->mutex);
      now = now_locked (self);
      n = authsim_store_db_purge (self->db, now, add_saturating (now, -TOKEN_PURGE_GRACE),
                                  PURGE_CHUNK);
      g_mutex_unlock (&self->mutex);
      if (n != G_MAXUINT)
        total += n;
    }
  while (n != G_MAXUINT && n > 0);

  if (total > 0)
    g_debug ("purged %u expired codes and tokens", total);
  return total;
}

guint
authsim_store_next_call_id (AuthsimStore *self)
{
  guint call;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  call = authsim_store_db_next_call (self->db);
  /* The database failed (a warning said so): ids stay unique within this process at least. */
  if (call == 0)
    call = self->last_call == G_MAXUINT ? 1 : self->last_call + 1;
  self->last_call = call;
  g_mutex_unlock (&self->mutex);
  return call;
}

/* ---------------------------------------------------------------------------------------- */
/* The virtual clock */

gint64
authsim_store_now (AuthsimStore *self)
{
  gint64 now;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  now = now_locked (self);
  g_mutex_unlock (&self->mutex);
  return now;
}

gint64
authsim_store_get_clock_offset (AuthsimStore *self)
{
  gint64 offset;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  offset = self->clock_offset;
  g_mutex_unlock (&self->mutex);
  return offset;
}

/* Sets the offset to @seconds, or moves it by @seconds when @relative. */
static void
change_clock_offset (AuthsimStore *self,
                     gboolean      relative,
                     gint64        seconds)
{
  gboolean changed;
  gint64 offset;

  g_mutex_lock (&self->mutex);
  offset = relative ? add_saturating (self->clock_offset, seconds) : seconds;
  changed = self->clock_offset != offset;
  if (changed)
    {
      self->clock_offset = offset;
      authsim_store_db_set_meta (self->db, AUTHSIM_STORE_META_CLOCK_OFFSET, offset);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
}

void
authsim_store_set_clock_offset (AuthsimStore *self,
                                gint64        seconds)
{
  g_return_if_fail (AUTHSIM_IS_STORE (self));
  change_clock_offset (self, FALSE, seconds);
}

void
authsim_store_advance_clock (AuthsimStore *self,
                             gint64        seconds)
{
  g_return_if_fail (AUTHSIM_IS_STORE (self));
  change_clock_offset (self, TRUE, seconds);
}

guint
authsim_store_get_code_lifetime (AuthsimStore *self)
{
  guint lifetime;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  lifetime = self->code_lifetime;
  g_mutex_unlock (&self->mutex);
  return lifetime;
}

void
authsim_store_set_code_lifetime (AuthsimStore *self,
                                 guint         seconds)
{
  gboolean changed;

  g_return_if_fail (AUTHSIM_IS_STORE (self));

  seconds = CLAMP (seconds, AUTHSIM_CODE_LIFETIME_MIN, AUTHSIM_CODE_LIFETIME_MAX);

  g_mutex_lock (&self->mutex);
  changed = self->code_lifetime != seconds;
  if (changed)
    {
      self->code_lifetime = seconds;
      authsim_store_db_set_meta (self->db, AUTHSIM_STORE_META_CODE_LIFETIME, seconds);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE_LIFETIME]);
}

/* ---------------------------------------------------------------------------------------- */
/* Grants and decisions. grant, refuse, revoke and clear_grants change the GListStore and must
 * only be called from the thread that created the store; the rest may be called from any. */

GListModel *
authsim_store_get_grants (AuthsimStore *self)
{
  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  return G_LIST_MODEL (self->grants);
}

/* Ends a transaction begun with authsim_store_db_begin: commits it if every step went well
 * (@ok), else rolls it back (the failing step gave a warning). The caches follow in any case:
 * the session goes on with what the user did, even when the disk would not take it. */
static void
end_transaction (AuthsimStore *self,
                 gboolean      ok)
{
  if (ok)
    authsim_store_db_commit (self->db);
  else
    authsim_store_db_rollback (self->db);
}

/* Index of the (user, app) grant in grant_list (= its model position), or -1. */
static gint
find_grant_locked (AuthsimStore *self,
                   const char   *user_id,
                   const char   *app_id)
{
  for (guint i = 0; i < self->grant_list->len; i++)
    if (authsim_grant_is_for (g_ptr_array_index (self->grant_list, i), user_id, app_id))
      return (gint) i;
  return -1;
}

/* Puts @grant at @pos of grant_list: in place of the grant there, or appended when @pos is -1;
 * a NULL @grant removes the one at @pos. */
static void
place_grant_locked (AuthsimStore *self,
                    gint          pos,
                    AuthsimGrant *grant)
{
  if (grant == NULL)
    g_ptr_array_remove_index (self->grant_list, (guint) pos);
  else if (pos < 0)
    g_ptr_array_add (self->grant_list, g_object_ref (grant));
  else
    {
      g_object_unref (g_ptr_array_index (self->grant_list, pos));
      g_ptr_array_index (self->grant_list, pos) = g_object_ref (grant);
    }
}

/* The same change in the model, with the mutex released: one items-changed. Grants are
 * immutable, so replacing the item is what makes views show new scopes and times. */
static void
place_grant_in_model (AuthsimStore *self,
                      gint          pos,
                      AuthsimGrant *grant)
{
  if (grant == NULL)
    g_list_store_remove (self->grants, (guint) pos);
  else if (pos < 0)
    g_list_store_append (self->grants, grant);
  else
    g_list_store_splice (self->grants, (guint) pos, 1, (gpointer *) &grant, 1);
}

static char *
decision_key (const char *user_id,
              const char *app_id)
{
  /* \x1f (unit separator) does not occur in user or app ids. */
  return g_strconcat (user_id, "\x1f", app_id, NULL);
}

/* Remembers in memory that (user, app) decided on @scope, keeping the order of first
 * decisions; the caller writes it to the database. */
static void
note_decision_locked (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id,
                      const char   *scope)
{
  g_autofree char *key = decision_key (user_id, app_id);
  GPtrArray *scopes = g_hash_table_lookup (self->decided, key);

  if (scopes == NULL)
    {
      scopes = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->decided, g_steal_pointer (&key), scopes);
    }
  if (!g_ptr_array_find_with_equal_func (scopes, scope, g_str_equal, NULL))
    g_ptr_array_add (scopes, g_strdup (scope));
}

GStrv
authsim_store_dup_granted_scopes (AuthsimStore *self,
                                  const char   *user_id,
                                  const char   *app_id)
{
  GStrv scopes;
  gint pos;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (app_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  pos = find_grant_locked (self, user_id, app_id);
  if (pos >= 0)
    scopes = g_strdupv ((char **) authsim_grant_get_scopes (g_ptr_array_index (self->grant_list,
                                                                                pos)));
  else
    scopes = g_new0 (char *, 1);
  g_mutex_unlock (&self->mutex);

  return scopes;
}

/* The union, in order: @old, then what @added has that @old lacks. */
static GStrv
union_scopes (const char * const *old,
              const char * const *added)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  const char * const *lists[] = { old, added };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && lists[l][i] != NULL; i++)
      if (!g_ptr_array_find_with_equal_func (seen, lists[l][i], g_str_equal, NULL))
        {
          g_ptr_array_add (seen, (gpointer) lists[l][i]);
          g_strv_builder_add (builder, lists[l][i]);
        }
  return g_strv_builder_end (builder);
}

void
authsim_store_grant (AuthsimStore       *self,
                     const char         *user_id,
                     const char         *app_id,
                     const char * const *scopes)
{
  g_autoptr(AuthsimGrant) grant = NULL;
  g_auto(GStrv) granted = NULL;
  gboolean ok;
  gint pos;

  g_return_if_fail (AUTHSIM_IS_STORE (self));
  g_return_if_fail (user_id != NULL);
  g_return_if_fail (app_id != NULL);

  g_mutex_lock (&self->mutex);
  pos = find_grant_locked (self, user_id, app_id);
  granted = union_scopes (pos >= 0 ? authsim_grant_get_scopes (g_ptr_array_index (
                                       self->grant_list, pos)) : NULL, scopes);
  grant = authsim_grant_new (user_id, app_id, (const char * const *) granted, now_locked (self));

  ok = authsim_store_db_begin (self->db) && authsim_store_db_put_grant (self->db, grant);
  for (guint i = 0; scopes != NULL && scopes[i] != NULL; i++)
    {
      ok = ok && authsim_store_db_add_decision (self->db, user_id, app_id, scopes[i]);
      note_decision_locked (self, user_id, app_id, scopes[i]);
    }
  end_transaction (self, ok);
  place_grant_locked (self, pos, grant);
  g_mutex_unlock (&self->mutex);

  place_grant_in_model (self, pos, grant);
}

AuthsimScopeState
authsim_store_get_scope_state (AuthsimStore *self,
                               const char   *user_id,
                               const char   *app_id,
                               const char   *scope)
{
  g_auto(GStrv) granted = NULL;
  g_auto(GStrv) decided = NULL;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), AUTHSIM_SCOPE_STATE_NONE);
  g_return_val_if_fail (scope != NULL, AUTHSIM_SCOPE_STATE_NONE);

  granted = authsim_store_dup_granted_scopes (self, user_id, app_id);
  if (g_strv_contains ((const char * const *) granted, scope))
    return AUTHSIM_SCOPE_STATE_GRANTED;
  decided = authsim_store_dup_decided_scopes (self, user_id, app_id);
  if (g_strv_contains ((const char * const *) decided, scope))
    return AUTHSIM_SCOPE_STATE_REFUSED;
  return AUTHSIM_SCOPE_STATE_NONE;
}

GStrv
authsim_store_dup_decided_scopes (AuthsimStore *self,
                                  const char   *user_id,
                                  const char   *app_id)
{
  g_autofree char *key = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  GPtrArray *scopes;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (app_id != NULL, NULL);

  key = decision_key (user_id, app_id);
  builder = g_strv_builder_new ();
  g_mutex_lock (&self->mutex);
  scopes = g_hash_table_lookup (self->decided, key);
  for (guint i = 0; scopes != NULL && i < scopes->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (scopes, i));
  g_mutex_unlock (&self->mutex);
  return g_strv_builder_end (builder);
}

/* The grant at @pos without @scope (same time); NULL when that was its last scope. */
static AuthsimGrant *
grant_without_locked (AuthsimStore *self,
                      gint          pos,
                      const char   *scope)
{
  AuthsimGrant *old = g_ptr_array_index (self->grant_list, pos);
  const char * const *scopes = authsim_grant_get_scopes (old);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) remaining = NULL;

  for (guint i = 0; scopes[i] != NULL; i++)
    if (!g_str_equal (scopes[i], scope))
      g_strv_builder_add (builder, scopes[i]);
  remaining = g_strv_builder_end (builder);
  if (remaining[0] == NULL)
    return NULL;
  return authsim_grant_new (authsim_grant_get_user_id (old), authsim_grant_get_app_id (old),
                            (const char * const *) remaining, authsim_grant_get_granted_at (old));
}

void
authsim_store_refuse (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id,
                      const char   *scope)
{
  g_autoptr(AuthsimGrant) grant = NULL;
  gboolean ok;
  gint pos;

  g_return_if_fail (AUTHSIM_IS_STORE (self));
  g_return_if_fail (user_id != NULL && app_id != NULL && scope != NULL);

  g_mutex_lock (&self->mutex);
  note_decision_locked (self, user_id, app_id, scope);
  pos = find_grant_locked (self, user_id, app_id);
  if (pos >= 0)
    grant = grant_without_locked (self, pos, scope);

  ok = authsim_store_db_begin (self->db) &&
       authsim_store_db_add_decision (self->db, user_id, app_id, scope);
  if (pos >= 0)
    ok = ok && (grant != NULL ? authsim_store_db_put_grant (self->db, grant)
                              : authsim_store_db_delete_grants (self->db, user_id, app_id));
  end_transaction (self, ok);
  if (pos >= 0)
    place_grant_locked (self, pos, grant);
  g_mutex_unlock (&self->mutex);

  if (pos >= 0)
    place_grant_in_model (self, pos, grant);
}

/* Called with the mutex held: drops the grant, decisions, tokens and unredeemed codes of
 * (user, app), or of everyone when both are NULL, in one transaction. */
static void
revoke_locked (AuthsimStore *self,
               const char   *user_id,
               const char   *app_id)
{
  gboolean ok;

  ok = authsim_store_db_begin (self->db) &&
       authsim_store_db_delete_grants (self->db, user_id, app_id) &&
       authsim_store_db_delete_decisions (self->db, user_id, app_id) &&
       authsim_store_db_delete_tokens (self->db, user_id, app_id) &&
       authsim_store_db_spend_codes (self->db, user_id, app_id);
  end_transaction (self, ok);

  if (user_id == NULL && app_id == NULL)
    g_hash_table_remove_all (self->decided);
  else
    {
      g_autofree char *key = decision_key (user_id, app_id);

      g_hash_table_remove (self->decided, key);
    }
}

gboolean
authsim_store_revoke (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id)
{
  gint pos;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);
  g_return_val_if_fail (app_id != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  pos = find_grant_locked (self, user_id, app_id);
  if (pos >= 0)
    place_grant_locked (self, pos, NULL);
  /* Tokens and codes go even without a grant: auth_base-only chains never created one. */
  revoke_locked (self, user_id, app_id);
  g_mutex_unlock (&self->mutex);

  if (pos >= 0)
    place_grant_in_model (self, pos, NULL);
  return pos >= 0;
}

void
authsim_store_clear_grants (AuthsimStore *self)
{
  guint n_items;

  g_return_if_fail (AUTHSIM_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  g_ptr_array_set_size (self->grant_list, 0);
  revoke_locked (self, NULL, NULL);
  g_mutex_unlock (&self->mutex);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->grants));
  if (n_items > 0)
    g_list_store_splice (self->grants, 0, n_items, NULL, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Codes */

char *
authsim_store_issue_code (AuthsimStore       *self,
                          const char         *app_id,
                          const char         *user_id,
                          const char * const *scopes,
                          guint               call)
{
  g_auto(GStrv) scope_copy = strv_dup_or_empty (scopes);
  char buf[CODE_LENGTH + 1];
  AuthsimCode code = {
    .code = buf,
    .app_id = (char *) app_id,
    .user_id = (char *) user_id,
    .scopes = scope_copy,
    .call = call,
  };
  AuthsimStoreDbInsert result;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  /* 62^32 makes a collision absurd, but "never repeated" is the contract: the primary key
   * checks it (for the codes not yet purged). */
  do
    {
      random_alphanumerics (&self->random, self->random_bytes, buf, CODE_LENGTH);
      code.issued_at = now_locked (self);
      code.expires_at = add_saturating (code.issued_at, self->code_lifetime);
      result = authsim_store_db_insert_code (self->db, &code);
    }
  while (result == AUTHSIM_STORE_DB_DUPLICATE);
  g_mutex_unlock (&self->mutex);

  return g_strdup (buf);
}

AuthsimCode *
authsim_store_lookup_code (AuthsimStore *self,
                           const char   *code)
{
  AuthsimCode *found;
  gboolean spent = FALSE;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);

  if (code == NULL)
    return NULL;

  g_mutex_lock (&self->mutex);
  found = authsim_store_db_find_code (self->db, code, &spent);
  g_mutex_unlock (&self->mutex);

  if (spent)
    g_clear_pointer (&found, authsim_code_free);
  return found;
}

guint
authsim_store_get_code_call (AuthsimStore *self,
                             const char   *code)
{
  guint call;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  if (code == NULL)
    return 0;

  g_mutex_lock (&self->mutex);
  call = authsim_store_db_get_code_call (self->db, code);
  g_mutex_unlock (&self->mutex);
  return call;
}

/* Whether @found, just spent at @now, may be exchanged by @app_id; if not, why in @error. */
static gboolean
check_spent_code (const AuthsimCode  *found,
                  gint64              now,
                  const char         *app_id,
                  GError            **error)
{
  if (found == NULL)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID,
                         "authorization code is used, revoked or unknown");
  else if (now >= found->expires_at)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID,
                         "authorization code expired");
  else if (g_strcmp0 (found->app_id, app_id) != 0)
    g_set_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID,
                 "authorization code was issued to app %s", found->app_id);
  else
    return TRUE;
  return FALSE;
}

AuthsimCode *
authsim_store_redeem_code (AuthsimStore  *self,
                           const char    *code,
                           const char    *app_id,
                           GError       **error)
{
  g_autoptr(AuthsimCode) found = NULL;
  gint64 now;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  now = now_locked (self);
  /* The first exchange spends the code, whatever its outcome. */
  if (code != NULL)
    found = authsim_store_db_spend_code (self->db, code);
  g_mutex_unlock (&self->mutex);

  if (!check_spent_code (found, now, app_id, error))
    return NULL;
  return g_steal_pointer (&found);
}

/* ---------------------------------------------------------------------------------------- */
/* Tokens */

static char *
new_token_string_locked (AuthsimStore       *self,
                         const char * const *scopes)
{
  const char *prefix = scopes_have_auth_user (scopes) ? PREFIX_USER : PREFIX_BASE;
  char buf[sizeof PREFIX_USER - 1 + TOKEN_RAND_CHARS + 1];

  G_STATIC_ASSERT (sizeof PREFIX_USER == sizeof PREFIX_BASE);

  memcpy (buf, prefix, sizeof PREFIX_USER - 1);
  random_alphanumerics (&self->random, self->random_bytes, buf + sizeof PREFIX_USER - 1,
                        TOKEN_RAND_CHARS);
  return g_strdup (buf);
}

/* (transfer full): a new pair for (user, app, scopes, call), starting now, in the database. */
static AuthsimToken *
insert_new_token_locked (AuthsimStore       *self,
                         const char         *app_id,
                         const char         *user_id,
                         const char * const *scopes,
                         guint               call)
{
  AuthsimToken *token = g_new0 (AuthsimToken, 1);

  token->app_id = g_strdup (app_id);
  token->user_id = g_strdup (user_id);
  token->scopes = strv_dup_or_empty (scopes);
  token->call = call;
  token->auth_start = now_locked (self);
  token->expires_at = add_saturating (token->auth_start, authsim_token_lifetime (scopes));
  token->re_expires_at = add_saturating (token->auth_start,
                                         authsim_token_refresh_lifetime (scopes));
  /* Drawn again on the (absurd) collision with a stored token: the keys check it. */
  do
    {
      g_free (token->access_token);
      g_free (token->refresh_token);
      token->access_token = new_token_string_locked (self, scopes);
      token->refresh_token = new_token_string_locked (self, scopes);
    }
  while (g_str_equal (token->access_token, token->refresh_token) ||
         authsim_store_db_insert_token (self->db, token) == AUTHSIM_STORE_DB_DUPLICATE);
  return token;
}

AuthsimToken *
authsim_store_issue_token (AuthsimStore      *self,
                           const AuthsimCode *code)
{
  AuthsimToken *token;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (code->app_id != NULL && code->user_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  token = insert_new_token_locked (self, code->app_id, code->user_id,
                                   (const char * const *) code->scopes, code->call);
  g_mutex_unlock (&self->mutex);

  return token;
}

AuthsimToken *
authsim_store_exchange_code (AuthsimStore  *self,
                             const char    *code,
                             const char    *app_id,
                             guint         *call,
                             GError       **error)
{
  g_autoptr(AuthsimCode) found = NULL;
  AuthsimToken *token = NULL;
  gboolean ok;
  guint code_call = 0;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One transaction (one commit per request): the spending, and the token if there is one. */
  g_mutex_lock (&self->mutex);
  ok = authsim_store_db_begin (self->db);
  if (code != NULL)
    found = authsim_store_db_spend_code (self->db, code);
  if (found != NULL)
    code_call = found->call;
  else if (code != NULL)
    code_call = authsim_store_db_get_code_call (self->db, code);  /* spent already, maybe */
  if (check_spent_code (found, now_locked (self), app_id, error))
    token = insert_new_token_locked (self, found->app_id, found->user_id,
                                     (const char * const *) found->scopes, found->call);
  end_transaction (self, ok);
  g_mutex_unlock (&self->mutex);

  if (call != NULL)
    *call = code_call;
  return token;
}

/* Called with the mutex held: whether @old may be rotated by @app_id now. */
static gboolean
check_refresh_locked (AuthsimStore        *self,
                      const AuthsimToken  *old,
                      const char          *app_id,
                      GError             **error)
{
  if (old == NULL)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_REFRESH_INVALID,
                         "refresh token is rotated, revoked or unknown");
  else if (g_strcmp0 (old->app_id, app_id) != 0)
    /* Not spent: only the owning app's use rotates it. */
    g_set_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_REFRESH_INVALID,
                 "refresh token was issued to app %s", old->app_id);
  else if (now_locked (self) >= old->re_expires_at)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT,
                         "refresh token expired");
  else
    return TRUE;
  return FALSE;
}

AuthsimToken *
authsim_store_refresh (AuthsimStore  *self,
                       const char    *refresh_token,
                       const char    *app_id,
                       GError       **error)
{
  g_autoptr(AuthsimToken) old = NULL;
  AuthsimToken *fresh = NULL;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (refresh_token != NULL)
    old = authsim_store_db_find_refresh (self->db, refresh_token);
  if (check_refresh_locked (self, old, app_id, error))
    {
      /* Rotation, in one transaction: the old access and refresh tokens stop working. */
      gboolean ok = authsim_store_db_begin (self->db);

      fresh = insert_new_token_locked (self, old->app_id, old->user_id,
                                       (const char * const *) old->scopes, old->call);
      ok = ok && authsim_store_db_delete_token (self->db, old->access_token);
      end_transaction (self, ok);
    }
  g_mutex_unlock (&self->mutex);

  return fresh;
}

AuthsimToken *
authsim_store_lookup_access_token (AuthsimStore  *self,
                                   const char    *access_token,
                                   GError       **error)
{
  g_autoptr(AuthsimToken) found = NULL;
  gint64 now;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  now = now_locked (self);
  if (access_token != NULL)
    found = authsim_store_db_find_token (self->db, access_token);
  g_mutex_unlock (&self->mutex);

  /* Revoking a grant deletes its tokens: a token found belongs to an active grant (or to an
   * auth_base chain, which has none). */
  if (found == NULL)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_TOKEN_INVALID,
                         "access token is rotated, revoked or unknown");
  else if (now >= found->expires_at)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT,
                         "access token expired");
  else
    return g_steal_pointer (&found);
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* open_id */

/*
 * SHA-512 over "authsim-open-id" NUL app_id NUL user_id, base64url without padding, first 47
 * characters. No secret on purpose: the same (app, user) gets the same open_id across
 * restarts and machines, which is what testers comparing backends want; a simulator's ids
 * need no unlinkability.
 */
char *
authsim_open_id (const char *app_id,
                 const char *user_id)
{
  static const char domain[] = "authsim-open-id";
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA512);
  guint8 digest[64];
  gsize digest_len = sizeof digest;
  g_autofree char *encoded = NULL;
  const guint8 nul = 0;

  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  g_byte_array_append (input, (const guint8 *) domain, sizeof domain - 1);
  g_byte_array_append (input, &nul, 1);
  g_byte_array_append (input, (const guint8 *) app_id, strlen (app_id));
  g_byte_array_append (input, &nul, 1);
  g_byte_array_append (input, (const guint8 *) user_id, strlen (user_id));

  g_checksum_update (checksum, input->data, input->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  encoded = g_base64_encode (digest, digest_len);
  for (char *p = encoded; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }

  /* 64 bytes give 86 significant characters; 47 of them never reach the padding. */
  return g_strndup (encoded, OPEN_ID_LENGTH);
}
