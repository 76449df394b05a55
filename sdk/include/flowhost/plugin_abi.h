/* flowhost's binary plugin interface: the only thing a plugin library and the host share.
 *
 * This header compiles as C11 and as C++. A plugin written in plain C includes it alone; a plugin
 * written against the C++ SDK includes <flowhost/plugin/plugin.h>, which builds on this header and
 * keeps the SDK's classes (Json, absl::Status, std::string...) on the plugin's side of the line. No
 * C++ type, no allocator and no exception ever crosses it, so a plugin built with another compiler,
 * another nlohmann-json or another Abseil than the host's still works.
 *
 * How a plugin is loaded (see docs/plugins.md):
 *   1. The host dlopens the library (RTLD_NOW | RTLD_LOCAL) and looks up the one exported symbol
 *      `flowhost_plugin_handshake` (FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL). No such symbol: not a plugin.
 *   2. It calls it and checks every field of the returned fh_plugin_info before it calls anything
 *      else: struct_size, abi_major (must equal the host's), abi_minor (must not exceed the host's),
 *      pointer_size and fingerprint (must equal the host's).
 *   3. It calls `init` with its host function table and a registrar; the plugin registers its node
 *      types with host->register_node_type and returns 0, or reports why it cannot start with
 *      host->registrar_error and returns non-zero.
 *   4. The host never unloads a plugin it has initialised: code and static data live until exit.
 *
 * Compatibility (the promise of docs/plugins.md):
 *   - Every struct starts with its own size (`struct_size`), set by whoever fills it in. Structs and
 *     function tables only ever grow at the end. A reader uses a field only when struct_size shows
 *     the writer knew it (FH_HAS_FIELD); fields it does not know are left alone.
 *   - Adding a field or a function at the end of a struct bumps FLOWHOST_ABI_MINOR. Anything else
 *     (removing, reordering, changing a type or a meaning) bumps FLOWHOST_ABI_MAJOR.
 *
 * Conventions:
 *   - Text is UTF-8 in fh_str {data, size}: not NUL-terminated, size in bytes. Items, parameters,
 *     port lists and records cross as JSON text.
 *   - Every function says OWNERSHIP: who frees what it passes or returns, and how long it lives.
 *     "Borrowed for the call" means the callee copies what it keeps before it returns.
 *   - Times are int64 nanoseconds since the Unix epoch, durations int64 nanoseconds;
 *     FH_TIME_INFINITE (INT64_MAX) means none.
 *   - Status codes are gRPC's / absl's (0 OK, 1 CANCELLED, 3 INVALID_ARGUMENT, 4 DEADLINE_EXCEEDED,
 *     5 NOT_FOUND, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION, 13 INTERNAL, 14 UNAVAILABLE...), and an
 *     error has a class word (docs/nodes.md "error.h": "timeout", "rate_limited", ...).
 *   - An execution is named by an fh_exec token. After the plugin completes it (host->complete), the
 *     token is dead: every host function given a dead or unknown token does nothing and reports
 *     FAILED_PRECONDITION (or returns an empty value), and a second completion is ignored.
 *   - Threads: the host may call a plugin's functions from any of its threads, concurrently, and a
 *     plugin may call every host function from any thread, unless a comment says otherwise. Plugin
 *     callbacks must not block and must not let a C++ exception escape.
 */
#ifndef FLOWHOST_PLUGIN_ABI_H_
#define FLOWHOST_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FLOWHOST_ABI_MAJOR 1
#define FLOWHOST_ABI_MINOR 2

/* What must match between the host's build and the plugin's beyond the version: byte order and the
 * sizes of the C types the structs below are made of. */
#define FH_STRINGIFY_(x) #x
#define FH_STRINGIFY(x) FH_STRINGIFY_(x)
#define FLOWHOST_ABI_FINGERPRINT                                                     \
  "flowhost-c-abi;order=" FH_STRINGIFY(__BYTE_ORDER__) ";pointer=" FH_STRINGIFY(     \
      __SIZEOF_POINTER__) ";size_t=" FH_STRINGIFY(__SIZEOF_SIZE_T__) ";int=" FH_STRINGIFY( \
      __SIZEOF_INT__) ";double=" FH_STRINGIFY(__SIZEOF_DOUBLE__)

#define FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL "flowhost_plugin_handshake"

#define FH_TIME_INFINITE INT64_MAX

/* True when a struct filled in by the other side (its struct_size says how much it wrote) holds
 * `field`. */
