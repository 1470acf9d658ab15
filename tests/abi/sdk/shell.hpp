// File: shell.hpp
// Runs a shell command for the ABI tests and captures its output and exit code.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <sys/wait.h>

namespace claimgate::sdk::abi {

struct ShellResult {
    int exit_code = -1;
    std::string output;
};

inline ShellResult runShell(const std::string& command) {
    ShellResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    std::size_t read = 0;
    while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), read);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline std::filesystem::path makeTempDir(const std::string& tag) {
    std::random_device random;
    auto path = std::filesystem::temp_directory_path() /
                ("cg-" + tag + "-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path);
    return path;
}

}  // namespace claimgate::sdk::abi
