/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-store.c: grants, auth codes, tokens, the virtual clock and state.json (SPEC §5, §6).
 *
 * Threading. One GMutex (`mutex`) guards every table, the clock offset and the code lifetime,
 * so codes and tokens may be issued, redeemed and looked up from the gateway's thread. The
 * grants GListStore is different: it is only changed from the thread that created the store
 * (grant, revoke and clear_grants are only ever called from that thread), because its
 * items-changed signal runs the views' handlers synchronously. A mirror of the grants
 * (`grant_list`, same order as the model) sits under the mutex so that other threads can read
 * granted scopes and so a save can take a consistent snapshot. Signals (notify,
 * items-changed) are always emitted with the mutex released: handlers may call back in.
 *
 * Persistence. Every mutation marks the state dirty and schedules a save of
 * <state_dir>/state.json on the GMainContext that was thread-default when the store was
 * created; mutations in between coalesce. The timer callback only queues the save: snapshot,
 * serialisation and the write run on a worker thread (a GThreadPool of one thread), so the
 * main loop never waits for them.
 *
 *  - Snapshot. The worker takes `mutex` only long enough to take references: stored codes and
 *    tokens are reference-counted (g_atomic_rc_box) and never change once stored (a rotation
 *    or a revocation replaces or drops them), so the snapshot is an array of references plus
 *    copies of the few grants; it is serialised after `mutex` is released, while the gateway
 *    keeps issuing and looking up tokens. Callers only ever get plain copies of records.
 *  - Serialisation appends to a GString (one object per line) with its own JSON escaper;
 *    the format is the one the loader below reads.
 *  - Rate. One save at a time: a mutation while a save runs only marks the state dirty, and the
 *    worker schedules one more save when it finishes. The next save starts no sooner than
 *    max (200 ms, 50 × the duration of the last background save) after that save ended, so
 *    under sustained load persistence takes at most 1/51 (< 2 %) of one core while a save takes
 *    under 200 ms; the gap never exceeds 10 s, so a crash loses at most the last 10 s (a state
 *    that takes longer than 200 ms to write, hundreds of thousands of tokens, costs more).
 *    An idle store still writes 200 ms after a change.
 *  - Ordering. `write_mutex` is held from the snapshot to the end of the write, whoever writes
 *    (worker, authsim_store_save, authsim_store_flush, dispose), so an older snapshot never
 *    lands on disk after a newer one.
 *  - Lifetime. The worker uses the store but holds no reference to it: dispose stops the timer,
 *    waits for a queued or running save (g_thread_pool_free with wait), then writes anything
 *    still dirty synchronously, so a clean exit loses nothing.
 *  - "saved" is emitted on the store's context after each background write (emissions may
 *    coalesce); authsim_store_flush blocks until every change made before it is on disk.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "authsim-json.h"
#include "authsim-store.h"
#include "authsim-types.h"

#define STATE_FILE_NAME  "state.json"
#define STATE_VERSION    1
#define SAVE_DELAY_MS    200   /* a change is written this long after it, at the soonest */
#define SAVE_RATE_FACTOR 50    /* … and this many times the last save's duration after it */
#define SAVE_MAX_GAP_MS  10000 /* … but never more than this after it: a crash loses at most 10 s */
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

/*
 * The records the store keeps are the same structs in an atomic reference-counted box, so that
 * a save can hold on to them after releasing the mutex. Once stored they never change. They
 * must never reach authsim_code_free / authsim_token_free: what leaves the store is a copy.
 */
typedef AuthsimCode  CodeRecord;
typedef AuthsimToken TokenRecord;

static CodeRecord *
code_record_new (void)
{
  return g_atomic_rc_box_new0 (CodeRecord);
}

static void
code_record_release (gpointer code)
{
  g_atomic_rc_box_release_full (code, code_clear);
}

static TokenRecord *
token_record_new (void)
{
  return g_atomic_rc_box_new0 (TokenRecord);
}

static void
token_record_release (gpointer token)
{
  g_atomic_rc_box_release_full (token, token_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CodeRecord, code_record_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TokenRecord, token_record_release)

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
/* AuthsimGrant: an immutable (user, app, scopes, time) record, an item of the grants model. */

struct _AuthsimGrant
{
  GObject  parent_instance;
  char    *user_id;
  char    *app_id;
  GStrv    scopes;
  gint64   granted_at;
};

G_DEFINE_FINAL_TYPE (AuthsimGrant, authsim_grant, G_TYPE_OBJECT)

enum
{
  GRANT_PROP_0,
  GRANT_PROP_USER_ID,
  GRANT_PROP_APP_ID,
  GRANT_PROP_SCOPES,
  GRANT_PROP_GRANTED_AT,
  GRANT_N_PROPS
};

static GParamSpec *grant_properties[GRANT_N_PROPS];

static void
authsim_grant_finalize (GObject *object)
{
  AuthsimGrant *self = AUTHSIM_GRANT (object);

  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->app_id, g_free);
  g_clear_pointer (&self->scopes, g_strfreev);

  G_OBJECT_CLASS (authsim_grant_parent_class)->finalize (object);
}

