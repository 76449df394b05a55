// The corpus replay for the ordinary builds (dev, asan: g++, no libFuzzer): feeds every file found
// under the paths on the command line (directories are walked recursively) to the target's
// LLVMFuzzerTestOneInput, one at a time and in name order, exactly as libFuzzer replays a corpus.
// Each input sits in a heap buffer of its exact size, so AddressSanitizer sees a read past its end.
//
// Exits 1 when a path does not exist or no input was found, so an empty corpus cannot pass.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool CollectInputs(const fs::path& path, std::vector<fs::path>& inputs) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    inputs.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, error)) {
    std::cerr << "replay: " << path << " is neither a file nor a directory\n";
    return false;
  }
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) inputs.push_back(entry.path());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!CollectInputs(argv[i], inputs)) return 1;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const fs::path& input : inputs) {
    std::ifstream stream(input, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(stream)),
                            std::istreambuf_iterator<char>());
    if (!stream.eof() && stream.fail()) {
      std::cerr << "replay: cannot read " << input << "\n";
      return 1;
    }
    std::cerr << "replay: " << input.filename().string() << " (" << bytes.size() << " bytes)\n";
    auto buffer = std::make_unique<uint8_t[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), buffer.get());
    LLVMFuzzerTestOneInput(buffer.get(), bytes.size());
  }
  if (inputs.empty()) {
    std::cerr << "replay: no input found\n";
    return 1;
  }
  std::cout << "replayed " << inputs.size() << " inputs\n";
  return 0;
}
