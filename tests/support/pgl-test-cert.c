/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Makes throw-away self-signed certificates for TLS tests by running `openssl req -x509` in a
 * directory the test owns (its temporary dir) and loading the result as a #GTlsCertificate
 * with its private key. The openssl CLI is a test-only dependency.
 */
#define G_LOG_DOMAIN "pgl-test-cert"

#include "support/pgl-test-cert.h"

/**
 * pgl_test_make_certificate_full:
 * @dir: existing directory to write NAME-cert.pem and NAME-key.pem into
 * @name: file name prefix
 * @common_name: subject CN
 * @subject_alt_name: (nullable): subjectAltName value such as "DNS:localhost,IP:127.0.0.1"
 * @ca_file_out: (out) (optional) (transfer full): path of the certificate PEM, to be trusted
 *   as CA by the client
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the certificate with its key, or %NULL with @error set
 */
GTlsCertificate *
pgl_test_make_certificate_full(const gchar *dir, const gchar *name, const gchar *common_name,
			       const gchar *subject_alt_name, gchar **ca_file_out, GError **error)
{
	g_autofree gchar *cert_name = g_strconcat(name, "-cert.pem", NULL);
	g_autofree gchar *key_name = g_strconcat(name, "-key.pem", NULL);
	g_autofree gchar *cert_path = g_build_filename(dir, cert_name, NULL);
	g_autofree gchar *key_path = g_build_filename(dir, key_name, NULL);
	g_autofree gchar *subject = g_strconcat("/CN=", common_name, NULL);
	g_autofree gchar *san = NULL;
	g_autofree gchar *standard_error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GTlsCertificate) certificate = NULL;
	gint wait_status = 0;

	g_ptr_array_add(argv, (gpointer) "openssl");
	g_ptr_array_add(argv, (gpointer) "req");
	g_ptr_array_add(argv, (gpointer) "-x509");
	g_ptr_array_add(argv, (gpointer) "-newkey");
	g_ptr_array_add(argv, (gpointer) "rsa:2048");
	g_ptr_array_add(argv, (gpointer) "-nodes");
	g_ptr_array_add(argv, (gpointer) "-keyout");
	g_ptr_array_add(argv, key_name);
	g_ptr_array_add(argv, (gpointer) "-out");
	g_ptr_array_add(argv, cert_name);
	g_ptr_array_add(argv, (gpointer) "-subj");
	g_ptr_array_add(argv, subject);
	if (subject_alt_name != NULL) {
		san = g_strconcat("subjectAltName=", subject_alt_name, NULL);
		g_ptr_array_add(argv, (gpointer) "-addext");
		g_ptr_array_add(argv, san);
	}
	g_ptr_array_add(argv, (gpointer) "-days");
	g_ptr_array_add(argv, (gpointer) "2");
	g_ptr_array_add(argv, NULL);

	if (!g_spawn_sync(dir, (gchar **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
			  &standard_error, &wait_status, error))
		return NULL;
	if (!g_spawn_check_wait_status(wait_status, error)) {
		g_prefix_error(error, "openssl req: %s: ", standard_error);
		return NULL;
	}
	certificate = g_tls_certificate_new_from_files(cert_path, key_path, error);
	if (certificate == NULL)
		return NULL;
	if (ca_file_out != NULL)
		*ca_file_out = g_steal_pointer(&cert_path);
	return g_steal_pointer(&certificate);
}

/**
 * pgl_test_make_certificate:
 * @dir: existing directory to write localhost-cert.pem and localhost-key.pem into
 * @ca_file_out: (out) (optional) (transfer full): path of the certificate PEM
 * @error: return location for a #GError
 *
 * Makes a certificate for CN=localhost with subjectAltName DNS:localhost and IP:127.0.0.1.
 *
 * Returns: (transfer full) (nullable): the certificate with its key, or %NULL with @error set
 */
GTlsCertificate *
pgl_test_make_certificate(const gchar *dir, gchar **ca_file_out, GError **error)
{
	return pgl_test_make_certificate_full(dir, "localhost", "localhost",
					      "DNS:localhost,IP:127.0.0.1", ca_file_out, error);
}
