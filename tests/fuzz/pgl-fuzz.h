/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The libFuzzer entry points every tests/fuzz/fuzz-*.c target defines (cf. fwupd's
 * fu-fuzzer-main.c). pgl-fuzz-replay.c provides a main() that feeds files to them, so that the
 * committed corpus runs in `meson test` without libFuzzer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
