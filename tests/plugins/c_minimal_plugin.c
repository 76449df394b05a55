/* The smallest useful flowhost plugin, in plain C against plugin_abi.h alone: one node type,
 * "test.c_echo", whose execution completes at once with its inputs as its outputs (the items on
 * input i leave on output i). The loader and CLI tests load it as the plugin that works.
 *
 * Built again with C_ECHO_TYPE="noop" as the plugin that clashes with a built-in type. */
#include <stddef.h>
#include <string.h>

#include "flowhost/plugin_abi.h"

#ifndef C_ECHO_TYPE
#define C_ECHO_TYPE "test.c_echo"
#endif
/* Built again with C_ECHO_ABI_MINOR=0 as a plugin of an older minor version, which must still load. */
#ifndef C_ECHO_ABI_MINOR
#define C_ECHO_ABI_MINOR FLOWHOST_ABI_MINOR
#endif

static const fh_host_api* host;

static fh_str Str(const char* text) {
  fh_str str = {text, strlen(text)};
  return str;
}

/* The node holds nothing: any non-NULL pointer will do. */
static char node_marker;

static void* Create(void* type_data, fh_node_config* config) { return &node_marker; }

static fh_str NodePorts(void* node) {
  fh_str none = {NULL, 0};
  return none; /* the type's own ports */
}

/* exec_inputs is one array of items per input, which is also the shape of the outputs. */
static void Execute(void* node, fh_exec exec) {
  host->complete(exec, NULL, host->exec_inputs(exec));
}

static void DestroyNode(void* node) {}

static void DestroyType(void* type_data) {}

static const fh_node_type_vtable kVtable = {
    sizeof(fh_node_type_vtable), Create, NodePorts, Execute, DestroyNode, DestroyType,
};

static int32_t Init(const fh_host_api* api, fh_registrar* registrar) {
  host = api;
  fh_node_type_def def;
  memset(&def, 0, sizeof(def));
  def.struct_size = sizeof(def);
  def.info_json =
      Str("{\"type\": \"" C_ECHO_TYPE
          "\", \"version\": 1,"
          " \"description\": \"Passes its input items through unchanged.\","
          " \"parameter_schema\": {\"type\": \"object\", \"properties\": {}},"
          " \"inputs\": [{\"name\": \"main\", \"description\": \"Items to echo.\"}],"
          " \"outputs\": [{\"name\": \"main\", \"description\": \"The same items.\"}]}");
  def.vtable = &kVtable;
  def.type_data = NULL;
  fh_error_out error;
  memset(&error, 0, sizeof(error));
  if (api->register_node_type(registrar, &def, &error) != 0) {
    /* The host already knows why (a duplicate, a bad schema) and reports it. */
    api->free_error(&error);
    return 1;
  }
  return 0;
}

static const fh_plugin_info kInfo = {
    sizeof(fh_plugin_info),
    FLOWHOST_ABI_MAJOR,
    C_ECHO_ABI_MINOR,
    sizeof(void*),
    FLOWHOST_ABI_FINGERPRINT,
    "c_minimal",
    "1.0.0",
    Init,
};

FLOWHOST_PLUGIN_EXPORT const fh_plugin_info* flowhost_plugin_handshake(void) { return &kInfo; }
