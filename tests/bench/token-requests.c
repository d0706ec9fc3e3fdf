/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * token-requests: one signed alipay.system.oauth.token request (grant_type=authorization_code)
 * per authorization code, for run-gateway-bench's token.lua. Reads the codes from stdin (the
 * first word of each line, as `gateway-harness`'s "codes N" prints them) and writes one request
 * target per line:
 *
 *   PATH?app_id=…&method=alipay.system.oauth.token&grant_type=authorization_code&code=…
 *       &charset=utf-8&sign_type=RSA2&timestamp=…&version=1.0&sign=…
 *
 * The signature is what alipay-sdk sends: SHA256withRSA (PKCS #1 v1.5) with the app private key
 * over every parameter but sign, sorted by key, "k=v" joined with '&', nothing encoded; base64;
 * then every value is URL-encoded. Signing is spread over one thread per online CPU (an RSA-2048
 * signature costs ~0.3 ms, and a bench wants tens of thousands); the output keeps input order.
 *
 * Usage: token-requests APP-PRIVATE-KEY.pem APP-ID TIMESTAMP PATH <codes >targets
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#define MAX_THREADS 64

typedef struct
{
  const char  *app_id;
  const char  *timestamp;
  const char  *path;
  EVP_PKEY    *pkey;
  char       **codes;
  size_t       n_codes;
} Job;

typedef struct
{
  const Job *job;
  size_t     first, last;  /* codes [first, last) */
  char      *out;          /* the targets, one a line */
  size_t     out_len, out_size;
  int        failed;
} Slice;

static void
append (Slice      *s,
        const char *text,
        size_t      len)
{
  if (s->out_len + len + 1 > s->out_size)
    {
      s->out_size = (s->out_len + len + 1) * 2;
      s->out = realloc (s->out, s->out_size);
      if (s->out == NULL)
        {
          perror ("token-requests");
          exit (1);
        }
    }
  memcpy (s->out + s->out_len, text, len);
  s->out_len += len;
  s->out[s->out_len] = '\0';
}

static void
append_str (Slice      *s,
            const char *text)
{
  append (s, text, strlen (text));
}

/* application/x-www-form-urlencoded, as the gateway decodes it: unreserved bytes as they are,
 * everything else %XX. */
static void
append_encoded (Slice      *s,
                const char *text)
{
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p;

  for (p = (const unsigned char *) text; *p != '\0'; p++)
    {
      if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '.' || *p == '_' || *p == '~')
        append (s, (const char *) p, 1);
      else
        {
          char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

          append (s, esc, 3);
        }
    }
}

static void *
sign_slice (void *data)
{
  Slice *s = data;
  const Job *job = s->job;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned char sig[1024];
  unsigned char b64[4 * sizeof sig / 3 + 4];
  char content[1024];

  for (size_t i = s->first; i < s->last && !s->failed; i++)
    {
      const char *code = job->codes[i];
      size_t sig_len = sizeof sig;
      int len;

      /* Sorted by key: app_id charset code grant_type method sign_type timestamp version. */
      len = snprintf (content, sizeof content,
                      "app_id=%s&charset=utf-8&code=%s&grant_type=authorization_code"
                      "&method=alipay.system.oauth.token&sign_type=RSA2&timestamp=%s"
                      "&version=1.0",
                      job->app_id, code, job->timestamp);
      if (len < 0 || (size_t) len >= sizeof content ||
          EVP_DigestSignInit_ex (ctx, NULL, "SHA256", NULL, NULL, job->pkey, NULL) != 1 ||
          EVP_DigestSign (ctx, sig, &sig_len, (const unsigned char *) content, (size_t) len) != 1)
        {
          fprintf (stderr, "token-requests: cannot sign for code %s\n", code);
          s->failed = 1;
          break;
        }
      EVP_EncodeBlock (b64, sig, (int) sig_len);

      append_str (s, job->path);
      append_str (s, "?app_id=");
      append_encoded (s, job->app_id);
      append_str (s, "&method=alipay.system.oauth.token&grant_type=authorization_code&code=");
      append_encoded (s, code);
      append_str (s, "&charset=utf-8&sign_type=RSA2&timestamp=");
      append_encoded (s, job->timestamp);
      append_str (s, "&version=1.0&sign=");
      append_encoded (s, (const char *) b64);
      append (s, "\n", 1);
    }
  EVP_MD_CTX_free (ctx);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  Job job = { NULL, };
  Slice slices[MAX_THREADS];
  pthread_t threads[MAX_THREADS];
  size_t capacity = 0, n_threads;
  long online;
  char *line = NULL;
  size_t line_size = 0;
  FILE *f;
  int status = 0;

  if (argc != 5)
    {
      fprintf (stderr, "usage: token-requests APP-PRIVATE-KEY.pem APP-ID TIMESTAMP PATH\n");
      return 2;
    }
  job.app_id = argv[2];
  job.timestamp = argv[3];
  job.path = argv[4];

  f = fopen (argv[1], "r");
  if (f == NULL)
    {
      perror (argv[1]);
      return 1;
    }
  job.pkey = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  fclose (f);
  if (job.pkey == NULL)
    {
      fprintf (stderr, "token-requests: %s: not a private key\n", argv[1]);
      return 1;
    }

  while (getline (&line, &line_size, stdin) != -1)
    {
      size_t len = strcspn (line, " \t\r\n");

      if (len == 0)
        continue;
      if (job.n_codes == capacity)
        {
          capacity = capacity != 0 ? capacity * 2 : 1024;
          job.codes = realloc (job.codes, capacity * sizeof *job.codes);
          if (job.codes == NULL)
            {
              perror ("token-requests");
              return 1;
            }
        }
      job.codes[job.n_codes++] = strndup (line, len);
    }
  free (line);

  online = sysconf (_SC_NPROCESSORS_ONLN);
  n_threads = online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (size_t) online;
  if (n_threads > job.n_codes)
    n_threads = job.n_codes != 0 ? job.n_codes : 1;

  for (size_t t = 0; t < n_threads; t++)
    {
      slices[t] = (Slice) { &job, job.n_codes * t / n_threads,
                            job.n_codes * (t + 1) / n_threads, NULL, 0, 0, 0 };
      if (pthread_create (&threads[t], NULL, sign_slice, &slices[t]) != 0)
        {
          fprintf (stderr, "token-requests: cannot start a thread\n");
          return 1;
        }
    }
  for (size_t t = 0; t < n_threads; t++)
    {
      pthread_join (threads[t], NULL);
      if (slices[t].failed)
        status = 1;
      else if (slices[t].out_len > 0 && fwrite (slices[t].out, 1, slices[t].out_len, stdout)
                                        != slices[t].out_len)
        status = 1;
      free (slices[t].out);
    }
  if (fflush (stdout) != 0)
    status = 1;

  for (size_t i = 0; i < job.n_codes; i++)
    free (job.codes[i]);
  free (job.codes);
  EVP_PKEY_free (job.pkey);
  return status;
}