static void
authsim_grant_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthsimGrant *self = AUTHSIM_GRANT (object);

  switch (prop_id)
    {
    case GRANT_PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case GRANT_PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    case GRANT_PROP_SCOPES:
      g_value_set_boxed (value, self->scopes);
      break;
    case GRANT_PROP_GRANTED_AT:
      g_value_set_int64 (value, self->granted_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_grant_class_init (AuthsimGrantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_grant_finalize;
  object_class->get_property = authsim_grant_get_property;

  grant_properties[GRANT_PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  grant_properties[GRANT_PROP_APP_ID] =
    g_param_spec_string ("app-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  grant_properties[GRANT_PROP_SCOPES] =
    g_param_spec_boxed ("scopes", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  grant_properties[GRANT_PROP_GRANTED_AT] =
    g_param_spec_int64 ("granted-at", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, GRANT_N_PROPS, grant_properties);
}

static void
authsim_grant_init (AuthsimGrant *self)
{
}

/* Takes ownership of @scopes. Grants never change after this: a new grant replaces them. */
static AuthsimGrant *
authsim_grant_new_take (const char *user_id,
                        const char *app_id,
                        GStrv       scopes,
                        gint64      granted_at)
{
  AuthsimGrant *self = g_object_new (AUTHSIM_TYPE_GRANT, NULL);

  self->user_id = g_strdup (user_id);
  self->app_id = g_strdup (app_id);
  self->scopes = scopes != NULL ? scopes : g_new0 (char *, 1);
  self->granted_at = granted_at;
  return self;
}

const char *
authsim_grant_get_user_id (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return self->user_id;
}

const char *
authsim_grant_get_app_id (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return self->app_id;
}

const char * const *
authsim_grant_get_scopes (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return (const char * const *) self->scopes;
}

gint64
authsim_grant_get_granted_at (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), 0);
  return self->granted_at;
}

/* ---------------------------------------------------------------------------------------- */
/* AuthsimStore */

struct _AuthsimStore
{
  GObject       parent_instance;

  char         *state_dir;     /* NULL: memory only */
  char         *state_path;    /* NULL: nothing is ever written (no dir, or load failed) */
  GMainContext *context;       /* where scheduled saves start and "saved" is emitted */
  GListStore   *grants;        /* of AuthsimGrant; creator thread only */

  GMutex        write_mutex;   /* held from a snapshot to the end of its write */

  GMutex        mutex;         /* guards everything below */
  AuthsimRandomFunc random_bytes; /* the cryptographic source @random is filled from */
  RandomPool    random;        /* for codes and tokens */
  GPtrArray    *grant_list;    /* mirror of @grants, same order */
  GHashTable   *decided;       /* "user\x1fapp" → GPtrArray of scopes, first decision first */
  GHashTable   *codes;         /* code → CodeRecord (a reference) */
  GHashTable   *spent_calls;   /* spent code → its call, the newest SPENT_CODES_MAX */
  GQueue        spent_order;   /* the keys of @spent_calls, oldest first */
  GHashTable   *access_tokens; /* access token → TokenRecord (a reference) */
  GHashTable   *refresh_tokens;/* refresh token → TokenRecord (borrowed from access_tokens) */
  gint64        clock_offset;
  guint         code_lifetime;
  GThreadPool  *save_pool;     /* background saves, one at a time; NULL without state_dir */
  GSource      *save_source;   /* pending scheduled save (a timer on @context) */
  GSource      *saved_source;  /* pending "saved" emission (an idle on @context) */
  gboolean      dirty;         /* changed since the last snapshot that was written */
  gboolean      saving;        /* a background save is queued or running */
  gint64        last_save_end;      /* monotonic µs when the last background save ended; 0: none */
  gint64        last_save_duration; /* µs that save took */
  gboolean      disposed;
};

G_DEFINE_FINAL_TYPE (AuthsimStore, authsim_store, G_TYPE_OBJECT)

/* How many spent codes the store remembers the call of (in memory only), so that a replayed
 * code is still linked to the call that produced it. */
#define SPENT_CODES_MAX 4096

enum
{
  PROP_0,
  PROP_CODE_LIFETIME,
  PROP_CLOCK_OFFSET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum
{
  WRITE_SKIPPED,  /* nothing to write: no state file, or nothing dirty */
  WRITE_DONE,
  WRITE_FAILED,
} WriteResult;

static WriteResult write_state (AuthsimStore  *self,
                                gboolean       only_if_dirty,
                                const char    *reason,
                                gint64        *duration_us,
                                GError       **error);

static gint64
now_locked (AuthsimStore *self)
{
  return add_saturating (g_get_real_time () / G_USEC_PER_SEC, self->clock_offset);
}

static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static void
weak_ref_free (gpointer data)
{
  GWeakRef *ref = data;

  g_weak_ref_clear (ref);
  g_free (ref);
}

static gboolean save_timeout_cb (gpointer data);

/* Called with the mutex held: arms the timer of the next background save, SAVE_DELAY_MS from
 * now but no sooner than max (SAVE_DELAY_MS, SAVE_RATE_FACTOR × its duration) after the last
 * background save ended, and no later than SAVE_MAX_GAP_MS after it. */
static void
arm_save_timer_locked (AuthsimStore *self)
{
  gint64 delay_us = SAVE_DELAY_MS * G_GINT64_CONSTANT (1000);

  if (self->last_save_end != 0)
    {
      gint64 gap = CLAMP (SAVE_RATE_FACTOR * self->last_save_duration, delay_us,
                          SAVE_MAX_GAP_MS * G_GINT64_CONSTANT (1000));

      delay_us = MAX (delay_us, self->last_save_end + gap - g_get_monotonic_time ());
    }

  /* The source holds a weak reference: a pending save never keeps the store alive, and
   * dispose writes what is pending instead. */
  self->save_source = g_timeout_source_new ((guint) MIN ((delay_us + 999) / 1000, G_MAXUINT));
  g_source_set_static_name (self->save_source, "[authsim] save state");
  g_source_set_callback (self->save_source, save_timeout_cb, weak_ref_new (self),
                         weak_ref_free);
  g_source_attach (self->save_source, self->context);
}

/* Called with the mutex held after every change worth persisting, from any thread. */
static void
schedule_save_locked (AuthsimStore *self)
{
  if (self->state_path == NULL)
    return;

  /* Dirty even once disposed: dispose writes what is dirty after the last background save. */
  self->dirty = TRUE;
  /* Coalesce: a timer is armed already, or the save in progress arms one when it ends. */
  if (self->save_source == NULL && !self->saving && !self->disposed)
    arm_save_timer_locked (self);
}

static void
cancel_scheduled_save_locked (AuthsimStore *self)
{
  if (self->save_source == NULL)
    return;

  g_source_destroy (self->save_source);
  g_clear_pointer (&self->save_source, g_source_unref);
}

static gboolean
saved_idle_cb (gpointer data)
{
  g_autoptr(AuthsimStore) self = g_weak_ref_get ((GWeakRef *) data);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->mutex);
  if (self->saved_source == g_main_current_source ())
    g_clear_pointer (&self->saved_source, g_source_unref);
  g_mutex_unlock (&self->mutex);

  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  return G_SOURCE_REMOVE;
}

/* The background save, on the pool's thread. @data is a weak reference for the "saved"
 * emission; @user_data is the store itself, which cannot go away meanwhile because dispose
 * waits for the pool. */
static void
save_worker (gpointer data,
             gpointer user_data)
{
  GWeakRef *ref = data;
  AuthsimStore *self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;
  WriteResult result;

  result = write_state (self, TRUE, "background", &duration, &error);

  g_mutex_lock (&self->mutex);
  self->saving = FALSE;
  self->last_save_end = g_get_monotonic_time ();
  self->last_save_duration = duration;
  if (!self->disposed)
    {
      /* Changes made while this save ran get one more save, at the adaptive delay. After a
       * failure (the state stays dirty) the next change retries instead. */
      if (result != WRITE_FAILED && self->dirty && self->save_source == NULL)
        arm_save_timer_locked (self);
      if (result == WRITE_DONE && self->saved_source == NULL)
        {
          self->saved_source = g_idle_source_new ();
          g_source_set_static_name (self->saved_source, "[authsim] state saved");
          g_source_set_callback (self->saved_source, saved_idle_cb, g_steal_pointer (&ref),
                                 weak_ref_free);
          g_source_attach (self->saved_source, self->context);
        }
    }
  g_mutex_unlock (&self->mutex);

  if (result == WRITE_FAILED)
    g_warning ("Could not save the AuthSim state: %s", error->message);
  if (ref != NULL)
    weak_ref_free (ref);
}

static gboolean
save_timeout_cb (gpointer data)
{
  g_autoptr(AuthsimStore) self = g_weak_ref_get ((GWeakRef *) data);
  GThreadPool *pool = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->mutex);
  if (self->save_source == g_main_current_source ())
    g_clear_pointer (&self->save_source, g_source_unref);
  if (self->dirty && !self->saving && !self->disposed && self->save_pool != NULL)
    {
      self->saving = TRUE;
      pool = self->save_pool;
    }
  g_mutex_unlock (&self->mutex);

  /* Only queue it: the snapshot, serialisation and write happen on the pool's thread. The weak
   * reference is created here, where a strong one is held. */
  if (pool != NULL)
    g_thread_pool_push (pool, weak_ref_new (self), NULL);

  return G_SOURCE_REMOVE;
}

static void
authsim_store_dispose (GObject *object)
{
  AuthsimStore *self = AUTHSIM_STORE (object);
  GThreadPool *pool;
  gboolean pending;

  g_mutex_lock (&self->mutex);
  cancel_scheduled_save_locked (self);
  if (self->saved_source != NULL)
    {
      g_source_destroy (self->saved_source);
      g_clear_pointer (&self->saved_source, g_source_unref);
    }
  self->disposed = TRUE;
  pool = g_steal_pointer (&self->save_pool);
  g_mutex_unlock (&self->mutex);

  /* A queued or running background save finishes first: it uses the store. */
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);

  g_mutex_lock (&self->mutex);
  pending = self->dirty;
  g_mutex_unlock (&self->mutex);

  if (pending)
    {
      g_autoptr(GError) error = NULL;

      if (write_state (self, TRUE, "dispose", NULL, &error) == WRITE_FAILED)
        g_warning ("Could not save the AuthSim state: %s", error->message);
    }

  G_OBJECT_CLASS (authsim_store_parent_class)->dispose (object);
}

static void
authsim_store_finalize (GObject *object)
{
  AuthsimStore *self = AUTHSIM_STORE (object);

  /* refresh_tokens borrows from access_tokens: drop it first. */
  g_clear_pointer (&self->refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&self->access_tokens, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  g_queue_clear (&self->spent_order);
  g_clear_pointer (&self->spent_calls, g_hash_table_unref);
  g_clear_pointer (&self->grant_list, g_ptr_array_unref);
  g_clear_pointer (&self->decided, g_hash_table_unref);
  g_clear_object (&self->grants);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->state_dir, g_free);
  g_clear_pointer (&self->state_path, g_free);
  explicit_bzero (&self->random, sizeof self->random);
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->write_mutex);

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

  /* Emitted on the store's context after a background save wrote state.json. */
  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
authsim_store_init (AuthsimStore *self)
{
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->write_mutex);
  self->random.pos = RANDOM_POOL_SIZE;
  self->grants = g_list_store_new (AUTHSIM_TYPE_GRANT);
  self->grant_list = g_ptr_array_new_with_free_func (g_object_unref);
  self->decided = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, code_record_release);
  self->spent_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->spent_order);
  self->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               token_record_release);
  self->refresh_tokens = g_hash_table_new (g_str_hash, g_str_equal);
  self->code_lifetime = AUTHSIM_CODE_LIFETIME_DEFAULT;
  /* The context of the creating thread: scheduled saves start there. */
  self->context = g_main_context_ref_thread_default ();
}