#define FH_HAS_FIELD(struct_ptr, type, field) \
  ((struct_ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#if defined(_WIN32)
#define FLOWHOST_PLUGIN_EXPORT __declspec(dllexport)
#else
#define FLOWHOST_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Data ------------------------------------------------------------------------------------ */

/* A view of bytes owned by someone else; the owner is named where it is passed. */
typedef struct fh_str {
  const char* data;
  size_t size;
} fh_str;

/* Bytes the host allocated for the plugin. OWNERSHIP: the plugin's; free with host->free_buffer. */
typedef struct fh_buffer {
  char* data;
  size_t size;
} fh_buffer;

/* An error as it crosses: code 0 means OK (and the rest is empty). `details_json` is a JSON value
 * (the upstream's error metadata) or empty; `retry_after_ns` a delay the upstream asked for, or -1.
 * OWNERSHIP: the strings are borrowed for the call they are passed to. */
typedef struct fh_error {
  int32_t code;
  fh_str error_class;
  fh_str message;
  fh_str details_json;
  int64_t retry_after_ns;
} fh_error;

/* An error the host reports to the plugin, fields as in fh_error. OWNERSHIP: the plugin's; free the
 * buffers with host->free_error. Zeroed (retry_after_ns -1) when the call succeeded. */
typedef struct fh_error_out {
  int32_t code;
  fh_buffer error_class;
  fh_buffer message;
  fh_buffer details_json;
  int64_t retry_after_ns;
} fh_error_out;

typedef enum fh_log_level {
  FH_LOG_DEBUG = 0,
  FH_LOG_INFO = 1,
  FH_LOG_WARNING = 2,
  FH_LOG_ERROR = 3
} fh_log_level;

/* Opaque host objects. */
typedef struct fh_registrar fh_registrar;     /* valid only during init */
typedef struct fh_node_config fh_node_config; /* valid only during create */
typedef struct fh_scheduler fh_scheduler;     /* the host's; lives until exit */
typedef struct fh_http fh_http;               /* the host's pooled HTTP client; lives until exit */
typedef struct fh_http_call fh_http_call;     /* one request; the plugin releases it */

/* One running execution of one plugin node; see "Conventions" above. */
typedef uint64_t fh_exec;

/* A plain callback with the plugin's context pointer. */
typedef void (*fh_task_fn)(void* user);

/* ---- HTTP ------------------------------------------------------------------------------------ */

typedef struct fh_http_header {
  fh_str name;
  fh_str value;
} fh_http_header;

/* A request for the host's HTTP client (docs/nodes.md "http_client.h"). OWNERSHIP: borrowed for the
 * http_send call; the host copies it. */
typedef struct fh_http_request {
  uint32_t struct_size;
  fh_str method;
  fh_str url;
  const fh_http_header* headers;
  size_t header_count;
  fh_str body;
  int64_t connect_timeout_ns;  /* FH_TIME_INFINITE: the host's default */
  int64_t total_timeout_ns;    /* FH_TIME_INFINITE: none */
  int64_t idle_timeout_ns;     /* FH_TIME_INFINITE: none */
  int64_t deadline_unix_ns;    /* FH_TIME_INFINITE: none */
  uint64_t max_response_bytes; /* 0: the host's default */
  /* Non-zero: a 2xx body is passed to on_chunk as it arrives, not accumulated. */
  int32_t stream_body;
} fh_http_request;

/* A response's status line and headers (for on_chunk) or the whole response (for on_done).
 * OWNERSHIP: borrowed for the callback it is passed to. */
typedef struct fh_http_response {
  uint32_t struct_size;
  int32_t status;
  const fh_http_header* headers;
  size_t header_count;
  fh_str body; /* empty when streamed */
  int64_t total_time_ns;
  int64_t time_to_first_byte_ns;
} fh_http_response;

/* Runs on the client's I/O thread for each chunk of a streamed 2xx body: quick, never blocking. */
typedef void (*fh_http_chunk_fn)(void* user, const fh_http_response* head, fh_str chunk);
/* Runs once, on a host worker thread, when the request ends: `error` is OK (code 0) with `response`
 * set, or an error (timeout, network, cancelled, ...) with `response` NULL. After it returns the host
 * never touches `user` again. */
typedef void (*fh_http_done_fn)(void* user, const fh_error* error, const fh_http_response* response);

/* ---- Completions of asynchronous host calls ---------------------------------------------------- */

/* The end of run_workflow / invoke_node: `error` OK with `json` the result, or an error with `json`
 * empty. Runs exactly once, on a host worker thread (inline, with FAILED_PRECONDITION, for a dead
 * token; with CANCELLED when the host abandons the call).
 * OWNERSHIP: both borrowed for the call. */
typedef void (*fh_json_done_fn)(void* user, const fh_error* error, fh_str json);

/* A cancellation: the reason's code (CANCELLED or DEADLINE_EXCEEDED), class and message. Runs at most
 * once, on the thread that cancels; it must be short. OWNERSHIP: borrowed for the call. */
typedef void (*fh_cancel_fn)(void* user, const fh_error* reason);

/* ---- Node types: what the plugin gives the host ------------------------------------------------ */

/* The functions of one node type. OWNERSHIP: the table is the plugin's and must live until exit
 * (a static const table). */
typedef struct fh_node_type_vtable {
  uint32_t struct_size;

  /* Builds the node for one place in a workflow, or returns NULL on a problem reported with
   * host->config_error. `config` is valid only during the call. Called at load time, from any
   * thread. OWNERSHIP: the returned node is the plugin's; the host calls destroy_node once. */
  void* (*create)(void* type_data, fh_node_config* config);

  /* The node's ports when they depend on its parameters, as JSON
   * {"inputs":[{"name":..,"description":..}], "outputs":[...], "output_schema":{...}} (any key may
   * be missing; "output_schema", the shape of this node's items when it follows from its parameters,
   * is optional and newer hosts read it), or an empty fh_str for the type's own. OWNERSHIP: the node's; lives until destroy_node. */
  fh_str (*node_ports)(void* node);

  /* Starts one execution of `node` and returns at once. The plugin later calls host->complete(exec)
   * exactly once, from any thread; until then `exec` is live. Called concurrently. */
  void (*execute)(void* node, fh_exec exec);

  /* Frees a node from `create`, once no execution of it is running. */
  void (*destroy_node)(void* node);

  /* Frees `type_data` when the host drops the type (its registry is destroyed). */
  void (*destroy_type)(void* type_data);
} fh_node_type_vtable;

/* One node type as registered. OWNERSHIP: borrowed for the register_node_type call; the host copies
 * `info_json`, keeps `vtable` and takes `type_data` (even when the registration fails: then it
 * calls destroy_type before register_node_type returns). */
typedef struct fh_node_type_def {
  uint32_t struct_size;
  /* {"type":..., "version":N, "description":..., "parameter_schema":{...},
   *  "inputs":[{"name":..,"description":..}], "outputs":[...], "output_schema":{...}} as in
   *  docs/nodes.md "NodeTypeInfo". "output_schema" (the shape of the items the type outputs, see
   *  flowhost/sdk/output_schema.h) is optional: without it the items are open (any field). */
  fh_str info_json;
  const fh_node_type_vtable* vtable;
  void* type_data;
} fh_node_type_def;

/* ---- The host's functions ---------------------------------------------------------------------- */

typedef struct fh_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /* -- Memory -- */
  /* Frees a buffer the host allocated (a zeroed one is fine). */
  void (*free_buffer)(fh_buffer buffer);
  /* Frees an fh_error_out's buffers and zeroes it. */
  void (*free_error)(fh_error_out* error);

  /* -- Registration (only during init, on init's thread) -- */
  /* Registers a node type. 0, or non-zero with the reason in `error` (a duplicate type naming both
   * origins, a malformed schema...). */
  int32_t (*register_node_type)(fh_registrar* registrar, const fh_node_type_def* def,
                                fh_error_out* error);
  /* Says why init failed; the host shows it with the plugin's file name. Borrowed for the call. */
  void (*registrar_error)(fh_registrar* registrar, fh_str message);

  /* -- Node configuration (only during create) -- */
  /* The node's name in its workflow, and its parameters as written (JSON, schema defaults filled in,
   * checked against the schema; an expression is its source text). OWNERSHIP: the host's; valid
   * during create. */
  fh_str (*config_name)(fh_node_config* config);
  fh_str (*config_params)(fh_node_config* config);
  /* Non-zero when the value at JSON pointer `pointer` is computed at run time. */
  int32_t (*config_is_dynamic)(fh_node_config* config, fh_str pointer);
  /* A problem (or a warning) with the parameter at `pointer` ("" for the node). Borrowed. */
  void (*config_error)(fh_node_config* config, fh_str pointer, fh_str message);
  void (*config_warning)(fh_node_config* config, fh_str pointer, fh_str message);

  /* -- One execution: what it is and what it gets -- */
  /* {"node":..., "execution_id":..., "workflow":..., "started_at_unix_ns":N, "attempt":N}.
   * OWNERSHIP: the host's; valid until complete. Empty for a dead token. */
  fh_str (*exec_info)(fh_exec exec);
  /* The items on each input port: a JSON array (one array of items per input). OWNERSHIP: the
   * host's; valid until complete. Empty for a dead token. */
  fh_str (*exec_inputs)(fh_exec exec);
  /* The parameters evaluated for item `item_index` of input 0 (JSON object). 0, or an error. */
  int32_t (*exec_params_for_item)(fh_exec exec, uint64_t item_index, fh_buffer* params,
                                  fh_error_out* error);
  /* Evaluates the deferred parameter at `pointer` for `item_index` with `$json` bound to `json`. */
  int32_t (*exec_evaluate_deferred)(fh_exec exec, fh_str pointer, uint64_t item_index, fh_str json,
                                    fh_buffer* value, fh_error_out* error);
  /* The credential called `name`, one the node's parameters name ("x-credential"). `secret` is the
   * secret, `attributes` a JSON object. Never log the secret. */
  int32_t (*exec_credential)(fh_exec exec, fh_str name, fh_buffer* secret, fh_buffer* attributes,
                             fh_error_out* error);

  /* -- Cancellation -- */
  /* Whether the execution is cancelled (non-zero) and its deadline (FH_TIME_INFINITE: none). When
   * cancelled and `reason` is not NULL, the reason is written there. A dead token reads cancelled. */
  int32_t (*exec_cancelled)(fh_exec exec, int64_t* deadline_unix_ns, fh_error_out* reason);
  /* Calls `fn(user, reason)` once when the execution is cancelled, inline if it already is. Returns
   * an id for exec_cancel_unregister (0 when it ran inline or the token is dead: then `fn` never
   * runs later). Registrations still pending when the plugin completes are dropped uncalled. */
  uint64_t (*exec_on_cancel)(fh_exec exec, fh_cancel_fn fn, void* user);
  /* Removes a registration: non-zero if `fn` will not run; 0 if it has run or is running. */
  int32_t (*exec_cancel_unregister)(fh_exec exec, uint64_t id);

  /* -- Output on the way -- */
  /* Non-zero when a caller listens for streamed tokens. */
  int32_t (*exec_wants_tokens)(fh_exec exec);
  /* A piece of streamed text for input item `item_index`; `kind` "content" or "reasoning". Pieces for
   * one item must be sent from one thread at a time. Borrowed. */
  void (*exec_token_delta)(fh_exec exec, uint64_t item_index, fh_str text, fh_str kind);
  /* One upstream call for the execution record, as JSON {"route","model","provider","outcome",
   * "error_class","error_message","prompt_tokens","completion_tokens","cost_usd","latency_ns",
   * "item_index"} (docs/nodes.md "usage.h"). Before complete. Borrowed. */
  void (*exec_record_attempt)(fh_exec exec, fh_str record_json);
  /* Counts `bytes` of items built against the execution's memory limits; non-zero with
   * RESOURCE_EXHAUSTED when over. */
  int32_t (*exec_reserve_item_bytes)(fh_exec exec, uint64_t bytes, fh_error_out* error);
  /* Structured logging; the host adds the execution, workflow and node. `fields_json` is a JSON
   * object or empty. Borrowed. */
  int32_t (*exec_log_enabled)(fh_exec exec, int32_t level);
  void (*exec_log)(fh_exec exec, int32_t level, fh_str message, fh_str fields_json);

  /* -- Work done for the node by the host -- */
  /* Runs the loaded workflow `workflow` with `inputs_json` as a child execution; `done` gets its
   * output items (a JSON array). `done` runs once, also when the token is dead (with an error). */
  void (*exec_run_workflow)(fh_exec exec, fh_str workflow, fh_str inputs_json, fh_json_done_fn done,
                            void* user);
  /* Runs the node `node` of this workflow (named by an "x-node-ref" parameter) on `input_json` (an
   * array of items); `done` gets its outputs (an array of arrays of items). */
  void (*exec_invoke_node)(fh_exec exec, fh_str node, fh_str input_json, fh_json_done_fn done,
                           void* user);

  /* -- The end of an execution -- */
  /* Completes `exec`: `error` NULL or OK with `outputs_json` a JSON array with one array of items per
   * output port (fewer arrays than outputs: the rest are empty); or an error (INTERNAL when
   * `outputs_json` is malformed). The first completion wins; a later or duplicate one is ignored.
   * Borrowed. */
  void (*complete)(fh_exec exec, const fh_error* error, fh_str outputs_json);

  /* -- The host's services, valid until exit -- */
  fh_scheduler* (*exec_scheduler)(fh_exec exec);
  fh_http* (*exec_http)(fh_exec exec);

  /* The scheduler's clock, in ns since the Unix epoch. */
  int64_t (*scheduler_now)(fh_scheduler* scheduler);
  /* Runs `fn(user)` soon on a host worker thread, never inline. */
  void (*scheduler_post)(fh_scheduler* scheduler, fh_task_fn fn, void* user);
  /* Runs `fn(user)` on a worker once the clock reaches `when_unix_ns`; returns a timer id (never 0). */
  uint64_t (*scheduler_run_at)(fh_scheduler* scheduler, int64_t when_unix_ns, fh_task_fn fn,
                               void* user);
  /* Cancels a timer: non-zero if `fn` will never run (the plugin owns `user` again); 0 if it ran,
   * is running or the id is unknown. */
  int32_t (*scheduler_cancel)(fh_scheduler* scheduler, uint64_t timer);

  /* Sends a request through the host's pooled client (its limits, its stats). `on_chunk` may be NULL
   * unless request->stream_body. `on_done` runs exactly once, on a worker, never inline. OWNERSHIP:
   * the returned call is the plugin's: release it with http_release (the request goes on). */
  fh_http_call* (*http_send)(fh_http* http, const fh_http_request* request,
                             fh_http_chunk_fn on_chunk, fh_http_done_fn on_done, void* user);
  /* Aborts the request if it is still running; on_done then gets CANCELLED. Safe at any time
   * before http_release. */
  void (*http_cancel)(fh_http_call* call);
  void (*http_release)(fh_http_call* call);

  /* ---- ABI 1.1 ---- */

  /* -- Node configuration (only during create) -- */
  /* Non-zero when the parameters are fixed: every execution's exec_params_for_item would return
   * config_params' JSON for every item, because nothing in them is evaluated per run (no
   * expression, or only deferred ones). A node may then read its parameters once, at create, and
   * never call exec_params_for_item. 0 when they may vary, or when the host cannot tell. */
  int32_t (*config_params_fixed)(fh_node_config* config);

  /* ---- ABI 1.2 ---- */

  /* -- The execution's cost budget (the workflow's max_cost_usd), in US dollars -- */
  /* Non-zero when the execution has a budget; what is left of it is then written to `remaining`.
   * 0 without one (or for a dead token). */
  int32_t (*exec_cost_remaining)(fh_exec exec, double* remaining);
  /* Reserves `worst_case_usd` before a paid call; non-zero with RESOURCE_EXHAUSTED (class
   * "limit_exceeded") when it does not fit: then do not make the call. */
  int32_t (*exec_reserve_cost)(fh_exec exec, double worst_case_usd, fh_error_out* error);
  /* After the call: gives back `reserved_usd` (0 when nothing was reserved) and charges
   * `actual_usd`. What is reserved and not settled is given back at complete. */
  void (*exec_settle_cost)(fh_exec exec, double reserved_usd, double actual_usd);

  /* -- Durable timers (docs/executions.md, "Durable waits"), for a node that waits for a time -- */
  /* When this node parked its execution in an earlier run, the wake-up time it asked for, in
   * microseconds since the Unix epoch; 0 when it did not (or for a dead token). */
  int64_t (*exec_durable_timer)(fh_exec exec);
  /* Offers the host to park the execution until `wake_at_unix_micros` instead of keeping it in
   * memory. Non-zero when the host takes it: it then cancels this node (its wait ends as any
   * cancelled wait does) and runs the execution again once due. 0 when it does not: wait as
   * usual. */
  int32_t (*exec_park_until)(fh_exec exec, int64_t wake_at_unix_micros);
} fh_host_api;

/* ---- The plugin's handshake ---------------------------------------------------------------------- */

/* What a plugin says about itself. OWNERSHIP: the plugin's static data; lives until exit. */
typedef struct fh_plugin_info {
  uint32_t struct_size;   /* sizeof(fh_plugin_info) as the plugin was built */
  uint32_t abi_major;     /* FLOWHOST_ABI_MAJOR */
  uint32_t abi_minor;     /* FLOWHOST_ABI_MINOR */
  uint32_t pointer_size;  /* sizeof(void*) */
  const char* fingerprint; /* FLOWHOST_ABI_FINGERPRINT, NUL-terminated */
  const char* name;        /* the plugin's name, e.g. "textkit"; NUL-terminated */
  const char* version;     /* its version, e.g. "1.2.0"; NUL-terminated */
  /* Registers the plugin's node types. `host` lives until exit. Returns 0, or non-zero after
   * host->registrar_error has said why. Called once per host registry, from one thread. */
  int32_t (*init)(const fh_host_api* host, fh_registrar* registrar);
} fh_plugin_info;

/* The one symbol a plugin exports (FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL). */
typedef const fh_plugin_info* (*fh_plugin_handshake_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLOWHOST_PLUGIN_ABI_H_ */
