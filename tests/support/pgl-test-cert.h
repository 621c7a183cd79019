/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Throw-away self-signed TLS certificates for tests, made with the openssl command line tool.
 * The certificate is its own CA: pass the returned CA file to the client under test. Keys are
 * unprotected RSA 2048 keys valid for two days; never use them outside a test's temporary dir.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GTlsCertificate *pgl_test_make_certificate(const gchar *dir, gchar **ca_file_out,
					   GError **error);
GTlsCertificate *pgl_test_make_certificate_full(const gchar *dir, const gchar *name,
						const gchar *common_name,
						const gchar *subject_alt_name,
						gchar **ca_file_out, GError **error);

G_END_DECLS