AuthsimStore *
authsim_store_new (const char        *state_dir,
                   AuthsimRandomFunc  random_bytes)
{
  AuthsimStore *self;

  g_return_val_if_fail (random_bytes != NULL, NULL);

  self = g_object_new (AUTHSIM_TYPE_STORE, NULL);
  self->random_bytes = random_bytes;

  if (state_dir != NULL)
    {
      self->state_dir = g_strdup (state_dir);
      self->state_path = g_build_filename (state_dir, STATE_FILE_NAME, NULL);
      /* Not exclusive: the thread comes from GLib's shared pool. Never fails then. */
      self->save_pool = g_thread_pool_new (save_worker, self, 1, FALSE, NULL);
    }
  return self;
}

/* ---------------------------------------------------------------------------------------- */
/* Serialisation. A snapshot is taken under the mutex (references and a few copies), then
 * written out to a buffer: one object per line, in the format the loader reads. */

/* A grant's fields: grants are GObjects the views hold, so a snapshot copies them rather than
 * risk their last unref (and the views' weak-ref callbacks) on the worker thread. */
typedef struct
{
  char   *user_id;
  char   *app_id;
  GStrv   scopes;
  gint64  granted_at;
} GrantFields;

static void
grant_fields_free (gpointer data)
{
  GrantFields *fields = data;

  g_free (fields->user_id);
  g_free (fields->app_id);
  g_strfreev (fields->scopes);
  g_free (fields);
}

