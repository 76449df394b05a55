/* A plain-C plugin whose node type "test.c_twice" misuses its token the way a buggy plugin might:
 * it completes inline with its inputs, then, on the same thread and with the now dead token, asks
 * for its inputs again, logs, and completes a second time with other outputs. The host must keep
 * the first completion and answer every later call as for a dead token. "test.c_twice_report"
 * outputs what the last dead-token exec_inputs returned: {"dead_token_inputs_bytes": N}. */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "flowhost/plugin_abi.h"

static const fh_host_api* host;

static fh_str Str(const char* text) {
  fh_str str = {text, strlen(text)};
  return str;
}

static char node_marker;
static size_t dead_token_inputs_bytes = (size_t)-1; /* the nodes run one at a time in the test */

static void* Create(void* type_data, fh_node_config* config) { return &node_marker; }

static fh_str NodePorts(void* node) {
  fh_str none = {NULL, 0};
  return none;
}

static void Execute(void* node, fh_exec exec) {
  host->complete(exec, NULL, host->exec_inputs(exec));
  /* The token is dead from here on. */
  fh_str inputs_after = host->exec_inputs(exec);
  dead_token_inputs_bytes = inputs_after.size;
  host->exec_log(exec, FH_LOG_ERROR, Str("logged with a dead token"), Str(""));
  if (inputs_after.size != 0) {
    host->complete(exec, NULL, Str("[[{\"wrong\": \"exec_inputs answered a dead token\"}]]"));
  } else {
    host->complete(exec, NULL, Str("[[{\"wrong\": \"a second completion was accepted\"}]]"));
  }
}

static void Report(void* node, fh_exec exec) {
  char outputs[64];
  snprintf(outputs, sizeof outputs, "[[{\"dead_token_inputs_bytes\": %zu}]]", dead_token_inputs_bytes);
  host->complete(exec, NULL, Str(outputs));
}

static void DestroyNode(void* node) {}
static void DestroyType(void* type_data) {}

static const fh_node_type_vtable kVtable = {
    sizeof(fh_node_type_vtable), Create, NodePorts, Execute, DestroyNode, DestroyType,
};
static const fh_node_type_vtable kReportVtable = {
    sizeof(fh_node_type_vtable), Create, NodePorts, Report, DestroyNode, DestroyType,
};

static int32_t Register(fh_registrar* registrar, const char* info_json,
                        const fh_node_type_vtable* vtable) {
  fh_node_type_def def;
  memset(&def, 0, sizeof(def));
  def.struct_size = sizeof(def);
  def.info_json = Str(info_json);
  def.vtable = vtable;
  def.type_data = NULL;
  fh_error_out error;
  memset(&error, 0, sizeof(error));
  if (host->register_node_type(registrar, &def, &error) != 0) {
    host->free_error(&error);
    return 1;
  }
  return 0;
}

static int32_t Init(const fh_host_api* api, fh_registrar* registrar) {
  host = api;
  return Register(registrar,
                  "{\"type\": \"test.c_twice\", \"version\": 1,"
                  " \"description\": \"Completes, then uses its dead token.\","
                  " \"parameter_schema\": {\"type\": \"object\", \"properties\": {}}}",
                  &kVtable) ||
         Register(registrar,
                  "{\"type\": \"test.c_twice_report\", \"version\": 1,"
                  " \"description\": \"What test.c_twice's dead token got.\","
                  " \"parameter_schema\": {\"type\": \"object\", \"properties\": {}}}",
                  &kReportVtable);
}

static const fh_plugin_info kInfo = {
    sizeof(fh_plugin_info), FLOWHOST_ABI_MAJOR, FLOWHOST_ABI_MINOR, sizeof(void*),
    FLOWHOST_ABI_FINGERPRINT, "c_twice", "1.0.0", Init,
};

FLOWHOST_PLUGIN_EXPORT const fh_plugin_info* flowhost_plugin_handshake(void) { return &kInfo; }
