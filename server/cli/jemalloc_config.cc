// jemalloc's start-up options for the `flowhost` binary (linked in only when the binary allocates
// with jemalloc; see FLOWHOST_JEMALLOC in the top-level CMakeLists.txt). jemalloc reads this
// symbol before its first allocation; the MALLOC_CONF environment variable still overrides it.
//
// dirty_decay_ms: freed pages go back to the kernel after 1 s instead of jemalloc's 10 s. Every
// execution allocates and frees its state, so under a burst the pages freed in the last 10 s
// were all still counted in RSS: with 10,000 executions in flight (bench/scenarios/concurrency.sh)
// peak RSS 587 -> 446 MiB, throughput unchanged. muzzy_decay_ms: 0 skips the lazy-free stage.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