typedef struct
{
  gint64     now;     /* virtual time of the snapshot: what expired by then is pruned */
  gint64     clock_offset;
  guint      code_lifetime;
  GPtrArray *grants;  /* of GrantFields */
  GPtrArray *codes;   /* of CodeRecord, a reference each */
  GPtrArray *tokens;  /* of TokenRecord, a reference each */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_clear_pointer (&snapshot->grants, g_ptr_array_unref);
  g_clear_pointer (&snapshot->codes, g_ptr_array_unref);
  g_clear_pointer (&snapshot->tokens, g_ptr_array_unref);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

/*
 * Called with the mutex held: what the next write puts on disk, cheap enough for the mutex:
 * a reference per code and token, nothing else read from them (each is a cache miss; the
 * expiry filter runs in serialise_snapshot, against the snapshot's time). The state is clean
 * afterwards.
 */
static Snapshot *
take_snapshot_locked (AuthsimStore *self)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);
  GHashTableIter iter;
  gpointer value;

  snapshot->now = now_locked (self);
  snapshot->clock_offset = self->clock_offset;
  snapshot->code_lifetime = self->code_lifetime;

  snapshot->grants = g_ptr_array_new_full (self->grant_list->len, grant_fields_free);
  for (guint i = 0; i < self->grant_list->len; i++)
    {
      AuthsimGrant *grant = g_ptr_array_index (self->grant_list, i);
      GrantFields *fields = g_new (GrantFields, 1);

      fields->user_id = g_strdup (grant->user_id);
      fields->app_id = g_strdup (grant->app_id);
      fields->scopes = g_strdupv (grant->scopes);
      fields->granted_at = grant->granted_at;
      g_ptr_array_add (snapshot->grants, fields);
    }

  snapshot->codes = g_ptr_array_new_full (g_hash_table_size (self->codes), code_record_release);
  g_hash_table_iter_init (&iter, self->codes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (snapshot->codes, g_atomic_rc_box_acquire (value));

  snapshot->tokens = g_ptr_array_new_full (g_hash_table_size (self->access_tokens),
                                           token_record_release);
  g_hash_table_iter_init (&iter, self->access_tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (snapshot->tokens, g_atomic_rc_box_acquire (value));

  /* This snapshot covers every change so far: a pending timer has nothing left to do. */
  self->dirty = FALSE;
  cancel_scheduled_save_locked (self);

  return snapshot;
}

#define append_literal(out, literal) g_string_append_len ((out), "" literal, sizeof (literal) - 1)

static void
append_strv (GString            *out,
             const char * const *strv)
{
  g_string_append_c (out, '[');
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (i > 0)
        append_literal (out, ", ");
      authsim_json_append_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

/* Starts element @i of an array member: a newline and an indent, after a comma but the first. */
static void
begin_element (GString *out,
               guint   i)
{
  if (i > 0)
    g_string_append_c (out, ',');
  append_literal (out, "\n    {");
}

static void
end_array (GString *out,
           guint   n)
{
  if (n > 0)
    append_literal (out, "\n  ");
  g_string_append_c (out, ']');
}

static void
serialise_grants (Snapshot *snapshot,
                  GString  *out)
{
  append_literal (out, ",\n  \"grants\": [");
  for (guint i = 0; i < snapshot->grants->len; i++)
    {
      GrantFields *grant = g_ptr_array_index (snapshot->grants, i);

      begin_element (out, i);
      append_literal (out, "\"userId\": ");
      authsim_json_append_string (out, grant->user_id);
      append_literal (out, ", \"appId\": ");
      authsim_json_append_string (out, grant->app_id);
      append_literal (out, ", \"scopes\": ");
      append_strv (out, (const char * const *) grant->scopes);
      append_literal (out, ", \"grantedAt\": ");
      authsim_json_append_int (out, grant->granted_at);
      g_string_append_c (out, '}');
    }
  end_array (out, snapshot->grants->len);
}

/* The codes that have not expired; returns how many. */
static guint
serialise_codes (Snapshot *snapshot,
                 GString  *out)
{
  guint n = 0;

  append_literal (out, ",\n  \"codes\": [");
  for (guint i = 0; i < snapshot->codes->len; i++)
    {
      CodeRecord *code = g_ptr_array_index (snapshot->codes, i);

      if (snapshot->now >= code->expires_at)
        continue;
      begin_element (out, n++);
      append_literal (out, "\"code\": ");
      authsim_json_append_string (out, code->code);
      append_literal (out, ", \"appId\": ");
      authsim_json_append_string (out, code->app_id);
      append_literal (out, ", \"userId\": ");
      authsim_json_append_string (out, code->user_id);
      append_literal (out, ", \"scopes\": ");
      append_strv (out, (const char * const *) code->scopes);
      append_literal (out, ", \"call\": ");
      authsim_json_append_int (out, code->call);
      append_literal (out, ", \"issuedAt\": ");
      authsim_json_append_int (out, code->issued_at);
      append_literal (out, ", \"expiresAt\": ");
      authsim_json_append_int (out, code->expires_at);
      g_string_append_c (out, '}');
    }
  end_array (out, n);
  return n;
}

/* The tokens whose refresh token has not expired; returns how many. */
static guint
serialise_tokens (Snapshot *snapshot,
                  GString  *out)
{
  guint n = 0;

  append_literal (out, ",\n  \"tokens\": [");
  for (guint i = 0; i < snapshot->tokens->len; i++)
    {
      TokenRecord *token = g_ptr_array_index (snapshot->tokens, i);

      if (snapshot->now >= token->re_expires_at)
        continue;
      begin_element (out, n++);
      append_literal (out, "\"accessToken\": ");
      authsim_json_append_string (out, token->access_token);
      append_literal (out, ", \"refreshToken\": ");
      authsim_json_append_string (out, token->refresh_token);
      append_literal (out, ", \"appId\": ");
      authsim_json_append_string (out, token->app_id);
      append_literal (out, ", \"userId\": ");
      authsim_json_append_string (out, token->user_id);
      append_literal (out, ", \"scopes\": ");
      append_strv (out, (const char * const *) token->scopes);
      append_literal (out, ", \"call\": ");
      authsim_json_append_int (out, token->call);
      append_literal (out, ", \"authStart\": ");
      authsim_json_append_int (out, token->auth_start);
      append_literal (out, ", \"expiresAt\": ");
      authsim_json_append_int (out, token->expires_at);
      append_literal (out, ", \"reExpiresAt\": ");
      authsim_json_append_int (out, token->re_expires_at);
      g_string_append_c (out, '}');
    }
  end_array (out, n);
  return n;
}

/*
 * The state file: members in the loader's order, one grant, code or token per line. Expired
 * codes and tokens whose refresh token has expired are left out (pruned from the file; memory
 * keeps them so that, within a session, they keep answering "expired" rather than "unknown").
 * Appends to @out; returns the number of codes and tokens written in @n_codes and @n_tokens.
 */
static void
serialise_snapshot (Snapshot *snapshot,
                    GString  *out,
                    guint    *n_codes,
                    guint    *n_tokens)
{
  append_literal (out, "{\n  \"version\": ");
  authsim_json_append_int (out, STATE_VERSION);
  append_literal (out, ",\n  \"clockOffset\": ");
  authsim_json_append_int (out, snapshot->clock_offset);
  append_literal (out, ",\n  \"codeLifetime\": ");
  authsim_json_append_int (out, snapshot->code_lifetime);

  serialise_grants (snapshot, out);
  *n_codes = serialise_codes (snapshot, out);
  *n_tokens = serialise_tokens (snapshot, out);

  append_literal (out, "\n}\n");
}

static gboolean
ensure_state_dir (AuthsimStore  *self,
                  GError       **error)
{
  if (g_mkdir_with_parents (self->state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "Could not create the state directory %s: %s",
                   self->state_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/*
 * Snapshot + write, on the calling thread, under write_mutex (so writes land in snapshot
 * order). With @only_if_dirty, nothing is written when every change is on disk already; it
 * still waits for a write in progress. A failed write leaves the state dirty. @duration_us
 * (nullable) gets the time from the snapshot to the end of the write.
 */
static WriteResult
write_state (AuthsimStore  *self,
             gboolean       only_if_dirty,
             const char    *reason,
             gint64        *duration_us,
             GError       **error)
{
  g_autoptr(Snapshot) snapshot = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) buffer = NULL;
  gint64 start, locked, unlocked, serialised, end;
  guint n_codes = 0, n_tokens = 0;
  gboolean ok;

  if (self->state_path == NULL)
    return WRITE_SKIPPED;

  g_mutex_lock (&self->write_mutex);
  start = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  locked = g_get_monotonic_time ();
  if (!only_if_dirty || self->dirty)
    snapshot = take_snapshot_locked (self);
  g_mutex_unlock (&self->mutex);
  unlocked = g_get_monotonic_time ();

  if (snapshot == NULL)
    {
      g_mutex_unlock (&self->write_mutex);
      return WRITE_SKIPPED;
    }

  /* About 300 bytes per token line: reserve once rather than grow a dozen times. */
  buffer = g_string_sized_new (256 + 200 * (gsize) snapshot->grants->len +
                               250 * (gsize) snapshot->codes->len +
                               330 * (gsize) snapshot->tokens->len);
  serialise_snapshot (snapshot, buffer, &n_codes, &n_tokens);
  serialised = g_get_monotonic_time ();

  /* CONSISTENT: temp file + rename, never a half-written state.json (GLib fsyncs the temp file
   * before the rename when replacing one: part of the duration the rate limit counts). */
  ok = ensure_state_dir (self, &local_error) &&
       g_file_set_contents_full (self->state_path, buffer->str, (gssize) buffer->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error);
  if (!ok)
    {
      g_mutex_lock (&self->mutex);
      self->dirty = TRUE;
      g_mutex_unlock (&self->mutex);
    }
  end = g_get_monotonic_time ();
  g_mutex_unlock (&self->write_mutex);

  if (duration_us != NULL)
    *duration_us = end - start;

  if (!ok)
    {
      if (local_error->domain == AUTHSIM_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                     "Could not write %s: %s", self->state_path, local_error->message);
      return WRITE_FAILED;
    }

  g_debug ("state.json written (%s): %u grants, %u codes, %u tokens, %" G_GSIZE_FORMAT
           " bytes; mutex held %" G_GINT64_FORMAT " µs, serialised in %" G_GINT64_FORMAT
           " µs, written in %" G_GINT64_FORMAT " µs",
           reason, snapshot->grants->len, n_codes, n_tokens,
           buffer->len, unlocked - locked, serialised - unlocked, end - serialised);
  return WRITE_DONE;
}

gboolean
authsim_store_save (AuthsimStore  *self,
                    GError       **error)
{
  g_return_val_if_fail (AUTHSIM_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The snapshot covers whatever was pending. */
  return write_state (self, FALSE, "save", NULL, error) != WRITE_FAILED;
}

gboolean
authsim_store_flush (AuthsimStore  *self,
                     GError       **error)
{
  g_return_val_if_fail (AUTHSIM_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_state (self, TRUE, "flush", NULL, error) != WRITE_FAILED;
}

/* ---------------------------------------------------------------------------------------- */
/* Loading. Everything is parsed into a LoadedState first; only a fully valid file is applied,
 * so a corrupt file never leaves half a state behind. */

typedef struct
{
  gint64      clock_offset;
  guint       code_lifetime;
  GPtrArray  *grants;  /* of AuthsimGrant */
  GHashTable *codes;
  GHashTable *access_tokens;
  GHashTable *refresh_tokens;
} LoadedState;

static void
loaded_state_free (LoadedState *state)
{
  g_clear_pointer (&state->refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&state->access_tokens, g_hash_table_unref);
  g_clear_pointer (&state->codes, g_hash_table_unref);
  g_clear_pointer (&state->grants, g_ptr_array_unref);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadedState, loaded_state_free)

static JsonNode *
get_member (JsonObject *object,
            const char *path,
            const char *member,
            gboolean    required,
            char      **reason)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL && required)
    *reason = g_strdup_printf ("%s.%s: missing", path, member);
  return node;
}

static gboolean
read_string (JsonObject  *object,
             const char  *path,
             const char  *member,
             char       **out,
             char       **reason)
{
  JsonNode *node = get_member (object, path, member, TRUE, reason);

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *reason = g_strdup_printf ("%s.%s: expected a string", path, member);
      return FALSE;
    }
  *out = json_node_dup_string (node);
  if (**out == '\0')
    {
      g_clear_pointer (out, g_free);
      *reason = g_strdup_printf ("%s.%s: empty string", path, member);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_int (JsonNode    *node,
           const char  *path,
           const char  *member,
           gint64      *out,
           char       **reason)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      *reason = g_strdup_printf ("%s.%s: expected an integer", path, member);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_int (JsonObject  *object,
          const char  *path,
          const char  *member,
          gint64      *out,
          char       **reason)
{
  JsonNode *node = get_member (object, path, member, TRUE, reason);

  return node != NULL && check_int (node, path, member, out, reason);
}

static gboolean
read_call (JsonObject  *object,
           const char  *path,
           guint       *out,
           char       **reason)
{
  gint64 value;

  if (!read_int (object, path, "call", &value, reason))
    return FALSE;
  if (value < 0 || value > G_MAXUINT)
    {
      *reason = g_strdup_printf ("%s.call: out of range", path);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
read_strv (JsonObject  *object,
           const char  *path,
           const char  *member,
           GStrv       *out,
           char       **reason)
{
  JsonNode *node = get_member (object, path, member, TRUE, reason);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *reason = g_strdup_printf ("%s.%s: expected an array", path, member);
      return FALSE;
    }

  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        {
          *reason = g_strdup_printf ("%s.%s[%u]: expected a string", path, member, i);
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* An optional top-level array: absent means empty. */
static gboolean
read_array (JsonObject  *object,
            const char  *member,
            JsonArray  **out,
            char       **reason)
{
  JsonNode *node = get_member (object, "$", member, FALSE, reason);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *reason = g_strdup_printf ("$.%s: expected an array", member);
      return FALSE;
    }
  *out = json_node_get_array (node);
  return TRUE;
}

static JsonObject *
element_object (JsonArray   *array,
                guint        i,
                const char  *path,
                char       **reason)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *reason = g_strdup_printf ("%s: expected an object", path);
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
parse_grants (LoadedState  *state,
              JsonArray    *array,
              char        **reason)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.grants[%u]", i);
      g_autofree char *user_id = NULL;
      g_autofree char *app_id = NULL;
      g_auto(GStrv) scopes = NULL;
      gint64 granted_at;
      JsonObject *object;
      char *key;

      if ((object = element_object (array, i, path, reason)) == NULL ||
          !read_string (object, path, "userId", &user_id, reason) ||
          !read_string (object, path, "appId", &app_id, reason) ||
          !read_strv (object, path, "scopes", &scopes, reason) ||
          !read_int (object, path, "grantedAt", &granted_at, reason))
        return FALSE;

      /* \x1f (unit separator) does not occur in user or app ids. */
      key = g_strconcat (user_id, "\x1f", app_id, NULL);
      if (!g_hash_table_add (seen, key))
        {
          *reason = g_strdup_printf ("%s: a second grant for the same user and app", path);
          return FALSE;
        }

      g_ptr_array_add (state->grants,
                       authsim_grant_new_take (user_id, app_id, g_steal_pointer (&scopes),
                                               granted_at));
    }
  return TRUE;
}

static gboolean
parse_codes (LoadedState  *state,
             JsonArray    *array,
             char        **reason)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.codes[%u]", i);
      g_autoptr(CodeRecord) code = code_record_new ();
      JsonObject *object;

      if ((object = element_object (array, i, path, reason)) == NULL ||
          !read_string (object, path, "code", &code->code, reason) ||
          !read_string (object, path, "appId", &code->app_id, reason) ||
          !read_string (object, path, "userId", &code->user_id, reason) ||
          !read_strv (object, path, "scopes", &code->scopes, reason) ||
          !read_call (object, path, &code->call, reason) ||
          !read_int (object, path, "issuedAt", &code->issued_at, reason) ||
          !read_int (object, path, "expiresAt", &code->expires_at, reason))
        return FALSE;

      if (g_hash_table_contains (state->codes, code->code))
        {
          *reason = g_strdup_printf ("%s.code: duplicate", path);
          return FALSE;
        }
      g_hash_table_insert (state->codes, code->code, code);
      code = NULL;
    }
  return TRUE;
}

static gboolean
parse_tokens (LoadedState  *state,
              JsonArray    *array,
              char        **reason)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.tokens[%u]", i);
      g_autoptr(TokenRecord) token = token_record_new ();
      JsonObject *object;

      if ((object = element_object (array, i, path, reason)) == NULL ||
          !read_string (object, path, "accessToken", &token->access_token, reason) ||
          !read_string (object, path, "refreshToken", &token->refresh_token, reason) ||
          !read_string (object, path, "appId", &token->app_id, reason) ||
          !read_string (object, path, "userId", &token->user_id, reason) ||
          !read_strv (object, path, "scopes", &token->scopes, reason) ||
          !read_call (object, path, &token->call, reason) ||
          !read_int (object, path, "authStart", &token->auth_start, reason) ||
          !read_int (object, path, "expiresAt", &token->expires_at, reason) ||
          !read_int (object, path, "reExpiresAt", &token->re_expires_at, reason))
        return FALSE;

      if (g_hash_table_contains (state->access_tokens, token->access_token) ||
          g_hash_table_contains (state->refresh_tokens, token->refresh_token))
        {
          *reason = g_strdup_printf ("%s: duplicate token", path);
          return FALSE;
        }
      g_hash_table_insert (state->refresh_tokens, token->refresh_token, token);
      g_hash_table_insert (state->access_tokens, token->access_token, token);
      token = NULL;
    }
  return TRUE;
}

/* Returns the parsed state, or NULL with *reason set. */
static LoadedState *
parse_state (const char  *data,
             gsize        length,
             char       **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(LoadedState) state = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *grants, *codes, *tokens;
  JsonObject *root;
  JsonNode *node;
  gint64 value;

  if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      *reason = g_strdup (error->message);
      return NULL;
    }

  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      *reason = g_strdup ("$: expected an object");
      return NULL;
    }
  root = json_node_get_object (node);

  state = g_new0 (LoadedState, 1);
  state->code_lifetime = AUTHSIM_CODE_LIFETIME_DEFAULT;
  state->grants = g_ptr_array_new_with_free_func (g_object_unref);
  state->codes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        code_record_release);
  state->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                token_record_release);
  state->refresh_tokens = g_hash_table_new (g_str_hash, g_str_equal);

  if (!read_int (root, "$", "version", &value, reason))
    return NULL;
  if (value != STATE_VERSION)
    {
      *reason = g_strdup_printf ("$.version: unsupported version %" G_GINT64_FORMAT, value);
      return NULL;
    }

  /* The other members are optional (defaults), but must have the right type when present. */
  if ((node = get_member (root, "$", "clockOffset", FALSE, reason)) != NULL)
    {
      if (!check_int (node, "$", "clockOffset", &value, reason))
        return NULL;
      state->clock_offset = value;
    }
  if ((node = get_member (root, "$", "codeLifetime", FALSE, reason)) != NULL)
    {
      if (!check_int (node, "$", "codeLifetime", &value, reason))
        return NULL;
      state->code_lifetime = (guint) CLAMP (value, AUTHSIM_CODE_LIFETIME_MIN,
                                            AUTHSIM_CODE_LIFETIME_MAX);
    }

  if (!read_array (root, "grants", &grants, reason) ||
      !read_array (root, "codes", &codes, reason) ||
      !read_array (root, "tokens", &tokens, reason) ||
      !parse_grants (state, grants, reason) ||
      !parse_codes (state, codes, reason) ||
      !parse_tokens (state, tokens, reason))
    return NULL;

  return g_steal_pointer (&state);
}

