// The series of one prometheus-cpp family, found by their label values without building a label
// map, hashing it and taking the family's lock on every update: prometheus-cpp's Family::Add does
// all three per call, and a finished execution updates about ten series.
//
// A series is made (through the caller's `make`, which bounds the values and calls Family::Add) the
// first time its values are seen, and found by a shared-lock lookup after that. Series live as long
// as their family (HostMetrics never removes one), so the pointers kept here stay valid. At most
// kMaxEntries keys are kept: past that, values are looked up through `make` each time, so callers
// that cycle through unbounded values (which `make` folds into "other") cannot grow it without end.
//
// Ownership: owned by HostMetrics beside the family it indexes. Thread-safety: Get may be called
// from any thread.
#ifndef FLOWHOST_SERVER_METRICS_SERIES_CACHE_H_
#define FLOWHOST_SERVER_METRICS_SERIES_CACHE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace flowhost::metrics {

template <typename Series>
class SeriesCache {
 public:
  static constexpr size_t kMaxEntries = 4096;

  // A family's label names and values, in a fixed order per family: only the values make the key.
  using Labels = std::initializer_list<std::pair<const char*, std::string_view>>;

  // The series for `labels`; `make` gives it the first time.
  Series& Get(Labels labels, absl::FunctionRef<Series&()> make) {
    thread_local std::string key;  // reused: no allocation per lookup once it has grown
    key.clear();
    for (const auto& [name, value] : labels) {  // length-prefixed: any bytes, no two lists alike
      const auto size = static_cast<uint32_t>(value.size());
      key.append(reinterpret_cast<const char*>(&size), sizeof size);
      key.append(value);
    }
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = series_.find(key); it != series_.end()) return *it->second;
    }
    Series& series = make();
    absl::MutexLock lock(&mu_);
    if (series_.size() < kMaxEntries) series_.try_emplace(key, &series);
    return series;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Series*> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::metrics

#endif  // FLOWHOST_SERVER_METRICS_SERIES_CACHE_H_
