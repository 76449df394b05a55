/* A plugin with one thing wrong, chosen when it is compiled, for the loader's error tests:
 *   PLUGIN_ABI_MAJOR / PLUGIN_ABI_MINOR   the ABI version it claims (default: the host's)
 *   PLUGIN_FINGERPRINT                    the fingerprint it claims (default: the host's)
 *   PLUGIN_STRUCT_SIZE                    its fh_plugin_info.struct_size (default: the real one)
 *   PLUGIN_INIT_ERROR                     a message init reports with registrar_error, then fails
 * Its init registers nothing. */
#include <string.h>

#include "flowhost/plugin_abi.h"

#ifndef PLUGIN_ABI_MAJOR
#define PLUGIN_ABI_MAJOR FLOWHOST_ABI_MAJOR
#endif
#ifndef PLUGIN_ABI_MINOR
#define PLUGIN_ABI_MINOR FLOWHOST_ABI_MINOR
#endif
#ifndef PLUGIN_FINGERPRINT
#define PLUGIN_FINGERPRINT FLOWHOST_ABI_FINGERPRINT
#endif
#ifndef PLUGIN_STRUCT_SIZE
#define PLUGIN_STRUCT_SIZE sizeof(fh_plugin_info)
#endif

static int32_t Init(const fh_host_api* host, fh_registrar* registrar) {
#ifdef PLUGIN_INIT_ERROR
  fh_str message = {PLUGIN_INIT_ERROR, strlen(PLUGIN_INIT_ERROR)};
  host->registrar_error(registrar, message);
  return 1;
#else
  return 0;
#endif
}

static const fh_plugin_info kInfo = {
    PLUGIN_STRUCT_SIZE, PLUGIN_ABI_MAJOR, PLUGIN_ABI_MINOR, sizeof(void*),
    PLUGIN_FINGERPRINT, "refused",        "0.1.0",          Init,
};

FLOWHOST_PLUGIN_EXPORT const fh_plugin_info* flowhost_plugin_handshake(void) { return &kInfo; }