/* Renames state.json to state.json.corrupt-YYYYMMDD-HHMMSS[-N]; returns the new path. */
static char *
move_aside (AuthsimStore  *self,
            GError       **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *base = g_strdup_printf ("%s.corrupt-%s", self->state_path, stamp);
  g_autofree char *target = g_strdup (base);

  for (guint n = 2; g_file_test (target, G_FILE_TEST_EXISTS); n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s-%u", base, n);
    }

  if (g_rename (self->state_path, target) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "%s is corrupt and could not be moved aside to %s: %s",
                   self->state_path, target, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&target);
}

/* Called once, right after authsim_store_new() and before the store is shared: it is not
 * thread-safe with respect to the other calls. When it fails, persistence is switched off
 * so that a file we could not read or move aside is never overwritten. */
gboolean
authsim_store_load (AuthsimStore  *self,
                    char         **warning,
                    GError       **error)
{
  g_autoptr(LoadedState) state = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(GPtrArray) old_grants = NULL;
  gboolean offset_changed, lifetime_changed;
  guint n_old;
  gsize length = 0;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), FALSE);
  g_return_val_if_fail (warning == NULL || *warning == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state_path == NULL)
    return TRUE;

  if (!ensure_state_dir (self, error))
    {
      g_clear_pointer (&self->state_path, g_free);
      return FALSE;
    }

  if (!g_file_get_contents (self->state_path, &data, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "Could not read %s: %s", self->state_path, local_error->message);
      g_clear_pointer (&self->state_path, g_free);
      return FALSE;
    }

  state = parse_state (data, length, &reason);
  if (state == NULL)
    {
      g_autofree char *moved = move_aside (self, error);

      if (moved == NULL)
        {
          g_clear_pointer (&self->state_path, g_free);
          return FALSE;
        }
      if (warning != NULL)
        *warning = g_strdup_printf ("state.json was corrupt (%s); moved aside to %s; "
                                    "starting with no grants", reason, moved);
      return TRUE;
    }

  /* Apply it all at once. */
  g_mutex_lock (&self->mutex);
  offset_changed = self->clock_offset != state->clock_offset;
  lifetime_changed = self->code_lifetime != state->code_lifetime;
  self->clock_offset = state->clock_offset;
  self->code_lifetime = state->code_lifetime;
  old_grants = g_steal_pointer (&self->grant_list);
  self->grant_list = g_ptr_array_ref (state->grants);
  g_clear_pointer (&self->refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&self->access_tokens, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  self->codes = g_steal_pointer (&state->codes);
  self->access_tokens = g_steal_pointer (&state->access_tokens);
  self->refresh_tokens = g_steal_pointer (&state->refresh_tokens);
  g_mutex_unlock (&self->mutex);

  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->grants));
  if (n_old > 0 || state->grants->len > 0)
    g_list_store_splice (self->grants, 0, n_old, state->grants->pdata, state->grants->len);

  if (offset_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
  if (lifetime_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE_LIFETIME]);

  return TRUE;
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

