// What items cost in memory, estimated cheaply enough to measure every item a node produces: the
// host bounds the bytes of items an execution holds (and all executions together) with it, and a
// node that builds many or large items reports them as it goes (NodeContext::ReserveItemBytes) so
// that the bound stops it before its output is complete.
//
// The estimate follows the layout of nlohmann::json with libstdc++: 16 bytes for every value, plus
// a string's object and characters, an array's vector, an object's map and, per member, its tree
// node and key. It walks the value once, without serializing it and without recursion, so a deeply
// nested value is as safe to measure as a flat one.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_ITEM_BYTES_H_
#define FLOWHOST_SDK_ITEM_BYTES_H_

#include <cstddef>

#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// The estimated bytes `item` takes in memory, itself included.
size_t ItemBytes(const Json& item);

// The ItemBytes of every item of `items`, summed.
size_t ItemsBytes(const Items& items);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_ITEM_BYTES_H_
