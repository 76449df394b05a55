#include "server/plugins/plugin_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/plugins/plugin_init.h"

namespace flowhost::plugins {
namespace {

// The handshake's size in ABI 1.0, the first version: every later minor only adds fields at the
// end.
constexpr size_t kMinimumInfoSize = offsetof(fh_plugin_info, init) + sizeof(fh_plugin_info::init);
// Enough of it to read the version, whatever a later major did to the rest.
constexpr size_t kVersionInfoSize =
    offsetof(fh_plugin_info, abi_minor) + sizeof(fh_plugin_info::abi_minor);

std::string Quoted(const char* text) {
  return text == nullptr ? std::string("(none)") : absl::StrCat("'", text, "'");
}

bool IsEmpty(const char* text) { return text == nullptr || *text == '\0'; }

absl::Status WithPath(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

// What dlopen is given: the path as configured, but never a bare file name, which dlopen would look
// up in the linker's search path (LD_LIBRARY_PATH, the system's libraries) instead of here.
std::string PathForDlopen(const std::string& path) {
  return path.find('/') == std::string::npos ? "./" + path : path;
}

// Whether the file starts like an ELF object; anything else (a text file, an archive) cannot be a
// plugin, and saying so is clearer than the dynamic linker's "invalid ELF header".
absl::Status CheckLooksLikeSharedLibrary(const std::string& path) {
#if defined(__ELF__)
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read it: ", strerror(errno)));
  char magic[4] = {};
  in.read(magic, sizeof(magic));
  if (in.gcount() != sizeof(magic) || std::memcmp(magic,
                                                  "\x7f"
                                                  "ELF",
                                                  sizeof(magic)) != 0) {
    return absl::InvalidArgumentError("not a flowhost plugin: it is not a shared library");
  }
#else
  (void)path;
#endif
  return absl::OkStatus();
}

// Opens the library, finds and checks its handshake. On an error the library is closed again (no
// code of it has run but its constructors and the handshake function).
absl::StatusOr<const fh_plugin_info*> OpenAndCheck(const std::string& path, void*& handle) {
  struct stat file_status;
  if (stat(path.c_str(), &file_status) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return absl::NotFoundError("no such file");
    return absl::FailedPreconditionError(absl::StrCat("cannot read it: ", strerror(errno)));
  }
  if (S_ISDIR(file_status.st_mode)) {
    return absl::InvalidArgumentError("not a flowhost plugin: it is a directory");
  }
  if (absl::Status status = CheckLooksLikeSharedLibrary(path); !status.ok()) return status;

  dlerror();
  handle = dlopen(PathForDlopen(path).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::FailedPreconditionError(absl::StrCat("cannot load it as a shared library: ",
                                                      error == nullptr ? "unknown error" : error));
  }
  auto close = [&handle] {
    dlclose(handle);
    handle = nullptr;
  };
  void* symbol = dlsym(handle, FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL);
  if (symbol == nullptr) {
    close();
    return absl::InvalidArgumentError(
        "not a flowhost plugin: it does not export " FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL
        " (see docs/plugins.md)");
  }
  auto handshake = reinterpret_cast<fh_plugin_handshake_fn>(symbol);
  const fh_plugin_info* info = handshake();
  if (info == nullptr) {
    close();
    return absl::InvalidArgumentError(FLOWHOST_PLUGIN_HANDSHAKE_SYMBOL " returned NULL");
  }
  if (absl::Status status = CheckHandshake(info); !status.ok()) {
    close();
    return status;
  }
  return info;
}

std::set<std::string> TypeNames(const registry::NodeTypeRegistry& registry) {
  std::set<std::string> names;
  for (const auto& type : registry.List()) names.insert(type->info().type);
  return names;
}

}  // namespace

absl::Status CheckHandshake(const fh_plugin_info* info) {
  if (info == nullptr) return absl::InvalidArgumentError("no handshake (NULL)");
  if (info->struct_size < kVersionInfoSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed handshake: fh_plugin_info.struct_size is ", info->struct_size,
                     " bytes, too small to hold even the ABI version"));
  }
  if (info->abi_major != FLOWHOST_ABI_MAJOR) {
    return absl::FailedPreconditionError(absl::StrCat(
        "built for flowhost plugin ABI ", info->abi_major, ".", info->abi_minor,
        ", but this host speaks ABI ", FLOWHOST_ABI_MAJOR, ".", FLOWHOST_ABI_MINOR,
        " (the major versions must match): rebuild the plugin against this host's SDK"));
  }
  if (info->struct_size < kMinimumInfoSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed handshake: fh_plugin_info.struct_size is ", info->struct_size,
                     " bytes, smaller than the ", kMinimumInfoSize, " bytes of ABI ",
                     FLOWHOST_ABI_MAJOR, ".0's fh_plugin_info"));
  }
  if (info->abi_minor > FLOWHOST_ABI_MINOR) {
    return absl::FailedPreconditionError(
        absl::StrCat("built for flowhost plugin ABI ", info->abi_major, ".", info->abi_minor,
                     ", newer than this host's ABI ", FLOWHOST_ABI_MAJOR, ".", FLOWHOST_ABI_MINOR,
                     ": upgrade flowhost, or rebuild the plugin against this host's SDK"));
  }
  if (info->pointer_size != sizeof(void*)) {
    return absl::FailedPreconditionError(absl::StrCat("built with ", info->pointer_size,
                                                      "-byte pointers, but this host uses ",
                                                      sizeof(void*), "-byte pointers"));
  }
  if (info->fingerprint == nullptr ||
      std::strcmp(info->fingerprint, FLOWHOST_ABI_FINGERPRINT) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("refused: the plugin's ABI fingerprint ", Quoted(info->fingerprint),
                     " does not match this host's '", FLOWHOST_ABI_FINGERPRINT,
                     "' (built for another platform or compiler settings)"));
  }
  if (IsEmpty(info->name)) return absl::InvalidArgumentError("malformed handshake: no name");
  if (IsEmpty(info->version)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed handshake: plugin '", info->name, "' has no version"));
  }
  if (info->init == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed handshake: plugin '", info->name, "' has no init function"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedPlugin> LoadPlugin(const std::string& path,
                                        registry::NodeTypeRegistry& registry) {
  if (path.empty()) return absl::InvalidArgumentError("a plugin path is empty");
  void* handle = nullptr;
  absl::StatusOr<const fh_plugin_info*> info = OpenAndCheck(path, handle);
  if (!info.ok()) return WithPath(path, info.status());

  LoadedPlugin plugin;
  plugin.path = path;
  plugin.name = (*info)->name;
  plugin.version = (*info)->version;
  plugin.abi_major = (*info)->abi_major;
  plugin.abi_minor = (*info)->abi_minor;
  registry::NodeOrigin origin{path, plugin.name, plugin.version};

  // From here on the library stays open until exit, whatever init says: types it registered before
  // failing stay in the registry, and their tables point into it.
  std::set<std::string> before = TypeNames(registry);
  absl::Status status = InitPlugin(**info, origin, registry);
  if (!status.ok()) {
    // InitPlugin says what went wrong about "its" initialisation; this names whose.
    return absl::Status(status.code(), absl::StrCat(path, ": plugin ", plugin.name, " ",
                                                    plugin.version, ": ", status.message()));
  }
  for (const std::string& name : TypeNames(registry)) {
    if (before.count(name) == 0) plugin.node_types.push_back(name);
  }
  return plugin;
}

absl::StatusOr<std::vector<LoadedPlugin>> LoadPlugins(const std::vector<std::string>& paths,
                                                      registry::NodeTypeRegistry& registry) {
  std::vector<LoadedPlugin> loaded;
  std::set<std::pair<dev_t, ino_t>> files;
  for (const std::string& path : paths) {
    struct stat file_status;
    if (!path.empty() && stat(path.c_str(), &file_status) == 0 &&
        !files.emplace(file_status.st_dev, file_status.st_ino).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": this plugin is already listed (plugins are loaded once)"));
    }
    absl::StatusOr<LoadedPlugin> plugin = LoadPlugin(path, registry);
    if (!plugin.ok()) return plugin.status();
    loaded.push_back(*std::move(plugin));
  }
  return loaded;
}

}  // namespace flowhost::plugins