void
authsim_store_set_clock_offset (AuthsimStore *self,
                                gint64        seconds)
{
  gboolean changed;

  g_return_if_fail (AUTHSIM_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  changed = self->clock_offset != seconds;
  if (changed)
    {
      self->clock_offset = seconds;
      schedule_save_locked (self);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
}

void
authsim_store_advance_clock (AuthsimStore *self,
                             gint64        seconds)
{
  gboolean changed;

  g_return_if_fail (AUTHSIM_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  {
    gint64 offset = add_saturating (self->clock_offset, seconds);

    changed = offset != self->clock_offset;
    if (changed)
      {
        self->clock_offset = offset;
        schedule_save_locked (self);
      }
  }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
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
      schedule_save_locked (self);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE_LIFETIME]);
}

/* ---------------------------------------------------------------------------------------- */
/* Grants. grant, revoke and clear_grants change the GListStore and must only be called from
 * the thread that created the store; dup_granted_scopes may be called from any thread. */

GListModel *
authsim_store_get_grants (AuthsimStore *self)
{
  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  return G_LIST_MODEL (self->grants);
}

/* Index of the (user, app) grant in grant_list (= its model position), or -1. */
static gint
find_grant_locked (AuthsimStore *self,
                   const char   *user_id,
                   const char   *app_id)
{
  for (guint i = 0; i < self->grant_list->len; i++)
    {
      AuthsimGrant *grant = g_ptr_array_index (self->grant_list, i);

      if (g_str_equal (grant->user_id, user_id) && g_str_equal (grant->app_id, app_id))
        return (gint) i;
    }
  return -1;
}

/* Remembers that (user, app) decided on @scope, keeping the order of first decisions. */
static void
note_decision_locked (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id,
                      const char   *scope)
{
  g_autofree char *key = g_strconcat (user_id, "\x1f", app_id, NULL);
  GPtrArray *scopes = g_hash_table_lookup (self->decided, key);

  if (scopes == NULL)
    {
      scopes = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->decided, g_steal_pointer (&key), scopes);
    }
  if (!g_ptr_array_find_with_equal_func (scopes, scope, g_str_equal, NULL))
    g_ptr_array_add (scopes, g_strdup (scope));
}

