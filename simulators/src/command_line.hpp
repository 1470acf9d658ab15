// File: command_line.hpp
// The one rule of the simulators' command lines: an option's value follows it as the next word
// or after '=' (`--count 5`, `--count=5`).
#pragma once

#include <string>

namespace claimgate::simulators {

/// `flag` holds argv[i]. Splits "--name=value", or takes argv[i + 1] as the value (and moves
/// `i` past it). False when the value is missing.
[[nodiscard]] inline bool takeOptionValue(int argc, char** argv, int& i, std::string& flag,
                                          std::string& value) {
    const auto equals = flag.find('=');
    if (flag.rfind("--", 0) == 0 && equals != std::string::npos) {
        value = flag.substr(equals + 1);
        flag.resize(equals);
        return true;
    }
    if (i + 1 < argc) {
        value = argv[++i];
        return true;
    }
    return false;
}

}  // namespace claimgate::simulators
