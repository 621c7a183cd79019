/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pgl-smtp-sink: the test SMTP sink as a standalone program for shell-driven tests. It listens
 * on 127.0.0.1 (or --listen), prints the port it got on the first line of stdout, writes every
 * accepted message into --store-dir (msg-NNNNNN.env with the envelope, then msg-NNNNNN.eml with
 * the content) and runs until SIGINT or SIGTERM, then prints its counters on stderr.
 *
 *   port=$(pgl-smtp-sink --store-dir "$tmp/out" & ...)   # first stdout line is the port
 */
#define G_LOG_DOMAIN "pgl-test-sink"

#include <errno.h>

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "support/pgl-smtp-sink.h"

static gboolean
on_signal(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PglSmtpSink) sink = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(GTlsCertificate) certificate = NULL;
	g_autofree gchar *listen = NULL;
	g_autofree gchar *store_dir = NULL;
	g_autofree gchar *cert_file = NULL;
	g_autofree gchar *key_file = NULL;
	g_autofree gchar *auth = NULL;
	gint port = 0;
	gint64 max_size = 0;
	gboolean implicit_tls = FALSE;
	PglSmtpSinkStats stats = {0};
	const GOptionEntry entries[] = {
		{"listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Address (127.0.0.1)", "ADDR"},
		{"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port (0: any free port)", "PORT"},
		{"store-dir", 'd', 0, G_OPTION_ARG_FILENAME, &store_dir, "Write mail here", "DIR"},
		{"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, "PEM certificate", "FILE"},
		{"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "PEM private key", "FILE"},
		{"implicit-tls", 0, 0, G_OPTION_ARG_NONE, &implicit_tls, "No STARTTLS", NULL},
		{"auth", 0, 0, G_OPTION_ARG_STRING, &auth, "Require AUTH as USER:PASSWORD", "U:P"},
		{"max-size", 0, 0, G_OPTION_ARG_INT64, &max_size, "SIZE limit in bytes", "BYTES"},
		{NULL},
	};

	context = g_option_context_new("- test SMTP sink");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("pgl-smtp-sink: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (port < 0 || port > G_MAXUINT16 || max_size < 0) {
		g_printerr("pgl-smtp-sink: bad --port or --max-size\n");
		return EXIT_FAILURE;
	}

	sink = pgl_smtp_sink_new_full(listen, (guint16)port, &error);
	if (sink == NULL) {
		g_printerr("pgl-smtp-sink: %s\n", error->message);
		return EXIT_FAILURE;
	}
	pgl_smtp_sink_set_keep_messages(sink, FALSE);
	if (store_dir != NULL) {
		if (g_mkdir_with_parents(store_dir, 0700) != 0) {
			g_printerr("pgl-smtp-sink: cannot create %s: %s\n", store_dir,
				   g_strerror(errno));
			return EXIT_FAILURE;
		}
		pgl_smtp_sink_set_store_dir(sink, store_dir);
	}
	if (max_size > 0)
		pgl_smtp_sink_set_max_size(sink, (guint64)max_size);
	if (cert_file != NULL) {
		certificate = g_tls_certificate_new_from_files(
			cert_file, key_file != NULL ? key_file : cert_file, &error);
		if (certificate == NULL) {
			g_printerr("pgl-smtp-sink: %s\n", error->message);
			return EXIT_FAILURE;
		}
		pgl_smtp_sink_set_tls(sink, certificate, implicit_tls);
	}
	if (auth != NULL) {
		g_auto(GStrv) parts = g_strsplit(auth, ":", 2);

		if (parts[0] == NULL || parts[1] == NULL) {
			g_printerr("pgl-smtp-sink: --auth wants USER:PASSWORD\n");
			return EXIT_FAILURE;
		}
		pgl_smtp_sink_set_auth(sink, parts[0], parts[1]);
	}

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_print("%u\n", pgl_smtp_sink_get_port(sink));
	fflush(stdout);
	g_main_loop_run(loop);

	pgl_smtp_sink_get_stats(sink, &stats);
	g_printerr("pgl-smtp-sink: connections=%u messages=%u recipients=%u\n", stats.connections,
		   stats.messages, stats.recipients);
	return EXIT_SUCCESS;
}