static void
forget_decisions_locked (AuthsimStore *self,
                         const char   *user_id,
                         const char   *app_id)
{
  g_autofree char *key = g_strconcat (user_id, "\x1f", app_id, NULL);

  g_hash_table_remove (self->decided, key);
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
    {
      AuthsimGrant *grant = g_ptr_array_index (self->grant_list, pos);
      scopes = g_strdupv (grant->scopes);
    }
  else
    scopes = g_new0 (char *, 1);
  g_mutex_unlock (&self->mutex);

  return scopes;
}

void
authsim_store_grant (AuthsimStore       *self,
                     const char         *user_id,
                     const char         *app_id,
                     const char * const *scopes)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  AuthsimGrant *grant;
  gint pos;

  g_return_if_fail (AUTHSIM_IS_STORE (self));
  g_return_if_fail (user_id != NULL);
  g_return_if_fail (app_id != NULL);

  g_mutex_lock (&self->mutex);
  pos = find_grant_locked (self, user_id, app_id);

  /* Union, in order: the scopes already granted, then the new ones. */
  if (pos >= 0)
    {
      AuthsimGrant *old = g_ptr_array_index (self->grant_list, pos);

      for (guint i = 0; old->scopes[i] != NULL; i++)
        if (!g_ptr_array_find_with_equal_func (seen, old->scopes[i], g_str_equal, NULL))
          {
            g_ptr_array_add (seen, old->scopes[i]);
            g_strv_builder_add (builder, old->scopes[i]);
          }
    }
  for (guint i = 0; scopes != NULL && scopes[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (seen, scopes[i], g_str_equal, NULL))
      {
        g_ptr_array_add (seen, (gpointer) scopes[i]);
        g_strv_builder_add (builder, scopes[i]);
      }

  for (guint i = 0; scopes != NULL && scopes[i] != NULL; i++)
    note_decision_locked (self, user_id, app_id, scopes[i]);
  grant = authsim_grant_new_take (user_id, app_id, g_strv_builder_end (builder),
                                  now_locked (self));
  if (pos >= 0)
    {
      g_object_unref (g_ptr_array_index (self->grant_list, pos));
      g_ptr_array_index (self->grant_list, pos) = g_object_ref (grant);
    }
  else
    g_ptr_array_add (self->grant_list, g_object_ref (grant));
  schedule_save_locked (self);
  g_mutex_unlock (&self->mutex);

  /* Grants are immutable: replacing the item (one items-changed (pos, 1, 1)) is what makes
   * views show the new scopes and time. */
  if (pos >= 0)
    g_list_store_splice (self->grants, (guint) pos, 1, (gpointer *) &grant, 1);
  else
    g_list_store_append (self->grants, grant);

  g_object_unref (grant);
}

/* Drops every token of (user, app); both NULL: every token. */
static void
remove_tokens_locked (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id)
{
  GHashTableIter iter;
  gpointer value;

  if (user_id == NULL && app_id == NULL)
    {
      g_hash_table_remove_all (self->refresh_tokens);
      g_hash_table_remove_all (self->access_tokens);
      return;
    }

  g_hash_table_iter_init (&iter, self->access_tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AuthsimToken *token = value;

      if (g_str_equal (token->user_id, user_id) && g_str_equal (token->app_id, app_id))
        {
          g_hash_table_remove (self->refresh_tokens, token->refresh_token);
          g_hash_table_iter_remove (&iter);  /* frees the token */
        }
    }
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

  key = g_strconcat (user_id, "\x1f", app_id, NULL);
  builder = g_strv_builder_new ();
  g_mutex_lock (&self->mutex);
  scopes = g_hash_table_lookup (self->decided, key);
  for (guint i = 0; scopes != NULL && i < scopes->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (scopes, i));
  g_mutex_unlock (&self->mutex);
  return g_strv_builder_end (builder);
}

void
authsim_store_refuse (AuthsimStore *self,
                      const char   *user_id,
                      const char   *app_id,
                      const char   *scope)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(AuthsimGrant) grant = NULL;
  gint pos;

  g_return_if_fail (AUTHSIM_IS_STORE (self));
  g_return_if_fail (user_id != NULL && app_id != NULL && scope != NULL);

  g_mutex_lock (&self->mutex);
  note_decision_locked (self, user_id, app_id, scope);
  pos = find_grant_locked (self, user_id, app_id);
  if (pos >= 0)
    {
      AuthsimGrant *old = g_ptr_array_index (self->grant_list, pos);

      for (guint i = 0; old->scopes[i] != NULL; i++)
        if (!g_str_equal (old->scopes[i], scope))
          g_strv_builder_add (builder, old->scopes[i]);
      grant = authsim_grant_new_take (user_id, app_id, g_strv_builder_end (builder),
                                      old->granted_at);
      if (grant->scopes[0] == NULL)
        g_ptr_array_remove_index (self->grant_list, (guint) pos);
      else
        {
          g_object_unref (g_ptr_array_index (self->grant_list, pos));
          g_ptr_array_index (self->grant_list, pos) = g_object_ref (grant);
        }
    }
  schedule_save_locked (self);
  g_mutex_unlock (&self->mutex);

  if (pos < 0)
    return;
  if (grant->scopes[0] == NULL)
    g_list_store_remove (self->grants, (guint) pos);
  else
    g_list_store_splice (self->grants, (guint) pos, 1, (gpointer *) &grant, 1);
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
    g_ptr_array_remove_index (self->grant_list, (guint) pos);
  forget_decisions_locked (self, user_id, app_id);
  /* Tokens go even without a grant: auth_base-only chains never created one. */
  remove_tokens_locked (self, user_id, app_id);
  schedule_save_locked (self);
  g_mutex_unlock (&self->mutex);

  if (pos >= 0)
    g_list_store_remove (self->grants, (guint) pos);

  return pos >= 0;
}

