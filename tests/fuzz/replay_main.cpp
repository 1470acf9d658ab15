// The fuzz targets without libFuzzer: runs every file under the given files or directories (the
// seed corpus and the regression inputs of tests/fuzz/) through LLVMFuzzerTestOneInput once.
// Built with the normal compiler, so `make test` and the sanitizer stages replay every input
// that ever crashed a parser. Fails when it finds no input at all (a test must test something).
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path root(argv[i]);
        if (std::filesystem::is_directory(root)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
                if (entry.is_regular_file()) inputs.push_back(entry.path());
            }
        } else if (std::filesystem::is_regular_file(root)) {
            inputs.push_back(root);
        }
    }
    std::sort(inputs.begin(), inputs.end());
    if (inputs.empty()) {
        std::fprintf(stderr, "fuzz replay: no inputs found\n");
        return 2;
    }
    for (const auto& path : inputs) {
        std::string bytes;
        if (FILE* file = std::fopen(path.c_str(), "rb")) {
            char buffer[4096];
            std::size_t n = 0;
            while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) bytes.append(buffer, n);
            std::fclose(file);
        }
        std::fprintf(stderr, "fuzz replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("fuzz replay: %zu inputs, no crash\n", inputs.size());
    return 0;
}
