/* A shared library that is not a flowhost plugin: it exports a function, but no
 * flowhost_plugin_handshake. */
__attribute__((visibility("default"))) int not_a_flowhost_plugin(void) { return 42; }