void
authsim_store_clear_grants (AuthsimStore *self)
{
  guint n_items;

  g_return_if_fail (AUTHSIM_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  g_ptr_array_set_size (self->grant_list, 0);
  g_hash_table_remove_all (self->decided);
  remove_tokens_locked (self, NULL, NULL);
  schedule_save_locked (self);
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
  AuthsimCode *code;
  char buf[CODE_LENGTH + 1];
  char *result;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  code = code_record_new ();
  code->app_id = g_strdup (app_id);
  code->user_id = g_strdup (user_id);
  code->scopes = strv_dup_or_empty (scopes);
  code->call = call;

  g_mutex_lock (&self->mutex);
  /* 62^32 makes a collision absurd, but "never repeated" is the contract: check. */
  do
    random_alphanumerics (&self->random, self->random_bytes, buf, CODE_LENGTH);
  while (g_hash_table_contains (self->codes, buf));
  code->code = g_strdup (buf);
  code->issued_at = now_locked (self);
  code->expires_at = add_saturating (code->issued_at, self->code_lifetime);
  g_hash_table_insert (self->codes, code->code, code);
  result = g_strdup (code->code);
  schedule_save_locked (self);
  g_mutex_unlock (&self->mutex);

  return result;
}

AuthsimCode *
authsim_store_lookup_code (AuthsimStore *self,
                           const char   *code)
{
  AuthsimCode *found, *copy = NULL;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);

  if (code == NULL)
    return NULL;

  g_mutex_lock (&self->mutex);
  found = g_hash_table_lookup (self->codes, code);
  if (found != NULL)
    copy = authsim_code_copy (found);
  g_mutex_unlock (&self->mutex);

  return copy;
}

guint
authsim_store_get_code_call (AuthsimStore *self,
                             const char   *code)
{
  AuthsimCode *found;
  guint call = 0;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), 0);

  if (code == NULL)
    return 0;

  g_mutex_lock (&self->mutex);
  found = g_hash_table_lookup (self->codes, code);
  if (found != NULL)
    call = found->call;
  else
    call = GPOINTER_TO_UINT (g_hash_table_lookup (self->spent_calls, code));
  g_mutex_unlock (&self->mutex);

  return call;
}

/* Called with the lock held, for a code just spent. */
static void
remember_spent_locked (AuthsimStore      *self,
                       const AuthsimCode *code)
{
  char *key;

  if (code->call == 0 || g_hash_table_contains (self->spent_calls, code->code))
    return;
  if (self->spent_order.length >= SPENT_CODES_MAX)
    g_hash_table_remove (self->spent_calls, g_queue_pop_head (&self->spent_order));
  key = g_strdup (code->code);
  g_queue_push_tail (&self->spent_order, key);
  g_hash_table_insert (self->spent_calls, key, GUINT_TO_POINTER (code->call));
}

AuthsimCode *
authsim_store_redeem_code (AuthsimStore  *self,
                           const char    *code,
                           const char    *app_id,
                           GError       **error)
{
  g_autoptr(CodeRecord) found = NULL;
  gpointer value = NULL;
  gint64 now;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  now = now_locked (self);
  /* The first exchange spends the code, whatever its outcome. */
  if (code != NULL && g_hash_table_steal_extended (self->codes, code, NULL, &value))
    {
      remember_spent_locked (self, value);
      schedule_save_locked (self);
    }
  g_mutex_unlock (&self->mutex);

  found = value;
  if (found == NULL)
    {
      g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID,
                           "authorization code is used or unknown");
      return NULL;
    }
  if (now >= found->expires_at)
    {
      g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID,
                           "authorization code expired");
      return NULL;
    }
  if (g_strcmp0 (found->app_id, app_id) != 0)
    {
      g_set_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID,
                   "authorization code was issued to app %s", found->app_id);
      return NULL;
    }

  /* A save may still hold the record: the caller gets its own copy. */
  return authsim_code_copy (found);
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
  do
    random_alphanumerics (&self->random, self->random_bytes,
                          buf + sizeof PREFIX_USER - 1, TOKEN_RAND_CHARS);
  while (g_hash_table_contains (self->access_tokens, buf) ||
         g_hash_table_contains (self->refresh_tokens, buf));
  return g_strdup (buf);
}

/* A new pair for (user, app, scopes, call), starting now; inserted in both tables. */
static AuthsimToken *
insert_new_token_locked (AuthsimStore       *self,
                         const char         *app_id,
                         const char         *user_id,
                         const char * const *scopes,
                         guint               call)
{
  TokenRecord *token = token_record_new ();

  token->access_token = new_token_string_locked (self, scopes);
  do
    {
      g_free (token->refresh_token);
      token->refresh_token = new_token_string_locked (self, scopes);
    }
  while (g_str_equal (token->refresh_token, token->access_token));
  token->app_id = g_strdup (app_id);
  token->user_id = g_strdup (user_id);
  token->scopes = strv_dup_or_empty (scopes);
  token->call = call;
  token->auth_start = now_locked (self);
  token->expires_at = add_saturating (token->auth_start, authsim_token_lifetime (scopes));
  token->re_expires_at = add_saturating (token->auth_start,
                                         authsim_token_refresh_lifetime (scopes));

  g_hash_table_insert (self->refresh_tokens, token->refresh_token, token);
  g_hash_table_insert (self->access_tokens, token->access_token, token);
  schedule_save_locked (self);
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
  token = authsim_token_copy (insert_new_token_locked (self, code->app_id, code->user_id,
                                                       (const char * const *) code->scopes,
                                                       code->call));
  g_mutex_unlock (&self->mutex);

  return token;
}

AuthsimToken *
authsim_store_refresh (AuthsimStore  *self,
                       const char    *refresh_token,
                       const char    *app_id,
                       GError       **error)
{
  AuthsimToken *old, *fresh = NULL;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  old = refresh_token != NULL ? g_hash_table_lookup (self->refresh_tokens, refresh_token)
                              : NULL;
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
    {
      AuthsimToken *token;

      token = insert_new_token_locked (self, old->app_id, old->user_id,
                                       (const char * const *) old->scopes, old->call);
      fresh = authsim_token_copy (token);
      /* Rotation: the old access and refresh tokens stop working. */
      g_hash_table_remove (self->refresh_tokens, old->refresh_token);
      g_hash_table_remove (self->access_tokens, old->access_token);  /* frees old */
    }
  g_mutex_unlock (&self->mutex);

  return fresh;
}

AuthsimToken *
authsim_store_lookup_access_token (AuthsimStore  *self,
                                   const char    *access_token,
                                   GError       **error)
{
  AuthsimToken *found, *copy = NULL;

  g_return_val_if_fail (AUTHSIM_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  found = access_token != NULL ? g_hash_table_lookup (self->access_tokens, access_token)
                               : NULL;
  if (found == NULL)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_TOKEN_INVALID,
                         "access token is rotated, revoked or unknown");
  else if (now_locked (self) >= found->expires_at)
    g_set_error_literal (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT,
                         "access token expired");
  else
    copy = authsim_token_copy (found);
  g_mutex_unlock (&self->mutex);

  return copy;
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
